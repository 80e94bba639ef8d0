"""Render on browsers that already run elsewhere (``site.render_endpoints``).

Two kinds of endpoint, told apart by the URL's scheme:

- ``ws://`` / ``wss://``: a Playwright browser server (``playwright
  launch-server``, ``chromium.launchServer()``), connected with
  ``chromium.connect``;
- ``http://`` / ``https://`` (what ``chromium --remote-debugging-port`` listens
  on) and ``cdp+ws://`` / ``cdp+wss://`` (its ``/devtools/browser/...`` socket):
  a Chrome DevTools Protocol endpoint, connected with ``chromium.connect_over_cdp``.

Each endpoint gets a Renderer of its own (one context, a pool of tabs, its own
fence): the settle wait, the isolated-world reader and the fence are exactly
those of a local render. Before an endpoint renders a page it must show that
its requests off the site really reach this machine's fence, that WebRTC
there sends no UDP (a launch flag we can't set on someone else's browser),
and that it can load the site; an endpoint that can't is an error naming it.

A RenderPool spreads pages over the endpoints through one shared queue of
tabs (a faster browser takes more pages); results are keyed by URL, so the
graph is the one a local render builds. An endpoint that drops mid-crawl is
left out and the pages it was rendering go to the others, with a note; when
none is left, the crawl fails with a line naming them.
"""

from __future__ import annotations

import asyncio
import secrets as _secrets
from collections import Counter
from dataclasses import replace
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit, urlunsplit

from .browser import BrowserError, Candidate, import_playwright
from .render import Rendered, Renderer, RenderOptions, Served, _first_line

T = TypeVar("T")

PLAYWRIGHT_SCHEMES = ("ws", "wss")
CDP_SCHEMES = ("http", "https", "cdp+ws", "cdp+wss", "cdp+http", "cdp+https")
SCHEMES = PLAYWRIGHT_SCHEMES + CDP_SCHEMES

# Gathers ICE candidates for a data channel with a STUN server on the fence's
# host: a browser started with --force-webrtc-ip-handling-policy=disable_non_proxied_udp
# (browser.py's LAUNCH_ARGS) behind an HTTP proxy gathers no UDP candidate at all.
WEBRTC_PROBE = """
async ([host, port]) => {
  if (typeof RTCPeerConnection !== 'function') return [];
  const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:' + host + ':' + port}]});
  const found = [];
  try {
    pc.createDataChannel('linkrules');
    await new Promise(async resolve => {
      const stop = setTimeout(resolve, 2000);
      pc.onicecandidate = e => {
        const c = e.candidate && e.candidate.candidate;
        if (c) { found.push(c); if (/ udp /i.test(c)) { clearTimeout(stop); resolve(); } }
      };
      pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') { clearTimeout(stop); resolve(); } };
      await pc.setLocalDescription(await pc.createOffer());
    });
  } finally { pc.close(); }
  return found;
}
"""


class EndpointError(BrowserError):
    """A render endpoint can't be used; the message is one line naming it.

    Unlike a missing local browser, this fails the crawl under any render
    mode: the user named these browsers, and reading the HTML instead would
    hide their mistake.
    """


def check_endpoint(text: object) -> str | None:
    """Why text is not a usable endpoint URL, or None (config.py's check)."""
    if not isinstance(text, str) or not text.strip():
        return 'expected a URL, e.g. "ws://10.0.0.7:3000/" or "http://10.0.0.7:9222"'
    parts = urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        return (
            "expected ws:// or wss:// (a Playwright browser server), or http://, https://, cdp+ws:// or cdp+wss:// "
            "(a Chrome DevTools Protocol endpoint)"
        )
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number from 1 to 65535"
    if not parts.hostname or port == 0:
        return "expected a host, e.g. ws://10.0.0.7:3000/"
    if parts.username or parts.password:
        return "must not hold a user name or password; a token can go in the path or query, which reports never print"
    if parts.fragment:
        return "must not hold a fragment"
    return None


def shown(endpoint: str) -> str:
    """The endpoint as reports print it: scheme, host and port only.

    A browser server's path is its password (``launchServer`` makes it a
    random token unless told otherwise), and a cloud browser's query holds
    its API key: neither belongs in a CI log.
    """
    parts = urlsplit(endpoint)
    hidden = "…" if parts.path.strip("/") or parts.query else ""
    return urlunsplit((parts.scheme, parts.netloc, "/" + hidden if hidden else parts.path, "", ""))


def labels(endpoints: tuple[str, ...]) -> dict[str, str]:
    """Each endpoint as shown(), numbered when two would print the same."""
    plain = [shown(e) for e in endpoints]
    return {e: p if plain.count(p) == 1 else f"{p} (#{i + 1})" for i, (e, p) in enumerate(zip(endpoints, plain))}


