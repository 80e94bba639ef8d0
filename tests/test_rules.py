"""The five built-in rules on tiny hand-built graphs: pass and fail cases, exact messages."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.graphs import chrome, graph, nofollow, redirect

from pytest_linkrules.config import RuleConfig
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import Link, Violation
from pytest_linkrules.report.text import click_path, explain
from pytest_linkrules.rules import Rule, builtin_registry
from pytest_linkrules.runner import run_rule

RULES = builtin_registry()

# A small blog: home -> blog -> page 2 -> old post (3 clicks), guides, tags.
BLOG = {
    "/": ["/blog/", "/guides/", chrome("/about/"), "/tag/seo/"],
    "/about/": [],
    "/blog/": ["/blog/new/", "/blog/page/2/", "/guides/seo/"],
    "/blog/page/2/": ["/blog/2019/old-post/"],
    "/blog/2019/old-post/": ["/blog/2019/older/"],
    "/blog/2019/older/": [],
    "/blog/new/": ["/guides/seo/", "/guides/links/"],
    "/guides/": ["/guides/seo/", "/guides/links/"],
    "/guides/seo/": [],
    "/guides/links/": [],
    "/tag/seo/": ["/blog/tagged/"],
    "/blog/tagged/": [],
    "/lost/": ["/guides/links/", "/lost/child/"],
    "/lost/child/": [],
}


def check(rule_id: str, options: dict[str, Any], g: SiteGraph) -> list[Violation]:
    rule = RULES[rule_id]
    values, problems = rule.parse_options(options)
    assert problems == []
    return list(rule(values).check(g))


def messages(rule_id: str, options: dict[str, Any], g: SiteGraph) -> list[str]:
    return [v.message for v in check(rule_id, options, g)]


CASES = [
    # --- max-depth ----------------------------------------------------------
    pytest.param(
        "max-depth",
        {"max": 2},
        BLOG,
        [
            "/blog/2019/old-post/ is 3 clicks from the start page, max is 2 (max-depth)",
            "/blog/2019/older/ is 4 clicks from the start page, max is 2 (max-depth)",
        ],
        id="max-depth-fails",
    ),
    pytest.param("max-depth", {"max": 4}, BLOG, [], id="max-depth-passes-at-the-limit"),
    pytest.param(
        "max-depth",
        {"max": 1, "pages": ["/blog/2019/*"]},
        BLOG,
        [
            "/blog/2019/old-post/ is 3 clicks from the start page, max is 1 (max-depth)",
            "/blog/2019/older/ is 4 clicks from the start page, max is 1 (max-depth)",
        ],
        id="max-depth-scoped",
    ),
    pytest.param("max-depth", {"max": 1, "pages": ["/guides/**"]}, BLOG, [
        "/guides/seo/ is 2 clicks from the start page, max is 1 (max-depth)",
        "/guides/links/ is 2 clicks from the start page, max is 1 (max-depth)",
    ], id="max-depth-scoped-double-star"),
    pytest.param("max-depth", {"max": 1}, {"/": [], "/x/": []}, [], id="max-depth-leaves-orphans-alone"),
    # --- min-inlinks --------------------------------------------------------
    pytest.param(
        "min-inlinks",
        {"pages": ["/guides/*"], "min": 3},
        BLOG,
        ["/guides/links/ has 2 inlinks, needs 3 (min-inlinks)"],  # the link from /lost/ doesn't count
        id="min-inlinks-fails",
    ),
    pytest.param(
        "min-inlinks",
        {"pages": ["/guides/*"], "min": 2},
        BLOG,
        [],
        id="min-inlinks-passes-orphan-source-not-counted",
    ),
    pytest.param(
        "min-inlinks",
        {"pages": ["/about/", "/"], "min": 2},
        BLOG,
        ["/ has 0 inlinks, needs 2 (min-inlinks)", "/about/ has 1 inlink, needs 2 (min-inlinks)"],
        id="min-inlinks-singular-and-zero",
    ),
    pytest.param(
        "min-inlinks",
        {"pages": ["/t/"], "min": 2},
        {"/": ["/a/", "/t/", "/t/"], "/a/": [nofollow("/t/")], "/t/": ["/t/"]},
        ["/t/ has 1 inlink, needs 2 (min-inlinks)"],
        id="min-inlinks-nofollow-parallel-self-not-counted",
    ),
    pytest.param(
        "min-inlinks",
        {"pages": ["/lost/**"], "min": 5},
        BLOG,
        [],
        id="min-inlinks-leaves-unreachable-pages-to-no-orphans",
    ),
    # --- no-orphans ---------------------------------------------------------
    pytest.param(
        "no-orphans",
        {},
        BLOG,
        ["/lost/ is not reachable from any start page (no-orphans)", "/lost/child/ is not reachable from any start page (no-orphans)"],
        id="no-orphans-fails",
    ),
    pytest.param("no-orphans", {"pages": ["/blog/**"]}, BLOG, [], id="no-orphans-scoped-passes"),
    pytest.param(
        "no-orphans",
        {},
        {"/": [nofollow("/a/"), redirect("/b/")], "/a/": [], "/b/": []},
        ["/a/ is not reachable from any start page (no-orphans)"],
        id="no-orphans-nofollow-does-not-count-redirect-does",
    ),
    pytest.param("no-orphans", {}, {"/": ["/a/"], "/a/": ["/"]}, [], id="no-orphans-passes"),
    pytest.param(
        "no-orphans",
        {},
        {"/": ["/new/"], "/new/": [], "/old/": [redirect("/new/")], "/gone/": [redirect("/missing/")], "/lost/": []},
        ["/lost/ is not reachable from any start page (no-orphans)"],
        id="no-orphans-leaves-unreachable-redirect-stubs-alone",
    ),
    pytest.param(
        "no-orphans",
        {"redirects": True},
        {"/": ["/new/"], "/new/": [], "/old/": [redirect("/new/")]},
        ["/old/ is not reachable from any start page (no-orphans)"],
        id="no-orphans-redirects-true-reports-them",
    ),
    # --- no-archive-only ----------------------------------------------------
    pytest.param(
        "no-archive-only",
        {"archives": ["/tag/*", "/blog/page/*"]},
        BLOG,
        [
            "/blog/2019/old-post/ is reachable only through archive pages (no-archive-only)",
            "/blog/2019/older/ is reachable only through archive pages (no-archive-only)",
            "/blog/tagged/ is reachable only through archive pages (no-archive-only)",
        ],
        id="no-archive-only-fails",
    ),
    pytest.param(
        "no-archive-only",
        {"archives": ["/tag/*", "/blog/page/*"], "pages": ["/blog/*/"]},
        BLOG,
        ["/blog/tagged/ is reachable only through archive pages (no-archive-only)"],
        id="no-archive-only-scoped",
    ),
    pytest.param("no-archive-only", {"archives": ["/category/*"]}, BLOG, [], id="no-archive-only-passes"),
    # --- no-broken-links ----------------------------------------------------
    pytest.param(
        "no-broken-links",
        {},
        {"/": [], "/a/": [], "/b/": []},
        [],
        id="no-broken-links-passes",
    ),
]


@pytest.mark.parametrize("rule_id, options, spec, expected", CASES)
def test_rule(rule_id: str, options: dict[str, Any], spec: dict, expected: list[str]) -> None:
    assert messages(rule_id, options, graph(spec)) == expected


def test_every_builtin_rule_has_cases() -> None:
    covered = {case.values[0] for case in CASES}
    # The later rules have their cases in tests/test_rules_architecture.py.
    assert covered == {"max-depth", "min-inlinks", "no-orphans", "no-archive-only", "no-broken-links"} <= set(RULES)


def test_max_depth_violation_in_full() -> None:
    (v,) = check("max-depth", {"max": 3}, graph(BLOG))
    assert v == Violation(
        rule="max-depth",
        page="/blog/2019/older/",
        message="/blog/2019/older/ is 4 clicks from the start page, max is 3 (max-depth)",
        hint="Link to it from a page at depth 2 or less (a hub, category or the home page), "
        "or link to it from the pages listed above it in the click path.",
        figures=(("depth", 4), ("max", 3)),
    )


def test_min_inlinks_figures_and_hint() -> None:
    (v,) = check("min-inlinks", {"pages": "/guides/*", "min": 3}, graph(BLOG))
    assert v.figures == (("inlinks", 2), ("min", 3))
    assert v.hint == "Link to it from 1 more page(s), ideally from the content of related pages."


def test_no_archive_only_names_the_archives() -> None:
    violations = check("no-archive-only", {"archives": ["/tag/*", "/blog/page/*"]}, graph(BLOG))
    assert [(v.page, v.details) for v in violations] == [
        ("/blog/2019/old-post/", ("Linked from archive pages only: /blog/page/2/",)),
        ("/blog/2019/older/", ("Linked from archive pages only: /blog/2019/old-post/",)),
        ("/blog/tagged/", ("Linked from archive pages only: /tag/seo/",)),
    ]


def test_no_broken_links_one_failure_per_page() -> None:
    g = graph(
        {"/": [], "/a/": [], "/b/": []},
        broken={
            "/a/": [Link("/gone/", "../gone/", "Gone")],
            "/b/": [Link("/x/", "/x/", "X"), Link("/old.html", "old.html", ""), Link("/x/", "/x/#top", "X again")],
        },
    )
    violations = check("no-broken-links", {}, g)
    assert [v.message for v in violations] == [
        "/a/ has 1 broken internal link: /gone/ (no-broken-links)",
        "/b/ has 2 broken internal links: /old.html and 1 more (no-broken-links)",
    ]
    assert violations[1].details == (
        "Broken links:",
        '  /x/  (href="/x/", anchor "X")',
        '  /old.html  (href="old.html", anchor "")',
        '  /x/  (href="/x/#top", anchor "X again")',
    )
    assert violations[1].figures == (("broken", 2),)
    assert [v.page for v in check("no-broken-links", {"pages": ["/a/"]}, g)] == ["/a/"]


@pytest.mark.parametrize(
    "rule_id, raw, problems",
    [
        ("max-depth", {}, [("max", "is required (the deepest click depth allowed, e.g. max = 3)")]),
        ("max-depth", {"max": "three"}, [("max", 'expected a positive integer, got "three"')]),
        ("max-depth", {"max": 0}, [("max", "expected a positive integer, got 0")]),
        ("max-depth", {"max": True}, [("max", "expected a positive integer, got true")]),
        ("max-depth", {"max": 2.5}, [("max", "expected a positive integer, got 2.5")]),
        ("min-inlinks", {"min": 3}, [("pages", 'is required (which pages to check, e.g. pages = ["/guides/*"])')]),
        (
            "min-inlinks",
            {"pages": "guides/*", "min": 1},
            [("pages", 'expected a URL path starting with "/", got "guides/*"')],
        ),
        ("no-archive-only", {"archives": [1]}, [("archives", 'expected a list of URL globs like ["/guides/*"], got [1]')]),
    ],
)
def test_option_problems(rule_id: str, raw: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    assert RULES[rule_id].parse_options(raw)[1] == problems


def test_options_get_defaults() -> None:
    values, problems = RULES["max-depth"].parse_options({"max": 3})
    common = {"include": (), "exclude": (), "severity": "error"}
    assert (values, problems) == ({"max": 3, "pages": ("/**",), **common}, [])
    assert RULES["min-inlinks"].parse_options({"pages": "/guides/*", "min": 3})[0] == {"pages": ("/guides/*",), "min": 3, **common}


# ------------------------------------------------------------- runner and report


class Twice(Rule):
    """Yields the same page twice."""

    id = "twice"

    def check(self, graph: SiteGraph):  # type: ignore[override]
        yield self.violation("/a/", "/a/ is bad")
        yield self.violation("/a/", "/a/ is bad again", details=("more",))


class Broken(Rule):
    """Raises."""

    id = "broken"

    def check(self, graph: SiteGraph):  # type: ignore[override]
        raise KeyError("oops")


def test_run_rule_merges_a_page_yielded_twice() -> None:
    outcome = run_rule(RuleConfig("twice", Twice, {}), graph({"/": ["/a/"], "/a/": []}))
    assert [(v.page, v.message, v.details) for v in outcome.violations] == [
        ("/a/", "/a/ is bad (twice)", ("/a/ is bad again (twice)", "more"))
    ]
    assert (outcome.checked, outcome.error) == (2, "")


def test_run_rule_reports_a_rule_that_raises() -> None:
    outcome = run_rule(RuleConfig("broken", Broken, {}), graph({"/": []}))
    assert outcome.violations == []
    assert outcome.error.startswith(
        f"rule broken raised an error while checking the site ({__name__}.Broken)\nTraceback"
    )
    assert outcome.error.rstrip().endswith("KeyError: 'oops'")


def test_run_rule_counts_pages_in_scope() -> None:
    rc = RuleConfig("no-orphans", RULES["no-orphans"], {"pages": ("/blog/**",)})
    assert run_rule(rc, graph(BLOG)).checked == 6


def test_explain_a_violation() -> None:
    g = graph(BLOG)
    (v,) = check("min-inlinks", {"pages": ["/guides/*"], "min": 3}, g)
    assert explain(v, g) == "\n".join(
        [
            "/guides/links/ has 2 inlinks, needs 3 (min-inlinks)",
            "Page: /guides/links/  (from guides/links/index.html, title: 'Title of /guides/links/')",
            "Click path (2 clicks): / -> /guides/ -> /guides/links/",
            "Linked from 3 page(s), 2 counted (reachable, followed):",
            '  content  /blog/new/  "to /guides/links/"',
            '  content  /guides/  "to /guides/links/"',
            '  content  /lost/  "to /guides/links/"  [source not reachable]',
            "Fix: Link to it from 1 more page(s), ideally from the content of related pages.",
        ]
    )


def test_explain_an_orphan() -> None:
    g = graph(BLOG)
    v = next(v for v in check("no-orphans", {}, g) if v.page == "/lost/child/")
    assert explain(v, g).splitlines() == [
        "/lost/child/ is not reachable from any start page (no-orphans)",
        "Page: /lost/child/  (from lost/child/index.html, title: 'Title of /lost/child/')",
        "Click path: none: not reachable from the start page(s) / by followed links",
        "Linked from 1 page(s), 0 counted (reachable, followed):",
        '  content  /lost/  "to /lost/child/"  [source not reachable]',
        "Fix: Link to it from a related page that is reachable (or from a hub or category page); "
        "if it is obsolete, delete it or redirect it.",
    ]


def test_explain_marks_chrome_nofollow_and_redirect_links() -> None:
    g = graph({"/": [chrome("/t/", "Nav"), "/old/", nofollow("/t/", "Quiet")], "/old/": [redirect("/t/")], "/t/": []})
    v = Violation("min-inlinks", "/t/", "/t/ has 2 inlinks, needs 5 (min-inlinks)")
    assert explain(v, g).splitlines()[3:] == [
        "Linked from 2 page(s), 3 links, 2 counted (reachable, followed):",
        '  content  /old/  "(meta refresh)"  [redirect]',
        '  content  /  "Nav", "Quiet"  [1 of 2 links in chrome, 1 of 2 links nofollow]',
    ]
    # One row per page, not per link: a page linking twice is one row, its notes counted.
    g = graph({"/": [chrome("/t/", "Nav"), "/t/", nofollow("/t/", "Quiet")], "/t/": []})
    assert explain(v, g).splitlines()[3:] == [
        "Linked from 1 page(s), 3 links, 1 counted (reachable, followed):",
        '  content  /  "to /t/", "Nav", "Quiet"  [1 of 3 links in chrome, 1 of 3 links nofollow]',
    ]


def test_click_path_counts_clicks() -> None:
    g = graph({"/": ["/a/"], "/a/": ["/b/"], "/b/": []})
    assert [click_path(g, url) for url in g.urls] == [
        "Click path (0 clicks): /",
        "Click path (1 click): / -> /a/",
        "Click path (2 clicks): / -> /a/ -> /b/",
    ]


def test_a_broken_link_climbing_above_the_root_says_so_and_asks_about_site_root(tmp_path) -> None:
    """Boost's docs from Debian, checked from doc/html: 7,812 links reach ../../libs/ beside it."""
    from helpers.graphs import rule_config

    from pytest_linkrules.crawl.folder import crawl_folder

    (tmp_path / "guide").mkdir()
    (tmp_path / "index.html").write_text('<a href="guide/">Guide</a> <a href="../../libs/libraries.htm">Libraries</a>')
    (tmp_path / "guide" / "index.html").write_text('<a href="../">Home</a> <a href="../gone.html">Gone</a> <a href="../../index.html">Up</a>')
    found, _ = crawl_folder(tmp_path, workers=1)
    g = SiteGraph(found, ["/"])
    notes = {v.page: [d for d in v.details if d.startswith("  ")] for v in run_rule(rule_config("no-broken-links"), g).violations}
    assert notes == {
        "/": [
            '  /libs/libraries.htm  (href="../../libs/libraries.htm", anchor "Libraries"): its href climbs 2 folder(s) '
            "above the site's root from /: is site.root the top folder of the site?"
        ],
        "/guide/": ['  /gone.html  (href="../gone.html", anchor "Gone")'],  # "../../index.html" is clamped to /index.html: not broken
    }
