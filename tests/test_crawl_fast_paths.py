"""The crawl's shortcuts give the same answers as the slow, obvious way.

The chrome check, the href cache and the root-relative fast path exist only
for speed (see benchmarks/README.md); these tests pin them to the plain
definitions so a later optimisation can't change what a link means.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from selectolax.lexbor import LexborHTMLParser

from pytest_linkrules.crawl.extract import extract
from pytest_linkrules.crawl.folder import crawl_folder, page_folders
from pytest_linkrules.crawl.urls import FolderResolver, browser_href, normalize_path

# The definition of chrome, as selectors over the whole document.
ALWAYS = "nav a, aside a, [role=navigation] a, [role=banner] a, [role=contentinfo] a, [role=complementary] a"
SECTIONING = "header a, footer a"
INNER = "article header a, article footer a, main header a, main footer a, section header a, section footer a"

TRICKY = """<html><body>
<header><a href="/h">page header</a><nav><a href="/hn">nav in header</a></nav></header>
<main><article>
  <header><a href="/ah">byline</a></header>
  <nav><a href="/an">toc in article</a></nav>
  <p><a href="/p">in text</a></p>
  <footer><a href="/af">related</a><section><header><a href="/afsh">deep</a></header></section></footer>
  <div role="banner"><a href="/arb">banner role in article</a><header><a href="/arbh">header in banner</a></header></div>
</article>
<section><footer><a href="/sf">section footer</a></footer></section>
</main>
<aside><a href="/as">sidebar</a></aside>
<div role="contentinfo"><a href="/ci">contentinfo</a></div>
<div role="Navigation"><a href="/rn">role is case-sensitive</a></div>
<footer><a href="/f">page footer</a><section><header><a href="/fsh">section header in page footer</a></header></section></footer>
</body></html>"""


def reference_chrome(html: str) -> dict[str, bool]:
    tree = LexborHTMLParser(html)
    ids = lambda sel: {n.mem_id for n in tree.css(sel)}  # noqa: E731
    chrome = ids(ALWAYS) | (ids(SECTIONING) - ids(INNER))
    return {n.attrs["href"]: n.mem_id in chrome for n in tree.css("a[href]")}


def test_chrome_matches_the_selector_definition():
    expected = reference_chrome(TRICKY)
    got = {link.href: link.chrome for link in extract(TRICKY).links}
    assert got == expected
    # Spot checks, so the reference itself is pinned down too.
    assert got["/h"] and got["/hn"] and got["/an"] and got["/as"] and got["/f"] and got["/arb"] and got["/arbh"]
    assert not got["/ah"] and not got["/p"] and not got["/af"] and not got["/sf"] and not got["/fsh"]


def slow_path(href: str, base: str) -> str | None:
    """to_internal_path as urljoin + urlsplit, the way it was before the fast path."""
    parts = urlsplit(urljoin("http://site.invalid" + base, browser_href(href)))
    if parts.scheme not in ("http", "https") or parts.netloc != "site.invalid":
        return None
    return normalize_path(parts.path)


@pytest.mark.parametrize(
    "href",
    ["/a/b/", "/a/./b/../c", "/../../x", "/a%20b/", "/caf%C3%A9/", "/a?x=1#y", "/a#frag", "/a\\b", "/a\tb",
     "//other.example/x", "/a b/", "/%2e%2e/x", "/a;p"],
)
def test_root_relative_fast_path_agrees_with_urljoin(href):
    resolver = FolderResolver([])
    assert resolver.to_internal_path(href, "/deep/page/") == slow_path(href, "/deep/page/")


@pytest.mark.parametrize(
    "href",
    ["x/", "../x/", "../../../../x", "./y.html", "y.html?q=1#f", "a/./b/../c/", "..", ".", "x%20y/", "caf%C3%A9",
     "a//b", "x;y", "a:b", "x:/y", "./a:b"],
)
@pytest.mark.parametrize("base", ["/", "/deep/page/", "/deep/page.html", "/a b/", "/q?x/"])
def test_relative_fast_path_agrees_with_urljoin(href, base):
    resolver = FolderResolver([])
    assert resolver.to_internal_path(href, base) == slow_path(href, base)


def test_href_cache_keeps_what_relative_links_depend_on():
    files = ["a/index.html", "a/x/index.html", "b/index.html", "b/x/index.html", "b/y.html", "index.html"]
    r = FolderResolver(files)
    # The same relative href on pages in different folders names different pages.
    assert r.resolve("x/", "/a/") == ("page", "/a/x/")
    assert r.resolve("x/", "/b/") == ("page", "/b/x/")
    # Two pages in one folder share the answer; a page name doesn't matter.
    assert r.resolve("y.html", "/b/x/") == ("broken", "/b/x/y.html")
    assert r.resolve("../y.html", "/b/x/") == ("page", "/b/y.html")
    # A query-only href names the page it is on.
    assert r.resolve("?page=2", "/a/") == ("page", "/a/")
    assert r.resolve("?page=2", "/b/") == ("page", "/b/")
    # Root-relative and absolute hrefs don't depend on the page.
    assert r.resolve("/b/y", "/a/") == r.resolve("/b/y", "/b/x/") == ("page", "/b/y.html")
    assert r.resolve("mailto:x@example.com", "/a/")[0] == "ignored"


def _site(root: Path, n: int) -> None:
    for i in range(n):
        d = root / "p" / str(i)
        d.mkdir(parents=True)
        nxt = f"/p/{(i + 1) % n}/"
        (d / "index.html").write_text(
            f'<title>{i}</title><nav><a href="/">Home</a></nav><a href="{nxt}">next</a><a href="../{(i + 2) % n}/">skip</a>'
            '<a href="/gone/">gone</a>'
        )
    (root / "index.html").write_text('<a href="/p/0/">start</a>')


def test_parallel_crawl_gives_the_same_pages_as_serial(tmp_path):
    _site(tmp_path, 500)  # above the size where a process pool is used
    serial, _ = crawl_folder(tmp_path, workers=1)
    parallel, _ = crawl_folder(tmp_path, workers=2)
    assert list(serial) == list(parallel)
    assert serial == parallel
    page = parallel["/p/7/"]
    assert [(lk.target, lk.in_content) for lk in page.links] == [("/", False), ("/p/8/", True), ("/p/9/", True)]
    assert [lk.target for lk in page.broken] == ["/gone/"]
    # Equal links on different pages are one object: memory stays proportional to distinct links.
    assert parallel["/p/7/"].links[0] is parallel["/p/400/"].links[0]


def test_page_folders_skip_the_site_but_not_the_config_folder(tmp_path):
    folders = page_folders(tmp_path, ["index.html", "blog/a/index.html", "b.html"], keep=[tmp_path])
    assert folders == {str(tmp_path / "blog")}  # pytest never walks into blog/, so never meets blog/a/
    public = tmp_path / "public"
    assert page_folders(public, ["index.html", "x/index.html"], keep=[tmp_path]) == {str(public)}
    # A config inside the site: the folders holding pages beside it are skipped, its own folder is walked.
    docs = tmp_path / "docs"
    sources = ["index.html", "guide/a.html", "guide/deep/b.html", "api/c.html", "api/x/d.html"]
    assert page_folders(docs, sources, keep=[docs / "guide"]) == {str(docs / "guide" / "deep"), str(docs / "api")}
