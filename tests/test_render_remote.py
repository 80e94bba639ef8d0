"""Rendering on browsers that already run elsewhere (site.render_endpoints), with real browsers.

Two Playwright browser servers (what ``chromium.launchServer()`` starts) and a
Chromium with a CDP port run on 127.0.0.1 as stand-ins for other machines;
the crawl's own local render of the same folder is what their graph must equal.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import CrawlError, crawl_site
from pytest_linkrules.crawl.remote import labels
from pytest_linkrules.graph import SiteGraph

from helpers.browserserver import cdp_browser, playwright_server
from helpers.browsers import needs_browser

pytestmark = needs_browser

SITES = Path(__file__).parent / "sites"
SITE = SITES / "js-templates"  # 21 pages with scripts in four templates, and pages without


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    started = []
    try:
        for name in ("a", "b"):
            started.append(playwright_server(tmp_path_factory.mktemp(f"server-{name}")))
        yield [s.endpoint for s in started]
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="module")
def local():
    return {mode: crawl_site(SiteConfig(root=SITE, render=mode)) for mode in ("always", "auto")}


def per_endpoint(result, endpoints) -> dict[str, int]:
    """Pages each endpoint rendered, as the crawl's note tells the user."""
    [line] = [n for n in result.notes if n.startswith("render endpoints: ")]
    names = labels(tuple(endpoints))
    counts = {}
    for endpoint in endpoints:
        part = line.split(f"{names[endpoint]}: ", 1)[1].split(" page", 1)[0]
        counts[endpoint] = int(part.replace(",", ""))
    return counts


def assert_same_graph(remote, local, ordered: bool = True) -> None:
    """The same pages, each with the same links (targets, hrefs, anchors, flags), ids and title, and the same depths.

    A folder crawl's pages come in the same order too; a URL crawl's come in
    the order fetches finish, which differs between any two runs.
    """
    assert (list(remote.pages) if ordered else sorted(remote.pages)) == (list(local.pages) if ordered else sorted(local.pages))
    assert {u: p for u, p in remote.pages.items() if p != local.pages[u]} == {}
    gr, gl = SiteGraph(remote.pages, remote.starts), SiteGraph(local.pages, local.starts)
    assert gr.n_links == gl.n_links
    assert {u: gr.depth(u) for u in local.pages} == {u: gl.depth(u) for u in local.pages}


@pytest.mark.parametrize("mode", ["always", "auto"])
def test_two_browser_servers_split_the_pages_and_the_graph_equals_a_local_render(servers, local, mode):
    result = crawl_site(SiteConfig(root=SITE, render=mode, render_endpoints=tuple(servers)))
    assert result.render == "rendered"
    counts = per_endpoint(result, servers)
    assert all(n >= 1 for n in counts.values()), counts
    rendered = sum(1 for p in result.pages.values() if p.rendered)
    if mode == "always":
        assert sum(counts.values()) == rendered == sum(1 for p in local[mode].pages.values() if p.rendered) == 21
    assert "rendered in 2 remote browsers (ws://127.0.0.1:" in result.render_reason
    # The server's path is its password: never printed.
    for endpoint in servers:
        token = endpoint.rsplit("/", 1)[1]
        assert token not in result.render_reason and all(token not in n for n in result.notes)
    assert_same_graph(result, local[mode])
    assert result.render_reason.split(" rendered in ")[0] == local[mode].render_reason.split(" rendered in ")[0]
    strip = lambda notes: [n for n in notes if not n.startswith("render endpoints: ")]  # noqa: E731
    assert strip(result.notes) == local[mode].notes


