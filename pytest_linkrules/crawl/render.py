"""Render pages in Chromium and read links from the DOM scripts built.

The only module that drives Playwright. Choices measured on this project's
machines (see PERF-NOTES): one browser and one context for the whole crawl; a
small pool of pages reused across URLs (a new page per URL halves throughput);
``domcontentloaded`` and then a bounded quiet period read in the same
``page.evaluate`` that collects the links; images, media and fonts blocked
through CDP ``Network.setBlockedURLs`` rather than request routing, which
disables the HTTP cache. The same CDP call blocks every request that would
leave the site's origin, so a page's scripts can't reach another host.

A URL crawl has already read each page before rendering it; ``render(url,
served)`` hands the browser those bytes for that navigation (CDP
``Fetch.fulfillRequest``) instead of letting it ask the server again, so a
rendered page costs the site one request and the browser renders exactly
what the crawl read.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, TypeVar
from urllib.parse import urlsplit

from .browser import BrowserError, Candidate, import_playwright, launch
from ..fragments import pack_ids
from .extract import MAX_ANCHOR, RawLink, RawPage, parse_refresh
from .fence import Fence

if TYPE_CHECKING:
    from .remote import RenderPool

T = TypeVar("T")

BLOCKED_EXTENSIONS = (
    "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff",
    "woff", "woff2", "ttf", "otf", "eot",
    "mp4", "webm", "ogg", "ogv", "mp3", "wav", "m4a", "mov", "avi", "flac",
    "pdf", "zip",
)  # fmt: skip

# Counts the work a page still has pending that may add links: fetch/XHR
# requests in flight (a fetch until its body is read), scripts inserted after
# the document was parsed until they load or fail (Doxygen's nav tree loads its
# data as a chain of such scripts: a quiet window alone read half the pages
# before the tree was built, and a cap of 2 s per script read pages rendered
# beside a heavy one without it), and short one-shot
# timers (due within 1 s, set in the page's first 2 s, and not the third link
# of a timer chain, so a polling loop can't keep a page busy). With that
# known, "settled" needs only a short quiet window for what isn't counted
# (animation frames, message-channel tasks) instead of a long fixed one.
INIT_SCRIPT = """
(() => {
  let n = 0, depth = 0;
  const timers = new Set();
  const st = window.setTimeout, ct = window.clearTimeout, ci = window.clearInterval;
  const JS = new Set(['', 'module', 'text/javascript', 'application/javascript', 'text/ecmascript', 'application/ecmascript']);
  const watch = el => {
    if (el.localName !== 'script' || !el.src || !JS.has((el.getAttribute('type') || '').trim().toLowerCase())) return;
    n++;
    let open = true;
    const end = () => { if (open) { open = false; n--; } };
    el.addEventListener('load', end, {once: true});
    el.addEventListener('error', end, {once: true});
    // A script made by innerHTML is never fetched or run, and never says so: it stops
    // counting after 2 s. Only the parser makes scripts that are not async unless
    // told (or a loader that wants them in order), so a script a script made (async)
    // counts until it loads or fails, within the settle budget.
    if (!el.async) st.call(window, end, 2000);
  };
  new MutationObserver(records => {
    if (document.readyState === 'loading') return;  // the parser's own scripts hold back readyState already
    for (const r of records) for (const node of r.addedNodes) if (node.nodeType === 1) watch(node);
  }).observe(document, {childList: true, subtree: true});
  const hide = (name, get) => Object.defineProperty(window, name, {get, configurable: true});
  hide('__linkrulesInflight', () => n + timers.size);
  hide('__linkrulesTimer', () => st);
  const track = p => { n++; return p.finally(() => { n--; }); };
  const f = window.fetch;
  if (f) window.fetch = function (...a) { return track(f.apply(this, a)); };
  for (const name of ['json', 'text', 'arrayBuffer', 'blob', 'formData']) {
    const read = window.Response && Response.prototype[name];
    if (read) Response.prototype[name] = function (...a) { return track(read.apply(this, a)); };
  }
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...a) {
    n++; this.addEventListener('loadend', () => { n--; }, {once: true});
    return send.apply(this, a);
  };
  window.setTimeout = function (fn, ms, ...rest) {
    if (typeof fn !== 'function' || Number(ms) > 1000 || depth >= 2 || performance.now() > 2000) return st.call(window, fn, ms, ...rest);
    const level = depth + 1;
    const id = st.call(window, function (...args) {
      timers.delete(id);
      const outer = depth;
      depth = level;
      try { return fn.apply(this, args); } finally { depth = outer; }
    }, ms, ...rest);
    timers.add(id);
    return id;
  };
  window.clearTimeout = function (id) { timers.delete(id); return ct.call(window, id); };
  window.clearInterval = function (id) { timers.delete(id); return ci.call(window, id); };
})();
"""

# WebRTC's UDP (STUN, TURN, ICE checks) bypasses the context's proxy, the
# fence. browser.py's launch flags keep it on the proxy, but full Chromium
# ignores --force-webrtc-ip-handling-policy (Chromium 156; the headless shell
# honours it), so pages lose the constructors too, in every frame, before any
# of their scripts run. No site builds its links with WebRTC.
NO_WEBRTC = """
(() => {
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection']) {
    try { delete window[name]; } catch (e) {}
  }
})();
"""

# Waits until the document is loaded, nothing counted above is pending and no
# element or href changed for quietMs (at most maxMs); true if it settled. It
# runs in the page's world, where the init script's counters are. A tick that
# comes late (a renderer starved of CPU on a loaded CI machine) proves nothing:
# the page's own timers were as late and had no turn to show they still change
# things. It takes one more tick, which runs after those overdue timers.
SETTLE_PAGE = """
async ([quietMs, maxMs]) => {
  const t0 = performance.now();
  const later = window.__linkrulesTimer || setTimeout;  // not counted as the page's own timer
  const settled = await new Promise(resolve => {
    let last = t0, before = t0, late = false;
    const lateMs = Math.max(quietMs, 50);  // ticks come at most 40 ms apart unless starved
    const obs = new MutationObserver(() => { last = performance.now(); });
    obs.observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['href']});
    const tick = () => {
      const now = performance.now();
      if (document.readyState !== 'complete' || (window.__linkrulesInflight || 0) > 0) last = now;
      const quiet = now - last >= quietMs;
      if (quiet && (late || now - before < lateMs)) { obs.disconnect(); resolve(true); return; }
      if (now - t0 >= maxMs) { obs.disconnect(); resolve(false); return; }
      late = quiet;  // quiet, but this tick came late
      before = now;
      later(tick, late ? 0 : Math.min(40, Math.max(5, quietMs - (now - last))));
    };
    tick();
  });
  return settled === true;
}
"""

# Reads everything in one pass, in a world of its own (CDP's isolated world):
# the DOM is the page's, but JSON, Array, querySelectorAll and the rest are
# this world's, so a page that replaces its built-ins can't change what is
# read. Chrome/content is decided exactly as crawl/extract.py decides it.
READ_PAGE = """
function (maxAnchor, chrome, settled) {
  const ALWAYS = 'nav, aside, [role=navigation], [role=banner], [role=contentinfo], [role=complementary]' + (chrome ? ', ' + chrome : '');
  const chromeOf = a => {
    if (a.closest(ALWAYS)) return true;
    let any = false;
    for (let e = a.parentElement; e; e = e.parentElement) {
      const t = e.localName;
      if (t === 'header' || t === 'footer') {
        any = true;
        if (e.parentElement && e.parentElement.closest('article, main, section')) return false;
      }
    }
    return any;
  };
  const textOf = a => {
    let text;
    if (a.childElementCount === 0) text = a.textContent || '';
    else {
      const parts = [];
      const w = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
      for (let n = w.nextNode(); n; n = w.nextNode()) {
        const s = n.nodeValue.trim();
        if (s) parts.push(s);
      }
      text = parts.join(' ');
    }
    if (!text.trim() && a.localName === 'area') text = a.getAttribute('alt') || '';
    if (!text.trim()) { const img = a.querySelector('img[alt]'); if (img) text = img.getAttribute('alt') || ''; }
    return text.split(/\\s+/).filter(Boolean).join(' ').slice(0, maxAnchor);
  };
  const links = [];
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    const rel = (a.getAttribute('rel') || '').toLowerCase().split(/\\s+/);
    links.push([a.getAttribute('href'), textOf(a), rel.includes('nofollow'), chromeOf(a),
                !!a.closest('[data-proofer-ignore], [data-linkrules-ignore]')]);
  }
  const attr = (sel, name) => { const e = document.querySelector(sel); return e ? e.getAttribute(name) : null; };
  const robots = Array.from(document.querySelectorAll('meta[name="robots" i]'), m => m.getAttribute('content') || '');
  const title = document.querySelector('title');
  return JSON.stringify({
    settled, links, url: location.href, baseURI: document.baseURI,
    title: title ? (title.textContent || '').split(/\\s+/).filter(Boolean).join(' ').slice(0, 300) : '',
    base: attr('base[href]', 'href'),
    canonical: attr('link[rel~="canonical" i][href]', 'href'),
    robots: robots.join(',').toLowerCase(),
    refresh: attr('meta[http-equiv="refresh" i][content]', 'content'),
    ids: Array.from(document.querySelectorAll('[id], a[name]'), e => [e.id, e.localName === 'a' ? e.getAttribute('name') || '' : '']).flat().filter(Boolean),
  });
}
"""


@dataclass(frozen=True)
class RenderOptions:
    """How pages are rendered; the defaults suit a CI machine with 2 cores."""

    timeout: float = 15.0  # seconds for a page to reach DOMContentLoaded
    settle: float = 3.0  # most seconds to wait for scripts to go quiet after that
    quiet: float = 0.05  # seconds with nothing pending and no DOM change that count as settled
    pages: int = 4  # pages in flight: enough to keep 2 cores busy through each page's quiet window
    budget: int = 2000  # most pages one crawl renders (site.render_budget); the rest is reported
    browser_path: str | None = None
    chrome: str = ""  # the site's chrome selectors, one list: ".navbar, .related" (crawl/extract.py)
    # Browsers elsewhere to render on instead of launching one (crawl/remote.py),
    # and the address of this machine they reach the fence and a folder at.
    # Left out of repr: an endpoint's query may hold a token, and which browser
    # renders changes no verdict.
    endpoints: tuple[str, ...] = field(default=(), repr=False)
    serve_host: str = "127.0.0.1"
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # may hold secrets
    cookies: dict[str, str] = field(default_factory=dict, repr=False)
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)


# What describes the transfer rather than the document: a decoded body sent
# with the server's Content-Encoding or Content-Length would be misread.
TRANSFER_HEADERS = frozenset({
    "content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive",
    "te", "trailer", "upgrade", "proxy-connection", "proxy-authenticate",
})  # fmt: skip


def document_headers(items: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The response headers to replay to the browser with a decoded body.

    All but the transfer ones: Content-Type's charset, Content-Security-Policy,
    Set-Cookie, Link, Refresh, Content-Language and the rest all change what
    the browser builds, and a list of what matters would miss the next one.
    """
    return tuple((k, v) for k, v in items if k.lower() not in TRANSFER_HEADERS)


