"""Single-page apps: history routing behind a fallback server, and hash routes."""

from __future__ import annotations

from pathlib import Path

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.graph import SiteGraph

SITES = Path(__file__).parent / "sites"


def test_a_history_mode_spa_behind_a_fallback_server_is_crawled_completely(serve):
    server = serve(SITES / "spa-history", fallback="index.html")
    result = crawl_site(SiteConfig(url=server.origin, rate_limit=0.0))
    assert result.render == "rendered"
    assert result.render_reason.startswith("rendering changes links on pages of 1 of 1 template (e.g. /: rendering changed links on /: 3 links only after rendering)")
    assert sorted(result.pages) == ["/", "/about", "/products/", "/products/chair", "/products/lamp", "/products/stool"]
    graph = SiteGraph(result.pages, result.starts)
    assert graph.depth("/products/stool") == 3
    assert result.pages["/products/lamp"].title == "Lamp"
    assert {link.target for link in result.pages["/products/chair"].links} == {"/", "/products/", "/products/stool"}


def test_hash_routes_are_pages_when_the_site_says_so(serve):
    server = serve(SITES / "spa-hash")
    result = crawl_site(SiteConfig(url=server.origin, hash_routes=True, rate_limit=0.0))
    assert result.render == "rendered"
    assert sorted(result.pages) == ["/", "/#/docs", "/#/docs/install", "/#/docs/usage"]
    assert {link.target for link in result.pages["/#/docs"].links} == {"/", "/#/docs", "/#/docs/install", "/#/docs/usage"}
    graph = SiteGraph(result.pages, result.starts)
    assert graph.depth("/#/docs/install") == 2
    # One document: the server saw "/" only, never a fragment.
    assert all(path in ("/", "/robots.txt", "/sitemap.xml") for path in server.paths)


def test_without_hash_routes_fragments_are_not_pages(serve):
    server = serve(SITES / "spa-hash")
    result = crawl_site(SiteConfig(url=server.origin, render="never", rate_limit=0.0))
    assert sorted(result.pages) == ["/"]


def test_a_docsify_style_site_gives_the_same_pages_in_hash_and_history_routing(serve):
    # docsify's heading anchors ("#/guide?id=install") are the page "#/guide",
    # as "/guide?id=install" is the page "/guide": a query names no other page.
    # "#/./api" is "#/api", as "/./api" is "/api".
    hashed = crawl_site(SiteConfig(url=serve(SITES / "docsify-hash").origin, hash_routes=True, rate_limit=0.0))
    history = crawl_site(SiteConfig(url=serve(SITES / "docsify-history", fallback="index.html").origin, rate_limit=0.0))
    assert hashed.render == history.render == "rendered"
    assert sorted(hashed.pages) == ["/", "/#/api", "/#/guide"]
    assert sorted(history.pages) == ["/", "/api", "/guide"]
    as_paths = {url.replace("/#/", "/"): page for url, page in hashed.pages.items()}
    assert as_paths.keys() == history.pages.keys()
    for url, page in history.pages.items():
        assert {link.target.replace("/#/", "/") for link in as_paths[url].links} == {link.target for link in page.links}, url
        assert as_paths[url].title == page.title
    # A route's ids are read from the rendered DOM, as any rendered page's are.
    assert "\ninstall\n" in hashed.pages["/#/guide"].ids


def test_hash_route_keys_drop_the_query_and_dot_segments():
    from pytest_linkrules.crawl.http import site_key

    assert site_key("/", "/guide?id=install", hash_routes=True) == "/#/guide"
    assert site_key("/", "/./guide", hash_routes=True) == "/#/guide"
    assert site_key("/", "/a/../guide/", hash_routes=True) == "/#/guide/"
    assert site_key("/", "/?id=top", hash_routes=True) == "/"
    assert site_key("/", "/guide", hash_routes=False) == "/"


def test_docsify_in_both_routing_modes_through_the_plugin(pytester, serve):
    hashed = serve(SITES / "docsify-hash").origin
    history = serve(SITES / "docsify-history", fallback="index.html").origin
    pytester.makeini("[pytest]\n")
    for origin, extra in ((hashed, "hash_routes = true\n"), (history, "")):
        pytester.makefile(".toml", linkrules=f'[site]\nurl = "{origin}"\nrate_limit = 0\n{extra}\n[rules.no-orphans]\n[rules.no-broken-links]\n')
        result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
        result.assert_outcomes(passed=3)
        result.stdout.fnmatch_lines([f"linkrules: linkrules.toml: site {origin}, 3 pages, *render: rendered*"])
