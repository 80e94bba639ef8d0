"""Link suggestions: ranked source pages with reasons, in failures, reports and the command line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpers.graphs import chrome, pages, rule_config as rule
from helpers.sitebuilder import page, write_site
from pytest_linkrules.architecture import Cluster
from pytest_linkrules.cli import main
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.report.text import explain
from pytest_linkrules.runner import run_rule
from pytest_linkrules.suggest import Need, Suggester, attach_suggestions

TEXTS = {
    "/": "Welcome to the blog about web performance and search",
    "/blog/": "All posts of the blog",
    "/blog/jpeg-vs-webp/": "Image compression compared: jpeg and webp file sizes, image compression quality settings",
    "/blog/fonts/": "Loading web fonts without layout shift, font display swap",
    "/blog/cdn/": "A content delivery network caches static files near readers",
    "/guides/image-compression/": "A guide to image compression: choosing webp, jpeg quality and image compression tools",
    "/lost/": "image compression notes nobody links to",
}


def text_graph(links: dict, clusters=()) -> SiteGraph:
    spec = pages(links)
    spec = {u: replace(p, title=u.strip("/").replace("/", " ") or "home", text=TEXTS.get(u, "")) for u, p in spec.items()}
    return SiteGraph(spec, ["/"], clusters=clusters)


LINKS = {
    "/": [chrome("/blog/", "Blog")],
    "/blog/": ["/blog/jpeg-vs-webp/", "/blog/fonts/", "/blog/cdn/"],
    "/blog/jpeg-vs-webp/": [],
    "/blog/fonts/": ["/blog/cdn/"],
    "/blog/cdn/": [],
    "/guides/image-compression/": ["/blog/jpeg-vs-webp/"],  # an orphan with a link out
    "/lost/": [],  # unreachable: can't pass a counted link
}


def test_the_most_related_page_comes_first_with_its_reasons() -> None:
    g = text_graph(LINKS)
    need = Need("/guides/image-compression/")
    found = Suggester(g).suggest([need])[need]
    assert found[0].page == "/blog/jpeg-vs-webp/"
    reasons = found[0].reasons
    assert "a link back: the page links to it" in reasons
    assert "shares 'image compression', 'webp'" in reasons or any("image compression" in r for r in reasons)
    assert reasons[-1] == "depth 2"
    # Unreachable pages and the page itself are never candidates.
    assert {s.page for s in found}.isdisjoint({"/lost/", "/guides/image-compression/"})


def test_pages_already_linking_and_pages_too_deep_are_left_out() -> None:
    g = text_graph(LINKS)
    sg = Suggester(g)
    # /blog/ already links to /blog/cdn/ from its content; /blog/fonts/ does too.
    need = Need("/blog/cdn/")
    assert {s.page for s in sg.suggest([need])[need]}.isdisjoint({"/blog/", "/blog/fonts/", "/blog/cdn/"})
    shallow = Need("/guides/image-compression/", max_source_depth=1)
    assert {s.page for s in sg.suggest([shallow])[shallow]} == {"/", "/blog/"}
    # A chrome link doesn't count for content inlinks: / is still a candidate then.
    blog = Need("/blog/", content_only=True)
    assert "/" in {s.page for s in sg.suggest([blog])[blog]}
    assert "/" not in {s.page for s in sg.suggest([Need("/blog/")])[Need("/blog/")]}


def test_failures_a_link_would_fix_carry_suggestions_in_their_text() -> None:
    g = text_graph(LINKS)
    outcomes = [run_rule(rule("no-orphans"), g), run_rule(rule("max-outlinks", max=1), g)]
    attach_suggestions(outcomes, g)
    orphan = next(v for v in outcomes[0].violations if v.page == "/guides/image-compression/")
    assert orphan.suggestions and orphan.suggestions[0].page == "/blog/jpeg-vs-webp/"
    text = explain(orphan, g).splitlines()
    start = text.index("Add a link to it on one of these pages (best first):")
    assert text[start + 1].startswith("  /blog/jpeg-vs-webp/  (a link back: the page links to it; ")
    # A page with too many outlinks isn't fixed by a link elsewhere: no suggestions.
    assert all(not v.suggestions for v in outcomes[1].violations)


def test_a_pillar_linking_to_too_few_members_gets_the_members_most_like_it() -> None:
    links = dict(LINKS, **{"/guides/image-compression/": [], "/": [chrome("/blog/", "Blog"), "/guides/image-compression/"]})
    cluster = Cluster("/guides/image-compression/", ("/blog/jpeg-vs-webp/", "/blog/fonts/", "/blog/cdn/"), "clusters[0]")
    g = text_graph(links, clusters=(cluster,))
    outcomes = [run_rule(rule("cluster-links", members_link_pillar=False), g)]
    attach_suggestions(outcomes, g)
    (pillar,) = outcomes[0].violations
    assert [s.direction for s in pillar.suggestions] == ["to"] * 3
    assert pillar.suggestions[0].page == "/blog/jpeg-vs-webp/"
    assert "Link to these members from it first (most like it):" in explain(pillar, g)


def blog(root: Path) -> Path:
    nav = '<a href="/">Home</a><a href="/guides/">Guides</a><a href="/blog/">Blog</a>'
    files = {
        "index.html": page("Home", nav=nav, body='<p>Notes on web performance.</p><a href="/blog/webp/">webp</a>'),
        "guides/index.html": page("Guides", nav=nav, body='<p>All guides.</p><a href="/guides/images/">Image compression guide</a>'),
        "guides/images/index.html": page("Image compression guide", nav=nav, body="<h1>Image compression</h1><p>Image compression with webp and jpeg.</p>"),
        "blog/index.html": page("Blog", nav=nav, body='<a href="/blog/webp/">webp</a><a href="/blog/fonts/">fonts</a>'),
        "blog/webp/index.html": page("WebP", nav=nav, body="<h1>Image compression with WebP</h1><p>webp image compression beats jpeg.</p>"),
        "blog/fonts/index.html": page("Fonts", nav=nav, body="<h1>Web fonts</h1><p>font loading</p>"),
        "lonely/index.html": page("Image compression checklist", nav=nav, body="<p>An image compression checklist: webp, jpeg.</p>"),
    }
    return write_site(root, files)


def test_command_line_suggest_names_pages_and_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = blog(tmp_path / "public")
    assert main(["suggest", str(site), "/lonely/", "--render", "never"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "/lonely/: not reachable, 0 inlinks, 0 from page content"
    assert out[1] == "add a link to it from the content of (best first):"
    # The home page (depth 0, the folder's index page, linked from it) leads; the two pages on its topic follow.
    ranked = [line.split()[1] for line in out[2::2]]
    assert ranked[0] == "/" and {"/blog/webp/", "/guides/images/"} <= set(ranked[:4])
    assert out[3] == "     a link back: the page links to it; the index page of /; links to 2 of the same pages; depth 0"
    webp = out[3 + 2 * ranked.index("/blog/webp/")]
    assert webp == "     links to 3 of the same pages; shares 'image compression', 'jpeg'; depth 1"
    assert main(["suggest", str(site), "/lonely/", "-n", "1", "--max-source-depth", "0", "--render", "never"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "  1. /  'Home'"


def test_command_line_suggest_for_an_unknown_page_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = blog(tmp_path / "public")
    assert main(["suggest", str(site), "/lonly/", "--render", "never"]) == 2
    assert capsys.readouterr().err.strip() == 'linkrules suggest: error: "/lonly/" is not a page of the site (7 pages); did you mean "/lonely/"?'
