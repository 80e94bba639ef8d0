"""A built site folder as a source of the page pipeline: every .html/.htm file is a page.

Each file becomes a Fetched record (read_file) that pipeline.read and
pipeline.build_page turn into a page, as for every other source. Files are
parsed in worker processes when the site is large enough for that to pay off;
each worker returns pages already reduced to numbered links and metadata
(linktable.py), so the HTML never reaches the parent process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from array import array
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..model import Page
from ..config import display_path
from ..quiet_numpy import import_numpy
from .cache import CrawlCache, Shard
from .linktable import LinkFields, LinkReceiver, LinkTable, Packed
from .pipeline import Fetched, build_page, read
from .urls import FolderResolver, is_html_file, page_url_for_file

# A process pool costs ~15 ms to start and hand pages back, more than it saves
# on a small site, unless the pages are large: sphinx-doc's 137 pages are 7.7 MB
# (a 0.9 MB changelog among them), 0.37 s parsed here against 0.22 s by two
# workers; 50 generated pages of 2.6 MB take 40 ms here, 43 ms with a pool
# (benchmarks/README.md, "small sites of large pages").
PARALLEL_THRESHOLD = 400  # pages
PARALLEL_BYTES = 3_000_000  # HTML bytes, for sites of fewer pages
CHUNK = 256  # most pages a worker takes at once
# From this many files the workers start after numpy is imported, so they count
# a page's "<" with it (nesting.tags_at_most): bytes.count costs ~0.6 us a KB
# more, ~30 ms of a worker's time per 1,000 pages of 50 KB, and importing numpy
# first holds the workers back by its import (~0.09 s). Below, they start at once.
NUMPY_BEFORE_WORKERS = 3_000
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules"})


class FolderError(Exception):
    """The folder can't be crawled at all (missing, not a directory)."""


# Bounds on listing a folder, whatever its symlinks do: directory entries looked
# at in all, and paths through which one real folder (device and inode) is
# listed. Symlinked aliases (latest -> v2) are real sites' habit; links that
# fan out (several to the same folders at every level) multiply paths, not files.
MAX_ENTRIES = 2_000_000
MAX_PATHS_PER_FOLDER = 8
# Never a site: the kernel's file systems, and a whole system's folders.
SPECIAL_ROOTS = ("/proc", "/sys", "/dev")
SYSTEM_FOLDERS = frozenset({"/", "/bin", "/boot", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt", "/root",
                            "/run", "/sbin", "/srv", "/usr", "/var", "/mnt", "/media", "/snap"})


def check_root(root: Path) -> None:
    """FolderError when root is a whole file system, a system folder or a special file system."""
    try:
        real = root.resolve()
        dev = real.stat().st_dev
    except (OSError, RuntimeError):
        return  # missing or unreadable: the listing says so
    if os.sep == "/" and str(real) in SYSTEM_FOLDERS:
        raise FolderError(
            f"site.root: {display_path(root)} is a system folder ({real}), not a built site; "
            "set it to the folder your site generator writes"
        )
    for special in _special_devices():
        if dev == special[1] or str(real).startswith(special[0] + "/") or str(real) == special[0]:
            raise FolderError(
                f"site.root: {display_path(root)} is on {special[0]}, a special file system, not a built site; "
                "set it to the folder your site generator writes"
            )


def _special_devices() -> list[tuple[str, int]]:
    """(path, device) of /proc, /sys and /dev where each is a file system of its own."""
    out = []
    try:
        system = os.stat("/").st_dev
    except OSError:  # pragma: no cover - not a POSIX system
        return out
    for path in SPECIAL_ROOTS:
        try:
            dev = os.stat(path).st_dev
        except OSError:
            continue
        if dev != system:  # a plain folder on the root file system (a chroot): only its path counts
            out.append((path, dev))
        else:
            out.append((path, -1))
    return out


class _Listing:
    """What one listing has seen: entries, real folders by (device, inode), special devices."""

    def __init__(self, real_root: Path) -> None:
        self.real_root = real_root
        self.entries = 0
        self.folders: dict[tuple[int, int], list] = {}  # (dev, ino) -> [paths listed, first path]
        self.special = {dev for _, dev in _special_devices() if dev != -1}
        self.stopped = False


