"""URL rules: how an href on a page becomes a page of the site.

Everything here is pure string work so it can be fuzzed and cached. Site URLs
are always absolute paths (``/guides/seo/``), percent-decoded, with dot
segments removed and never above the root: a link can name a page of the site
or nothing, never a file outside it.

Choices a user may need to know (also in docs/urls.md):

* ``dir/index.html`` is the page ``/dir/``; links to ``/dir``, ``/dir/`` and
  ``/dir/index.html`` all reach it.
* Other HTML files keep their name: ``about.html`` is ``/about.html``; a link to
  ``/about`` reaches it too (pretty URLs), as does ``/about/`` when there is no
  ``about/index.html``.
* Fragments are dropped from the page URL (``/a/#top`` is ``/a/``); whether
  they name an element there is no-broken-links' business (fragments.py).
  For a folder, query strings are dropped as well, since a static server
  ignores them.
* A folder published below a path (``base_url = "https://user.github.io/docs/"``)
  is mounted there: ``/docs/guide/`` is the page ``/guide/``, and a root-relative
  link outside ``/docs/`` leaves the site.
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import Iterable
from urllib.parse import unquote, urljoin, urlsplit

HTML_SUFFIXES = (".html", ".htm")
INDEX_FILES = ("index.html", "index.htm")

# Schemes that never name a page. Anything else with a scheme that is not
# http(s) is not a page either; this list only makes the common cases explicit.
NON_PAGE_SCHEMES = frozenset(
    {"javascript", "mailto", "tel", "data", "sms", "ftp", "file", "about", "blob", "callto"}
)

# A placeholder origin for joining relative hrefs; never requested.
_ORIGIN = "http://site.invalid"
# Resolved hrefs kept per resolver (per crawl worker): nav links repeat on every page.
CACHE_SIZE = 500_000
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Characters a browser removes or treats specially; hrefs with them take the slow path.
_UNSAFE = re.compile(r"[\\\t\n\r\x00-\x20]")
_UNSAFE_BASE = re.compile(r"[?#\\\t\n\r\x00-\x20]")


def normalize_path(path: str) -> str:
    """Decode and clean an URL path so each page has exactly one spelling.

    Dot segments are resolved the way a browser does (``/../x`` is ``/x``),
    so no path can climb above the site root.
    """
    path = unquote(path, errors="replace")
    if not path.startswith("/"):
        path = "/" + path
    trailing = path.endswith("/") or path.endswith("/.") or path.endswith("/..")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    out = "/" + "/".join(parts)
    if trailing and parts:
        out += "/"
    return out


def native_to_posix(relpath: str) -> str:
    """A relative file path with "/" separators. Only where "\\" is the separator (Windows)
    does it become "/": on POSIX systems it is a character of the file's name."""
    return relpath.replace(os.sep, "/") if os.sep != "/" else relpath


def page_url_for_file(relpath: str) -> str:
    """The page URL of an HTML file, given its path relative to the site root."""
    relpath = native_to_posix(relpath).lstrip("/")
    head, name = posixpath.split(relpath)
    if name.lower() in INDEX_FILES:
        return "/" + head + "/" if head else "/"
    return "/" + relpath


def is_html_file(relpath: str) -> bool:
    return relpath.lower().endswith(HTML_SUFFIXES)


def split_base_urls(base_urls: Iterable[str]) -> tuple[frozenset[str], str]:
    """The origins of site.base_url, and the path the folder is published under ("" for the root).

    A project site on GitHub Pages (``https://user.github.io/docs/``) links to
    its own pages as ``/docs/guide/``; that prefix stands for the folder's root.
    The config checks that every base_url has the same path.
    """
    origins, mounts = set(), set()
    for url in base_urls:
        parts = urlsplit(url.strip())
        origins.add(f"{parts.scheme}://{parts.netloc}".lower())
        mounts.add(normalize_path(parts.path or "/").rstrip("/"))
    return frozenset(origins), (mounts.pop() if len(mounts) == 1 else "")