def _target(endpoint: str) -> tuple[str, str]:
    """("playwright" | "cdp", the URL to connect to)."""
    scheme, _, rest = endpoint.partition("://")
    scheme = scheme.lower()
    if scheme in PLAYWRIGHT_SCHEMES:
        return "playwright", endpoint
    return "cdp", f"{scheme.removeprefix('cdp+')}://{rest}"


async def connect(playwright: Any, endpoint: str, timeout: float) -> tuple[Any, Candidate]:
    """The browser at endpoint; EndpointError, never a hang, when it doesn't answer within timeout."""
    kind, url = _target(endpoint)
    limit = max(5.0, timeout)
    try:
        if kind == "playwright":
            browser = await playwright.chromium.connect(url, timeout=limit * 1000)
        else:
            browser = await playwright.chromium.connect_over_cdp(url, timeout=limit * 1000)
    except Exception as exc:
        why = _one_line(exc)
        for secret in sorted({endpoint, url, urlsplit(url).path, urlsplit(url).query} - {"", "/"}, key=len, reverse=True):
            why = why.replace(secret, "…")  # Playwright's message may quote the URL, token and all
        raise EndpointError(f"render endpoint {shown(endpoint)}: could not connect: {why}") from None
    what = "Playwright browser server" if kind == "playwright" else "CDP endpoint"
    return browser, Candidate(None, f"{what} {shown(endpoint)} (Chromium {browser.version})")


def listening(make: Callable[[str], T], host: str) -> T:
    """make(host) (a server that binds host), or EndpointError saying the address can't be listened on."""
    try:
        return make(host)
    except OSError as exc:
        why = exc.strerror or str(exc) or type(exc).__name__
        raise EndpointError(
            f"site.render_serve_host: can't listen on {host}: {why}; give an address of this machine"
        ) from None


def can_listen(host: str) -> None:
    """EndpointError unless a server can listen on host (site.render_serve_host)."""
    import socket

    def bind(h: str) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((h, 0))
        except OSError:
            sock.close()
            raise
        return sock

    listening(bind, host).close()


def _one_line(exc: BaseException) -> str:
    line = _first_line(exc)
    return line if line.strip() else type(exc).__name__


async def check_fenced(renderer: Renderer, context: Any, endpoint: str) -> None:
    """EndpointError unless the browser's requests off the site reach our fence, WebRTC sends no UDP, and the site loads."""
    name = shown(endpoint)
    fence = renderer.fence
    where = f"{fence.host}:{fence.port}"
    hint = "set site.render_serve_host to an address of this machine that browser can reach (docs/deployed-and-rendered.md)"
    page = await context.new_page()
    try:
        token = _secrets.token_hex(8)
        # A fetch, not a navigation: a refused navigation ends on an error page
        # that full Chromium is still navigating to when the next step starts.
        probe = f"http://linkrules-fence-check-{token}.invalid/"
        try:
            await asyncio.wait_for(page.evaluate("u => fetch(u, {mode: 'no-cors'}).then(() => 0, () => 0)", probe), 10)
        except Exception:
            pass  # refused is what we want; whether it arrived is read from the fence
        for _ in range(40):
            if any(token in line for line in fence.refused):
                break
            await asyncio.sleep(0.05)
        else:
            raise EndpointError(
                f"render endpoint {name}: requests that would leave the site do not reach this machine's fence "
                f"at {where}, so nothing proves they are stopped; {hint}"
            )
        try:
            candidates = await asyncio.wait_for(page.evaluate(WEBRTC_PROBE, [fence.host, fence.port]), 10)
        except Exception as exc:
            raise EndpointError(f"render endpoint {name}: could not check WebRTC there: {_one_line(exc)}") from None
        if any(" udp " in str(c).lower() for c in candidates or ()):
            raise EndpointError(
                f"render endpoint {name}: that browser's WebRTC sends UDP past the fence; start it with "
                "--force-webrtc-ip-handling-policy=disable_non_proxied_udp --enforce-webrtc-ip-permission-check "
                "(docs/deployed-and-rendered.md lists the flags)"
            )
        # Any HTTP answer will do; robots.txt is small, and a URL crawl has asked for it already.
        probe = renderer.origin + "/robots.txt"
        try:
            await page.goto(probe, wait_until="commit", timeout=max(5.0, renderer.options.timeout) * 1000)
        except Exception as exc:
            fix = f"; {hint}" if urlsplit(renderer.origin).hostname == fence.host else ""
            raise EndpointError(f"render endpoint {name}: that browser can't load {probe}: {_one_line(exc)}{fix}") from None
    finally:
        try:
            await asyncio.wait_for(page.close(), 5)
        except Exception:
            pass


