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
    assert result.render_reason.startswith("rendered links differ from the HTML on 1 of 1 sampled pages (/: 3 links only after rendering)")
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