def unmount(path: str, mount: str) -> str | None:
    """``path`` with the mount path ("/docs") taken off; None when it is not below it."""
    if not mount:
        return path
    if path.startswith(mount) and path[len(mount) : len(mount) + 1] in ("", "/"):
        return path[len(mount) :] or "/"
    return None


class FolderResolver:
    """Resolves hrefs against the files of a built site folder.

    Built once per crawl from the list of files, then asked for every link, so
    results are cached by (base, href): the same nav links appear on every page.
    """

    def __init__(self, files: Iterable[str], site_origins: Iterable[str] = ()) -> None:
        self.files = frozenset(native_to_posix(f).lstrip("/") for f in files)
        # Folders ("", "about/") with an index file, matched as page_url_for_file
        # matches it (INDEX.HTML too), so a page and the links to it agree.
        self.indexed = frozenset(
            f[: len(f) - len(name)] for f in self.files if (name := f.rsplit("/", 1)[-1]).lower() in INDEX_FILES
        )
        # Absolute links to these origins (the site's own domain, e.g. a Hugo
        # baseURL) are internal links, not external ones; a path in them is
        # where the folder is published ("/docs" in https://user.github.io/docs/).
        self.origins, self.mount = split_base_urls(site_origins)
        self._cache: dict[tuple[str, str], tuple[str, str]] = {}

    def lookup(self, path: str) -> tuple[str, str]:
        """Find what a clean path names: ("page", url), ("file", path) or ("broken", path)."""
        rel = path.lstrip("/")
        if path.endswith("/") or rel == "":
            if rel in self.indexed:
                return "page", path
            stem = rel.rstrip("/")
            for suffix in HTML_SUFFIXES:
                if stem and stem + suffix in self.files:
                    return "page", "/" + stem + suffix
            return "broken", path
        if rel in self.files:
            if is_html_file(rel):
                return "page", page_url_for_file(rel)
            return "file", path
        if rel + "/" in self.indexed:
            return "page", path + "/"
        for suffix in HTML_SUFFIXES:
            if rel + suffix in self.files:
                return "page", path + suffix
        return "broken", path

    def resolve(self, href: str, base: str) -> tuple[str, str]:
        """Classify an href found on a page whose base URL path is ``base``.

        Returns (kind, value) where kind is one of ``page``, ``file``,
        ``broken``, ``external`` or ``ignored`` (fragments, mailto:, ...).
        """
        # The cache key holds only what the answer depends on: root-relative and
        # absolute hrefs don't depend on the page at all (nav links then hit the
        # cache on every page), relative ones only on the base's folder.
        if same_on_every_page(href):
            key: tuple[str, str] | str = href
        elif href[:1] in ("?", "#", "") or _UNSAFE.search(href):
            key = (base, href)
        else:
            key = _relative_key(base[: base.rfind("/") + 1], href, base)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._resolve(href, base)
            if len(self._cache) < CACHE_SIZE:
                self._cache[key] = hit
        return hit

    def _resolve(self, href: str, base: str) -> tuple[str, str]:
        href = browser_href(href)
        if not href or href.startswith("#"):
            return "ignored", href
        internal = self.to_internal_path(href, base)
        if internal is None:
            # A root-relative link outside the mount path is another site on the same host.
            web = self._looks_web(href) or bool(self.mount and href.startswith("/"))
            return ("external", href) if web else ("ignored", href)
        return self.lookup(internal)

    def unmount(self, path: str) -> str | None:
        """The site path of a clean URL path on the site's host; None when it is outside the mount path."""
        return unmount(path, self.mount)

    def to_internal_path(self, href: str, base: str) -> str | None:
        """The clean site path an href points to, or None when it leaves the site."""
        href = browser_href(href)
        if not _UNSAFE.search(href):
            # Fast paths, ~10x cheaper than urljoin + urlsplit and equal to them
            # (tests/test_crawl_fast_paths.py): root-relative hrefs, and plain
            # relative ones ("../x/", "y.html") on a base without query or fragment.
            if href[:1] == "/" and href[1:2] != "/":
                return self.unmount(normalize_path(href.partition("#")[0].partition("?")[0]))
            if href[:1] not in ("?", "#", "/", "") and not _HAS_SCHEME.match(href) and not _UNSAFE_BASE.search(base):
                folder = base[: base.rfind("/") + 1]
                return normalize_path(folder + href.partition("#")[0].partition("?")[0])
        try:
            joined = urljoin(_ORIGIN + base, href)
            parts = urlsplit(joined)
            explicit_host = urlsplit(href).netloc
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return None
        origin = f"{scheme}://{parts.netloc.lower()}"
        if origin == _ORIGIN and explicit_host:
            return None  # a link that names the placeholder host itself
        if origin != _ORIGIN and not self._is_own_origin(parts.netloc.lower()):
            return None
        path = normalize_path(parts.path)
        # Only a link that names the host or the root is below the mount path;
        # a relative one resolves against the page, which is already below it.
        rooted = href[:1] == "/" or origin != _ORIGIN
        return self.unmount(path) if rooted else path

    def _is_own_origin(self, netloc: str) -> bool:
        return any(o.split("://", 1)[-1] == netloc for o in self.origins)

    @staticmethod
    def _looks_web(href: str) -> bool:
        href = browser_href(href)
        scheme = href.split(":", 1)[0].lower() if ":" in href else ""
        return scheme in ("http", "https") or href.startswith("//")