def test_a_cdp_endpoint_renders_alongside_a_browser_server_and_is_left_running(servers, local, tmp_path):
    cdp = cdp_browser(tmp_path)
    try:
        endpoints = (servers[0], cdp.endpoint)
        result = crawl_site(SiteConfig(root=SITE, render="always", render_endpoints=endpoints))
        assert all(n >= 1 for n in per_endpoint(result, endpoints).values())
        assert f"http://127.0.0.1:{cdp.endpoint.rsplit(':', 1)[1]}" in result.render_reason
        assert_same_graph(result, local["always"])
        # Someone else's browser: the crawl closed its own context, not the browser.
        assert cdp.proc.poll() is None
        again = crawl_site(SiteConfig(root=SITE, render="always", render_endpoints=("cdp+" + _ws_of(cdp.endpoint),)))
        assert_same_graph(again, local["always"])
    finally:
        cdp.stop()


def _ws_of(http_endpoint: str) -> str:
    import json
    from urllib.request import urlopen

    with urlopen(http_endpoint + "/json/version", timeout=10) as answer:
        return json.load(answer)["webSocketDebuggerUrl"]


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("mode", ["auto", "always"])
def test_an_unreachable_endpoint_fails_the_crawl_with_one_line_naming_it(servers, mode):
    port = _closed_port()
    dead = f"ws://127.0.0.1:{port}/secret-token"
    with pytest.raises(CrawlError) as caught:
        crawl_site(SiteConfig(root=SITE, render=mode, render_endpoints=(servers[0], dead), timeout=5.0))
    message = str(caught.value)
    assert "\n" not in message
    assert message == f"render endpoint ws://127.0.0.1:{port}/…: could not connect: WebSocket error: connect ECONNREFUSED 127.0.0.1:{port}"


def test_an_endpoint_that_never_answers_times_out_with_one_line(servers):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never speaks WebSocket
    try:
        port = silent.getsockname()[1]
        with pytest.raises(CrawlError) as caught:
            crawl_site(SiteConfig(root=SITE, render="always", render_endpoints=(f"ws://127.0.0.1:{port}/",), timeout=2.0))
        message = str(caught.value)
        assert "\n" not in message
        assert message.startswith(f"render endpoint ws://127.0.0.1:{port}/: could not connect: ")
        assert "Timeout 5000ms exceeded" in message
    finally:
        silent.close()


def test_a_browser_whose_webrtc_would_send_udp_past_the_fence_is_refused(tmp_path):
    unfenced = playwright_server(tmp_path, args=("--no-sandbox", "--disable-gpu"))  # no WebRTC policy flags
    try:
        with pytest.raises(CrawlError) as caught:
            crawl_site(SiteConfig(root=SITE, render="auto", render_endpoints=(unfenced.endpoint,)))
        assert str(caught.value) == (
            "render endpoint ws://127.0.0.1:" + unfenced.endpoint.split(":")[2].split("/")[0] + "/…: that browser's "
            "WebRTC sends UDP past the fence; start it with --force-webrtc-ip-handling-policy=disable_non_proxied_udp "
            "--enforce-webrtc-ip-permission-check (docs/deployed-and-rendered.md lists the flags)"
        )
    finally:
        unfenced.stop()


def test_an_endpoint_that_drops_mid_crawl_has_its_pages_rendered_on_the_other(local, tmp_path):
    (tmp_path / "keep").mkdir()
    (tmp_path / "drop").mkdir()
    keep, drop = playwright_server(tmp_path / "keep"), playwright_server(tmp_path / "drop")
    killed = threading.Event()

    def progress(done: int, left: int) -> None:
        if done >= 2 and not killed.is_set():
            killed.set()
            drop.stop()  # the whole server and its browser, mid-crawl

    try:
        endpoints = (keep.endpoint, drop.endpoint)
        result = crawl_site(SiteConfig(root=SITE, render="always", render_endpoints=endpoints), progress=progress)
        assert killed.is_set()
        names = labels(endpoints)
        dropped = [n for n in result.notes if n.startswith(f"render endpoint {names[drop.endpoint]} dropped mid-crawl (")]
        assert len(dropped) == 1, result.notes
        assert dropped[0].endswith("; the pages it was rendering were rendered on the others")
        assert_same_graph(result, local["always"])
    finally:
        keep.stop()
        drop.stop()


