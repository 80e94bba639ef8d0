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
