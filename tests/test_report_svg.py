"""The SVG pictures: capped in size, and every page-provided string escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import CONTENT, Link, Page
from pytest_linkrules.report.svg import MAX_INLINKS_SHOWN, depth_histogram_svg, neighbourhood_svg

SVG = "{http://www.w3.org/2000/svg}"


def chain_graph(length: int, fans: int = 0, title: str = "") -> SiteGraph:
    """/ -> /p1/ -> ... -> /pN/, plus `fans` pages linked from /pN-1/ that all link to /pN/."""
    urls = ["/"] + [f"/p{i}/" for i in range(1, length + 1)]
    pages = {}
    for a, b in zip(urls, urls[1:]):
        pages[a] = Page(a, title=title, links=(Link(b, anchor="next"),))
    last = urls[-1]
    pages[last] = Page(last, title=title)
    fan_urls = [f"/fan{i}/" for i in range(fans)]
    before = urls[-2]
    pages[before] = Page(before, title=title, links=pages[before].links + tuple(Link(f) for f in fan_urls))
    for f in fan_urls:
        pages[f] = Page(f, links=(Link(last, anchor="x", flags=0 if f.endswith("1/") else CONTENT),))
    return SiteGraph(pages, ["/"])


def boxes(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("font-family") == "monospace"]


def test_neighbourhood_shows_start_path_page_and_inlinks():
    graph = chain_graph(3, fans=2)
    labels = boxes(neighbourhood_svg(graph, "/p3/"))
    assert labels[:4] == ["/", "/p1/", "/p2/", "/p3/"]
    assert sorted(labels[4:]) == ["/fan0/", "/fan1/"]


def test_a_long_path_and_many_inlinks_draw_a_bounded_picture():
    graph = chain_graph(40, fans=500)
    svg = neighbourhood_svg(graph, "/p40/")
    labels = boxes(svg)
    assert "… 35 more clicks …" in labels
    assert f"+ {500 - MAX_INLINKS_SHOWN} more linking pages" in labels
    assert len(labels) <= 6 + 1 + MAX_INLINKS_SHOWN + 1
    assert len(svg) < 12_000


def test_an_orphan_is_drawn_apart_from_the_start_page():
    pages = {"/": Page("/"), "/lost/": Page("/lost/", links=(Link("/"),))}
    svg = neighbourhood_svg(SiteGraph(pages, ["/"]), "/lost/")
    assert boxes(svg) == ["/", "/lost/"]
    assert "no followed path from the start page" in svg


def test_titles_and_urls_are_escaped():
    evil = "<script>alert(1)</script>"
    pages = {
        "/": Page("/", title=evil, links=(Link('/"><img src=x onerror=alert(2)>/'),)),
        '/"><img src=x onerror=alert(2)>/': Page('/"><img src=x onerror=alert(2)>/', title=evil),
    }
    svg = neighbourhood_svg(SiteGraph(pages, ["/"]), '/"><img src=x onerror=alert(2)>/')
    assert "<script" not in svg and "<img" not in svg
    root = ET.fromstring(svg)  # well-formed XML: nothing broke out of an attribute
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert any(t and evil in t for t in titles)


def test_histogram_has_a_bar_per_depth_and_one_for_unreachable():
    svg = depth_histogram_svg([1, 4, 9, 2], unreachable=3, limit=2)
    root = ET.fromstring(svg)
    rects = list(root.iter(f"{SVG}rect"))
    assert len(rects) == 5
    assert [r.get("fill") for r in rects] == ["#1f5fa8", "#1f5fa8", "#1f5fa8", "#c62828", "#c62828"]
    tips = [t.text for t in root.iter(f"{SVG}title")]
    assert tips[2] == "depth 2: 9 pages" and tips[-1] == "not reachable: 3 pages"


def test_histogram_of_a_very_deep_site_groups_the_tail():
    svg = depth_histogram_svg([1] * 100, unreachable=0)
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{SVG}rect"))) == 31
    assert "depth 29+: 71 pages" in [t.text for t in root.iter(f"{SVG}title")]