def test_a_deployed_site_renders_on_the_endpoints_from_the_bytes_the_crawl_read(servers, serve):
    server = serve(SITE)
    site = SiteConfig(url=server.origin, render="always", rate_limit=0.0)
    local_run = crawl_site(site)
    server.requests.clear()
    result = crawl_site(SiteConfig(url=server.origin, render="always", rate_limit=0.0, render_endpoints=tuple(servers)))
    assert all(n >= 1 for n in per_endpoint(result, servers).values())
    assert_same_graph(result, local_run, ordered=False)
    # The endpoints' browsers were answered with the crawl's own bytes: each page was fetched once, by the crawl.
    pages = [r.path for r in server.requests if r.path.endswith((".html", "/"))]
    assert sorted(pages) == sorted(set(pages))


@pytest.mark.timeout(180)
def test_hostile_pages_on_a_remote_browser_stay_inside_the_fence(servers, spy, tmp_path):
    from test_hostile_render import build_site

    root = build_site(tmp_path, spy.origin)
    result = crawl_site(SiteConfig(root=root, render="always", timeout=2.0, render_endpoints=tuple(servers)))
    assert result.render == "rendered"
    assert spy.connections == []  # nothing reached the other port: not a subresource, form, socket, popup or frame
    pages = result.pages
    assert all(any(l.anchor == "added by script" for l in pages[f"/ok{i}.html"].links) for i in range(1, 7))
    assert [(l.target, l.anchor) for l in pages["/liar.html"].links] == [("/ok1.html", "ok")]
    assert pages["/late-loop.html"].error.startswith("page did not finish rendering within")
    assert not any("dropped mid-crawl" in n for n in result.notes)