@dataclass(frozen=True, repr=False)
class Served:
    """A page's response as the crawl already holds it (body decoded)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass
class _Tab:
    """A pooled page, its CDP session and the response it may answer its next navigation with."""

    page: Any
    cdp: Any
    main_frame: str
    offer: tuple[str, Served] | None = None  # (URL without fragment, response), for one request


@dataclass
class Rendered:
    """One rendered page: its DOM reduced to a RawPage, or why it failed."""

    url: str  # the URL asked for
    final_url: str = ""  # where the document ended up (redirects, pushState)
    base_uri: str = ""  # what relative hrefs resolve against in the browser
    status: int = 0
    raw: RawPage | None = None
    error: str = ""
    settled: bool = True


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _same_request(a: str, b: str) -> bool:
    """The same URL as a browser sends it: scheme and host in any case, default port or not, no fragment."""
    x, y = urlsplit(a), urlsplit(b)
    try:
        ports = x.port or (443 if x.scheme.lower() == "https" else 80), y.port or (443 if y.scheme.lower() == "https" else 80)
    except ValueError:
        return False
    return (
        x.scheme.lower() == y.scheme.lower() and (x.hostname or "") == (y.hostname or "") and ports[0] == ports[1]
        and (x.path or "/") == (y.path or "/") and x.query == y.query
    )


def url_pattern_origin(origin: str) -> str:
    """The origin in URLPattern syntax, which Chromium's blocking parses.

    There ``:`` starts a named group, so an IPv6 host (``http://[::1]:8000``)
    fails to parse unless the colons inside its brackets are escaped.
    """
    scheme, sep, rest = origin.partition("://")
    if rest.startswith("[") and "]" in rest:
        host, _, port = rest[1:].partition("]")
        rest = "[" + host.replace(":", "\\:") + "]" + port
    return scheme + sep + rest


def block_patterns(origin: str) -> list[dict[str, Any]]:
    """CDP block patterns: heavy resources anywhere, then everything not on origin.

    The first matching pattern wins, so the origin is allowed only after its
    images and fonts were blocked.
    """
    patterns = [{"urlPattern": f"*://*:*/*.{ext}", "block": True} for ext in BLOCKED_EXTENSIONS]
    patterns.append({"urlPattern": "*://*:*/favicon.ico", "block": True})
    patterns.append({"urlPattern": f"{url_pattern_origin(origin)}/*", "block": False})
    patterns.append({"urlPattern": "*://*:*/*", "block": True})
    patterns.append({"urlPattern": "*://*/*", "block": True})
    return patterns


def _fulfil_params(request: dict[str, Any], served: Served) -> dict[str, Any]:
    return {
        **request,
        "responseCode": served.status,
        "responseHeaders": [{"name": k, "value": v} for k, v in served.headers],
        "body": base64.b64encode(served.body).decode("ascii"),
    }


async def _close_quietly(page: Any) -> None:
    try:
        await page.close()
    except Exception:
        pass


def _first_line(exc: BaseException) -> str:
    """Playwright's messages carry a call log; the first line is the news."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return re.sub(r"^\w+\.\w+: ", "", line)


class Renderer:
    """One browser, one context, a pool of reused pages; use as ``async with``.

    The browser is launched here, or with ``endpoint`` connected to where it
    already runs (crawl/remote.py, which also spreads pages over several);
    everything after that, the fence included, is the same either way.
    """

    def __init__(
        self, origin: str, options: RenderOptions = RenderOptions(), *, endpoint: str | None = None, playwright: Any = None
    ) -> None:
        self.origin = origin
        self.options = options
        self.endpoint = endpoint
        self.browser_used: Candidate | None = None
        self._playwright = playwright  # shared by a RenderPool's renderers; else started here
        self._pw_cm: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._pool: asyncio.Queue[_Tab] = asyncio.Queue()
        # Refuses every request that would leave the origin; a remote browser reaches it at serve_host.
        if endpoint is None:
            self.fence = Fence()
        else:
            from .remote import listening

            self.fence = listening(Fence, options.serve_host)

    def notes(self) -> list[str]:
        """Lines for the crawl's notes about the browsers themselves (a RenderPool's per-endpoint counts)."""
        return []

    async def __aenter__(self) -> "Renderer":
        playwright = self._playwright
        if playwright is None:
            self._pw_cm = import_playwright()()
            playwright = await self._pw_cm.__aenter__()
        try:
            if self.endpoint is None:
                self._browser, self.browser_used = await launch(playwright, self.options.browser_path)
            else:
                from .remote import connect

                self._browser, self.browser_used = await connect(playwright, self.endpoint, self.options.timeout)
            opts = self.options
            kwargs: dict[str, Any] = {"service_workers": "block", "accept_downloads": False}
            kwargs["proxy"] = self.fence.__enter__().proxy_for(self.origin)
            if opts.headers:
                kwargs["extra_http_headers"] = dict(opts.headers)
            if opts.basic_auth:
                kwargs["http_credentials"] = {
                    "username": opts.basic_auth[0], "password": opts.basic_auth[1], "origin": self.origin,
                }
            self._context = await self._browser.new_context(**kwargs)
            if opts.cookies:
                await self._context.add_cookies([{"name": k, "value": v, "url": self.origin} for k, v in opts.cookies.items()])
            await self._context.add_init_script(INIT_SCRIPT)
            if self.endpoint is not None:
                from .remote import check_fenced

                await check_fenced(self, self._context, self.endpoint)  # WebRTC's UDP checked, with it there
            await self._context.add_init_script(NO_WEBRTC)
            for _ in range(max(1, opts.pages)):
                self._pool.put_nowait(await self._new_page())
        except BaseException as exc:
            await self.__aexit__(None, None, None)
            if isinstance(exc, Exception) and not isinstance(exc, BrowserError):
                # The browser started but refused what every page needs (a context, the
                # fence's block list): the crawl reports it as it reports a failed start.
                where = self.browser_used.how if self.browser_used else "Chromium"
                raise BrowserError(f"{where} could not set up a page for {self.origin}: {_first_line(exc)}") from None
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        try:
            if self._context is not None and self.endpoint is not None:
                # A browser we connected to is someone else's: only our context goes.
                await asyncio.wait_for(self._context.close(), 10)
        except Exception:
            pass
        try:
            if self._browser is not None:
                await asyncio.wait_for(self._browser.close(), 10)
        except Exception:  # a wedged browser must not turn a finished crawl into an error
            pass
        finally:
            self.fence.close()
            if self._pw_cm is not None:
                await self._pw_cm.__aexit__(None, None, None)

    async def _new_page(self) -> _Tab:
        page = await self._context.new_page()
        page.set_default_timeout(self.options.timeout * 1000)
        # A popup is never read; closing it at once keeps a page that opens
        # hundreds from filling the browser for the rest of the crawl.
        page.on("popup", lambda popup: asyncio.ensure_future(_close_quietly(popup)))
        cdp = await self._context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.setBlockedURLs", {"urlPatterns": block_patterns(self.origin)})
        tree = await cdp.send("Page.getFrameTree")
        tab = _Tab(page, cdp, tree["frameTree"]["frame"]["id"])
        # Frame navigations escape setBlockedURLs; pausing document requests
        # only (one per frame, not per resource) fences them without the cost
        # of routing every request.
        await cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}]})
        cdp.on("Fetch.requestPaused", lambda event: asyncio.ensure_future(self._on_document(tab, event)))
        return tab

    async def _on_document(self, tab: _Tab, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        request = {"requestId": event["requestId"]}
        offer = tab.offer
        try:
            if origin_of(url).lower() != self.origin.lower():
                await tab.cdp.send("Fetch.failRequest", {**request, "errorReason": "BlockedByClient"})
                return
            if offer is not None and event.get("frameId") == tab.main_frame and _same_request(url, offer[0]):
                # The navigation render() started: answered with the bytes the
                # crawl read, once; a reload or a script's redirect goes to the server.
                tab.offer = None
                try:
                    await tab.cdp.send("Fetch.fulfillRequest", _fulfil_params(request, offer[1]))
                    return
                except Exception:  # a header Chromium refuses: the server answers instead
                    pass
            await tab.cdp.send("Fetch.continueRequest", request)
        except Exception:  # the page went away meanwhile
            pass

    async def render(self, url: str, served: Served | None = None) -> Rendered:
        """Load url in a pooled page; never raises for a page's own failures.

        With ``served`` (the response the crawl read for url), the browser's
        request for url is answered with it instead of reaching the server.
        """
        tab = await self._pool.get()
        opts = self.options
        try:
            if served is not None:
                tab.offer = (url.split("#")[0], served)
            result = await asyncio.wait_for(self._render_on(tab, url), opts.timeout + opts.settle + 5)
            if result.error:
                # A page that failed may still be navigating (a script's
                # location change): settle the tab so the next URL isn't
                # "interrupted by another navigation".
                tab = await self._reset(tab)
            return result
        except asyncio.TimeoutError:
            # A script stuck in a loop wedges the page: replace it.
            tab.offer = None
            try:
                await asyncio.wait_for(tab.page.close(), 5)
            except Exception:
                pass
            tab = await self._new_page()
            return Rendered(url, error=f"page did not finish rendering within {opts.timeout + opts.settle:.0f}s")
        finally:
            tab.offer = None  # the body is not kept past its render
            self._pool.put_nowait(tab)

    async def _read(self, tab: _Tab, settled: bool) -> str:
        return await _read_isolated(tab, MAX_ANCHOR, self.options.chrome, settled)

    async def _reset(self, tab: _Tab) -> _Tab:
        """The same tab on about:blank, or a fresh tab if it won't go there."""
        tab.offer = None
        try:
            await tab.page.goto("about:blank", timeout=5000)
            return tab
        except Exception:
            try:
                await asyncio.wait_for(tab.page.close(), 5)
            except Exception:
                pass
            return await self._new_page()

    async def _render_on(self, tab: _Tab, url: str) -> Rendered:
        opts = self.options
        page = tab.page
        current = page.url
        if "#" in url and current.split("#")[0] == url.split("#")[0]:
            # Only the fragment differs: goto would not reload and a hash
            # route would keep the previous route's DOM.
            await page.goto("about:blank")
        try:
            response = await page.goto(url, wait_until="domcontentloaded", timeout=opts.timeout * 1000)
        except Exception as exc:
            why = _first_line(exc)
            if why.startswith("Timeout"):
                why = f"did not reach DOMContentLoaded within {opts.timeout:g}s (site.timeout)"
            return Rendered(url, error=f"could not load in the browser: {why}")
        status = response.status if response is not None else 200
        try:
            # Through CDP, not page.evaluate: Playwright's own helpers in the
            # page's world would use what the page may have replaced.
            wait = f"({SETTLE_PAGE})([{opts.quiet * 1000:g}, {opts.settle * 1000:g}])"
            answer = await tab.cdp.send("Runtime.evaluate", {"expression": wait, "awaitPromise": True, "returnByValue": True})
            settled = answer.get("result", {}).get("value") is True
        except Exception:  # the page broke what the wait uses (Promise, timers): read it as it is
            settled = False
        try:
            text = await self._read(tab, settled is True)
        except Exception as exc:
            return Rendered(url, status=status, error=f"could not read the rendered page: {_first_line(exc)}")
        try:
            data = json.loads(text)
            raw = RawPage(
                title=str(data["title"]),
                base=_text_or_none(data["base"]),
                canonical=_text_or_none(data["canonical"]),
                robots=str(data["robots"]),
                refresh=parse_refresh(data["refresh"]) if isinstance(data["refresh"], str) and data["refresh"] else None,
                links=[RawLink(h, str(a), bool(n), bool(c), bool(i)) for h, a, n, c, i in data["links"] if isinstance(h, str)],
                ids=pack_ids(i for i in data["ids"] if isinstance(i, str)),
            )
        except (TypeError, ValueError, KeyError):  # the page redefined what the reader calls (JSON.stringify...)
            return Rendered(url, status=status, error="could not read the rendered page: its scripts replaced the built-ins the reader uses")
        return Rendered(url, str(data["url"]), str(data["baseURI"]), status, raw, settled=bool(data["settled"]))


async def _read_isolated(tab: _Tab, max_anchor: int, chrome: str, settled: bool) -> str:
    """READ_PAGE's JSON string, computed in an isolated world of the page's main frame.

    One JSON string crosses the protocol: Playwright's own encoding of a few
    hundred links cost more CPU than the page's reading of them.
    """
    world = await tab.cdp.send("Page.createIsolatedWorld", {"frameId": tab.main_frame, "worldName": "linkrules-reader"})
    answer = await tab.cdp.send("Runtime.callFunctionOn", {
        "functionDeclaration": READ_PAGE,
        "executionContextId": world["executionContextId"],
        "arguments": [{"value": max_anchor}, {"value": chrome}, {"value": settled}],
        "returnByValue": True,
    })
    if "exceptionDetails" in answer:
        details = answer["exceptionDetails"]
        raise RuntimeError(str(details.get("exception", {}).get("description") or details.get("text") or "the reader failed"))
    value = answer.get("result", {}).get("value")
    if not isinstance(value, str):
        raise RuntimeError("the reader returned no text")
    return value


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def render_batch(renderer: Renderer | RenderPool, urls: Iterable[str], on_result: Callable[[Rendered], None]) -> None:
    """Render a known list of URLs with the pool kept full; results arrive as they finish."""
    queue = list(urls)
    queue.reverse()
    pending: set[asyncio.Future[Rendered]] = set()
    limit = max(1, renderer.options.pages)
    done: set[asyncio.Future[Rendered]] = set()
    try:
        while queue or pending:
            while queue and len(pending) < limit:
                pending.add(asyncio.ensure_future(renderer.render(queue.pop())))
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                on_result(task.result())
    except BaseException:
        # A render that raises (every render endpoint gone) ends the batch: the
        # others are stopped and their outcomes collected, so the one error
        # is all that is said (no "Task exception was never retrieved").
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, *done, return_exceptions=True)
        raise


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from sync code, even when the caller already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())  # type: ignore[arg-type]
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(make())  # type: ignore[arg-type]
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="linkrules-render")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
