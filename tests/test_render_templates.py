"""render = "auto" per template, with a real Chromium: what is rendered, inferred or read as HTML.

tests/sites/js-templates has four templates, one per way scripts can change
links: the same sidebar on every page (inferred by target), the same relative
href on pages in two folders (inferred by href), a link that differs on every
page (rendered), and a script that adds nothing (read as HTML). Every auto
crawl is compared with a full render of the same folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.crawl.linktable import coded
from pytest_linkrules.crawl.templates import same_page
from pytest_linkrules.graph import SiteGraph

SITES = Path(__file__).parent / "sites"


def assert_same_graph(auto, full) -> None:
    """Pages, links (with anchors and flags) and depths equal to a full render's."""
    assert sorted(auto.pages) == sorted(full.pages)
    differing = [u for u in full.pages if not same_page(auto.pages[u], full.pages[u])]
    assert differing == []
    ga, gf = SiteGraph(auto.pages, auto.starts), SiteGraph(full.pages, full.starts)
    assert ga.n_links == gf.n_links
    assert {u: ga.depth(u) for u in full.pages} == {u: gf.depth(u) for u in full.pages}
    # Links only the browser sees are flagged as such either way.
    for url, page in full.pages.items():
        assert {(l.target, l.js_only) for l in page.links} == {(l.target, l.js_only) for l in auto.pages[url].links}


@pytest.fixture(scope="module")
def full():
    return crawl_site(SiteConfig(root=SITES / "js-templates", render="always"))


def test_each_template_gets_its_own_verdict_and_the_graph_equals_a_full_render(full):
    auto = crawl_site(SiteConfig(root=SITES / "js-templates"))
    assert auto.render == "rendered"
    assert auto.render_reason.startswith("21 page(s) with scripts in 4 templates: 10 rendered in ")
    assert auto.render_reason.endswith(
        ", 7 inferred from their template's rendered sample, 4 read as HTML (rendering changes none of their links); "
        "7 without scripts read as HTML"
    )
    notes = [n for n in auto.notes if n.startswith("render: ")]
    assert notes == [
        "render: 7 pages like /docs/a.html (inferred): rendering adds the same 4 links on all 3 sampled pages",
        "render: 6 pages like /blog/2024/p1.html (inferred): rendering adds the same 1 link "
        "(the same hrefs, resolved against each page) on all 3 sampled pages",
        "render: 4 pages like /plain/four.html (static): rendering changed no link on 3 sampled pages",
        "render: 4 pages like /tools/w.html (rendered): rendering changes links differently on the 3 sampled pages",
    ]
    docs = [auto.pages[f"/docs/{n}.html"] for n in "abcdefg"]
    assert sum(p.rendered for p in docs) == 3 and sum(p.inferred for p in docs) == 4
    # The inferred pages' sidebar links are one set of Link objects, not a copy per page.
    inferred = [p for p in docs if p.inferred]
    assert all(a is b for a, b in zip(inferred[0].links[-4:], inferred[1].links[-4:]))
    assert "/blog/2025/" in {l.target for l in auto.pages["/blog/2025/p3.html"].links}
    assert [l.target for l in auto.pages["/docs/g.html"].broken] == ["/docs/missing.html"]
    assert auto.render_shortfall == ""
    assert_same_graph(auto, full)


def test_past_the_render_budget_pages_are_read_as_html_and_said_so(full):
    auto = crawl_site(SiteConfig(root=SITES / "js-templates", render_budget=12))
    # The 12 samples fit; the tool pages' template needs one more page, past the budget.
    assert auto.render_shortfall.startswith(
        "1 page(s) with scripts needed rendering past site.render_budget = 12 (templates like /tools/w.html)"
    )
    assert "NOT rendered: over site.render_budget" in auto.render_reason
    unrendered = [u for u in ("/tools/w.html", "/tools/x.html", "/tools/y.html", "/tools/z.html") if not auto.pages[u].rendered]
    assert len(unrendered) == 1
    assert not same_page(auto.pages[unrendered[0]], full.pages[unrendered[0]])