@pytest.mark.timeout(120)
def test_an_endpoint_that_stops_answering_mid_crawl_is_timed_out_and_left_out(local, tmp_path):
    import os
    import signal
    import time

    (tmp_path / "keep").mkdir()
    (tmp_path / "hang").mkdir()
    keep, hang = playwright_server(tmp_path / "keep"), playwright_server(tmp_path / "hang")
    frozen = threading.Event()

    def progress(done: int, left: int) -> None:
        if done >= 2 and not frozen.is_set():
            frozen.set()
            os.killpg(hang.proc.pid, signal.SIGSTOP)  # connection open, nothing answers: a hung machine

    try:
        endpoints = (keep.endpoint, hang.endpoint)
        started = time.monotonic()
        result = crawl_site(SiteConfig(root=SITE, render="always", timeout=2.0, render_endpoints=endpoints), progress=progress)
        took = time.monotonic() - started
        assert frozen.is_set()
        names = labels(endpoints)
        assert any(n.startswith(f"render endpoint {names[hang.endpoint]} dropped mid-crawl (") for n in result.notes), result.notes
        assert_same_graph(result, local["always"])
        # Bounded by the pool's guard (timeout + settle + 20 s) and a 3 s wait to close it: never a hang.
        assert took < 60, took
    finally:
        try:
            os.killpg(hang.proc.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
        keep.stop()
        hang.stop()


def test_render_serve_host_is_where_the_folder_and_the_fence_listen(servers, local):
    # 127.0.0.2 is this machine too (all of 127/8 is loopback on Linux), but not 127.0.0.1:
    # the browsers can only have loaded the pages and passed the fence check through the address given.
    import socket

    try:
        with socket.socket() as s:
            s.bind(("127.0.0.2", 0))
    except OSError:  # pragma: no cover - a system without 127/8 on lo
        pytest.skip("127.0.0.2 is not an address of this machine")
    result = crawl_site(SiteConfig(root=SITE, render="always", render_endpoints=tuple(servers), render_serve_host="127.0.0.2"))
    assert all(n >= 1 for n in per_endpoint(result, servers).values())
    assert_same_graph(result, local["always"])


@pytest.mark.parametrize("host", ["10.255.255.1", "no-such-host.invalid"])
def test_a_serve_host_that_is_not_this_machine_is_one_line(servers, host):
    with pytest.raises(CrawlError) as caught:
        crawl_site(SiteConfig(root=SITE, render="always", render_endpoints=tuple(servers), render_serve_host=host))
    message = str(caught.value)
    assert message.startswith(f"site.render_serve_host: can't listen on {host}: ") and "\n" not in message
    assert message.endswith("; give an address of this machine")


def test_the_report_header_says_how_many_pages_each_endpoint_rendered(servers, pytester):
    import shutil

    shutil.copytree(SITES / "js-nav", pytester.path / "public")
    pytester.makefile(".toml", linkrules='[site]\nroot = "public"\n\n[rules.no-orphans]\n\n[rules.max-depth]\nmax = 2\n')
    given = [f"--linkrules-render-endpoint={e}" for e in servers]
    result = pytester.runpytest("--linkrules", "--linkrules-render=always", *given, "-p", "no:cacheprovider")
    assert result.ret == 0
    a, b = (labels(tuple(servers))[e] for e in servers)
    result.stdout.fnmatch_lines([
        f'*render: rendered (render = "always": 5 rendered in 2 remote browsers ({a}, {b}))*',
        f"linkrules: note: render endpoints: {a}: * page*, {b}: * page*",
    ])  # fmt: skip
    # A failure names the endpoint in one line, never a traceback.
    dead = f"ws://127.0.0.1:{_closed_port()}/"
    failed = pytester.runpytest("--linkrules", "--linkrules-render=always", f"--linkrules-render-endpoint={dead}", "-p", "no:cacheprovider")
    assert failed.ret != 0
    assert "Traceback" not in failed.stdout.str() + failed.stderr.str()
    failed.stderr.fnmatch_lines([f"linkrules.toml: render endpoint {dead}: could not connect: WebSocket error: connect ECONNREFUSED *"])


@pytest.mark.parametrize("kind", ["folder", "url"])
def test_when_every_endpoint_drops_the_crawl_fails_with_one_line(kind, tmp_path, serve):
    # In a child process, so what it prints to stderr is all there: the renders
    # still in flight must be collected, not left to log their own tracebacks.
    import os
    import subprocess
    import sys

    lone = playwright_server(tmp_path)
    where = f"root=__import__('pathlib').Path({str(SITE)!r})" if kind == "folder" else f"url={serve(SITE).origin!r}, rate_limit=0.0"
    child = f"""
import os, signal
from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import CrawlError, crawl_site
def progress(done, left):
    if done >= 3:
        try:
            os.killpg({lone.proc.pid}, signal.SIGKILL)
        except ProcessLookupError:
            pass
try:
    crawl_site(SiteConfig({where}, render="always", render_endpoints=({lone.endpoint!r},)), progress=progress)
    print("NO ERROR")
except CrawlError as exc:
    print("ERROR", exc)
"""
    try:
        done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120, env=os.environ.copy())
    finally:
        lone.stop()
    label = labels((lone.endpoint,))[lone.endpoint]
    assert done.stdout.startswith(f"ERROR every render endpoint dropped mid-crawl: {label} ("), done.stdout + done.stderr
    assert done.stdout.count("\n") == 1
    assert done.stderr == ""


def test_no_udp_datagram_leaves_a_page_rendered_on_a_remote_browser(servers, tmp_path):
    from test_hostile_webrtc import render_rtc_site

    # The render's init script takes RTCPeerConnection away there too; the
    # endpoint's own WebRTC was checked for UDP when it was connected.
    _, datagrams = render_rtc_site(tmp_path, render_endpoints=tuple(servers))
    assert datagrams == [], f"{len(datagrams)} UDP datagram(s) reached another port: {datagrams[:2]}"
