"""Crawl a built site folder: every .html/.htm file is a page.

Files are parsed in worker processes when the site is large enough for that to
pay off; each worker returns pages already reduced to links and metadata, so
the HTML never reaches the parent process.
"""

from __future__ import annotations

import multiprocessing
import os
import posixpath
import re
from array import array
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, TypeVar

from ..model import CONTENT, NOFOLLOW, REDIRECT, Link, Page
from ..config import display_path
from .allocator import keep_freed_memory
from .cache import CrawlCache, Shard
from .extract import RawPage, extract, robots_tokens
from .linktable import LinkFields, LinkReceiver, LinkTable, Packed
from .urls import FolderResolver, base_for_page, is_html_file, page_url_for_file, same_on_every_page

T = TypeVar("T")

# An href with a scheme ("https:", "mailto:") or a host ("//cdn.example/").
_ABSOLUTE = re.compile(r"\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")

# Below this many pages a process pool costs more than it saves.
PARALLEL_THRESHOLD = 400
CHUNK = 256
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules"})


class FolderError(Exception):
    """The folder can't be crawled at all (missing, not a directory)."""


def list_files(
    root: Path, *, _real_root: Path | None = None, _ancestors: frozenset[Path] = frozenset()
) -> tuple[list[str], list[str]]:
    """All files below root as POSIX paths relative to it, and what was skipped.

    Symlinks are followed only when they stay inside the folder: a crawl never
    reads a file outside the site. A symlinked folder that contains itself
    (``a/again -> ..``) is skipped: following it would list the site forever.
    """
    if not root.is_dir():
        raise FolderError(f"{root} is not a directory")
    real_root = _real_root or root.resolve()
    files: list[str] = []
    skipped: list[str] = []
    _walk(os.fspath(root), real_root, _ancestors, files, skipped)
    return files, skipped


def _walk(root: str, real_root: Path, ancestors: frozenset[Path], files: list[str], skipped: list[str]) -> None:
    """Each folder, then its subfolders, in the order os.walk takes them (without recursion).

    Directory entries, unlike os.walk's names, know whether they are files or
    symlinks without a stat() each: two system calls per page saved, which
    at 100k pages was seconds before the crawl could start.
    """
    todo = [(root, "")]
    while todo:
        dirpath, rel_dir = todo.pop()
        try:
            with os.scandir(dirpath) as it:
                entries = list(it)
        except OSError:
            continue  # unreadable: skipped, as os.walk does
        dirs, names = [], []
        for entry in entries:
            (dirs if _is(entry.is_dir) else names).append(entry)
        keep = []
        for entry in sorted(dirs, key=_name):
            d = entry.name
            if d in SKIP_DIRS:
                continue
            if _is(entry.is_symlink):
                full = Path(entry.path)
                if not _inside(full, real_root):
                    skipped.append(f"{rel_dir}{d}/ (symlink pointing outside the site folder)")
                    continue
                here = Path(dirpath).resolve()
                above = ancestors | {here, *here.parents}
                if full.resolve() in above:
                    skipped.append(f"{rel_dir}{d}/ (symlink to a folder that contains it)")
                    continue
                # A symlinked folder is listed from its own root, like a site of its own.
                sub_files, sub_skipped = list_files(full, _real_root=real_root, _ancestors=above)
                files.extend(rel_dir + d + "/" + f for f in sub_files)
                skipped.extend(rel_dir + d + "/" + s for s in sub_skipped)
                continue
            keep.append(entry)
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
        todo.extend((entry.path, rel_dir + entry.name + "/") for entry in reversed(keep))


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


def page_from_raw(
    url: str, source: str, raw: RawPage, resolver: FolderResolver, *, link: Callable[[str, str, str, int], Link] = Link
) -> Page:
    """Resolve a parsed page's hrefs into links between site pages.

    ``link`` makes the Link objects (a crawl shares equal ones between pages).
    """
    page, links, broken = resolve_page(url, source, raw, resolver, link)
    return replace(page, links=tuple(links), broken=tuple(broken))


# Raw links remembered per crawl worker, mapped straight to their result.
MEMO_SIZE = 200_000