def test_render_always_is_bounded_by_the_budget_too():
    auto = crawl_site(SiteConfig(root=SITES / "js-templates", render="always", render_budget=5))
    # A template is rendered whole or not at all, smallest first: the 4 plain pages fit, the next 4 don't.
    assert sorted(u for u, p in auto.pages.items() if p.rendered) == [f"/plain/{n}.html" for n in ("four", "one", "three", "two")]
    assert auto.render_shortfall.startswith("17 page(s) with scripts needed rendering past site.render_budget = 5")


def test_a_real_doxygen_site_is_inferred_from_its_nav_tree_and_equals_a_full_render():
    """Doxygen 1.9.4's own output (tests/sites/doxygen-geo): the tree opens at each page, so only the model fits."""
    root = SITES / "doxygen-geo" / "html"
    auto = crawl_site(SiteConfig(root=root))
    full = crawl_site(SiteConfig(root=root, render="always"))
    assert auto.notes[0] == (
        "render: 32 pages like / (inferred): Doxygen's nav tree model reproduced all 3 sampled pages' rendered "
        "links exactly, with the rest of rendering, which adds the same 17 links"
    )
    assert sum(p.inferred for p in auto.pages.values()) == 29
    assert_same_graph(auto, full)
    # The tree is opened at the page: a class page links to its siblings, the file list doesn't.
    circle = {l.target for l in auto.pages["/classgeo_1_1Circle.html"].links}
    assert "/classgeo_1_1Rect.html" in circle


