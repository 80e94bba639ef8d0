"""The crawl cache of a deployed site: a re-run asks "changed since?" and parses only what changed.

A real server on 127.0.0.1 sends ETag and/or Last-Modified, answers
conditional requests with 304 and logs every request with its status, so
each test counts what was downloaded rather than trusting the plugin's note.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

TOML = """[site]
url = "{origin}"
render = "{render}"
timeout = 5
rate_limit = 0
{extra}

[rules.no-orphans]
[rules.no-broken-links]
"""

N = 10  # pages /p/0/ .. /p/9/, plus the home page


def write_site(root: Path) -> None:
    (root / "p").mkdir(parents=True)
    (root / "index.html").write_text('<title>Home</title><a href="/p/0/">start</a>')
    for i in range(N):
        (root / "p" / str(i)).mkdir()
        nxt = f'<a href="/p/{i + 1}/">next</a>' if i + 1 < N else ""
        (root / "p" / str(i) / "index.html").write_text(f'<title>Page {i}</title><a href="/">home</a>{nxt}')


def change(root: Path, i: int, html: str) -> None:
    """Edit a page as a deploy would: new bytes, and a Last-Modified clearly later than before."""
    page = root / "p" / str(i) / "index.html"
    page.write_text(html)
    later = time.time() + 100
    os.utime(page, (later, later))


def html_answers(server, since: int, status: int) -> list[str]:
    """Paths of pages (not robots.txt or sitemaps) answered with status since request number `since`."""
    return sorted(
        r.path for r in server.requests[since:] if r.status == status and not r.path.endswith((".txt", ".xml"))
    )


@pytest.fixture
def site(tmp_path: Path, serve):
    root = tmp_path / "www"
    write_site(root)

    def start(validators: str = "both", **kwargs: object):
        return root, serve(root, validators=validators, **kwargs)

    return start


def configure(pytester, server, render: str = "never", extra: str = "") -> None:
    (pytester.path / "linkrules.toml").write_text(TOML.format(origin=server.origin, render=render, extra=extra))


@pytest.mark.parametrize("validators", ["etag", "last-modified", "both"])
def test_rerun_downloads_nothing_unchanged_and_parses_exactly_the_changed_pages(pytester, site, validators):
    root, server = site(validators)
    configure(pytester, server)
    first = pytester.runpytest("--linkrules")
    first.assert_outcomes(passed=3)
    first.stdout.fnmatch_lines([f"*crawl cache: {N + 1} of {N + 1} pages parsed, 0 reused*"])
    assert len(html_answers(server, 0, 200)) == N + 1

    seen = len(server.requests)
    again = pytester.runpytest("--linkrules")
    again.assert_outcomes(passed=3)
    again.stdout.fnmatch_lines([f"*crawl cache: 0 of {N + 1} pages parsed, {N + 1} reused (the server answered 304 Not Modified)*"])
    assert html_answers(server, seen, 200) == []
    assert len(html_answers(server, seen, 304)) == N + 1
    # Conditional requests carried what the server sent.
    asked = server.requests[seen:]
    if validators != "last-modified":
        assert all("If-None-Match" in r.headers for r in asked if r.status == 304)
    if validators != "etag":
        assert all("If-Modified-Since" in r.headers for r in asked if r.status == 304)

    change(root, 2, '<title>Two</title><a href="/">home</a><a href="/p/3/">next</a><a href="/gone/">gone</a>')
    change(root, 5, '<title>Five</title><a href="/">home</a><a href="/p/6/">next</a>')
    change(root, 8, '<title>Eight</title><a href="/">home</a><a href="/p/9/">next</a><a href="/also-gone/">x</a>')
    seen = len(server.requests)
    third = pytester.runpytest("--linkrules", "-v")
    third.stdout.fnmatch_lines([f"*crawl cache: 3 of {N + 1} pages parsed, {N - 2} reused*"])
    assert html_answers(server, seen, 200) == ["/p/2/", "/p/5/", "/p/8/"]
    third.assert_outcomes(failed=2, passed=3)
    third.stdout.fnmatch_lines(["*no-broken-links?/p/2/?*FAILED*", "*no-broken-links?/p/8/?*FAILED*"])


def test_a_removed_page_becomes_a_broken_link(pytester, site):
    root, server = site("etag")
    configure(pytester, server)
    pytester.runpytest("--linkrules").assert_outcomes(passed=3)
    for f in (root / "p" / "9").iterdir():
        f.unlink()
    (root / "p" / "9").rmdir()
    result = pytester.runpytest("--linkrules", "-v")
    result.assert_outcomes(failed=1, passed=3)
    result.stdout.fnmatch_lines(["*no-broken-links?/p/8/?*FAILED*", "*/p/8/ has 1 broken internal link*"])
    result.stdout.fnmatch_lines([f"*crawl cache: 0 of {N} pages parsed, {N} reused*"])


def test_a_server_that_ignores_validators_still_gives_the_right_crawl(pytester, site):
    root, server = site("both", honour_validators=False)
    configure(pytester, server)
    pytester.runpytest("--linkrules").assert_outcomes(passed=3)
    seen = len(server.requests)
    result = pytester.runpytest("--linkrules")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"*crawl cache: {N + 1} of {N + 1} pages parsed, 0 reused*"])
    assert server.count(304) == 0 and len(html_answers(server, seen, 200)) == N + 1
    assert all("If-None-Match" in r.headers for r in server.requests[seen:] if not r.path.endswith((".txt", ".xml")))


def test_pages_without_validators_are_fetched_again_and_robots_and_sitemaps_always(pytester, site):
    root, server = site("")
    server.files["/sitemap.xml"] = ("application/xml", f'<urlset><url><loc>{server.origin}/p/4/</loc></url></urlset>'.encode())
    configure(pytester, server)
    pytester.runpytest("--linkrules").assert_outcomes(passed=3)
    seen = len(server.requests)
    result = pytester.runpytest("--linkrules")
    result.stdout.fnmatch_lines([f"*crawl cache: {N + 1} of {N + 1} pages parsed, 0 reused*"])
    again = [r for r in server.requests[seen:]]
    assert not any("If-None-Match" in r.headers or "If-Modified-Since" in r.headers for r in again)
    assert {"/robots.txt", "/sitemap.xml"} <= {r.path for r in again}


def test_redirects_are_asked_again_and_their_target_is_reused(pytester, site):
    root, server = site("etag", redirects={"/old/": (301, "/p/3/")})
    (root / "index.html").write_text('<title>Home</title><a href="/p/0/">start</a><a href="/old/">old</a>')
    configure(pytester, server)
    pytester.runpytest("--linkrules").assert_outcomes(passed=3)
    seen = len(server.requests)
    pytester.runpytest("--linkrules").assert_outcomes(passed=3)
    answers = {(r.path, r.status) for r in server.requests[seen:]}
    assert ("/old/", 301) in answers and ("/p/3/", 304) in answers
    server.redirects["/old/"] = (301, "/gone/")
    result = pytester.runpytest("--linkrules", "-v")
    result.stdout.fnmatch_lines(["*no-broken-links?/?*FAILED*"])


def test_a_corrupt_or_foreign_cache_file_is_ignored(pytester, site):
    root, server = site("both")
    configure(pytester, server)
    pytester.runpytest("--linkrules").assert_outcomes(passed=3)
    [stored] = (pytester.path / ".pytest_cache").rglob("pages.pickle")
    data = stored.read_bytes()
    for damaged in (data[: len(data) // 2], os.urandom(len(data)), b"", b"\x80\x05K\x01."):
        stored.write_bytes(damaged)
        result = pytester.runpytest("--linkrules")
        result.assert_outcomes(passed=3)
        result.stdout.fnmatch_lines([f"*crawl cache: {N + 1} of {N + 1} pages parsed, 0 reused*"])
    pytester.runpytest("--linkrules").stdout.fnmatch_lines([f"*crawl cache: 0 of {N + 1} pages parsed*"])


def test_no_cache_and_cache_clear(pytester, site):
    root, server = site("both")
    configure(pytester, server)
    pytester.runpytest("--linkrules")
    seen = len(server.requests)
    result = pytester.runpytest("--linkrules", "--linkrules-no-cache")
    assert "crawl cache" not in result.stdout.str() and server.count(304) == 0
    assert not any("If-None-Match" in r.headers for r in server.requests[seen:])
    pytester.runpytest("--linkrules", "--cache-clear").stdout.fnmatch_lines([f"*crawl cache: {N + 1} of {N + 1} pages parsed*"])


TOKEN = "tok-1b2c3d-CACHE-PLANTED"
PASSWORD = "pw-9z8y7x-CACHE-PLANTED"
AUTH = """headers_from_env = {Authorization = "LR_CACHE_TOKEN"}
cookies_from_env = {session = "LR_CACHE_TOKEN"}
basic_auth_from_env = ["LR_CACHE_USER", "LR_CACHE_PASSWORD"]"""


def test_secrets_never_reach_the_cache_and_another_identity_does_not_reuse_it(pytester, site, monkeypatch):
    import base64

    root, server = site("both")
    monkeypatch.setenv("LR_CACHE_TOKEN", TOKEN)
    monkeypatch.setenv("LR_CACHE_USER", "someone")
    monkeypatch.setenv("LR_CACHE_PASSWORD", PASSWORD)
    configure(pytester, server, extra=AUTH)
    pytester.runpytest("--linkrules").assert_outcomes(passed=3)
    seen = len(server.requests)
    pytester.runpytest("--linkrules").stdout.fnmatch_lines([f"*crawl cache: 0 of {N + 1} pages parsed, {N + 1} reused*"])
    basic = base64.b64encode(f"someone:{PASSWORD}".encode()).decode()
    sent = [r.headers for r in server.requests[seen:]]
    assert all(h.get("Authorization") in (TOKEN, f"Basic {basic}") and TOKEN in h.get("Cookie", "") for h in sent)

    needles = [TOKEN, PASSWORD, basic]
    files = [p for p in (pytester.path / ".pytest_cache").rglob("*") if p.is_file()]
    assert any(p.name == "pages.pickle" for p in files)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, f"{path} holds a secret"

    monkeypatch.setenv("LR_CACHE_TOKEN", "another-token")  # another user: the pages may differ
    pytester.runpytest("--linkrules").stdout.fnmatch_lines([f"*crawl cache: {N + 1} of {N + 1} pages parsed, 0 reused*"])
    monkeypatch.delenv("LR_CACHE_TOKEN")
    configure(pytester, server)  # anonymous: not the logged-in user's pages either
    pytester.runpytest("--linkrules").stdout.fnmatch_lines([f"*crawl cache: {N + 1} of {N + 1} pages parsed, 0 reused*"])


def test_rendered_pages_reuse_their_html_but_are_rendered_again(pytester, site):
    root, server = site("etag")
    (root / "p" / "1" / "index.html").write_text(
        '<title>Page 1</title><a href="/">home</a><div id="m"></div>'
        '<script>document.getElementById("m").innerHTML = \'<a href="/p/2/">next</a>\'</script>'
    )
    configure(pytester, server, render="always")
    pytester.runpytest("--linkrules").assert_outcomes(passed=3)
    seen = len(server.requests)
    result = pytester.runpytest("--linkrules")
    result.assert_outcomes(passed=3)  # /p/2/ and on are reached through the rendered link
    result.stdout.fnmatch_lines(["*crawl cache: 0 of * pages parsed, * reused (the server answered 304 Not Modified); rendered pages are rendered again*"])
    # The browser fetched the page itself (the crawler only asked "changed since?").
    assert [r.status for r in server.requests[seen:] if r.path == "/p/1/"].count(200) >= 1