def list_files(root: Path) -> tuple[list[str], list[str]]:
    """All files below root as POSIX paths relative to it, and what was skipped.

    Symlinks are followed only when they stay inside the folder: a crawl never
    reads a file outside the site. A symlinked folder that contains itself
    (``a/again -> ..``) is skipped: following it would list the site forever.
    One real folder is listed through at most MAX_PATHS_PER_FOLDER paths, and
    at most MAX_ENTRIES entries are looked at; what is left out is named.
    """
    if not root.is_dir():
        raise FolderError(f"{root} is not a directory")
    check_root(root)
    state = _Listing(root.resolve())
    files: list[str] = []
    skipped: list[str] = []
    try:
        info = os.stat(root)
    except OSError:
        raise FolderError(f"{root} is not a directory") from None
    state.folders[(info.st_dev, info.st_ino)] = [1, ""]
    _walk(os.fspath(root), info.st_dev, state, files, skipped)
    return files, skipped


def _walk(root: str, root_dev: int, state: _Listing, files: list[str], skipped: list[str]) -> None:
    """Each folder, then its subfolders, in the order os.walk takes them (without recursion).

    Directory entries, unlike os.walk's names, know whether they are files or
    symlinks without a stat() each: two system calls per page saved, which
    at 100k pages was seconds before the crawl could start. Symlinked folders
    go on the same stack as real ones, with the folders above them, so no
    depth of links can exhaust Python's recursion.
    """
    real_root = state.real_root
    # (folder, its path in the site, folders above a symlinked one, its device)
    todo: list[tuple[str, str, frozenset[Path], int]] = [(root, "", frozenset(), root_dev)]
    while todo:
        dirpath, rel_dir, ancestors, dev = todo.pop()
        try:
            with os.scandir(dirpath) as it:
                entries = list(it)
        except OSError as exc:
            # Unreadable, or deeper than the system's path limit: named, never dropped silently.
            skipped.append(f"{rel_dir or './'} (folder could not be listed: {exc.strerror or exc})")
            continue
        state.entries += len(entries)
        if state.entries > MAX_ENTRIES:
            skipped.append(
                f"{rel_dir or './'} and every folder not listed yet (the listing stopped after "
                f"{MAX_ENTRIES:,} entries; is site.root the built site?)"
            )
            return
        dirs, names = [], []
        for entry in entries:
            (dirs if _is(entry.is_dir) else names).append(entry)
        keep = []
        # Real folders first, so a folder counts its own path before any alias of it.
        for link, entry in sorted(((_is(e.is_symlink), e) for e in dirs), key=lambda le: (le[0], le[1].name)):
            d = entry.name
            if d in SKIP_DIRS:
                continue
            above = ancestors
            if link:
                full = Path(entry.path)
                if not _inside(full, real_root):
                    skipped.append(f"{rel_dir}{d}/ (symlink pointing outside the site folder)")
                    continue
                here = Path(dirpath).resolve()
                above = ancestors | {here, *here.parents}
                if full.resolve() in above:
                    skipped.append(f"{rel_dir}{d}/ (symlink to a folder that contains it)")
                    continue
            found = _real_folder(entry, link, dev, rel_dir + d + "/", state)
            if isinstance(found, str):
                skipped.append(f"{rel_dir}{d}/ ({found})")
                continue
            keep.append((entry.path, rel_dir + d + "/", above, found))
        keep.sort(key=lambda item: item[1])  # listed in name order, as os.walk lists
        for entry in sorted(names, key=_name):
            name = entry.name
            link = _is(entry.is_symlink)
            if link and not _inside(Path(entry.path), real_root):
                skipped.append(f"{rel_dir}{name} (symlink pointing outside the site folder)")
                continue
            if not _is(entry.is_file):
                # A FIFO would block the read forever; a socket or device is no page.
                what = "broken symlink" if link else "not a regular file"
                skipped.append(f"{rel_dir}{name} ({what})")
                continue
            files.append(rel_dir + name)
        todo.extend(reversed(keep))


def _real_folder(entry: os.DirEntry, link: bool, dev: int, rel: str, state: _Listing) -> int | str:
    """The folder's device when it is to be listed; else why not (a special file system, or listed through enough paths).

    A real subfolder is on its parent's device and its inode comes with the
    directory entry: no system call. Only a symlink is stat()ed, to find the
    folder it names.
    """
    try:
        if link:
            info = entry.stat()  # follows the symlink: the real folder
            dev, ino = info.st_dev, info.st_ino
        else:
            ino = entry.inode()
    except OSError:
        return dev
    if dev in state.special:
        return "on a special file system such as /proc, not part of a site"
    key = (dev, ino)
    seen = state.folders.get(key)
    if seen is None:
        state.folders[key] = [1, rel]
        return dev
    if seen[0] >= MAX_PATHS_PER_FOLDER:
        first = seen[1] or "./"
        return f"the same folder as {first}, already listed through {MAX_PATHS_PER_FOLDER} paths (symlinks)"
    seen[0] += 1
    return dev


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _is(test: Callable[[], bool]) -> bool:
    """A DirEntry test that answers False when the entry vanished or can't be examined (as pathlib does)."""
    try:
        return test()
    except OSError:
        return False


