"""A hostile deployed site on 127.0.0.1: redirect loops and chains, endless URL
spaces, slow, resetting, erroring and never-finishing answers, huge and
gzip-bomb bodies, binary pages. The crawl must finish within its limits, name
what went wrong, check every other page, and never contact another port.
"""

from __future__ import annotations

import gzip
import os
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.rules.no_broken_links import NoBrokenLinks

MB = 1024 * 1024
GZIP_BOMB = gzip.compress(b"\0" * (64 * MB), compresslevel=9)  # ~64 KB on the wire, 64 MB inflated

LINKS = [
    "/ok/", "/loop-a", "/chain/0", "/calendar/2024-01/", "/session?sid=1", "/a/./b/../../a/", "/a/", "/trap/",
    "/slow", "/reset", "/e500", "/e503", "/e429", "/trickle", "/gzip-bomb", "/big", "/binary", "/cp1252",
    "/to-spy", "SPY/direct",
]


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    spy = ""
    counts: dict[str, int] = {}

    def log_message(self, *args: object) -> None:
        pass

    def html(self, body: str, status: int = 200, extra: dict[str, str] | None = None, charset: str = "utf-8") -> None:
        data = body.encode(charset if charset != "x-binary" else "latin-1")
        self.send_response(status)
        self.send_header("Content-Type", f"text/html; charset={charset}")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, to: str) -> None:
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802, C901 - one branch per trap
        path = self.path.split("?")[0]
        counts = type(self).counts
        counts[path] = counts.get(path, 0) + 1
        if path == "/":
            self.html("".join(f'<a href="{h.replace("SPY", self.spy)}">{h}</a>\n' for h in LINKS))
        elif path == "/ok/":
            self.html('<a href="/">home</a>')
        elif path == "/loop-a":
            self.redirect("/loop-b")
        elif path == "/loop-b":
            self.redirect("/loop-a")
        elif path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[1])
            self.redirect(f"/chain/{n + 1}")
        elif path.startswith("/calendar/"):
            year, month = map(int, path.strip("/").split("/")[1].split("-"))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            self.html(f'<a href="/calendar/{year}-{month:02d}/">next month</a>')
        elif path == "/session":
            self.html(f'<a href="/session?sid={time.monotonic_ns()}">again</a>')
        elif path.startswith("/a/"):
            self.html('<a href="./b/../../a/">same</a> <a href="/a/./">same again</a>')
        elif path.startswith("/trap/"):
            self.html('<a href="x/">deeper</a>')
        elif path == "/slow":
            time.sleep(3)
            self.html("<title>too late</title>")
        elif path == "/reset":
            # Close with SO_LINGER 0: the client gets a TCP reset, not an answer.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            os.close(self.connection.detach())
            self.close_connection = True
        elif path == "/e500":
            self.html("<title>oops</title>", 500)
        elif path in ("/e503", "/e429"):
            self.html("<title>later</title>", int(path[2:]), {"Retry-After": "1"})
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(10 * MB))
            self.end_headers()
            try:
                for _ in range(200):  # 20 s of one byte every 0.1 s: each read is quick, the body never ends
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif path == "/gzip-bomb":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(GZIP_BOMB)))
            self.end_headers()
            self.wfile.write(GZIP_BOMB)
        elif path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(50 * MB))
            self.end_headers()
            chunk = b"<p>filler</p>" * 5000
            try:
                for _ in range(50 * MB // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
        elif path == "/binary":
            data = bytes(range(256)) * 40
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif path == "/cp1252":
            self.html('<a href="/ok/">\u201cCaf\u00e9\u201d \u20ac</a>', charset="windows-1252")
        elif path == "/to-spy":
            self.redirect(self.spy + "/redirected")
        else:
            self.html("<title>Not found</title>", 404)


@pytest.fixture
def hostile_server(spy):
    handler = type("H", (Hostile,), {"spy": spy.origin, "counts": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.mark.timeout(120)
def test_hostile_server_is_crawled_within_limits(hostile_server, spy) -> None:
    origin, handler = hostile_server
    site = SiteConfig(url=origin, render="never", timeout=1.0, max_pages=60, concurrency=4, rate_limit=0, respect_robots=False)
    began = time.monotonic()
    result = crawl_site(site)
    took = time.monotonic() - began
    pages = result.pages

    assert spy.connections == []  # neither the link nor the redirect to another port was followed

    errors = {url: page.error for url, page in pages.items() if page.error}
    broken = {link.target for page in pages.values() for link in page.broken}
    assert "/ok/" in pages and not pages["/ok/"].error
    # Redirect loops and long chains end, as broken links.
    assert "/loop-a" in broken and "/chain/0" in broken
    assert handler.counts.get("/chain/11", 0) == 0  # MAX_REDIRECTS = 10
    # ... and the failure says why, with the chain.
    assert result.broken_reasons["/loop-a"] == "redirect loop: /loop-a -> /loop-b -> /loop-a"
    assert result.broken_reasons["/chain/0"] == "more than 10 redirects: /chain/0 -> /chain/1 -> /chain/2 -> ... -> /chain/10 -> /chain/11"
    graph = SiteGraph(pages, result.starts, broken_reasons=result.broken_reasons)
    rule = NoBrokenLinks(NoBrokenLinks.parse_options({})[0])
    [violation] = [v for v in rule.check(graph) if v.page == "/"]
    assert '  /loop-a  (href="/loop-a", anchor "/loop-a")' + ": redirect loop: /loop-a -> /loop-b -> /loop-a" in violation.details
    # Endless spaces: queries are dropped, dot segments folded, the rest stops at max_pages.
    assert [u for u in pages if u.startswith("/session")] == ["/session"]
    assert [u for u in pages if u.startswith("/a/")] == ["/a/"]
    assert len(pages) <= 60
    assert any("page limit reached" in note for note in result.notes), result.notes
    # Slow, reset, never-finishing, huge and bomb answers: each a page with a reason.
    assert "within 1s (site.timeout) (after 3 tries)" in errors.get("/slow", ""), errors
    assert "Error" in errors.get("/reset", ""), errors  # the error's kind, e.g. ConnectionResetError
    assert errors.get("/trickle") == "no answer within 1s (site.timeout) (after 3 tries)", errors
    assert "over the" in errors.get("/gzip-bomb", ""), errors
    assert "over the" in errors.get("/big", ""), errors
    assert errors.get("/binary", "").startswith("binary data, not HTML"), errors
    assert {"/e500", "/e503", "/e429"} <= broken
    assert handler.counts["/e503"] == 3 and handler.counts["/e500"] == 1  # retried, with Retry-After
    assert [l.anchor for l in pages["/cp1252"].links] == ["\u201cCaf\u00e9\u201d \u20ac"]
    assert took < 60


@pytest.mark.timeout(60)
def test_page_limits_cut_endless_url_spaces(hostile_server, spy) -> None:
    origin, handler = hostile_server
    site = SiteConfig(
        url=origin, render="never", timeout=1.0, concurrency=4, rate_limit=0, respect_robots=False,
        page_limits=(("/calendar/**", 5), ("/trap/**", 3)),
    )
    result = crawl_site(site)
    assert len([u for u in result.pages if u.startswith("/calendar/")]) == 5
    assert len([u for u in result.pages if u.startswith("/trap/")]) == 3
    notes = [n for n in result.notes if n.startswith("page limit for")]
    assert notes == [
        'page limit for "/calendar/**" reached: 1 more URL(s) were not crawled (site.page_limits = 5)',
        'page limit for "/trap/**" reached: 1 more URL(s) were not crawled (site.page_limits = 3)',
    ]
    assert spy.connections == []