def resolve_page(
    url: str,
    source: str,
    raw: RawPage,
    resolver: FolderResolver,
    link: Callable[[str, str, str, int], T],
    memo: dict[tuple[str, str, bool, bool], tuple[int, T | None]] | None = None,
) -> tuple[Page, list[T], list[T]]:
    """The page without its links, then its links and its broken links as ``link`` makes them.

    ``memo`` remembers what each raw link (href, anchor, chrome, nofollow)
    became, for hrefs that resolve the same on every page: nav, footer and
    sidebar links repeat on every page of a site, and one dict lookup then
    replaces resolving, flagging and numbering them again (most of the
    crawl's Python work per link, ~85 links a page).
    """
    if raw.error:
        return Page(url=url, source=source, error=raw.error), [], []
    robots = robots_tokens(raw.robots)
    noindex = bool(robots & {"noindex", "none"})
    page_nofollow = bool(robots & {"nofollow", "none"})
    base = base_for_page(url, raw.base, resolver)

    def resolve(href: str) -> tuple[str, str]:
        # Links, the refresh target and the canonical all resolve against <base>.
        if base is None:
            # <base> on another host: only absolute links can still name this site.
            return resolver.resolve(href, url) if _ABSOLUTE.match(href) else ("external", href)
        return resolver.resolve(href, base)

    links: list[T] = []
    broken: list[T] = []
    lists: tuple[list, ...] = (links, broken, [])  # where a link goes: 2 is nowhere (external, a file, ...)
    if base is None:
        memo = None  # hrefs that aren't absolute resolve differently here
    for rl in raw.links:
        href = rl.href
        nofollow = rl.nofollow or page_nofollow
        if memo is not None:
            key = (href, rl.anchor, rl.chrome, nofollow)
            hit = memo.get(key)
            if hit is not None:
                lists[hit[0]].append(hit[1])
                continue
        kind, target = resolve(href)
        made = None
        if kind in ("ignored", "external", "file"):
            where = 2
        else:
            flags = 0 if rl.chrome else CONTENT
            if nofollow:
                flags |= NOFOLLOW
            made = link(target, href, rl.anchor, flags)
            where = 0 if kind == "page" else 1
        lists[where].append(made)
        if memo is not None and len(memo) < MEMO_SIZE and same_on_every_page(href):
            memo[key] = (where, made)
    if raw.refresh:
        kind, target = resolve(raw.refresh)
        if kind in ("page", "broken"):
            made = link(target, raw.refresh, "(meta refresh)", CONTENT | REDIRECT)
            (links if kind == "page" else broken).append(made)

    canonical = None
    if raw.canonical:
        kind, target = resolve(raw.canonical)
        canonical = target if kind in ("page", "broken", "file") else raw.canonical.strip()
    page = Page(
        url=url,
        source=source,
        title=raw.title,
        canonical=canonical,
        noindex=noindex,
        nofollow=page_nofollow,
        has_scripts=raw.scripts > 0,
        roles=tuple(raw.matched),
    )
    return page, links, broken


