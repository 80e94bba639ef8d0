"""The crawl cache of a deployed site: each page's extraction, with the ETag and Last-Modified it came with.

A re-run asks the server whether each page changed (If-None-Match,
If-Modified-Since) and, on 304 Not Modified, reuses the stored extraction
instead of downloading and parsing the page again; only pages that changed
are parsed. A page served without either validator is fetched in full every
time, as is everything that isn't a page: robots.txt, sitemaps, redirects,
errors (they are few, and their answer is what the crawl needs).

What is stored is what the static HTML held (crawl/extract.py RawPage), keyed
by the request path that answered 200 (after redirects). Rendered pages
cache their HTML the same way, but are always rendered again: their links
come from the browser, and scripts can change them without the HTML changing.

The file is keyed by the origin, the extractor (see cache.cache_key) and the
auth identity. Secrets are never written: the identity is an scrypt hash of
the auth headers, cookies and basic-auth credentials with a random salt, so
a cache filled while logged in as one user is not reused as another (a
server's answer can depend on who asks) and the file can't be used to find
the secrets. Crawl settings such as start pages or limits change which pages
are crawled, not what a page holds, so they are not part of the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from .cache import cache_key, read_keyed, write_atomic
from .extract import RawLink, RawPage

FORMAT = 1
_PAGE_FIELDS = tuple(f.name for f in fields(RawPage) if f.name != "links")
_LINK_FIELDS = tuple(f.name for f in fields(RawLink))


@dataclass
class Entry:
    """A page as it was last fetched: its validators and what its HTML held."""

    etag: str
    last_modified: str
    charset: str | None
    x_robots: str
    raw: RawPage

    def conditions(self) -> dict[str, str]:
        """The request headers that ask "changed since?"."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def identity_material(headers: Mapping[str, str], cookies: Mapping[str, str], basic_auth: tuple[str, str] | None) -> bytes:
    """The auth a crawl sends, as bytes to hash; empty for an anonymous crawl."""
    if not headers and not cookies and not basic_auth:
        return b""
    return repr((sorted(headers.items()), sorted(cookies.items()), basic_auth)).encode()


def _identity_hash(material: bytes, salt: bytes) -> bytes:
    # scrypt, not a plain hash: a weak password can't be found by hashing guesses fast.
    return hashlib.scrypt(material, salt=salt, n=2**14, r=8, p=1, dklen=32)


class HttpCache:
    """The cache file of one origin: read at the start of a crawl, written once at its end."""

    NAME = "pages.pickle"

    def __init__(self, folder: Path, key: str, identity: bytes = b"") -> None:
        self.path = folder / self.NAME
        self.key = key
        self._identity = identity
        self._salt = b""
        self._tag = b""
        self._old: dict[str, Entry] = {}
        self._new: dict[str, Entry] = {}
        # Request paths parsed this run, and those a 304 let us reuse (a page
        # fetched in two passes, static then rendered, counts once).
        self.parsed: set[str] = set()
        self.reused: set[str] = set()
        self._load()

    @classmethod
    def for_site(
        cls, cache_dir: Path, origin: str, max_bytes: int, selectors: Mapping[str, str] | None, identity: bytes = b""
    ) -> "HttpCache":
        folder = cache_dir / ("url-" + hashlib.sha256(origin.lower().encode()).hexdigest()[:16])
        key = hashlib.sha256(f"http format {FORMAT}\n{origin.lower()}\n{cache_key(max_bytes, selectors)}".encode()).hexdigest()
        return cls(folder, key, identity)

    def _load(self) -> None:
        data = read_keyed(self.path, self.key)
        if data is None:
            return
        try:
            salt, tag = data["salt"], data["identity"]
            if not isinstance(salt, bytes) or not isinstance(tag, bytes):
                return
            if self._identity or tag:
                if not self._identity or not tag or not hmac.compare_digest(_identity_hash(self._identity, salt), tag):
                    return  # filled by someone else (or anonymously): not ours to reuse
            old = {path: _unpack(packed) for path, packed in data["pages"].items()}
        except Exception:  # written by another format
            return
        self._old, self._salt, self._tag = old, salt, tag

    def lookup(self, path: str) -> Entry | None:
        """The entry for a request path, from this run (a second pass) or the last one."""
        return self._new.get(path) or self._old.get(path)

    def store(self, path: str, etag: str, last_modified: str, charset: str | None, x_robots: str, raw: RawPage) -> None:
        """A page was parsed: keep what it held if it came with a validator to ask about it next time."""
        self.parsed.add(path)
        if (etag or last_modified) and not raw.error:
            self._new[path] = Entry(etag, last_modified, charset, x_robots, raw)

    def keep(self, path: str, entry: Entry, etag: str = "", last_modified: str = "") -> None:
        """A 304 answer: the entry stays, with any newer validators the server sent."""
        self.reused.add(path)
        self._new[path] = Entry(etag or entry.etag, last_modified or entry.last_modified, entry.charset, entry.x_robots, entry.raw)

    def save(self) -> None:
        """Write this run's entries (pages gone from the site go from the file). Never raises."""
        if self._new == self._old and self.path.exists():
            return
        if self._identity and not self._tag:
            self._salt = os.urandom(16)
            self._tag = _identity_hash(self._identity, self._salt)
        elif not self._identity:
            self._salt, self._tag = b"", b""
        data = {
            "key": self.key,
            "salt": self._salt,
            "identity": self._tag,
            "pages": {path: _pack(entry) for path, entry in self._new.items()},
        }
        write_atomic(self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def _pack(entry: Entry) -> tuple[Any, ...]:
    raw = entry.raw
    links = [tuple(getattr(link, name) for name in _LINK_FIELDS) for link in raw.links]
    return (entry.etag, entry.last_modified, entry.charset, entry.x_robots, tuple(getattr(raw, n) for n in _PAGE_FIELDS), links)


def _unpack(packed: tuple[Any, ...]) -> Entry:
    etag, last_modified, charset, x_robots, values, links = packed
    raw = RawPage(**dict(zip(_PAGE_FIELDS, values)))
    raw.links = [RawLink(*link) for link in links]
    return Entry(str(etag), str(last_modified), charset, str(x_robots), raw)
