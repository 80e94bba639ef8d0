"""Crawl a deployed site over HTTP, optionally rendering its pages in Chromium.

Rules of the road, each a promise the docs make:

* Only the start URL's origin is ever requested. Every request goes through
  ``_get(path)``, which takes a path, not a URL; redirects are followed by hand
  and one that leaves the origin is recorded, never followed. The browser gets
  the same fence through CDP (crawl/render.py).
* Page URLs are origin-relative paths (``/guides/seo/``). Query strings and
  fragments are dropped, as for a folder: ``/list?page=2`` is ``/list``, which
  keeps the crawl finite and gives a folder and its deployment the same URLs.
  ``/dir/index.html`` is ``/dir/``. With ``hash_routes = true``, ``#/route``
  fragments are kept: ``/#/about`` is a page of its own (rendered only).
* A link to a URL that redirects is an edge to where the redirect ends; the
  link keeps its href and carries the VIA_REDIRECT flag, so rules can find it.
* 4xx/5xx answers are broken links; network errors (after retries) make the
  page unreadable, which fails the crawl item.
* robots.txt is honoured unless ``respect_robots = false``; X-Robots-Tag and
  meta robots both count for noindex/nofollow.
* Secrets (auth headers, cookies, basic auth) come from environment variables
  and live only in the HTTP client and the browser context: never in a Page,
  a note, an error message, a report or the crawl cache.
* With a cache folder, pages that come with an ETag or Last-Modified are asked
  for conditionally on the next run; a 304 reuses what the page held last
  time (crawl/http_cache.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping
from urllib.parse import quote, scheme_chars, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from ..config import SiteConfig, display_path
from ..globs import matches
from ..model import VIA_REDIRECT, Page
from .allocator import keep_freed_memory
from .extract import ROBOTS_AGENT, RawPage
from .linktable import LocalLinks
from .pipeline import Fetched, charset_of, page_with_links, read
from .http_cache import Entry, HttpCache, identity_material
from .remote import EndpointError
from .render import Served, document_headers
from .rendering import differences, judge_sample, sample_groups, template_note, unchanged_reason
from .templates import Group, group_pages, nothing_to_render, renderable, same_page, script_template
from .secrets import Redactor, credential_problem, header_problem, secret_forms
from .sitemap import MAX_INDEX_DEPTH, MAX_SITEMAP_BYTES, MAX_SITEMAP_FILES, parse_sitemap
from .urls import INDEX_FILES, NON_PAGE_SCHEMES, normalize_path

if TYPE_CHECKING:
    from .client import Headers

Progress = Callable[[int, int], None]

USER_AGENT = "pytest-linkrules (internal link checker; +https://pypi.org/project/pytest-linkrules/)"
MAX_REDIRECTS = 10
RETRIES = 2
RETRY_STATUSES = frozenset({429, 502, 503, 504})
HTML_TYPES = ("text/html", "application/xhtml+xml")


BROWSERLESS = "pages have scripts but no browser could be started to check them"


class HttpCrawlError(Exception):
    """The site can't be crawled at all (bad start page, missing secret...)."""


# ----------------------------------------------------------------- secrets
@dataclass(frozen=True)
class Secrets:
    """Auth material read from the environment; repr never shows values."""

    headers: dict[str, str] = field(default_factory=dict, repr=False)
    cookies: dict[str, str] = field(default_factory=dict, repr=False)
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)


def read_secrets(site: SiteConfig, environ: os._Environ[str] | dict[str, str] = os.environ) -> Secrets:
    """Look up the environment variables the config names; name any that is unset or can't be sent.

    A value is checked here, before anything is sent: a line break in a header
    would split it (and its text would end up in an error line), a non-ASCII
    character would fail deep in the HTTP client. The message names the
    variable, never its value.
    """
    missing = []

    def get(key: str, var: str, check: Callable[[str], str | None]) -> str:
        value = environ.get(var)
        if value is None:
            missing.append(f"site.{key}: environment variable {var} is not set")
            return ""
        why = check(value)
        if why:
            missing.append(f"site.{key}: environment variable {var} {why}")
            return ""
        return value

    headers = {name: get("headers_from_env", var, header_problem) for name, var in site.headers_from_env}
    cookies = {name: get("cookies_from_env", var, lambda v: header_problem(v, cookie=True)) for name, var in site.cookies_from_env}
    basic = None
    if site.basic_auth_from_env:
        user_var, pass_var = site.basic_auth_from_env
        basic = (
            get("basic_auth_from_env", user_var, lambda v: credential_problem(v, user=True)),
            get("basic_auth_from_env", pass_var, credential_problem),
        )
    if missing:
        raise HttpCrawlError("; ".join(missing))
    return Secrets(headers, cookies, basic)


def redactor_for(secrets: Secrets) -> Redactor:
    """Masks every form of these secrets a site could echo back (crawl/secrets.py)."""
    return Redactor(secret_forms(secrets.headers.values(), secrets.cookies.values(), secrets.basic_auth))


# ------------------------------------------------------- content encodings
# What the crawl asks for and decodes itself, with a cap on the decoded size.
ACCEPT_ENCODING = "gzip, deflate"


class DecodeError(Exception):
    """A body that can't be decoded: an encoding not asked for, or corrupt data."""


