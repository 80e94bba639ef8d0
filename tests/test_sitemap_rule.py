"""sitemap-consistency on real crawls: the sitemap read from a folder and from a served site."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_linkrules.config import RuleConfig, SiteConfig
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.rules import builtin_registry
from pytest_linkrules.runner import run_rule

DEPLOYED = Path(__file__).parent / "sites" / "deployed"


def consistency(result) -> list[str]:
    rule = builtin_registry()["sitemap-consistency"]
    values, _ = rule.parse_options({})
    graph = SiteGraph(result.pages, result.starts, sitemap_urls=result.sitemap_urls)
    outcome = run_rule(RuleConfig(rule.id, rule, values), graph)
    assert not outcome.error, outcome.error
    return sorted(v.message for v in outcome.violations)


def test_folder_sitemap_index_is_read_when_configured() -> None:
    result = crawl_site(SiteConfig(root=DEPLOYED, sitemap="/sitemap_index.xml", render="never"))
    assert result.sitemap_urls == ["/", "/guides/", "/lonely.html", "/not-ours/"]
    messages = consistency(result)
    assert "/lonely.html is in the sitemap but no link from a start page reaches it (sitemap-consistency)" in messages
    assert "/not-ours/ is in the sitemap but is not a page of the site (sitemap-consistency)" in messages
    assert "/guides/seo/ is reachable and indexable but missing from the sitemap (sitemap-consistency)" in messages


def test_folder_without_a_sitemap_reads_none(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<title>Home</title>")
    result = crawl_site(SiteConfig(root=tmp_path, render="never"))
    assert result.sitemap_urls is None
    result = crawl_site(SiteConfig(root=tmp_path, sitemap="/sitemap.xml", render="never"))
    assert result.sitemap_urls is None
    assert 'site.sitemap: "/sitemap.xml" is not a file in the site folder; no sitemap was read' in result.notes


def test_folder_sitemap_on_another_host_is_left_out(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<title>Home</title><a href="/a/">A</a>')
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<title>A</title>")
    (tmp_path / "sitemap.xml").write_text(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://example.com/</loc></url><url><loc>https://other.example/a/</loc></url></urlset>"
    )
    result = crawl_site(SiteConfig(root=tmp_path, base_url=("https://example.com",), render="never"))
    assert result.sitemap_urls == ["/"]
    assert "sitemap: 1 URL(s) on hosts other than site.base_url ignored" in result.notes
    assert consistency(result) == ["/a/ is reachable and indexable but missing from the sitemap (sitemap-consistency)"]


def test_served_site_sitemap_from_robots_txt(serve) -> None:
    server = serve(DEPLOYED, statuses={"/error/": 500})
    result = crawl_site(SiteConfig(url=server.origin, render="never", rate_limit=0.0))
    assert result.sitemap_urls == ["/", "/guides/", "/lonely.html"]
    messages = consistency(result)
    assert "/lonely.html is in the sitemap but no link from a start page reaches it (sitemap-consistency)" in messages
    assert "/guides/seo/ is reachable and indexable but missing from the sitemap (sitemap-consistency)" in messages


def test_served_site_without_sitemap(serve, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<title>Home</title>")
    server = serve(tmp_path)
    result = crawl_site(SiteConfig(url=server.origin, render="never", rate_limit=0.0))
    assert result.sitemap_urls is None


def test_served_site_roles_by_selector_and_js_only_links(serve, sites: Path) -> None:
    """A deployed site rendered in Chromium: links its script adds are JS_ONLY, roles come from the served HTML."""
    server = serve(sites / "js-nav")
    result = crawl_site(SiteConfig(url=server.origin, render="always", rate_limit=0.0), selectors={"home": "div#related"})
    home = result.pages["/"]
    assert home.rendered and home.roles == ("home",)
    js_only = sorted(link.target for link in home.links if link.js_only)
    assert js_only == ["/", "/blog/", "/guides/", "/guides/seo/"]