def test_a_crawl_past_the_budget_fails_the_crawl_item_with_the_fix(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")  # the short summary is not cut to the terminal's width
    shutil.copytree(SITES / "js-templates", pytester.path / "public")
    pytester.makefile(".toml", linkrules='[site]\nroot = "public"\nrender_budget = 12\n\n[rules.max-outlinks]\nmax = 1000\n')
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider", "-rf")
    result.assert_outcomes(failed=1, passed=1)  # the crawl item fails, the rule item passes
    result.stdout.fnmatch_lines([
        "FAILED linkrules.toml::crawl - render budget reached: 1 page(s) with scripts needed rendering past "
        "site.render_budget = 12 *",
    ])
    out = result.stdout.str()
    assert "Fix: raise site.render_budget" in out
    assert "linkrules: note: render budget: 1 page(s)" in out


def test_the_budget_is_validated(tmp_path: Path) -> None:
    from pytest_linkrules.config import ConfigError, load_config
    from pytest_linkrules.rules import builtin_registry

    (tmp_path / "linkrules.toml").write_text('[site]\nroot = "."\nrender_budget = 0\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "linkrules.toml", builtin_registry())
    assert "site.render_budget: expected a number of pages from 1 to 10,000,000, got 0" in str(info.value)


def test_a_rerun_with_unchanged_scripts_starts_no_browser(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI with pytest's cache restored: a page's text changed, no script did, so auto's verdict stands."""
    monkeypatch.setenv("CI", "true")
    site = pytester.path / "public"
    shutil.copytree(SITES / "js-templates" / "plain", site / "plain")
    (site / "js").mkdir()
    shutil.copy(SITES / "js-templates" / "js" / "analytics.js", site / "js")
    (site / "index.html").write_text('<title>Home</title><a href="/plain/one.html">Plain</a>')
    pytester.makefile(".toml", linkrules='[site]\nroot = "public"\n\n[rules.max-outlinks]\nmax = 1000\n')
    first = pytester.runpytest("--linkrules")
    first.stdout.fnmatch_lines(["*render: static (rendering changed no link on the sampled pages of 1 template*"])
    # A page's text changes; its scripts don't. No browser can be found now: none is needed.
    page = site / "plain" / "two.html"
    page.write_text(page.read_text().replace("<main>", "<main><p>New text.</p>"))
    monkeypatch.setenv("LINKRULES_BROWSER", str(pytester.path / "no-such-browser"))
    second = pytester.runpytest("--linkrules")
    second.assert_outcomes(passed=2)
    second.stdout.fnmatch_lines(["*no script changed since an earlier run found that, so no browser was started*"])
    # An edited script is sampled again: now the browser named (which doesn't exist) is needed.
    (site / "js" / "analytics.js").write_text("window.visits = 2; // changed\n")
    third = pytester.runpytest("--linkrules")
    assert "no-such-browser" in third.stdout.str() + third.stderr.str()
    assert "no browser was started" not in third.stdout.str()


def test_a_deployed_site_is_bounded_by_the_render_budget(serve) -> None:
    server = serve(SITES / "js-templates")
    crawl = crawl_site(SiteConfig(url=server.origin, render="always", render_budget=5, rate_limit=0.0))
    assert sum(p.rendered for p in crawl.pages.values()) == 5
    # Pages only script-built links lead to are never found once rendering stops: those read count.
    left = sum(p.has_scripts and not p.rendered for p in crawl.pages.values())
    assert left > 0
    assert crawl.render_shortfall.startswith(f"{left} page(s) with scripts needed rendering past site.render_budget = 5 (e.g. ")
    assert any(n.startswith(f"render budget: {left} page(s)") for n in crawl.notes)


def test_a_deployed_site_renders_only_the_templates_whose_sample_changed(serve) -> None:
    # URL crawls judge each template's rendered sample as folder crawls do; what
    # rendering changes is rendered in the second pass (no inference: a page
    # only a render links to must be fetched), the rest is read as HTML.
    server = serve(SITES / "js-templates")
    auto = crawl_site(SiteConfig(url=server.origin, rate_limit=0.0))
    full = crawl_site(SiteConfig(url=server.origin, render="always", rate_limit=0.0))
    assert auto.render == "rendered"
    assert auto.render_reason.startswith(
        "rendering changes links on pages of 3 of 4 templates (e.g. /blog/2024/p1.html: rendering changed links on "
        "/blog/2024/p1.html: 1 link only after rendering); 10 page(s) with scripts rendered in "
    )
    assert auto.render_reason.endswith(
        ", 1 with scripts read as HTML (their template's sample rendered to the same links), 4 without scripts read as HTML"
    )
    notes = [n for n in auto.notes if n.startswith("render: ")]
    # Over HTTP only what links lead to is found: one page of most templates before rendering.
    assert notes == [
        "render: 6 pages like /blog/2024/p1.html (rendered): rendering changed links on /blog/2024/p1.html: 1 link only after rendering",
        "render: 1 page like /docs/a.html (rendered): rendering changed links on /docs/a.html: 4 links only after rendering",
        "render: 1 page like /plain/one.html (static): rendering changed no link on 1 sampled page",
        "render: 1 page like /tools/x.html (rendered): rendering changed links on /tools/x.html: 1 link only after rendering",
    ]
    assert not auto.pages["/plain/one.html"].rendered and full.pages["/plain/one.html"].rendered
    assert all(auto.pages[u].rendered for u in auto.pages if u.startswith(("/docs/", "/tools/x.html", "/blog/2024/p")))
    assert_same_graph(auto, full)


RUSTDOC = SITES / "rustdoc-1.63"


def test_a_real_rustdoc_site_is_one_family_inferred_from_its_sidebar_data_and_equals_a_full_render():
    """Rust 1.63's own docs (tests/sites/rustdoc-1.63): each folder and trait page is a template of its own,
    all running one main.js, which builds the sidebar from the folder's sidebar-items.js."""
    auto = crawl_site(SiteConfig(root=RUSTDOC, start=("/core/",)))
    full = crawl_site(SiteConfig(root=RUSTDOC, start=("/core/",), render="always"))
    assert auto.render_reason.startswith("12 page(s) with scripts in 4 templates: 6 rendered in ")
    assert auto.render_reason.endswith(", 6 inferred from their template's rendered sample")
    assert [n for n in auto.notes if n.startswith("render")] == [
        "render: 12 pages like /core/ (inferred): rustdoc's sidebar model reproduced all 6 sampled pages' rendered "
        "links exactly (4 templates that run the same main1.63.0.js)"
    ]
    assert_same_graph(auto, full)
    # The module's item list is one set of Link objects on every page of the folder, flagged JS_ONLY once
    # (most of its items are pages this copy leaves out: broken links).
    inferred = [p for u, p in sorted(auto.pages.items()) if p.inferred and u.startswith("/core/iter/fn.")]
    assert len(inferred) >= 2
    js_only = [{id(l) for l in p.links if l.js_only} for p in inferred[:2]]
    broken = [{id(l) for l in p.broken} for p in inferred[:2]]
    assert len(js_only[0] & js_only[1]) >= 5  # a page whose HTML links to an item keeps that link unflagged
    assert len(broken[0] & broken[1]) > 40
    # Numbered for the graph build, as crawled pages are; the graph above was built from these numbers.
    assert all(coded(p) is not None for p in inferred)


def _copy_rustdoc(tmp_path: Path) -> Path:
    root = tmp_path / "html"
    shutil.copytree(RUSTDOC, root)
    return root


def test_rustdoc_whose_main_js_the_model_does_not_know_is_rendered_as_any_site(tmp_path: Path) -> None:
    root = _copy_rustdoc(tmp_path)
    main = root / "main1.63.0.js"
    main.write_text(main.read_text().replace('"structs","Structs"', '"structs","Structures"'))
    auto = crawl_site(SiteConfig(root=root, start=("/core/",)))
    assert not any("rustdoc's sidebar model" in n for n in auto.notes)
    assert_same_graph(auto, crawl_site(SiteConfig(root=root, start=("/core/",), render="always")))


def test_a_family_its_model_does_not_reproduce_is_sampled_again_template_by_template(tmp_path: Path) -> None:
    root = _copy_rustdoc(tmp_path)
    page = root / "core" / "iter" / "fn.zip.html"  # sampled for its kind: an item page with the folder's items
    script = "<script>document.body.insertAdjacentHTML('beforeend', '<a href=\"../ascii/index.html\">added</a>')</script>"
    page.write_text(page.read_text().replace("</body>", script + "</body>"))
    auto = crawl_site(SiteConfig(root=root, start=("/core/",)))
    notes = [n for n in auto.notes if n.startswith("render")]
    assert notes[0].startswith("render: rustdoc's sidebar model: rendering changes links differently on the 6 sampled pages")
    assert notes[0].endswith("; its templates were sampled one by one")
    assert len(notes) == 5  # then each of the 4 templates on its own
    assert_same_graph(auto, crawl_site(SiteConfig(root=root, start=("/core/",), render="always")))


def test_links_a_script_writes_from_the_root_get_each_pages_own_href_and_its_ids(tmp_path: Path) -> None:
    """A source view's sidebar (rustdoc's, mdBook's): hrefs that climb to the root ("../" per folder), then go down."""
    script = (
        "const up = '../'.repeat(location.pathname.split('/').length - 2);"
        "document.body.insertAdjacentHTML('beforeend', `<nav id=\"tree\"><a href=\"${up}src/lib.html\">lib</a></nav>`);"
    )
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "tree.js").write_text(script)
    pages = ["src/lib.html", "src/a/one.html", "src/a/two.html", "src/a/b/three.html", "src/a/b/four.html", "src/a/b/c/five.html"]
    for page in pages:
        depth = page.count("/")
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text(f'<title>{page}</title><a href="{"../" * depth}index.html">home</a><script src="{"../" * depth}js/tree.js"></script>')
    (tmp_path / "index.html").write_text("".join(f'<a href="{p}">{p}</a>' for p in pages))
    auto, full = crawl_site(SiteConfig(root=tmp_path)), crawl_site(SiteConfig(root=tmp_path, render="always"))
    assert sum(p.inferred for p in auto.pages.values()) == 3
    assert_same_graph(auto, full)
    for url, page in full.pages.items():
        assert sorted(l.href for l in auto.pages[url].links) == sorted(l.href for l in page.links)  # not the sampled page's href
        assert set(auto.pages[url].ids.split()) == set(page.ids.split())  # "tree", made by the script
