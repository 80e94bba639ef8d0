"""The rule-language rules on hand-built graphs: one passing and one failing case each.

Each case is (rule, options, graph, expected messages); the graphs are small
enough to read, and the messages are exact so that a change in wording is a
deliberate change.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import pytest

from helpers.graphs import chrome, nofollow, pages, redirect
from pytest_linkrules.architecture import Cluster
from pytest_linkrules.config import RuleConfig
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import CONTENT, JS_ONLY, VIA_REDIRECT, Link
from pytest_linkrules.rules import builtin_registry
from pytest_linkrules.runner import run_rule

RULES = builtin_registry()


def site(spec, *, starts=("/",), roles=None, clusters=(), sitemap=None, **page_attrs: Mapping[str, Any]) -> SiteGraph:
    """A graph from a link spec; ``noindex={"/x/": True}`` and the like set page fields."""
    built = pages(spec)
    for field, values in page_attrs.items():
        for url, value in values.items():
            built[url] = dataclasses.replace(built[url], **{field: value})
    return SiteGraph(built, starts, roles=roles, clusters=clusters, sitemap_urls=sitemap)


def check(rule_id: str, options: Mapping[str, Any], graph: SiteGraph) -> list[str]:
    rule = RULES[rule_id]
    values, problems = rule.parse_options(options)
    assert problems == []
    outcome = run_rule(RuleConfig(rule_id, rule, values, frozenset(options)), graph)
    assert not outcome.error, outcome.error
    return [v.message for v in outcome.violations]


def error_of(rule_id: str, options: Mapping[str, Any], graph: SiteGraph) -> str:
    rule = RULES[rule_id]
    values, _ = rule.parse_options(options)
    return run_rule(RuleConfig(rule_id, rule, values, frozenset(options)), graph).error


HUB = {"/": ["/guides/seo/", "/blog/seo-a/", "/blog/seo-b/"], "/guides/seo/": [], "/blog/seo-a/": [], "/blog/seo-b/": []}
CLUSTER = (Cluster("/guides/seo/", ("/blog/seo-a/", "/blog/seo-b/"), "clusters[0] (/guides/seo/)"),)
PR = {"/": ["/a/", "/b/", "/c/", "/pillar/"], "/a/": ["/pillar/"], "/b/": ["/pillar/"], "/c/": ["/pillar/"], "/pillar/": ["/"]}

CASES = [
    # ---------------------------------------------------------------- cluster-links
    pytest.param(
        "cluster-links",
        {},
        site(
            {**HUB, "/guides/seo/": ["/blog/seo-a/", "/blog/seo-b/"], "/blog/seo-a/": ["/guides/seo/"], "/blog/seo-b/": ["/guides/seo/"]},
            clusters=CLUSTER,
        ),
        [],
        id="cluster-links-pass",
    ),
    pytest.param(
        "cluster-links",
        {},
        site({**HUB, "/blog/seo-a/": ["/guides/seo/"], "/blog/seo-b/": [chrome("/guides/seo/")]}, clusters=CLUSTER),
        [
            "/blog/seo-b/ does not link to its pillar /guides/seo/ from its content (cluster-links)",
            "/guides/seo/ links to 0 of its 2 cluster members (0%), needs 50% (cluster-links)",
        ],
        id="cluster-links-fail",
    ),
    # --------------------------------------------------------- min-content-inlinks
    pytest.param(
        "min-content-inlinks", {"pages": ["/pillar/"], "min": 3}, site(PR), [], id="min-content-inlinks-pass"
    ),
    pytest.param(
        "min-content-inlinks",
        {"pages": ["/pillar/"], "min": 3},
        site({**PR, "/a/": [chrome("/pillar/")], "/b/": [chrome("/pillar/")]}),
        ["/pillar/: 2 pages link to it from their content, needs 3 (min-content-inlinks)"],
        id="min-content-inlinks-fail",
    ),
    # ------------------------------------------------------------------ link-score
    pytest.param("link-score", {"pages": ["/pillar/"], "top_percent": 20}, site(PR), [], id="link-score-top-pass"),
    pytest.param(
        "link-score",
        {"pages": ["/c/"], "top_percent": 20, "min_score": 1.5},
        site(PR),
        ["/c/ ranks 3 of 5 pages (top 60%), needs the top 20% and has link score 0.51, needs 1.5 (link-score)"],
        id="link-score-fail",
    ),
    # ---------------------------------------------------------------- max-outlinks
    pytest.param("max-outlinks", {"max": 4}, site(PR), [], id="max-outlinks-pass"),
    pytest.param("max-outlinks", {"max": 3}, site(PR), ["/ links to 4 pages, max is 3 (max-outlinks)"], id="max-outlinks-fail"),
    # ----------------------------------------------------------- no-redirect-links
    pytest.param("no-redirect-links", {}, site({"/": ["/new/"], "/old/": [redirect("/new/")], "/new/": []}), [], id="no-redirect-links-pass"),
    pytest.param(
        "no-redirect-links",
        {},
        site(
            {
                "/": ["/old/", Link("/new/", "/moved", "moved", CONTENT | VIA_REDIRECT)],
                "/old/": [redirect("/new/")],
                "/new/": [],
            }
        ),
        ["/ links to 2 redirecting URLs: /old/ -> /new/ and 1 more (no-redirect-links)"],
        id="no-redirect-links-fail",
    ),
    # -------------------------------------------------------- no-nofollow-internal
    pytest.param("no-nofollow-internal", {}, site({"/": ["/a/"], "/a/": []}), [], id="no-nofollow-internal-pass"),
    pytest.param(
        "no-nofollow-internal",
        {},
        site({"/": ["/a/", nofollow("/b/")], "/a/": ["/b/"], "/b/": ["/"]}, nofollow={"/b/": True}),
        [
            "/ has 1 internal nofollow link: /b/ (no-nofollow-internal)",
            "/b/ has meta robots nofollow: none of its 1 internal links is followed (no-nofollow-internal)",
        ],
        id="no-nofollow-internal-fail",
    ),
    # --------------------------------------------------------- no-links-to-noindex
    pytest.param(
        "no-links-to-noindex", {}, site({"/": ["/a/"], "/a/": [], "/private/": []}, noindex={"/private/": True}), [], id="no-links-to-noindex-pass"
    ),
    pytest.param(
        "no-links-to-noindex",
        {},
        site({"/": ["/a/", chrome("/private/")], "/a/": ["/private/"], "/private/": []}, noindex={"/private/": True}),
        ["/private/ is noindex but 2 pages link to it (no-links-to-noindex)"],
        id="no-links-to-noindex-fail",
    ),
    # --------------------------------------------------- no-links-to-non-canonical
    pytest.param(
        "no-links-to-non-canonical",
        {},
        site({"/": ["/a/"], "/a/": [], "/a-copy/": []}, canonical={"/a/": "/a/", "/a-copy/": "/a/"}),
        [],
        id="no-links-to-non-canonical-pass",
    ),
    pytest.param(
        "no-links-to-non-canonical",
        {},
        site({"/": ["/a/", "/a-copy/"], "/a/": [], "/a-copy/": []}, canonical={"/a-copy/": "/a/"}),
        ["/a-copy/ names /a/ as canonical but 1 page links to it (no-links-to-non-canonical)"],
        id="no-links-to-non-canonical-fail",
    ),
    # --------------------------------------------------------- sitemap-consistency
    pytest.param(
        "sitemap-consistency",
        {},
        site({"/": ["/a/", "/hidden/"], "/a/": [], "/hidden/": []}, noindex={"/hidden/": True}, sitemap=["/", "/a/"]),
        [],
        id="sitemap-consistency-pass",
    ),
    pytest.param(
        "sitemap-consistency",
        {},
        site(
            {"/": ["/a/", "/hidden/"], "/a/": [], "/hidden/": [], "/lost/": []},
            noindex={"/hidden/": True},
            sitemap=["/", "/hidden/", "/lost/", "/gone/"],
        ),
        [
            "/gone/ is in the sitemap but is not a page of the site (sitemap-consistency)",
            "/lost/ is in the sitemap but no link from a start page reaches it (sitemap-consistency)",
            "/a/ is reachable and indexable but missing from the sitemap (sitemap-consistency)",
            "/hidden/ is in the sitemap but is marked noindex (sitemap-consistency)",
        ],
        id="sitemap-consistency-fail",
    ),
    # ----------------------------------------------------------------- anchor-text
    pytest.param(
        "anchor-text",
        {"pages": ["@pillar"]},
        site({"/": [Link("/guides/seo/", "/guides/seo/", "The SEO guide")], "/guides/seo/": [], "/x/": [Link("/", "/", "here")]}, roles={"pillar": frozenset({"/guides/seo/"})}),
        [],
        id="anchor-text-pass",
    ),
    pytest.param(
        "anchor-text",
        {"pages": ["@pillar"]},
        site(
            {
                "/": [Link("/guides/seo/", "/guides/seo/", "Read more…"), "/a/"],
                "/a/": [Link("/guides/seo/", "/guides/seo/", "")],
                "/guides/seo/": [],
            },
            roles={"pillar": frozenset({"/guides/seo/"})},
        ),
        ['/guides/seo/ is linked with generic anchor text from 2 pages ("Read more…" on /) (anchor-text)'],
        id="anchor-text-fail",
    ),
    # --------------------------------------------------------------- js-only-links
    pytest.param(
        "js-only-links",
        {},
        site({"/": ["/a/"], "/a/": []}, rendered={"/": True}),
        [],
        id="js-only-links-pass",
    ),
    pytest.param(
        "js-only-links",
        {"pages": ["/guides/**"]},
        site(
            {"/": ["/a/", Link("/guides/seo/", "/guides/seo/", "SEO", CONTENT | JS_ONLY), Link("/b/", "/b/", "B", JS_ONLY)], "/a/": [], "/b/": [], "/guides/seo/": []},
            rendered={"/": True},
        ),
        ["/ has 1 link that only exists after JavaScript runs: /guides/seo/ (js-only-links)"],
        id="js-only-links-fail",
    ),
]


@pytest.mark.parametrize("rule_id, options, graph, expected", CASES)
def test_rule(rule_id: str, options: dict, graph: SiteGraph, expected: list[str]) -> None:
    assert check(rule_id, options, graph) == expected


def test_every_builtin_rule_has_cases() -> None:
    covered = {p.values[0] for p in CASES}
    older = {"max-depth", "min-inlinks", "no-orphans", "no-archive-only", "no-broken-links"}  # tests/test_rules.py
    older |= {"no-new-orphans", "no-deeper-pages", "no-lost-inlinks", "no-lost-link-score"}  # tests/test_change.py: they need a base
    assert set(RULES) - older == covered


def test_sitemap_rule_says_when_no_sitemap_was_read() -> None:
    assert error_of("sitemap-consistency", {}, site({"/": []})) == (
        "sitemap-consistency: no sitemap was read, so there is nothing to compare; "
        'set site.sitemap (e.g. sitemap = "/sitemap.xml") or remove this rule'
    )


def test_js_only_rule_says_when_nothing_was_rendered() -> None:
    assert error_of("js-only-links", {}, site({"/": []})).startswith(
        "js-only-links: no page was rendered, so links added by JavaScript are unknown"
    )


def test_cluster_rule_needs_clusters() -> None:
    assert error_of("cluster-links", {}, site({"/": []})).startswith("cluster-links: no [[clusters]] are declared")


def test_link_score_needs_a_threshold() -> None:
    assert RULES["link-score"].parse_options({"pages": ["/x/"]})[1] == [
        ("top_percent", "give top_percent (e.g. 10) or min_score (e.g. 2.0), or both")
    ]


def test_include_exclude_and_roles_scope_any_rule() -> None:
    g = site(PR, roles={"leaf": frozenset({"/a/", "/b/", "/c/"})})
    assert check("max-outlinks", {"max": 1, "include": ["@leaf"]}, g) == []
    assert check("max-outlinks", {"max": 0 + 1, "exclude": ["/"]}, g) == []
    assert check("max-outlinks", {"max": 1}, g) == ["/ links to 4 pages, max is 1 (max-outlinks)"]


def test_js_only_links_on_a_site_rendered_by_chromium(sites) -> None:
    """The real pipeline: links the script adds are flagged, roles by selector survive rendering."""
    from pytest_linkrules.config import SiteConfig
    from pytest_linkrules.crawl import crawl_site

    result = crawl_site(SiteConfig(root=sites / "js-nav", render="always"), selectors={"home": "div#related"})
    assert result.render == "rendered"
    assert result.pages["/"].roles == ("home",)
    graph = SiteGraph(result.pages, result.starts)
    messages = check("js-only-links", {"pages": ["/guides/**"]}, graph)
    assert "/ has 2 links that only exist after JavaScript runs: /guides/ and 1 more (js-only-links)" in messages