def _relative_key(folder: str, href: str, base: str) -> tuple[str, str]:
    """The cache key of a plain relative href: leading ``../`` and ``./`` folded into the folder.

    A post's ``../post-004501/`` from /blog/a/ and from /blog/b/ is one
    answer, /blog/post-004501/; keyed by the page's own folder it was worked
    out again on every page of a site that links relatively (Hugo's
    relativeURLs, many documentation generators). Folding is
    what normalize_path does to the joined path, so the answer can't differ;
    folders with a "%" (an encoded slash becomes a segment when decoded) and
    bases the slow path reads differently keep the unfolded key.
    """
    if href[:1] != "." or "%" in folder or _UNSAFE_BASE.search(base):
        return folder, href
    up, rest = folder, href
    while True:
        if rest.startswith("../"):
            up = up[: up.rstrip("/").rfind("/") + 1] or "/"
            rest = rest[3:]
        elif rest.startswith("./"):
            rest = rest[2:]
        else:
            break
    # An empty rest, a query or a fragment would share keys with hrefs that
    # are keyed by the whole base ("", "?q", "#top"): not folded.
    return (up, rest) if rest[:1] not in ("", "?", "#") else (folder, href)


def same_on_every_page(href: str) -> bool:
    """Root-relative, scheme-relative or absolute: resolves the same against any base on the site."""
    return href[:1] == "/" or _HAS_SCHEME.match(href) is not None


_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))


def browser_href(href: str) -> str:
    r"""An href cleaned the way a browser's URL parser cleans it, before joining.

    Leading and trailing controls and spaces go, tabs and newlines anywhere go
    (``java<TAB>script:`` is ``javascript:``), and in a web or relative URL a
    backslash is a slash: ``\\evil.example\x`` is ``//evil.example/x``,
    another host, not a path of this site.
    """
    if not _UNSAFE.search(href):
        return href  # nothing to clean: no controls, spaces or backslashes (most hrefs)
    href = href.strip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    scheme, colon, _ = href.partition(":")
    if colon and scheme.isascii() and scheme.isalpha() and scheme.lower() not in ("http", "https"):
        return href  # another scheme keeps its backslashes (and is not a page anyway)
    cut = min((i for i in (href.find("?"), href.find("#")) if i >= 0), default=len(href))
    return href[:cut].replace("\\", "/") + href[cut:]


def base_for_page(page_url: str, base_href: str | None, resolver: FolderResolver) -> str | None:
    """The base path relative links on a page resolve against.

    ``<base href>`` overrides the page's own URL; a base on another host makes
    every relative link external, signalled by None.
    """
    if not base_href:
        return page_url
    path = resolver.to_internal_path(base_href.strip(), page_url)
    if path is None:
        return None
    # A base without trailing slash names a document; relative links use its folder.
    return path