def read_raw(
    root: Path,
    relpath: str,
    max_bytes: int,
    selectors: Mapping[str, str] | None = None,
    cache: Shard | None = None,
) -> RawPage:
    """Read and parse one file; with a cache shard, unchanged files aren't parsed again.

    A file that can't be read comes back as a RawPage with ``error`` set.
    Plain os calls: pathlib and a buffered file cost six times the reading itself.
    """
    path = os.path.join(root, relpath)
    try:
        stat = os.stat(path)
        size = stat.st_size
        stamp = (stat.st_mtime_ns, stat.st_ctime_ns)  # a restored mtime alone doesn't hide a rewrite
        if size > max_bytes:
            if cache is not None:
                cache.skip(relpath)
            return RawPage(error=f"file is {size:,} bytes, over the {max_bytes:,}-byte page limit (site.max_page_bytes); its links were not read")
        if cache is not None:
            raw = cache.lookup(relpath, size, stamp)
            if raw is not None:
                return raw
        data = _read_at_most(path, size, max_bytes + 1)  # the file may have grown since stat()
        if len(data) > max_bytes:
            if cache is not None:
                cache.skip(relpath)
            return RawPage(error=f"file is over the {max_bytes:,}-byte page limit (site.max_page_bytes); its links were not read")
    except OSError as exc:
        if cache is not None:
            cache.skip(relpath)
        return RawPage(error=f"could not read file: {exc.strerror or exc}")
    if cache is None:
        return extract(data, selectors)
    return cache.parse(relpath, size, stamp, data, lambda d: extract(d, selectors))


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
        raw = read_raw(root, rel, max_bytes, selectors, shard)
        page, links, broken = resolve_page(page_url_for_file(rel), rel, raw, resolver, _table.number, _memo)
        packed.append((page, array("I", links), array("I", broken)))
    if shard is not None:
        shard.save()
    parsed = shard.parsed if shard is not None else len(relpaths)
    return os.getpid(), _table.new_links(), packed, parsed  # new_links() after numbering the chunk


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def crawl_folder(
    root: Path,
    origins: Iterable[str] = (),
    *,
    workers: int | None = None,
    max_bytes: int = 20 * 1024 * 1024,
    max_pages: int | None = None,
    selectors: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
) -> tuple[dict[str, Page], list[str]]:
    """Read every HTML file under root. Returns pages by URL and notes on what was skipped.

    ``selectors`` (role name -> CSS selector) are tested on every page; the
    names that match end up in ``Page.roles``. With ``cache_dir``, pages whose
    bytes are unchanged since the last crawl are not parsed again (see cache.py).
    """
    files, notes = list_files(root)
    resolver = FolderResolver(files, origins)
    html_files = [f for f in files if is_html_file(f)]
    if max_pages is not None and len(html_files) > max_pages:
        notes.append(f"{len(html_files):,} HTML files found; only the first {max_pages:,} were read (site.max_pages)")
        html_files = html_files[:max_pages]

    workers = workers or min(os.cpu_count() or 1, 8)
    cache = CrawlCache.for_site(cache_dir, root, max_bytes, selectors) if cache_dir is not None else None
    chunks = list(enumerate(_chunks(html_files, CHUNK)))
    pages: dict[str, Page] = {}
    parsed = 0
    if workers <= 1 or len(html_files) < PARALLEL_THRESHOLD:
        _init_worker(root, resolver, max_bytes, selectors, cache)
        receiver = LinkReceiver()
        for worker, new_links, chunk, n_parsed in map(_read_chunk, chunks):
            receiver.receive(worker, new_links)
            parsed += n_parsed
            for packed in chunk:
                _add_page(pages, receiver.unpack(worker, packed), notes)
    else:
        ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
        initargs = (root, resolver, max_bytes, selectors, cache)
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=initargs) as pool:
            receiver = LinkReceiver()
            # map() yields in submission order, and each worker takes chunks in
            # that order too, so a chunk's link numbers are always known here.
            for worker, new_links, chunk, n_parsed in pool.map(_read_chunk, chunks):
                receiver.receive(worker, new_links)
                parsed += n_parsed
                for packed in chunk:
                    _add_page(pages, receiver.unpack(worker, packed), notes)
    if cache is not None:
        cache.prune(len(chunks))
        notes.append(
            f"crawl cache: {parsed:,} of {len(html_files):,} pages parsed, the rest unchanged since the last run "
            f"({display_path(cache.folder)})"
        )
    return pages, notes


def _add_page(pages: dict[str, Page], page: Page, notes: list[str]) -> None:
    # about/index.html and about.html can't both be /about/; keep the first.
    if page.url in pages:
        notes.append(f"{page.source} has the same URL as {pages[page.url].source} ({page.url}); ignored")
        return
    pages[page.url] = page


def page_folders(root: Path, sources: Iterable[str], keep: Iterable[Path] = ()) -> set[str]:
    """Folders of the site that hold pages, as absolute path strings, for pytest to skip.

    Walking a 100k-page build folder for test files took pytest longer than
    the crawl. Folders in ``keep`` (those holding a linkrules.toml) and their
    parents stay collectable.
    """
    folders: set[str] = set()
    for source in sources:
        rel = posixpath.dirname(source)
        while rel not in folders:
            folders.add(rel)
            if not rel:
                break
            rel = posixpath.dirname(rel)
    base = str(root)
    out = {os.path.join(base, *rel.split("/")) if rel else base for rel in folders}
    for path in keep:
        for folder in (path, *path.parents):
            out.discard(str(folder))
    return out
