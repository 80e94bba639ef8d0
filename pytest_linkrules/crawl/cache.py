"""The crawl cache: what each page's HTML held, kept between runs, keyed by file content.

A re-run after changing three pages parses three pages. What is cached is the
extraction (RawPage: hrefs, anchors, metadata), not resolved links, because
whether ``/about`` is a page or a broken link depends on the other files of
the site; resolving is cheap, parsing is not.

Layout: one folder per site root, one shard file per chunk of 256 pages (the
chunks crawl workers take), so each worker reads and writes only its own
shard. A page's entry is reused when its size, mtime and ctime are unchanged
(a tool can restore a rewritten file's mtime, as ``rsync -t``, ``cp -p`` and
reproducible builds that stamp every file with one date do, but not its
ctime), or else when the BLAKE2 digest of its bytes is unchanged (a fresh checkout or
rebuild rewrites files without changing most of them). Shards are written to a
temporary file and renamed, so a killed run never leaves a half-written shard;
a shard that can't be read, or was written by another version of the
extractor, is ignored and rewritten.

On top of the shards sits the whole crawl (``crawl.pickle``): the resolved
CrawlResult of the last run, keyed by a fingerprint of the folder's file
listing (path, size, mtime, ctime, inode of every file), the site settings,
the working directory and the crawl code itself. A re-run where no file
changed (``--lf``, ``-k``, a second look at a failure) loads that one file
instead of reading every shard and resolving every link again; any change
falls back to the shards, which parse only what changed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from array import array
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from .. import __version__
from . import extract as extract_module
from ..model import Link, Page
from .extract import RawLink, RawPage
from .linktable import LinkReceiver, keep_codes

FORMAT = 1
_PAGE_FIELDS = tuple(f.name for f in fields(RawPage) if f.name != "links")
_LINK_FIELDS = tuple(f.name for f in fields(RawLink))
_WHOLE_PAGE_FIELDS = tuple(f.name for f in fields(Page) if f.init)


def cache_key(max_bytes: int, selectors: Mapping[str, str] | None) -> str:
    """Everything a cached extraction depends on besides the page's bytes.

    The extractor's own source is part of it, so changing extract.py (or
    upgrading selectolax) never reuses results of the old code.
    """
    import selectolax

    parts = [
        f"format {FORMAT}", __version__, getattr(selectolax, "__version__", "?"),
        hashlib.sha256(Path(extract_module.__file__).read_bytes()).hexdigest(),
        str(max_bytes), repr(sorted((selectors or {}).items())), repr(_PAGE_FIELDS), repr(_LINK_FIELDS),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The source of the crawl package and the model, so new code never reuses an old crawl."""
    import selectolax

    package = Path(extract_module.__file__).parent
    h = hashlib.sha256(f"format {FORMAT}\n{__version__}\n{getattr(selectolax, '__version__', '?')}\n".encode())
    for path in sorted(package.glob("*.py")) + [package.parent / "model.py", package.parent / "config.py"]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def tree_fingerprint(root: Path, skip_dirs: frozenset[str], skip_paths: frozenset[str] = frozenset()) -> str | None:
    """A digest of every entry below root: path, type, size, mtime, ctime, inode.

    One scandir pass and one stat per file, much cheaper than listing the site
    the crawl's way (crawl/folder.py list_files), and enough to know whether that
    listing or any file in it can have changed: without symlinks, what the
    crawl lists is a function of names and types alone. ctime and the inode
    catch what mtime misses: a chmod that makes an unreadable page readable, a
    file replaced by a rename (``cp -p``, a checkout). None when the tree holds
    a symlink (where it points can change outside the folder) or can't be read.
    ``skip_paths``: absolute folder paths left out, such as pytest's own cache
    when the site is the rootdir (it changes on every run and holds no pages).
    """
    lines: list[str] = []
    todo = [(str(root), "")]
    try:
        while todo:
            path, rel = todo.pop()
            with os.scandir(path) as it:
                for entry in it:
                    if entry.is_symlink():
                        return None
                    name = rel + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name not in skip_dirs and entry.path not in skip_paths:
                            lines.append(name + "/")
                            todo.append((entry.path, name + "/"))
                        continue
                    st = entry.stat(follow_symlinks=False)
                    lines.append(f"{name}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}")
    except OSError:
        return None
    lines.sort()  # once, not per folder: scandir's order is the filesystem's
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class WholeCrawl:
    """The last crawl of a folder, resolved, reused as a whole when nothing changed."""

    NAME = "crawl.pickle"

    def __init__(self, folder: Path, key: str) -> None:
        self.path = folder / self.NAME
        self.key = key

    @classmethod
    def for_site(cls, cache_dir: Path, root: Path, settings: str, fingerprint: str) -> "WholeCrawl":
        """settings: everything besides the files that the result depends on (repr of the config)."""
        parts = [code_fingerprint(), settings, os.getcwd(), fingerprint]
        key = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return cls(site_folder(cache_dir, root), key)

    def load(self) -> Any | None:
        """The stored crawl if its key matches; None when missing, stale, truncated or foreign."""
        try:
            with open(self.path, "rb") as f:
                if f.read(len(self.key)).decode("ascii") != self.key:
                    return None  # stale: don't unpickle megabytes to find out
                data = pickle.load(f)
            crawl, page_fields, links, pages = data["crawl"], data["fields"], data["links"], data["pages"]
            if page_fields != _WHOLE_PAGE_FIELDS:
                return None
            # The pages come back as the crawl gave them: equal links shared, and
            # their numbers in one received table kept for the graph build.
            receiver = LinkReceiver()
            receiver.receive(0, [tuple(values) for values in links])
            table = receiver.table(0)
            get = table.links.__getitem__
            i, j = _WHOLE_PAGE_FIELDS.index("links"), _WHOLE_PAGE_FIELDS.index("broken")
            out = {}
            for values in pages:
                values = list(values)
                numbers = values[i]
                values[i], values[j] = tuple(map(get, numbers)), tuple(map(get, values[j]))
                page = keep_codes(Page(*values), table, numbers)
                out[page.url] = page
            crawl.pages = out
            return crawl
        except Exception:
            return None

    def save(self, crawl: Any) -> None:
        """Store a CrawlResult; its links are numbered, as Links unpickle slowly (frozen, slots)."""
        numbers: dict[int, int] = {}
        links: list[tuple[Any, ...]] = []

        def number(link: Link) -> int:
            n = numbers.get(id(link))
            if n is None:
                n = numbers[id(link)] = len(links)
                links.append((link.target, link.href, link.anchor, link.flags))
            return n

        pages = []
        for page in crawl.pages.values():
            values = [getattr(page, name) for name in _WHOLE_PAGE_FIELDS]
            values[_WHOLE_PAGE_FIELDS.index("links")] = array("I", map(number, page.links))
            values[_WHOLE_PAGE_FIELDS.index("broken")] = array("I", map(number, page.broken))
            pages.append(tuple(values))
        rest = replace(crawl, pages={})
        data = {"crawl": rest, "fields": _WHOLE_PAGE_FIELDS, "links": links, "pages": pages}
        try:
            blob = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a custom object in the result that can't be pickled: no whole cache
            return
        write_atomic(self.path, self.key.encode("ascii") + blob)

    def forget(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass


def site_folder(cache_dir: Path, root: Path) -> Path:
    return cache_dir / hashlib.sha256(str(root).encode()).hexdigest()[:16]


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class CrawlCache:
    """The cache folder of one site; shards are opened by the process crawling them."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = folder
        self.key = key

    @classmethod
    def for_site(cls, cache_dir: Path, root: Path, max_bytes: int, selectors: Mapping[str, str] | None) -> "CrawlCache":
        return cls(site_folder(cache_dir, root), cache_key(max_bytes, selectors))

    def shard(self, number: int) -> "Shard":
        return Shard(self.folder / f"shard-{number:05d}.pickle", self.key)

    def prune(self, n_shards: int) -> None:
        """Delete shards of chunks this crawl no longer has (the site shrank)."""
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            if name.startswith("shard-") and name.endswith(".pickle"):
                try:
                    if int(name[6:11]) >= n_shards:
                        os.unlink(self.folder / name)
                except (ValueError, OSError):
                    continue


class Shard:
    """Cached extractions of one chunk of pages: read once, written back if anything changed."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key
        self._old: dict[str, tuple[int, int, bytes, tuple[Any, ...], array]] = {}
        self._old_links: list[RawLink] = []
        self._new: dict[str, tuple[int, int, bytes, RawPage]] = {}
        self.parsed = 0  # pages parsed because they were new or changed
        self._changed = False
        self._load()

    def _load(self) -> None:
        data = read_keyed(self.path, self.key)
        if data is None:
            return
        try:
            links = [RawLink(*values) for values in data["links"]]
            pages = data["pages"]
            assert isinstance(pages, dict)
        except Exception:  # written by another format
            return
        self._old, self._old_links = pages, links

    def _unpack(self, entry: tuple[Any, ...]) -> RawPage:
        values, ids = entry[3], entry[4]
        raw = RawPage(**dict(zip(_PAGE_FIELDS, values)))
        raw.links = [self._old_links[i] for i in ids]
        return raw

    def lookup(self, relpath: str, size: int, stamp: tuple[int, int]) -> RawPage | None:
        """The cached extraction if the file's size and stamp (mtime, ctime in ns) are unchanged."""
        entry = self._old.get(relpath)
        if entry is None or entry[0] != size or entry[1] != stamp:
            return None
        try:
            raw = self._unpack(entry)
        except Exception:
            return None
        self._new[relpath] = (size, stamp, entry[2], raw)
        return raw

    def parse(self, relpath: str, size: int, stamp: tuple[int, int], data: bytes, parse: Callable[[bytes], RawPage]) -> RawPage:
        """The extraction of data: from the cache if these bytes were parsed before, else parse them."""
        hashed = digest(data)
        entry = self._old.get(relpath)
        raw = None
        if entry is not None and entry[2] == hashed:
            try:
                raw = self._unpack(entry)
            except Exception:
                raw = None
        if raw is None:
            raw = parse(data)
            self.parsed += 1
        self._new[relpath] = (size, stamp, hashed, raw)
        self._changed = True
        return raw

    def skip(self, relpath: str) -> None:
        """A page that could not be read: forget it, so it is read again next time."""
        self._changed = self._changed or relpath in self._old

    def save(self) -> None:
        """Write the shard if any entry changed, appeared or went away. Never raises."""
        if not self._changed and self._new.keys() == self._old.keys():
            return
        table: dict[tuple[Any, ...], int] = {}
        pages = {}
        for relpath, (size, stamp, hashed, raw) in self._new.items():
            if getattr(raw, "error", ""):
                continue  # refused documents are checked again each run
            ids = array("I")
            for link in raw.links:
                values = tuple(getattr(link, name) for name in _LINK_FIELDS)
                ids.append(table.setdefault(values, len(table)))
            values = tuple(getattr(raw, name) for name in _PAGE_FIELDS)
            pages[relpath] = (size, stamp, hashed, values, ids)
        data = {"key": self.key, "links": list(table), "pages": pages}
        write_atomic(self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def read_keyed(path: Path, key: str) -> dict[str, Any] | None:
    """A pickled dict written with this key; None when missing, unreadable, or keyed otherwise."""
    try:
        with open(path, "rb") as f:
            data = pickle.load(f)
    except Exception:  # missing, truncated, corrupted, another format: start afresh
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def write_atomic(path: Path, data: bytes) -> bool:
    """Write through a temporary file and a rename: readers see the old file or the new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        return False  # a read-only or full disk costs speed next time, never this run
    return True
