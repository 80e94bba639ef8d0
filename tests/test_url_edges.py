"""URL edge cases resolved as static hosts serve files (tests/sites/url-edges), run as a user runs them.

A static host (GitHub Pages, Netlify, nginx, S3 websites) percent-decodes the
request path, removes dot segments, and answers a folder with its index.html,
redirecting a folder asked for without its slash to the slash. docs/urls.md
says where htmltest and html-proofer differ and why this project follows the hosts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import networkx  # noqa: F401  (imported once, not per pytester run)
import pytest_linkrules.plugin  # noqa: F401
import pytest_linkrules.report.text  # noqa: F401
from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site

SITE = Path(__file__).parent / "sites" / "url-edges"


def targets(page) -> dict[str, str]:
    return {link.href: link.target for link in page.links} | {link.href: "BROKEN " + link.target for link in page.broken}


def test_hrefs_reach_what_a_static_host_would_serve() -> None:
    pages = crawl_site(SiteConfig(root=SITE, render="never")).pages
    assert targets(pages["/"]) == {
        "/my%20notes.html": "/my notes.html",  # encoded href, plain file name
        "/my notes.html": "/my notes.html",  # the browser encodes the space; the host decodes it
        "/100%25.html": "/100%.html",  # a literal % in the name, encoded in the href
        "/caf%C3%A9-menu.html": "/café-menu.html",
        "/encoded%2520name.html": "/encoded%20name.html",  # a name holding "%20" itself
        "/encoded%20name.html": "BROKEN /encoded name.html",  # decoded to a space: no such file
        "/archive.html/": "/archive.html/",  # a folder whose name ends in .html
        "/archive.html": "/archive.html/",
        "/guide": "/guide/",  # a folder without its trailing slash: hosts redirect to the slash
        "/docs/v1/intro/": "/docs/v1/intro/",
    }
    assert targets(pages["/docs/v1/intro/"]) == {
        "../../v2/": "/docs/v2/",  # through two parents to a sibling
        "../../v2": "/docs/v2/",
        "../../../guide/": "/guide/",
        "../../../../../guide/": "/guide/",  # never above the root
    }
    assert "/archive.html/" in pages and "/encoded%20name.html" in pages


def test_the_one_href_no_host_would_serve_fails(pytester: pytest.Pytester) -> None:
    shutil.copytree(SITE, pytester.path / "public")
    pytester.makefile(".toml", linkrules='[site]\nroot = "public"\n\n[rules.no-broken-links]\n')
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "/ has 1 broken internal link: /encoded name.html (no-broken-links)",
        '  /encoded name.html  (href="/encoded%20name.html", anchor "the same name written as on disk: *")',
    ])


HREFS = [
    "", " ", "#", "#top", "#/route", "#/a/b?id=x", "?q=1", "?", "/", "/docs/", "/docs/a.html#s", " /x ", "//127.0.0.1:8000/y",
    "//other.example/z", "x", "x/", "./x", "../x", "../../../x", ".", "..", "x?y:z", "a:b", "mailto:a@b", "javascript:void(0)",
    "http://127.0.0.1:8000/abs", "HTTP://127.0.0.1:8000/Abs", "https://127.0.0.1:8000/s", "http:rel", "http:/rooted",
    "?://x", "#a://b", "a b://c", "1x://y", "x\t/y", "/\t/other.example/z", "\n#/r", "\x01/x", "%2e%2e/x", "é/ü", "data:,x",
]
BASES = [
    "http://127.0.0.1:8000/", "http://127.0.0.1:8000/docs/", "http://127.0.0.1:8000/docs/a.html", "http://127.0.0.1:8000/docs/b.html",
    "http://127.0.0.1:8000/docs/a.html?x=/y", "http://127.0.0.1:8000/docs/a.html#/r/s", "http://127.0.0.1:8000/#/guide/x",
    "http://127.0.0.1:8000", "http://127.0.0.1:8000?q=/a", "https://127.0.0.1:8000/docs/", "http://other.example/docs/",
    "http://127.0.0.1:8000/docs/deep/er/", "http://u@127.0.0.1:8000/docs/",
]


@pytest.mark.parametrize("hash_routes", [False, True])
def test_the_url_crawls_cached_resolution_equals_resolving_each_link_afresh(hash_routes: bool) -> None:
    """The resolver's cache is keyed on the part of the base an href depends on, so pages share entries."""
    import random

    from pytest_linkrules.crawl.http import OriginResolver

    pairs = [(h, b) for h in HREFS for b in BASES]
    for seed in range(3):
        random.Random(seed).shuffle(pairs)
        cached = OriginResolver("http://127.0.0.1:8000", hash_routes)
        fresh = OriginResolver("http://127.0.0.1:8000", hash_routes)
        got = [cached.resolve(h, b) for h, b in pairs]
        assert got == [fresh._resolve(h, b) for h, b in pairs]
    # And it does share: a navigation's links on 100 pages of one folder are one entry each,
    # but for "#top", which names each page.
    shared = OriginResolver("http://127.0.0.1:8000", hash_routes)
    for i in range(100):
        for href in ("/", "/docs/", "next.html", "../up/", "https://127.0.0.1:8000/abs", "#top"):
            shared.resolve(href, f"http://127.0.0.1:8000/docs/p{i}.html")
    assert len(shared._cache) == 5 + 100