class BoundedDecoder:
    """Undoes Content-Encoding while streaming, never holding more than ``limit`` + 1 decoded bytes.

    Each stage (gzip inside gzip is allowed, as HTTP allows a list) inflates
    with zlib's ``max_length``, so a small compressed chunk can't expand to
    gigabytes in memory before the size check sees it. ``over`` turns true
    as soon as the decoded body (or a stage's output) passes the limit.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        self.limit = limit
        self.over = False
        self._out = bytearray()
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        self._stages: list[Any] = []
        for coding in reversed(codings):  # the last encoding applied is undone first
            if coding == "identity":
                continue
            if coding not in ("gzip", "x-gzip", "deflate"):
                raise DecodeError(f"the server sent Content-Encoding {coding!r}, which was not asked for (Accept-Encoding: {ACCEPT_ENCODING})")
            self._stages.append([coding, self._new(coding), False])  # coding, zlib object, any output yet

    @staticmethod
    def _new(coding: str, raw: bool = False) -> Any:
        if coding == "deflate":
            return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        return zlib.decompressobj(16 + zlib.MAX_WBITS)

    def _room(self, stage: list[Any]) -> int:
        """How many bytes a stage may put out: the last one fills the body, the others only pass data on."""
        return self.limit - len(self._out) if stage is self._stages[-1] else self.limit

    def _stage(self, stage: list[Any], data: bytes) -> bytes:
        coding, obj, started = stage
        room = self._room(stage)
        try:
            out = obj.decompress(data, room + 1)
        except zlib.error as exc:
            if coding == "deflate" and not started:
                # Servers send raw deflate as often as zlib-wrapped: on the first bytes, try raw.
                stage[1], stage[2] = self._new(coding, raw=True), True
                return self._stage(stage, data)
            raise DecodeError(f"the body is not valid {coding} data ({exc})") from None
        stage[2] = True
        if len(out) > room or obj.unconsumed_tail:
            self.over = True
        return out

    def feed(self, data: bytes) -> None:
        for stage in self._stages:
            if self.over or not data:
                return
            data = self._stage(stage, data)
        if not self.over:
            self._out += data
            self.over = len(self._out) > self.limit

    def finish(self) -> bytes:
        for i, stage in enumerate(self._stages):
            tail = stage[1].flush()
            for later in self._stages[i + 1 :]:
                if self.over or not tail:
                    break
                tail = self._stage(later, tail)
            if not self.over:
                self._out += tail
                self.over = len(self._out) > self.limit
        return bytes(self._out)


# -------------------------------------------------------------------- URLs
def site_key(path: str, fragment: str = "", hash_routes: bool = False) -> str:
    """The page URL for a request path: decoded, clean, index.html folded into its folder."""
    key = normalize_path(path)
    tail = key.rsplit("/", 1)[-1]
    if tail.lower() in INDEX_FILES:
        key = key[: -len(tail)]
    if hash_routes and fragment.startswith("/"):
        # A route is a path: "#/./guide" is "#/guide", and a query is dropped
        # as for real paths (docsify's heading anchors, "#/guide?id=install",
        # are the page "#/guide").
        route = normalize_path(fragment.partition("?")[0])
        if route != "/":  # "#/" is the app's root
            key += "#" + route
    return key


def request_path(key: str) -> str:
    """The path (and hash route) to request for a page URL, percent-encoded."""
    path, _, fragment = key.partition("#")
    out = quote(path, safe="/:@!$&'()*+,;=~-._")
    return out + ("#" + fragment if fragment else "")


class OriginResolver:
    """Turns hrefs into page URLs of one origin; anything else is None."""

    def __init__(self, origin: str, hash_routes: bool = False, aliases: tuple[str, ...] = ()) -> None:
        self.origin = origin
        self.netlocs = {urlsplit(origin).netloc.lower()} | {urlsplit(a).netloc.lower() for a in aliases}
        self.hash_routes = hash_routes
        self._cache: dict[tuple[str, str], str | None] = {}

    def resolve(self, href: str, base: str) -> str | None:
        key = (_base_part(href, base), href)
        if key not in self._cache:
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[key] = self._resolve(href, base)
        return self._cache[key]

    def _resolve(self, href: str, base: str) -> str | None:
        href = href.strip()
        if not href:
            return None
        if href.startswith("#") and not (self.hash_routes and href.startswith("#/")):
            return None
        scheme = href.split(":", 1)[0].lower() if ":" in href.split("/", 1)[0] else ""
        if scheme in NON_PAGE_SCHEMES:
            return None
        try:
            parts = urlsplit(urljoin(base, href))
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https") or parts.netloc.lower() not in self.netlocs:
            return None
        return site_key(parts.path or "/", parts.fragment, self.hash_routes)


def _base_part(href: str, base: str) -> str:
    """What of ``base`` resolving ``href`` depends on: the resolver's cache key.

    Keyed on the whole base (each page's URL), the cache never hit across
    pages, and urljoin for every link was ~40% of a URL crawl's CPU. A path
    ("/docs/") reads only the base's scheme and host, a relative href
    ("../x") only the base up to its path's last "/" (RFC 3986's merge), an
    absolute URL nothing; the rest (``#top``, ``?q``, "") the whole base.
    tests/test_url_edges.py checks the cached answers against uncached ones.
    """
    h = href.strip()
    if not h.isprintable():
        return base  # tabs and controls, which urlsplit drops or strips: keyed in full
    colon = h.find(":")
    if colon > 0 and h[0].isascii() and h[0].isalpha() and all(c in _SCHEME_CHARS for c in h[:colon]):
        return "" if h.startswith("//", colon + 1) else base  # "https://host/x" stands alone
    first = h[:1]
    if first in ("#", "?", ""):
        return base
    host = base.find("/", base.find("//") + 2)  # where scheme://host ends
    if host < 0:
        return base
    if first == "/":
        return base[:host]
    path = base.split("?", 1)[0].split("#", 1)[0]
    return path[: path.rfind("/") + 1] if len(path) > host else base


_SCHEME_CHARS = frozenset(scheme_chars)  # what urlsplit accepts in a scheme


class OriginClassifier:
    """An OriginResolver as the page pipeline asks it (pipeline.Resolver): ("page", url) or ("ignored", href)."""

    def __init__(self, resolver: OriginResolver) -> None:
        self.resolver = resolver
        self.hash_routes = resolver.hash_routes

    def resolve(self, href: str, base: str) -> tuple[str, str]:
        target = self.resolver.resolve(href, base)
        return ("ignored", href) if target is None else ("page", target)


# ------------------------------------------------------------------ fetching
@dataclass
class Answer:
    """What the site said about one page URL, after redirects."""

    kind: str  # "html", "file", "broken", "error", "offsite", "robots"
    final: str = ""  # page URL where redirects ended
    status: int = 0
    redirected: bool = False
    body: bytes | None = None
    charset: str | None = None
    x_robots: str = ""
    error: str = ""
    # Validators the page came with, and the cache entry a 304 answer reuses.
    etag: str = ""
    last_modified: str = ""
    cacheable: bool = True  # False: Cache-Control: no-store
    cached: Entry | None = None
    # Response headers the browser is handed with body when the page is
    # rendered (crawl/render.py), so it never asks the server a second time.
    # Both are dropped once the page is read: see HttpCrawler._visit.
    headers: tuple[tuple[str, str], ...] = ()

    def served(self) -> Served | None:
        """The response as the browser should see it, when the crawl holds its body."""
        if self.kind != "html" or self.cached is not None or self.body is None:
            return None
        return Served(self.status, self.headers, self.body)


def _holds_secret(redact: Redactor, path: str, raw: RawPage) -> bool:
    if not redact:
        return False
    texts = [path, raw.title, raw.base or "", raw.canonical or "", raw.refresh or ""]
    texts += [t for rl in raw.links for t in (rl.href, rl.anchor)]
    return any(redact.holds(t) for t in texts)


class HttpCrawler:
    """One pass over the site: fetch, read links, follow them (breadth first)."""

    def __init__(
        self,
        site: SiteConfig,
        secrets: Secrets,
        renderer: object | None = None,
        progress: Progress | None = None,
        selectors: Mapping[str, str] | None = None,
        cache: HttpCache | None = None,
    ) -> None:
        assert site.url is not None
        self.site = site
        # Role selectors tested on each page's served HTML -> names that matched;
        # and, for rendered pages, the link targets that HTML had (the others are JS_ONLY).
        self.selectors = selectors
        self.roles_of: dict[str, tuple[str, ...]] = {}
        self.static_targets: dict[str, frozenset[str]] = {}
        self.origin = site.url
        self.links = LocalLinks()  # pages' links: equal ones shared, numbered for the graph build (linktable.py)
        self.secrets = secrets
        self.redact = redactor_for(secrets)
        self.renderer = renderer
        self.progress = progress
        self.resolver = OriginResolver(site.url, site.hash_routes, site.base_url)
        self.classify = OriginClassifier(self.resolver)
        self.answers: dict[str, Answer] = {}
        self.reads: dict[str, tuple[RawPage, str, Answer, bool, bool, str]] = {}
        self.seen: set[str] = set()
        self.robots_blocked: set[str] = set()
        self.over_limit = 0
        self.pattern_counts: dict[str, int] = {}  # pages enqueued per site.page_limits glob
        self.pattern_over: dict[str, int] = {}  # URLs left out per glob
        self.unsettled: list[str] = []
        self.rendered = 0  # pages rendered so far, against site.render_budget
        # Templates whose rendered sample had the links of their HTML (render = "auto"): read as HTML.
        self.static_templates: frozenset[int] = frozenset()
        self.over_budget: list[str] = []  # pages with scripts read as HTML because the budget was spent
        self.offsite: dict[str, str] = {}
        self.notes: list[str] = []
        self.fatal: EndpointError | None = None  # every render endpoint gone: the crawl ends with this one line
        self.robots: RobotFileParser | None = None
        self.robots_sitemaps: list[str] = []
        # What the sitemap(s) listed, for sitemap-consistency; None: none was read.
        self.sitemap_keys: list[str] | None = None
        self._fetches: dict[str, asyncio.Future[Answer]] = {}
        self._next_slot = 0.0
        self._client: object | None = None
        self.requests = 0
        self.starts: tuple[str, ...] = ()
        self.cache = cache

    # ---------------------------------------------------------- requests
    async def _pace(self) -> None:
        if self.site.rate_limit <= 0:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next_slot)
        self._next_slot = slot + 1.0 / self.site.rate_limit
        if slot > now:
            await asyncio.sleep(slot - now)

    async def _get(
        self, path: str, max_bytes: int, html_only: bool = True, conditions: Mapping[str, str] | None = None
    ) -> tuple[int, Headers, bytes, str]:
        """GET origin+path (never another host) with retries; returns status, headers, body, error.

        ``conditions``: If-None-Match / If-Modified-Since headers from the crawl cache.
        """
        from .client import ClientError, Headers

        assert path.startswith("/"), path
        error = ""
        for attempt in range(RETRIES + 1):
            if attempt:
                await asyncio.sleep(min(0.5 * 2 ** (attempt - 1), 4.0))
            await self._pace()
            self.requests += 1
            try:
                # One deadline for the whole answer, body included: a server that
                # trickles a byte now and then never trips a per-read timeout.
                outcome = await asyncio.wait_for(self._once(path, max_bytes, html_only, conditions), self.site.timeout)
            except asyncio.TimeoutError:
                error = f"no answer within {self.site.timeout:g}s (site.timeout)"
                continue
            except ClientError as exc:
                error = str(exc)
                continue
            status, headers = outcome[0], outcome[1]
            if status in RETRY_STATUSES and attempt < RETRIES:
                wait = headers.get("retry-after", "")
                if wait.isdigit():
                    await asyncio.sleep(min(int(wait), 10))
                error = f"HTTP {status}"
                continue
            return outcome
        return 0, Headers(), b"", f"{error} (after {RETRIES + 1} tries)"

    async def _once(
        self, path: str, max_bytes: int, html_only: bool, conditions: Mapping[str, str] | None = None
    ) -> tuple[int, Headers, bytes, str]:
        """One GET: status and headers, and the body when it is a page within max_bytes.

        The headers are looked up in any case, and keep each Set-Cookie apart
        for a browser that gets them replayed (crawl/client.py).
        """
        async with self._client.stream(path, headers=conditions) as response:  # type: ignore[union-attr]
            headers = response.headers
            status = response.status_code
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if 300 <= status < 400 or status >= 400 or (html_only and ctype not in HTML_TYPES and ctype):
                return status, headers, b"", ""
            over = f"page is over the {max_bytes:,}-byte limit (site.max_page_bytes)"
            try:
                decoder = BoundedDecoder(headers.get("content-encoding", ""), max_bytes)
                # Raw bytes, decoded here with a cap: inflated a whole chunk at once,
                # a 1 MB gzip bomb is gigabytes in one chunk.
                async for chunk in response.aiter_raw():
                    decoder.feed(chunk)
                    if decoder.over:
                        return status, headers, b"", over
                body = decoder.finish()
            except DecodeError as exc:
                return status, headers, b"", str(exc)
            if decoder.over:
                return status, headers, b"", over
            return status, headers, body, ""

    def _allowed(self, key: str) -> bool:
        if self.robots is None:
            return True
        return self.robots.can_fetch(ROBOTS_AGENT, self.origin + request_path(key.split("#")[0]))

    async def fetch(self, key: str) -> Answer:
        """The answer for a page URL, fetched once however many links point at it."""
        path = key.split("#")[0]
        if path not in self._fetches:
            self._fetches[path] = asyncio.ensure_future(self._fetch(path))
        answer = await self._fetches[path]
        if "#" in key and answer.kind == "html":
            answer = replace(answer, final=answer.final + "#" + key.split("#", 1)[1])
        return answer

    async def _fetch(self, key: str) -> Answer:
        current, redirected, visited = key, False, {key}
        hops = [key]  # the chain so far, for the failure text of a loop or a long chain
        for _ in range(MAX_REDIRECTS + 1):
            if not self._allowed(current):
                return Answer("robots", current, redirected=redirected)
            entry = self.cache.lookup(current) if self.cache is not None else None
            conditions = entry.conditions() if entry is not None else None
            status, headers, body, error = await self._get(request_path(current), self.site.max_page_bytes, conditions=conditions)
            if error and not status:
                return Answer("error", current, error=error, redirected=redirected)
            if status == 304 and entry is not None:
                return Answer(
                    "html", current, 200, redirected, None, entry.charset, entry.x_robots,
                    etag=headers.get("etag", ""), last_modified=headers.get("last-modified", ""), cached=entry,
                )
            if 300 <= status < 400 and "location" in headers:
                target = urljoin(self.origin + request_path(current), headers["location"].strip())
                parts = urlsplit(target)
                if f"{parts.scheme}://{parts.netloc}".lower() != self.origin.lower():
                    self.offsite[key] = f"{parts.scheme}://{parts.netloc}{parts.path}"
                    return Answer("offsite", current, status, True)
                nxt = site_key(parts.path or "/")
                if nxt in visited:
                    return Answer("broken", key, status, True, error="redirect loop: " + " -> ".join(hops + [nxt]))
                visited.add(nxt)
                hops.append(nxt)
                current, redirected = nxt, True
                continue
            if status >= 400 or (300 <= status < 400):
                return Answer("broken", key, status, redirected)
            if error:
                return Answer("error", current, status, redirected, error=error)
            ctype = headers.get("content-type", "")
            mime = ctype.split(";")[0].strip().lower()
            if mime and mime not in HTML_TYPES:
                return Answer("file", current, status, redirected)
            charset = charset_of(ctype)
            return Answer(
                "html", current, status, redirected, body, charset, headers.get("x-robots-tag", ""),
                etag=headers.get("etag", ""), last_modified=headers.get("last-modified", ""),
                cacheable="no-store" not in headers.get("cache-control", "").lower(),
                headers=document_headers(headers.multi_items()) if self.renderer is not None else (),
            )
        shown = hops[:3] + ["..."] + hops[-2:] if len(hops) > 6 else hops
        return Answer("broken", key, 0, True, error=f"more than {MAX_REDIRECTS} redirects: " + " -> ".join(shown))

    # --------------------------------------------------- robots, sitemaps
    async def read_robots(self) -> None:
        status, _, body, _ = await self._get("/robots.txt", 1024 * 1024, html_only=False)
        if status != 200 or not body:
            return
        lines = body.decode("utf-8", errors="replace").splitlines()
        self.robots_sitemaps = [line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("sitemap:")]
        if self.site.respect_robots:
            parser = RobotFileParser()
            parser.parse(lines)
            self.robots = parser

    async def read_sitemaps(self) -> list[str]:
        """Page URLs listed in the sitemap(s); only same-origin files and URLs are used."""
        configured = [self.site.sitemap] if self.site.sitemap else []
        todo = configured or self.robots_sitemaps or ["/sitemap.xml"]
        explicit = bool(configured or self.robots_sitemaps)
        keys: list[str] = []
        done: set[str] = set()
        level = [(loc, 0) for loc in todo]
        while level and len(done) < MAX_SITEMAP_FILES:
            loc, depth = level.pop(0)
            parts = urlsplit(urljoin(self.origin + "/", loc))
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            if f"{parts.scheme}://{parts.netloc}".lower() != self.origin.lower():
                # A preview's robots.txt often names the production sitemap: the
                # crawl never leaves the origin, so it reads the same path here.
                self.notes.append(f"sitemap {loc} is on another host; read {path} on {self.origin} instead")
            if path in done:
                continue
            done.add(path)
            status, _, body, error = await self._get(path, MAX_SITEMAP_BYTES, html_only=False)
            if status != 200:
                if explicit:
                    self.notes.append(f"sitemap {path} could not be read ({error or f'HTTP {status}'})")
                continue
            sitemap = parse_sitemap(body)
            if sitemap.kind == "invalid":
                self.notes.append(f"sitemap {path} is {sitemap.error}; ignored")
            elif sitemap.kind == "index":
                if depth < MAX_INDEX_DEPTH:
                    level.extend((child, depth + 1) for child in sitemap.locs)
            else:
                self.sitemap_keys = self.sitemap_keys or []
                outside = 0
                for url in sitemap.locs:
                    key = self.resolver.resolve(url, self.origin + "/")
                    if key is None:
                        outside += 1
                    else:
                        keys.append(key)
                if outside:
                    self.notes.append(
                        f"sitemap {path}: {outside} URL(s) on other hosts ignored "
                        "(if they name the production site, add it to site.base_url)"
                    )
        if self.sitemap_keys is not None:
            self.sitemap_keys = list(dict.fromkeys(keys))
        return list(dict.fromkeys(keys))

    def sitemap_urls(self) -> list[str] | None:
        """Page URLs the sitemap listed (where redirects ended), or None if no sitemap was read."""
        if self.sitemap_keys is None:
            return None
        urls = []
        for key in self.sitemap_keys:
            answer = self.answers.get(key)
            urls.append(answer.final if answer is not None and answer.kind == "html" and answer.final else request_path(key))
        return list(dict.fromkeys(urls))

    # ------------------------------------------------------------ crawl
    async def crawl(self, starts: list[str], extra: list[str]) -> None:
        queue: asyncio.Queue[str] = asyncio.Queue()
        for key in starts + extra:
            self._enqueue(queue, key)

        async def worker() -> None:
            while True:
                key = await queue.get()
                try:
                    if self.fatal is None:  # else the queue is only drained
                        await self._visit(queue, key)
                except EndpointError as exc:
                    self.fatal = self.fatal or exc
                except Exception as exc:  # one bad page must not end the crawl
                    self.answers[key] = Answer("error", key, error=f"{type(exc).__name__}: {exc}")
                finally:
                    queue.task_done()
                    if self.progress is not None:
                        self.progress(len(self.answers), queue.qsize())

        workers = [asyncio.ensure_future(worker()) for _ in range(self.site.concurrency)]
        try:
            await queue.join()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if self.fatal is not None:
            raise self.fatal

    def _enqueue(self, queue: asyncio.Queue[str], key: str) -> None:
        if key in self.seen:
            return
        if not self._allowed(key):
            self.robots_blocked.add(key)
            return
        if len(self.seen) >= self.site.max_pages:
            self.over_limit += 1
            return
        for glob, most in self.site.page_limits:
            if matches(key.split("#")[0], [glob]):
                if self.pattern_counts.get(glob, 0) >= most:
                    self.pattern_over[glob] = self.pattern_over.get(glob, 0) + 1
                    return
        for glob, _ in self.site.page_limits:
            if matches(key.split("#")[0], [glob]):
                self.pattern_counts[glob] = self.pattern_counts.get(glob, 0) + 1
        self.seen.add(key)
        queue.put_nowait(key)

    async def _visit(self, queue: asyncio.Queue[str], key: str) -> None:
        answer = await self.fetch(key)
        self.answers[key] = answer
        try:
            await self._read(queue, answer)
        finally:
            # Answers stay for the whole crawl (outcome, notes); their bodies
            # must not. With hash routes, the path's answer is shared by its
            # routes, each read from the same bytes: only their copies go.
            if not self.site.hash_routes or "#" in key:
                answer.body, answer.headers = None, ()

    async def _read(self, queue: asyncio.Queue[str], answer: Answer) -> None:
        """Extract (and render) a fetched page, then queue what it links to."""
        if answer.kind != "html" or answer.final in self.reads:
            return
        final = answer.final
        self.reads[final] = (RawPage(), "", answer, False, True, "")  # claim it before awaiting
        path = final.split("#")[0]
        if answer.cached is not None:
            raw = answer.cached.raw
            self.cache.keep(path, answer.cached, answer.etag, answer.last_modified)  # type: ignore[union-attr]
        else:
            raw = read(Fetched(final, self.origin + request_path(path), answer.status, body=answer.body or b"", charset=answer.charset), self.selectors)
            if self.cache is not None and not _holds_secret(self.redact, path, raw):
                # A page that echoes a secret is never written to the cache file.
                validators = (answer.etag, answer.last_modified) if answer.cacheable else ("", "")
                self.cache.store(path, *validators, answer.charset, answer.x_robots, raw)
        scripts = raw.scripts > 0 or "#" in final
        base = self.origin + request_path(path)
        if raw.matched:
            self.roles_of[final] = tuple(raw.matched)
        rendered, error = False, raw.error  # binary data or absurd nesting: reported, not parsed
        if "#" in final and self.renderer is None:
            raw = RawPage(title=raw.title)  # a hash route exists only once rendered
        render = self.renderer is not None and scripts and not raw.refresh  # a refresh stub is read as is
        if render and "#" not in final and raw.scripts and script_template(final, raw.script_srcs) in self.static_templates:
            render = False  # its template's rendered sample had the links its HTML has
        if render and self.rendered >= self.site.render_budget:
            self.over_budget.append(final)
            render = False
        if render:
            self.rendered += 1
            # The browser gets the bytes just read rather than asking the server again.
            result = await self.renderer.render(self.origin + request_path(final), answer.served())  # type: ignore[attr-defined]
            rendered = True
            if result.raw is None:
                error = result.error
            else:
                self.static_targets[final] = frozenset(
                    t for t in (self.resolver.resolve(rl.href, base) for rl in raw.links) if t is not None
                )
                raw, base = result.raw, result.base_uri or base
                if not result.settled:
                    self.unsettled.append(final)
        self.reads[final] = (raw, base, answer, rendered, scripts, error)
        for rl in raw.links:
            target = self.resolver.resolve(rl.href, base)
            if target is not None:
                self._enqueue(queue, target)
        if raw.refresh:
            target = self.resolver.resolve(raw.refresh, base)
            if target is not None:
                self._enqueue(queue, target)

    # ------------------------------------------------------------ pages
    def outcome(self, key: str) -> tuple[str, str, int]:
        """Where fetching a linked page URL ended, for the pipeline (pipeline.Outcome)."""
        answer = self.answers.get(key)
        if answer is None:
            # Not fetched: disallowed by robots.txt, over the page limit, or
            # (in an auto-render sample) only found after rendering.
            if key in self.robots_blocked or self.over_limit or self.pattern_over:
                return "file", key, 0
            return "page", key, 0
        if answer.kind == "html":
            return "page", answer.final, VIA_REDIRECT if answer.redirected else 0
        if answer.kind == "error":
            return "page", key, 0
        if answer.kind == "broken":
            return "broken", key, 0
        return "file", key, 0  # file, offsite, robots: no page link

    def build_page(self, key: str) -> Page:
        """The page read for key, built by the one page pipeline (crawl/pipeline.py)."""
        raw, base, answer, rendered, scripts, error = self.reads[key]
        return page_with_links(
            key,
            self.origin + request_path(key),
            raw,
            self.classify,
            local=self.links,
            base=base,
            # "#intro" names an element of this very page (unless <base> or a hash route moves it elsewhere).
            own_fragments=not raw.base and "#" not in key,
            outcome=self.outcome,
            static_targets=self.static_targets.get(key) if rendered else None,
            x_robots=answer.x_robots,
            status=answer.status,
            rendered=rendered,
            has_scripts=scripts,
            roles=self.roles_of.get(key, ()),
            error=error,
        )

    def pages(self) -> dict[str, Page]:
        pages = {key: self.build_page(key) for key in self.reads}
        for key, answer in self.answers.items():
            if answer.kind == "error" and answer.final not in pages:
                pages[answer.final] = Page(url=answer.final, source=self.origin + request_path(answer.final), error=answer.error)
        return pages

    def broken_reasons(self) -> dict[str, str]:
        """Why each broken URL is broken: its HTTP status, or the redirect chain that never ended."""
        reasons = {}
        for key, answer in self.answers.items():
            if answer.kind == "broken":
                reasons[key] = answer.error or f"HTTP {answer.status}"
        return reasons

    def shortfall(self) -> str:
        """What site.render_budget left unrendered (the crawl item fails on it), or ""."""
        if not self.over_budget:
            return ""
        shown = ", ".join(sorted(self.over_budget)[:3])
        return (
            f"{len(self.over_budget):,} page(s) with scripts needed rendering past site.render_budget = "
            f"{self.site.render_budget:,} (e.g. {shown}); their links were read from the HTML, so the graph may "
            "lack links their scripts add"
        )

    def summary_notes(self) -> list[str]:
        notes = list(self.notes)
        if self.robots_blocked:
            shown = ", ".join(sorted(self.robots_blocked)[:3])
            notes.append(
                f"robots.txt disallows {len(self.robots_blocked)} linked URL(s), not crawled: {shown}"
                f"{' ...' if len(self.robots_blocked) > 3 else ''} (respect_robots = false crawls them)"
            )
        if self.over_limit:
            notes.append(f"page limit reached: {self.over_limit} more URL(s) were not crawled (site.max_pages = {self.site.max_pages:,})")
        for glob, left in sorted(self.pattern_over.items()):
            limit = dict(self.site.page_limits)[glob]
            notes.append(f'page limit for "{glob}" reached: {left} more URL(s) were not crawled (site.page_limits = {limit:,})')
        if self.offsite:
            first = sorted(self.offsite.items())[0]
            notes.append(f"{len(self.offsite)} URL(s) redirect to another host, not followed (e.g. {first[0]} -> {first[1]})")
        redirected = sorted(k for k, a in self.answers.items() if a.redirected and a.kind == "html" and k != a.final)
        if redirected:
            first = redirected[0]
            notes.append(f"{len(redirected)} linked URL(s) redirect within the site (e.g. {first} -> {self.answers[first].final})")
        if self.over_budget:
            notes.append(f"render budget: {self.shortfall()}")
        if self.unsettled:
            shown = ", ".join(sorted(self.unsettled)[:5])
            notes.append(f"{len(self.unsettled)} rendered page(s) kept changing; their links were read when the settle time ran out: {shown}")
        return notes


# -------------------------------------------------------------- the crawl
@dataclass
class UrlCrawl:
    pages: dict[str, Page]
    starts: tuple[str, ...]
    render: str
    reason: str
    notes: list[str]
    requests: int
    sitemap_urls: list[str] | None = None
    broken_reasons: dict[str, str] = field(default_factory=dict)
    shortfall: str = ""


async def crawl_async(
    site: SiteConfig,
    progress: Progress | None = None,
    selectors: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
) -> UrlCrawl:
    """Static pass, then (render = auto) a rendered sample, then a rendered pass if needed.

    With ``cache_dir``, pages unchanged since the last run (HTTP 304) are not parsed again.
    """
    secrets = read_secrets(site)
    cache = None
    if cache_dir is not None:
        identity = identity_material(secrets.headers, secrets.cookies, secrets.basic_auth)
        cache = HttpCache.for_site(cache_dir, site.url or "", site.max_page_bytes, selectors, identity)
    done = await _crawl_passes(site, secrets, progress, selectors, cache)
    if cache is not None:
        cache.save()
    return done


async def _crawl_passes(
    site: SiteConfig,
    secrets: Secrets,
    progress: Progress | None,
    selectors: Mapping[str, str] | None,
    cache: HttpCache | None,
) -> UrlCrawl:
    requests = 0
    if site.render != "always":
        pages, crawler = await _pass(site, secrets, None, progress if site.render == "never" else None, selectors, cache)
        nothing = nothing_to_render(site.render, pages)
        if nothing is not None:
            return _result(crawler, pages, "static", nothing)
        requests = crawler.requests

    from .browser import BrowserError, given_by
    from .remote import EndpointError, open_renderer
    from .rendering import render_options

    options = replace(render_options(site), headers=secrets.headers, cookies=secrets.cookies, basic_auth=secrets.basic_auth)
    try:
        async with open_renderer(site.url or "", options) as renderer:
            how = renderer.browser_used.how if renderer.browser_used else "Chromium"
            if site.render == "auto":
                groups = await _judge_templates(site, crawler, pages, renderer)
                template_notes = [template_note(g) for g in groups]
                static_templates = frozenset(g.template for g in groups if g.verdict == "static")
                if len(static_templates) == len(groups):
                    crawler.notes.extend(template_notes)
                    crawler.notes.extend(renderer.notes())
                    return _result(crawler, pages, "static", unchanged_reason(groups, sum(len(g.urls) for g in groups)))
                changed = [g for g in groups if g.verdict != "static"]
                reason = (
                    f"rendering changes links on pages of {len(changed)} of {len(groups)} template{'s' if len(groups) != 1 else ''} "
                    f"(e.g. {changed[0].example}: {changed[0].how})"
                )
            else:
                reason, template_notes, static_templates = 'render = "always"', [], frozenset()
            pages, crawler = await _pass(site, secrets, renderer, progress, selectors, cache, static_templates)
            crawler.requests += requests
            crawler.notes.extend(template_notes)
            crawler.notes.extend(renderer.notes())
    except BrowserError as exc:
        if isinstance(exc, EndpointError):  # browsers the user named: never a silent fallback
            raise HttpCrawlError(str(exc)) from None
        if site.render == "always":
            raise HttpCrawlError(f'site.render = "always": {exc}') from None
        if given_by(site.browser_path):
            raise HttpCrawlError(f"the browser named by {given_by(site.browser_path)} could not be started: {exc}") from None
        return _result(crawler, pages, "static", f"{BROWSERLESS} ({exc})")
    n_rendered = sum(1 for p in pages.values() if p.rendered)
    reason += f"; {n_rendered:,} page(s) with scripts rendered in {how}"
    as_html = sum(1 for p in pages.values() if not p.rendered and p.has_scripts and p.template in static_templates)
    if as_html:
        reason += f", {as_html:,} with scripts read as HTML (their template's sample rendered to the same links)"
    if len(pages) > n_rendered + as_html:
        reason += f", {len(pages) - n_rendered - as_html:,} without scripts read as HTML"
    return _result(crawler, pages, "rendered", reason)


async def _judge_templates(site: SiteConfig, crawler: HttpCrawler, pages: dict[str, Page], renderer: Any) -> list[Group]:
    """render = "auto" on a URL crawl: a rendered sample of each template, judged as a folder's is.

    A template whose sample renders to the links its HTML has is read as HTML
    in the rendered pass; the others are rendered there (URL crawls don't
    infer: a page only a render links to must be fetched, which the rendered
    pass does).
    """
    groups = group_pages(pages, [k for k, p in pages.items() if renderable(p)])
    sample = sample_groups(groups, crawler.starts, site.render_budget)
    rendered: dict[str, Page] = {}
    results = await asyncio.gather(*(renderer.render(site.url + request_path(k)) for k in sample), return_exceptions=True)  # type: ignore[operator]
    for failed in results:
        if isinstance(failed, BaseException):  # every render endpoint gone; the other renders were collected
            raise failed
    for key, result in zip(sample, results):
        if result.raw is not None:
            raw, base, answer, _, scripts, _ = crawler.reads[key]
            crawler.reads[key] = (result.raw, result.base_uri or base, answer, True, scripts, "")
            rendered[key] = crawler.build_page(key)
            crawler.reads[key] = (raw, base, answer, False, scripts, "")
    for group in groups:
        changed = judge_sample(group, pages, rendered, complete=False)
        if changed is not None:
            first = sorted(u for u in changed if not same_page(pages[u], changed[u]))[0]
            diff = differences({first: pages[first]}, {first: changed[first]})
            group.verdict = "rendered"
            group.how = f"rendering changed links on {diff[0] if diff else first + ': its links or their anchors or flags'}"
    return groups


def _result(crawler: HttpCrawler, pages: dict[str, Page], render: str, reason: str) -> UrlCrawl:
    """The crawl as reports see it: every string a secret could be echoed into is masked here, once."""
    notes = crawler.summary_notes()
    cache = crawler.cache
    if cache is not None:
        parsed, reused = len(cache.parsed), len(cache.reused - cache.parsed)
        again = "; rendered pages are rendered again" if render == "rendered" else ""
        notes.append(
            f"crawl cache: {parsed:,} of {parsed + reused:,} pages parsed, {reused:,} reused "
            f"(the server answered 304 Not Modified){again} ({display_path(cache.path.parent)})"
        )
    redact = crawler.redact
    sitemap = crawler.sitemap_urls()
    if redact:
        pages = {redact(url): redact.page(page) for url, page in pages.items()}  # type: ignore[misc]
        notes, reason = [redact(n) for n in notes], redact(reason)
        sitemap = [redact(u) for u in sitemap] if sitemap is not None else None
        broken = {redact(k): redact(v) for k, v in crawler.broken_reasons().items()}
        starts = tuple(redact(s) for s in crawler.starts)
        shortfall = redact(crawler.shortfall())
        return UrlCrawl(pages, starts, render, reason, notes, crawler.requests, sitemap, broken, shortfall)
    return UrlCrawl(pages, crawler.starts, render, reason, notes, crawler.requests, sitemap, crawler.broken_reasons(), crawler.shortfall())


async def _pass(
    site: SiteConfig,
    secrets: Secrets,
    renderer: object | None,
    progress: Progress | None,
    selectors: Mapping[str, str] | None = None,
    cache: HttpCache | None = None,
    static_templates: frozenset[int] = frozenset(),
) -> tuple[dict[str, Page], HttpCrawler]:
    from .client import OriginClient

    crawler = HttpCrawler(site, secrets, renderer, progress, selectors, cache)
    crawler.static_templates = static_templates
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": ACCEPT_ENCODING}
    # No proxy from the environment is used (it must not see the site's secrets),
    # no redirect is followed and no cookie a server sets is kept: crawl/client.py.
    client = OriginClient(crawler.origin, headers, secrets.headers, secrets.cookies, secrets.basic_auth, site.concurrency)
    async with contextlib.aclosing(client):
        crawler._client = client
        await crawler.read_robots()
        start_keys = [site_key(s.split("#")[0].split("?")[0] or "/") for s in site.start]
        blocked = [s for s, k in zip(site.start, start_keys) if not crawler._allowed(k)]
        if blocked:
            raise HttpCrawlError(
                f"site.start: robots.txt of {site.url} disallows {', '.join(blocked)}; "
                "set respect_robots = false to crawl a site that is closed to robots (e.g. staging)"
            )
        sitemap_keys = await crawler.read_sitemaps()
        await crawler.crawl(start_keys, sitemap_keys)
    starts, problems = [], []
    for given, key in zip(site.start, start_keys):
        answer = crawler.answers.get(key)
        if answer is not None and answer.kind == "html":
            starts.append(answer.final)
        else:
            if answer is None:
                why = "not crawled"
            elif answer.kind == "offsite":
                why = f"redirects to another host ({crawler.offsite.get(key, '')})"
            elif answer.kind in ("broken", "error"):
                why = answer.error or f"HTTP {answer.status}"
            else:
                why = f"is not an HTML page ({answer.kind})"
            problems.append(f'"{given}" ({site.url}{request_path(key)}): {why}')
    if problems:
        raise HttpCrawlError("site.start: " + "; ".join(problems) + ". Check site.url and that the site is up")
    crawler.starts = tuple(dict.fromkeys(starts))  # type: ignore[attr-defined]
    return crawler.pages(), crawler


def crawl_url(
    site: SiteConfig,
    progress: Progress | None = None,
    selectors: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
) -> "CrawlResult":
    """Crawl site.url; the entry point crawl_site uses for deployed sites."""
    from . import CrawlError, CrawlResult
    from .render import run_async

    began = time.perf_counter()
    keep_freed_memory()  # see allocator.py: pages parse twice as fast
    try:
        done = run_async(lambda: crawl_async(site, progress, selectors, cache_dir))
    except HttpCrawlError as exc:
        # A start page's error can quote what the site said; the secrets were valid if it got that far.
        try:
            redact = redactor_for(read_secrets(site))
        except HttpCrawlError:
            redact = Redactor()
        raise CrawlError(redact(str(exc))) from None
    if not done.pages:
        raise CrawlError(f"site {site.url}: no HTML page could be read")
    notes = done.notes + [f"{done.requests:,} HTTP requests to {site.url}"]
    missing = sum(1 for p in done.pages.values() if p.has_scripts) if done.reason.startswith(BROWSERLESS) else 0
    return CrawlResult(
        done.pages, done.starts, f"site {site.url}", time.perf_counter() - began, done.render, done.reason, notes, done.sitemap_urls,
        done.broken_reasons, render_shortfall=done.shortfall, browser_missing=missing,
    )
