"""The crawl cache: what each page's HTML held, kept between runs, keyed by file content.

A re-run after changing three pages parses three pages. What is cached is the
extraction (RawPage: hrefs, anchors, metadata), not resolved links, because
whether ``/about`` is a page or a broken link depends on the other files of
the site; resolving is cheap, parsing is not.

Layout: one folder per site root, one shard file per chunk of 256 pages (the
chunks crawl workers take), so each worker reads and writes only its own
shard. A page's entry is reused when its size and mtime are unchanged, or
else when the BLAKE2 digest of its bytes is unchanged (a fresh checkout or
rebuild rewrites files without changing most of them). Shards are written to a
temporary file and renamed, so a killed run never leaves a half-written shard;
a shard that can't be read, or was written by another version of the
extractor, is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from array import array
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable, Mapping

from .. import __version__
from . import extract as extract_module
from .extract import RawLink, RawPage

FORMAT = 1
_PAGE_FIELDS = tuple(f.name for f in fields(RawPage) if f.name != "links")
_LINK_FIELDS = tuple(f.name for f in fields(RawLink))


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


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class CrawlCache:
    """The cache folder of one site; shards are opened by the process crawling them."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = folder
        self.key = key

    @classmethod
    def for_site(cls, cache_dir: Path, root: Path, max_bytes: int, selectors: Mapping[str, str] | None) -> "CrawlCache":
        name = hashlib.sha256(str(root).encode()).hexdigest()[:16]
        return cls(cache_dir / name, cache_key(max_bytes, selectors))

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
        try:
            with open(self.path, "rb") as f:
                data = pickle.load(f)
            if not isinstance(data, dict) or data.get("key") != self.key:
                return
            links = [RawLink(*values) for values in data["links"]]
            pages = data["pages"]
            assert isinstance(pages, dict)
        except Exception:  # missing, truncated, corrupted, another format: start afresh
            return
        self._old, self._old_links = pages, links

    def _unpack(self, entry: tuple[Any, ...]) -> RawPage:
        values, ids = entry[3], entry[4]
        raw = RawPage(**dict(zip(_PAGE_FIELDS, values)))
        raw.links = [self._old_links[i] for i in ids]
        return raw

    def lookup(self, relpath: str, size: int, mtime_ns: int) -> RawPage | None:
        """The cached extraction if the file's size and mtime are unchanged."""
        entry = self._old.get(relpath)
        if entry is None or entry[0] != size or entry[1] != mtime_ns:
            return None
        try:
            raw = self._unpack(entry)
        except Exception:
            return None
        self._new[relpath] = (size, mtime_ns, entry[2], raw)
        return raw

    def parse(self, relpath: str, size: int, mtime_ns: int, data: bytes, parse: Callable[[bytes], RawPage]) -> RawPage:
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
        self._new[relpath] = (size, mtime_ns, hashed, raw)
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
        for relpath, (size, mtime_ns, hashed, raw) in self._new.items():
            if getattr(raw, "error", ""):
                continue  # refused documents are checked again each run
            ids = array("I")
            for link in raw.links:
                values = tuple(getattr(link, name) for name in _LINK_FIELDS)
                ids.append(table.setdefault(values, len(table)))
            values = tuple(getattr(raw, name) for name in _PAGE_FIELDS)
            pages[relpath] = (size, mtime_ns, hashed, values, ids)
        data = {"key": self.key, "links": list(table), "pages": pages}
        write_atomic(self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


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