class RenderPool:
    """Renderers on every endpoint behind one ``render(url, served)``; use as ``async with``.

    ``options.pages`` is the pool's total of tabs, so render_batch keeps
    every endpoint's tabs busy.
    """

    def __init__(self, origin: str, options: RenderOptions) -> None:
        self.origin = origin
        self.endpoints = tuple(dict.fromkeys(options.endpoints))
        self._each = options
        self.options = replace(options, pages=max(1, options.pages) * len(self.endpoints))
        self.labels = labels(self.endpoints)
        self.renderers: list[Renderer] = []
        self.browser_used: Candidate | None = None
        self.counts: Counter[str] = Counter()  # pages rendered, by endpoint
        self.dropped: dict[str, str] = {}  # endpoint -> why it was left out
        self._slots: asyncio.Queue[Renderer | None] = asyncio.Queue()
        self._pw_cm: Any = None

    async def __aenter__(self) -> "RenderPool":
        self._pw_cm = import_playwright()()
        playwright = await self._pw_cm.__aenter__()
        try:
            made = [Renderer(self.origin, self._each, endpoint=e, playwright=playwright) for e in self.endpoints]
            opened = await asyncio.gather(*(r.__aenter__() for r in made), return_exceptions=True)
            self.renderers = [r for r, o in zip(made, opened) if not isinstance(o, BaseException)]
            problems = [
                str(o) if isinstance(o, EndpointError) else f"render endpoint {self.labels[e]}: {_one_line(o)}"
                for e, o in zip(self.endpoints, opened)
                if isinstance(o, BaseException)
            ]
            if problems:
                raise EndpointError("; ".join(problems))
            # Interleaved, so even a handful of pages is spread over every endpoint.
            for _ in range(max(1, self._each.pages)):
                for renderer in self.renderers:
                    self._slots.put_nowait(renderer)
            n = len(self.renderers)
            self.browser_used = Candidate(
                None, f"{n} remote browser{'s' if n != 1 else ''} ({', '.join(self.labels.values())})"
            )
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        async def close(renderer: Renderer) -> None:
            if renderer.endpoint in self.dropped:  # it may not answer at all: a short wait, then let it go
                await asyncio.wait_for(renderer.__aexit__(None, None, None), 3)
            else:
                await renderer.__aexit__(None, None, None)

        try:
            await asyncio.gather(*(close(r) for r in self.renderers), return_exceptions=True)
        finally:
            if self._pw_cm is not None:
                await self._pw_cm.__aexit__(None, None, None)
                self._pw_cm = None

    async def _slot(self) -> Renderer:
        while True:
            renderer = await self._slots.get()
            if renderer is None:  # every endpoint dropped: pass the news on to the next waiter
                self._slots.put_nowait(None)
                raise EndpointError(
                    "every render endpoint dropped mid-crawl: "
                    + "; ".join(f"{self.labels[e]} ({why})" for e, why in self.dropped.items())
                )
            if renderer.endpoint not in self.dropped:
                return renderer

    def _drop(self, renderer: Renderer, why: str) -> None:
        assert renderer.endpoint is not None
        self.dropped.setdefault(renderer.endpoint, why)
        if all(r.endpoint in self.dropped for r in self.renderers):
            self._slots.put_nowait(None)

    async def _alive(self, renderer: Renderer) -> bool:
        """True when the endpoint still answers: a page that failed there may have failed because it went away."""
        browser, context = renderer._browser, renderer._context
        if browser is None or not browser.is_connected():
            return False
        try:
            await asyncio.wait_for(context.cookies(), 5)
        except Exception:
            return False
        return True

    async def render(self, url: str, served: Served | None = None) -> Rendered:
        """Render url on the first free tab of any endpoint still up; its pages move on when one drops."""
        opts = self._each
        # Renderer.render gives up on a page by itself (timeout + settle + 5 s, then 5 s to
        # close the tab); past this the endpoint itself is stuck.
        guard = opts.timeout + opts.settle + 20
        while True:
            renderer = await self._slot()
            try:
                result = await asyncio.wait_for(renderer.render(url, served), guard)
            except asyncio.TimeoutError:
                self._drop(renderer, f"no answer within {guard:.0f}s")
                continue
            except Exception as exc:  # the connection went away under a tab
                self._drop(renderer, _one_line(exc))
                continue
            if result.error and not await self._alive(renderer):
                self._drop(renderer, result.error)
                continue
            assert renderer.endpoint is not None
            self.counts[renderer.endpoint] += 1
            self._slots.put_nowait(renderer)
            return result

    def notes(self) -> list[str]:
        """Pages per endpoint (how the work was split), and each endpoint that dropped out."""
        parts = [f"{self.labels[e]}: {self.counts[e]:,} page{'s' if self.counts[e] != 1 else ''}" for e in self.endpoints]
        lines = [f"render endpoints: {', '.join(parts)}"]
        for endpoint, why in self.dropped.items():
            lines.append(
                f"render endpoint {self.labels[endpoint]} dropped mid-crawl ({why}); the pages it was rendering were "
                "rendered on the others"
            )
        return lines


def open_renderer(origin: str, options: RenderOptions) -> Renderer | RenderPool:
    """A RenderPool over options.endpoints, or a Renderer launching a local browser when there are none."""
    return RenderPool(origin, options) if options.endpoints else Renderer(origin, options)