def _inside(path: Path, real_root: Path) -> bool:
    try:
        path.resolve().relative_to(real_root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def read_file(
    root: Path,
    relpath: str,
    max_bytes: int,
    selectors: Mapping[str, str] | None = None,
    cache: Shard | None = None,
) -> Fetched:
    """The folder as a source: one file as the pipeline's Fetched record.

    With a cache shard, an unchanged file comes back already extracted
    (``raw``), and a changed one is extracted here so the shard keeps it.
    A file that can't be read comes back with ``error`` set.
    Plain os calls: pathlib and a buffered file cost six times the reading itself.
    """
    url = page_url_for_file(relpath)
    path = os.path.join(root, relpath)
    try:
        stat = os.stat(path)
        size = stat.st_size
        stamp = (stat.st_mtime_ns, stat.st_ctime_ns)  # a restored mtime alone doesn't hide a rewrite
        if size > max_bytes:
            if cache is not None:
                cache.skip(relpath)
            return Fetched(url, relpath, error=f"file is {size:,} bytes, over the {max_bytes:,}-byte page limit (site.max_page_bytes); its links were not read")
        if cache is not None:
            raw = cache.lookup(relpath, size, stamp)
            if raw is not None:
                return Fetched(url, relpath, raw=raw)
        data = _read_at_most(path, size, max_bytes + 1)  # the file may have grown since stat()
        if len(data) > max_bytes:
            if cache is not None:
                cache.skip(relpath)
            return Fetched(url, relpath, error=f"file is over the {max_bytes:,}-byte page limit (site.max_page_bytes); its links were not read")
    except OSError as exc:
        if cache is not None:
            cache.skip(relpath)
        return Fetched(url, relpath, error=f"could not read file: {exc.strerror or exc}")
    fetched = Fetched(url, relpath, body=data)
    if cache is not None:
        fetched.raw = cache.parse(relpath, size, stamp, data, lambda d: read(fetched, selectors))
    return fetched


def _read_at_most(path: str, expected: int, limit: int) -> bytes:
    """Up to ``limit`` bytes of a file expected to hold ``expected`` bytes."""
    fd = os.open(path, os.O_RDONLY)
    try:
        parts = [os.read(fd, min(expected + 1, limit))]
        total = len(parts[0])
        while total > expected and total < limit:  # it grew: read on to the limit or its end
            more = os.read(fd, min(1 << 20, limit - total))
            if not more:
                break
            parts.append(more)
            total += len(more)
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


# Worker-process state, set once per worker by _init_worker (fork copies it).
_worker: tuple[Path, FolderResolver, int, Mapping[str, str] | None] | None = None
_table = LinkTable()
_memo: dict = {}
_cache: CrawlCache | None = None


def _init_worker(
    root: Path,
    resolver: FolderResolver,
    max_bytes: int,
    selectors: Mapping[str, str] | None = None,
    cache: CrawlCache | None = None,
) -> None:
    global _worker, _table, _memo, _cache
    from .allocator import keep_freed_memory  # in the worker: ctypes need not delay its fork

    keep_freed_memory()  # parsing runs half as fast when each page's tree goes back to the kernel
    _worker = (root, resolver, max_bytes, selectors)
    _table = LinkTable()
    _memo = {}  # holds numbers of _table, so it starts afresh with it
    _cache = cache


def _read_chunk(job: tuple[int, list[str]]) -> tuple[int, list[LinkFields], list[Packed], int]:
    """Read one chunk in a worker: its id, the links new to the parent, the packed pages, pages parsed."""
    assert _worker is not None
    root, resolver, max_bytes, selectors = _worker
    number, relpaths = job
    shard = _cache.shard(number) if _cache is not None else None
    packed: list[Packed] = []
    for rel in relpaths:
        fetched = read_file(root, rel, max_bytes, selectors, shard)
        raw = read(fetched, selectors)
        page, links, broken = build_page(fetched.url, rel, raw, resolver, _table.number, _memo)
        packed.append((page, array("I", links), array("I", broken)))
    if shard is not None:
        shard.save()
    parsed = shard.parsed if shard is not None else len(relpaths)
    return os.getpid(), _table.new_links(), packed, parsed  # new_links() after numbering the chunk


# Files per Dask task: a task costs the scheduler ~1 ms, a page ~1 ms to parse.
DASK_CHUNK = 2_000


def _folder_shard(job: tuple[int, list[str]], shared: tuple[Path, FolderResolver, int, Mapping[str, str] | None]) -> tuple[int, list[LinkFields], list[Packed]]:
    """One shard of files on a Dask worker: its number, its link table, its packed pages (a table and memo of its own)."""
    root, resolver, max_bytes, selectors = shared
    number, relpaths = job
    table = LinkTable()
    memo: dict = {}
    packed: list[Packed] = []
    for rel in relpaths:
        fetched = read_file(root, rel, max_bytes, selectors)
        page, links, broken = build_page(fetched.url, rel, read(fetched, selectors), resolver, table.number, memo)
        packed.append((page, array("I", links), array("I", broken)))
    return number, table.new_links(), packed


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _worth_a_pool(root: Path, html_files: list[str]) -> bool:
    """Whether worker processes parse these pages sooner than this process would: many pages, or few large ones."""
    if len(html_files) >= PARALLEL_THRESHOLD:
        return True
    total = 0
    for rel in html_files:  # fewer than PARALLEL_THRESHOLD stats: well under a millisecond
        try:
            total += os.stat(root / rel).st_size
        except OSError:
            continue  # read_file reports it
        if total >= PARALLEL_BYTES:
            return True
    return False


def _chunk_size(pages: int, workers: int) -> int:
    """Pages per chunk: at most CHUNK, and at least two chunks per worker, all near the same size.

    Each worker takes the next chunk when it is done, so 600 pages in chunks
    of 256, 256 and 88 left one worker idle for the last quarter of it (236 against
    219 ms in four of 150); two chunks per worker even out pages of unlike
    sizes (sphinx-doc: 299 ms in two chunks, 223 in four). A chunk costs a few
    milliseconds to hand back, so 1,000 pages stay in four (345 ms; eight: 364).
    """
    chunks = workers * max(2, -(-pages // (workers * CHUNK)))
    return max(1, -(-pages // chunks))


def crawl_folder(root: Path, origins: Iterable[str] = (), **options: Any) -> tuple[dict[str, Page], list[str]]:
    """Read every HTML file under root. Returns pages by URL and notes on what was skipped.

    ``options`` are FolderParse's; this is a parse begun and taken at once.
    """
    return FolderParse(root, origins, **options).result()


class FolderParse:
    """A folder's files being parsed: workers start at construction, result() takes their pages.

    Starting and taking are apart so the parse can begin before anything needs
    it: pytest-linkrules begins it before importing numpy and the modules that
    build the graph and run the rules, and on two cores the workers parse on
    the core those imports would leave idle. close() stops the workers of a
    parse whose result is never taken.

    ``selectors`` (role name -> CSS selector) are tested on every page; the
    names that match end up in ``Page.roles``. With ``cache_dir``, pages whose
    bytes are unchanged since the last crawl are not parsed again (see cache.py).
    With ``dask`` (an address, or "local"), shards of DASK_CHUNK files are
    parsed on that Dask cluster (crawl/shards.py), which must see the folder
    at the same path; the per-page cache is not used there.
    """

    def __init__(
        self,
        root: Path,
        origins: Iterable[str] = (),
        *,
        workers: int | None = None,
        max_bytes: int = 20 * 1024 * 1024,
        max_pages: int | None = None,
        selectors: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
        dask: str = "",
    ) -> None:
        files, self.notes = list_files(root)
        resolver = FolderResolver(files, origins)
        html_files = [f for f in files if is_html_file(f)]
        if max_pages is not None and len(html_files) > max_pages:
            self.notes.append(f"{len(html_files):,} HTML files found; only the first {max_pages:,} were read (site.max_pages)")
            html_files = html_files[:max_pages]
        self._shared = (root, resolver, max_bytes, selectors)
        self._html_files = html_files
        self._dask = dask
        self._pool: ProcessPoolExecutor | None = None
        self._cache = CrawlCache.for_site(cache_dir, root, max_bytes, selectors) if cache_dir is not None else None
        self._results: Iterable[tuple[int, list[LinkFields], list[Packed], int]] = ()
        workers = workers or min(os.cpu_count() or 1, 8)
        parallel = workers > 1 and not dask and _worth_a_pool(root, html_files)
        self._chunks = list(enumerate(_chunks(html_files, _chunk_size(len(html_files), workers) if parallel else CHUNK)))
        if dask:
            return
        if not parallel:
            _init_worker(*self._shared, self._cache)
            self._results = map(_read_chunk, self._chunks)  # lazy: parsed by result(), here
        else:
            if len(html_files) >= NUMPY_BEFORE_WORKERS:
                import_numpy()
            ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
            self._pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(*self._shared, self._cache))
            # map() yields in submission order, and each worker takes chunks in
            # that order too, so a chunk's link numbers are always known here.
            # It submits every chunk, so the workers exist (with the collector
            # on) before it is paused in result().
            self._results = self._pool.map(_read_chunk, self._chunks)

    def result(self) -> tuple[dict[str, Page], list[str]]:
        """Pages by URL and notes on what was skipped; waits for the workers. Once only."""
        pages: dict[str, Page] = {}
        notes = self.notes
        if self._dask:
            return self._on_dask(pages, notes)
        parsed = 0
        try:
            receiver = LinkReceiver()
            with _collector_paused():
                for worker, new_links, chunk, n_parsed in self._results:
                    receiver.receive(worker, new_links)
                    parsed += n_parsed
                    for packed in chunk:
                        _add_page(pages, receiver.unpack(worker, packed), notes)
        finally:
            self.close()
        if self._cache is not None:
            self._cache.prune(len(self._chunks))
            notes.append(
                f"crawl cache: {parsed:,} of {len(self._html_files):,} pages parsed, the rest unchanged since the last run "
                f"({display_path(self._cache.folder)})"
            )
        return pages, notes

    def close(self) -> None:
        """Stop the workers (what they have not started is dropped); nothing to do once result() returned."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _on_dask(self, pages: dict[str, Page], notes: list[str]) -> tuple[dict[str, Page], list[str]]:
        from .shards import ShardError, run_shards

        shards = list(enumerate(_chunks(self._html_files, DASK_CHUNK)))
        receiver = LinkReceiver()
        try:
            for number, new_links, chunk in run_shards(_folder_shard, shards, self._shared, dask=self._dask):
                receiver.receive(number, new_links)
                for packed in chunk:
                    _add_page(pages, receiver.unpack(number, packed), notes)
        except ShardError as exc:
            raise FolderError(str(exc)) from None
        if self._cache is not None:
            notes.append("crawl cache: not used for pages parsed on Dask (its workers may not see this machine's cache folder)")
        return pages, notes


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic collector off while this process takes in the workers' pages.

    Every page and link taken in lives as long as the crawl's result, yet each
    full collection walked all of them again: 16 of them, 4.4 s of this
    process's 14-16 s of CPU on the 100k generated folder, on the cores the
    workers parse on (the crawl 64-69 s -> 58-60 s without). Pages, links and
    link tables hold no cycles, so nothing waits for the collector; it runs
    again afterwards (and the plugin then freezes the crawl: plugin._freeze).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _add_page(pages: dict[str, Page], page: Page, notes: list[str]) -> None:
    # about/index.html and about.html can't both be /about/; keep the first.
    if page.url in pages:
        notes.append(f"{page.source} has the same URL as {pages[page.url].source} ({page.url}); ignored")
        return
    pages[page.url] = page


def page_folders(root: Path, sources: Iterable[str], keep: Iterable[Path] = ()) -> set[str]:
    """The site's folders pytest would walk into looking for tests, as absolute path strings, to skip.

    Walking a 100k-page build folder for test files took pytest longer than
    the crawl. Folders in ``keep`` (those holding a linkrules.toml) and their
    parents stay collectable. pytest reaches a folder only through its parent,
    so the highest folder holding pages below each kept one is enough: the
    site's root itself when no config lives inside it, else a few folders
    next to the config. (A set of every folder of pages cost ~8 s at 1M pages.)
    """
    base = str(root)
    kept = set()
    for path in keep:
        for folder in (path, *path.parents):
            if folder == root or root in folder.parents:
                kept.add(folder.relative_to(root).as_posix() if folder != root else "")
    folders: set[str] = set()
    if "" not in kept:
        return {base} if any(True for _ in sources) else set()
    for source in sources:
        head, rest = "", source
        while True:
            first, slash, rest = rest.partition("/")
            if not slash:
                break  # a page in a kept folder: nothing to skip for it
            head = f"{head}/{first}" if head else first
            if head not in kept:
                folders.add(head)
                break
    return {os.path.join(base, *rel.split("/")) for rel in folders}
