"""The rules that read the graph's link arrays give what walking every Link object gave.

At a million pages the rules on links (anchor-text, no-redirect-links, ...)
and the rule scopes work on numpy arrays kept from the graph build instead of
a Python pass over 30M Link objects (benchmarks/bench_scale.py). Each check
here runs the array version and the object walk it replaced (written out
below, as it was) on random small graphs with shared Link objects, every
link flag, off-site targets and self links, and wants the same result.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import numpy as np
import pytest

from pytest_linkrules.config import RuleConfig
from pytest_linkrules.globs import GlobSet
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.graph_snapshot import GraphSnapshot
from pytest_linkrules.change import compare
from pytest_linkrules.model import CONTENT, JS_ONLY, NOFOLLOW, REDIRECT, VIA_REDIRECT, Link, Page
from pytest_linkrules.rules import builtin_registry
from pytest_linkrules.rules.anchor_text import normalize
from pytest_linkrules.runner import run_rule

RULES = builtin_registry()
ANCHORS = ["read more", "Read more…", "", "here", "The SEO guide", "Click HERE!", "a topic", "more"]
SEEDS = range(40)


def random_graph(seed: int, n: int = 40) -> SiteGraph:
    rnd = random.Random(seed)
    urls = ["/"] + [f"/guides/g{i}/" for i in range(4)] + [f"/blog/p{i}/" for i in range(n - 5)]
    shared = [Link(u, u, rnd.choice(ANCHORS), rnd.choice([0, CONTENT])) for u in rnd.sample(urls, 6)]
    pages = {}
    for url in urls:
        links: list[Link] = []
        if rnd.random() < 0.8:
            links.extend(shared[: rnd.randrange(len(shared) + 1)])  # the same objects on many pages, as the crawl gives
        for _ in range(rnd.randrange(6)):
            target = rnd.choice(urls + ["/elsewhere/", url])  # off-site and self links too
            flags = rnd.choice([0, CONTENT]) | rnd.choice([0, 0, 0, NOFOLLOW]) | rnd.choice([0, 0, 0, 0, REDIRECT])
            flags |= rnd.choice([0, 0, 0, VIA_REDIRECT]) | rnd.choice([0, 0, 0, JS_ONLY])
            links.append(Link(target, rnd.choice([target, target + "?x", ""]), rnd.choice(ANCHORS), flags))
        pages[url] = Page(
            url=url,
            title=url,
            links=tuple(links),
            noindex=rnd.random() < 0.15,
            nofollow=rnd.random() < 0.05,
            canonical=rnd.choice([None, None, url, "/"]),
            rendered=True,
        )
    sitemap = [u for u in urls if rnd.random() < 0.7] + ["/gone/", "/blog/zzz/"]
    return SiteGraph(pages, [urls[0]] if seed % 7 else [], roles={"pillar": frozenset(urls[1:5])}, sitemap_urls=sitemap)


def run(rule_id: str, options: dict[str, Any], g: SiteGraph) -> Any:
    rule = RULES[rule_id]
    values, problems = rule.parse_options(options)
    assert not problems
    return run_rule(RuleConfig(rule_id, rule, values, frozenset(options)), g)


def shown(violations: list[Any]) -> list[tuple[Any, ...]]:
    return [(v.page, v.message, v.details, v.figures) for v in violations]


# ----------------------------------------------------------- the object walks
def old_links_to(g: SiteGraph, targets: Any) -> dict[str, list[tuple[str, Link]]]:
    wanted = {t for t in targets if t in g.index}
    if not wanted:
        return {}
    idx = np.fromiter((g.index[t] for t in wanted), dtype=np.int64, count=len(wanted))
    sources = np.unique(g.edge_src[np.isin(g.edge_dst, idx)])
    out: dict[str, list[tuple[str, Link]]] = {}
    for i in sources.tolist():
        src = g.urls[i]
        for link in g.pages[src].links:
            if link.target in wanted and link.target != src:
                out.setdefault(link.target, []).append((src, link))
    return out


def old_redirects(g: SiteGraph) -> dict[str, str]:
    out = {}
    for url, page in g.pages.items():
        for link in page.links:
            if link.is_redirect:
                out[url] = link.target
                break
    return out


def old_anchor_text(g: SiteGraph, generic_given: tuple[str, ...]) -> list[tuple[Any, ...]]:
    generic = {normalize(a) for a in generic_given}
    scope = g.roles["pillar"]
    out = []
    for url, links in old_links_to(g, [u for u in g.urls if u in scope]).items():
        bad = [(src, link) for src, link in links if not link.is_redirect and normalize(link.anchor) in generic | {""}]
        if not bad:
            continue
        sources = sorted({src for src, _ in bad})
        first = bad[0][1].anchor or "(no text)"
        out.append((
            url,
            f"{url} is linked with generic anchor text from {len(sources)} page{'s' if len(sources) != 1 else ''} "
            f'("{first}" on {bad[0][0]}) (anchor-text)',
            ("Links with generic anchors:",) + tuple(f'  {src}  "{link.anchor or "(no text)"}"' for src, link in bad[:50]),
            (("generic_anchors", len(bad)),),
        ))
    return out


def old_linking_counts(g: SiteGraph, targets: Any) -> list[tuple[str, int]]:
    out = []
    for url, links in old_links_to(g, targets).items():
        sources = sorted({src for src, link in links if not link.is_redirect and g.is_reachable(src)})
        if sources:
            out.append((url, len(sources)))
    return out


def old_candidates_nofollow(g: SiteGraph) -> list[str]:
    out = []
    for url, page in g.pages.items():
        if page.nofollow:
            if {link.target for link in page.links}:
                out.append(url)
            continue
        if [link for link in page.links if link.nofollow and link.target != url]:
            out.append(url)
    return out


def old_candidates_js(g: SiteGraph) -> list[str]:
    return [url for url, page in g.pages.items() if any(link.js_only and link.target != url for link in page.links)]


def old_candidates_redirect(g: SiteGraph) -> list[str]:
    redirects = old_redirects(g)
    out = []
    for url, page in g.pages.items():
        if any(
            not link.is_redirect and ((link.target in redirects and link.target != url) or link.flags & VIA_REDIRECT)
            for link in page.links
        ):
            out.append(url)
    return out


# ------------------------------------------------------------------- checks
@pytest.mark.parametrize("seed", SEEDS)
def test_link_lookups_match_the_object_walk(seed: int) -> None:
    g = random_graph(seed)
    flat = [link for p in g.pages.values() for link in p.links]
    assert len(g.link_dst) == len(flat) == int(g.link_offsets[-1])
    assert g.link_dst.tolist() == [g.index.get(link.target, -1) for link in flat]
    assert g.link_flags.tolist() == [link.flags for link in flat]
    assert g.link_src.tolist() == [g.index[u] for u, p in g.pages.items() for _ in p.links]
    everything = np.arange(len(flat))
    assert g.links_at(everything) == flat  # the one-pass read
    some = everything[::3]
    assert g.links_at(some) == flat[::3]  # read one by one
    assert [g.link_at(k) for k in some.tolist()] == [(g.urls[g.link_src[k]], flat[k]) for k in some.tolist()]
    assert g.redirects == old_redirects(g)
    assert list(g.redirects) == list(old_redirects(g))
    for targets in (g.urls[:5], g.urls[::4], ["/elsewhere/"], g.urls):
        assert old_links_to(g, targets) == g.links_to(targets)
        assert list(old_links_to(g, targets)) == list(g.links_to(targets))  # the same target order
        counts = [(u, len(s)) for u, s in g.linking_pages(targets, skip_flags=REDIRECT, reachable=True).items() if len(s)]
        assert counts == old_linking_counts(g, targets)


@pytest.mark.parametrize("seed", SEEDS)
def test_link_rules_match_the_object_walk(seed: int) -> None:
    g = random_graph(seed)
    for generic in (("read more", "here", "more"), ("a topic",)):
        got = run("anchor-text", {"pages": ["@pillar"], "generic": list(generic)}, g)
        assert shown(got.violations) == old_anchor_text(g, generic)
    noindex = [u for u, p in g.pages.items() if p.noindex]
    got = run("no-links-to-noindex", {}, g)
    assert [(v.page, dict(v.figures)["linking_pages"]) for v in got.violations] == old_linking_counts(g, noindex)
    copies = [u for u, p in g.pages.items() if p.canonical and p.canonical != u]
    got = run("no-links-to-non-canonical", {}, g)
    assert [(v.page, dict(v.figures)["linking_pages"]) for v in got.violations] == old_linking_counts(g, copies)
    assert [v.page for v in run("no-nofollow-internal", {}, g).violations] == old_candidates_nofollow(g)
    assert [v.page for v in run("js-only-links", {}, g).violations] == old_candidates_js(g)
    assert [v.page for v in run("no-redirect-links", {}, g).violations] == old_candidates_redirect(g)


@pytest.mark.parametrize("seed", SEEDS[:15])
def test_scopes_count_what_calling_each_url_counts(seed: int) -> None:
    g = random_graph(seed)
    rnd = random.Random(seed)
    globsets = [["/**"], ["**"], ["/blog/*"], ["/guides/**", "@pillar"], ["@pillar"], ["/nothing/*"], ["/blog/p1*/", "/"]]
    for patterns in globsets:
        scope = RULES["no-orphans"]({"pages": tuple(patterns)}).select("pages", g)
        assert scope.mask(g).tolist() == [scope(u) for u in g.urls]
        plain = [p for p in patterns if not p.startswith("@")]
        assert GlobSet(plain).mask(g.urls).tolist() == [GlobSet(plain)(u) for u in g.urls]
    include, exclude = rnd.choice(globsets), rnd.choice(globsets)
    excluded = GlobSet(["/blog/p2*/"])
    for options in ({}, {"include": include}, {"exclude": exclude}, {"include": include, "exclude": exclude}):
        for rule_id, extra in (("no-orphans", {"pages": ["/blog/**"]}), ("max-outlinks", {"max": 3})):
            got = run_rule(
                RuleConfig(rule_id, RULES[rule_id], RULES[rule_id].parse_options({**extra, **options})[0], frozenset()), g, excluded
            )
            rule = RULES[rule_id](RULES[rule_id].parse_options({**extra, **options})[0])
            pages, inc, exc = rule.select("pages", g), rule.select("include", g), rule.select("exclude", g)
            want = sum(
                1 for u in g.urls
                if (not pages or pages(u)) and (not inc or inc(u)) and not (exc and exc(u)) and not excluded(u)
            )
            assert got.checked == want
        # A callable that is not a GlobSet still works, one call per page.
        got = run_rule(RuleConfig("no-orphans", RULES["no-orphans"], RULES["no-orphans"].parse_options({})[0], frozenset()), g, lambda u: u.endswith("1/"))
        assert got.checked == sum(1 for u in g.urls if not u.endswith("1/"))


def old_base_path(change: Any, url: str) -> list[str]:
    from pytest_linkrules.graph_snapshot import E_FOLLOWED

    base = change.base
    j = change._base_index.get(url)
    if j is None or base.depth[j] == -1:
        return []
    order = np.argsort(base.dst, kind="stable")
    starts = np.searchsorted(base.dst[order], np.arange(base.n + 1))
    path = [j]
    while base.depth[path[-1]] > 0:
        k = path[-1]
        edges = order[starts[k] : starts[k + 1]]
        sources = base.src[edges]
        ok = (base.depth[sources] == base.depth[k] - 1) & ((base.bits[edges] & E_FOLLOWED) != 0)
        found = np.flatnonzero(ok)
        if not len(found):
            break
        path.append(int(sources[found[0]]))
    return [base.urls[i] for i in reversed(path)]


@pytest.mark.parametrize("seed", SEEDS[:20])
def test_base_click_paths_match_the_step_by_step_search(seed: int) -> None:
    base, head = random_graph(seed, 60), random_graph(seed + 1000, 60)
    change = compare(GraphSnapshot.from_graph(base), GraphSnapshot.from_graph(head))
    for url in base.urls + ["/not-there/"]:
        assert change.base_path(url) == old_base_path(change, url)
        if url in base.index and base.depth(url) is not None:
            assert len(change.base_path(url)) == base.depth(url) + 1
    removed = change.removed_edges
    links = change._links(change.base, removed, 10_000)
    src = np.repeat(np.arange(len(base.urls)), np.diff(change.base.indptr))
    assert [(x.source, x.target) for x in links] == [(base.urls[src[e]], base.urls[change.base.dst[e]]) for e in removed.tolist()]


@pytest.mark.parametrize("candidates", [0, 10**9])  # first pages by URL rank, or by comparing URLs
@pytest.mark.parametrize("seed", SEEDS[:25])
def test_inlinks_of_much_linked_pages_read_from_the_arrays_match_the_full_list(
    seed: int, candidates: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_linkrules import graph as graph_module
    from pytest_linkrules.report.svg import neighbourhood_svg
    from pytest_linkrules.report.text import inlink_lines

    g = random_graph(seed)
    full = {u: g.inlinks(u) for u in g.urls}
    lines = {u: inlink_lines(g, u) for u in g.urls}
    pictures = {u: neighbourhood_svg(g, u) for u in g.urls[:10]}
    monkeypatch.setattr(graph_module, "MANY_INLINKS", 0)  # every page takes the array path
    monkeypatch.setattr(graph_module, "MANY_CANDIDATES", candidates)
    assert g._linked_from_many(g.urls[1]) is not None or not full[g.urls[1]]
    for url, want in full.items():
        by_source: dict[str, list[Any]] = {}
        for i in want:
            by_source.setdefault(i.source, []).append(i)
        assert g.inlink_totals(url) == (len(want), len(by_source))
        for limit in (1, 3, 15, 1000):
            assert g.inlinks(url, limit) == want[:limit]
            assert g.inlinks_by_source(url, limit) == (len(want), len(by_source), list(by_source.items())[:limit])
        assert inlink_lines(g, url) == lines[url]
    for url, picture in pictures.items():
        assert neighbourhood_svg(g, url) == picture


def old_inlinks(g: SiteGraph, url: str) -> list[Any]:
    """inlinks() as it was: each linking page's links compared with url, then sorted."""
    from pytest_linkrules.graph import _INLINK_ORDER, UNREACHABLE, Inlink

    out = []
    for i, src in enumerate(g.urls):
        if src == url:
            continue  # a page's links to itself are no inlinks
        for link in g.pages[src].links:
            if link.target == url:
                out.append(Inlink(src, link.anchor, link.in_content, not link.nofollow, bool(g.depths[i] != UNREACHABLE), link.is_redirect))
    return sorted(out, key=_INLINK_ORDER)


@pytest.mark.parametrize("seed", SEEDS)
def test_inlinks_read_from_the_link_arrays_match_each_linking_pages_links(seed: int) -> None:
    g = random_graph(seed)
    for url in g.urls:
        want = old_inlinks(g, url)
        assert g.inlinks(url) == want
        assert g.inlinks(url, 3) == want[:3]
        assert g.inlinks(url) == want  # asked again: the kept answer, not a list a caller changed
        g.inlinks(url).clear()
        assert g.inlinks(url) == want


@pytest.mark.parametrize("count", [50_000, 1_200_000])  # numpy's sort, and scipy's transpose
@pytest.mark.parametrize("n", [3, 0x10001, 3_000_000])
def test_links_are_grouped_by_target_as_a_stable_sort_groups_them(n: int, count: int) -> None:
    from pytest_linkrules.graph import FEW_KEYS, group_by

    assert (count < FEW_KEYS) == (count == 50_000)
    keys = np.random.default_rng(n).integers(0, n, count)
    keys[:3] = [0, n - 1, n - 1]  # both ends of the range, a value twice
    order, starts = group_by(keys, n)
    assert np.array_equal(order, np.argsort(keys, kind="stable"))
    assert np.array_equal(starts, np.searchsorted(np.sort(keys), np.arange(n + 1)))


def old_sitemap(g: SiteGraph, unreachable: bool, missing: bool, noindex: bool) -> list[tuple[str, str]]:
    listed = g.sitemap_urls
    assert listed is not None
    redirects = old_redirects(g)
    out = []
    if unreachable:
        for url in sorted(listed):
            if url not in g.index:
                out.append((url, "not a page"))
            elif not g.is_reachable(url):
                out.append((url, "no link"))
    for url in g.urls:
        page = g.pages[url]
        if noindex and page.noindex and url in listed:
            out.append((url, "noindex"))
        elif (
            missing and url not in listed and g.is_reachable(url) and not page.noindex and not page.error
            and page.status == 200 and (page.canonical is None or page.canonical == url) and url not in redirects
        ):
            out.append((url, "missing"))
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_sitemap_checks_match_the_walk_over_every_page(seed: int) -> None:
    g = random_graph(seed)
    words = {"not a page of the site": "not a page", "no link from a start page": "no link", "marked noindex": "noindex", "missing from": "missing"}
    for options in ({}, {"missing": False}, {"noindex": False}, {"unreachable": False}):
        rule = RULES["sitemap-consistency"]
        got = list(rule(rule.parse_options(options)[0]).check(g))  # before the runner merges a page's two failures
        kinds = [(v.page, next(k for w, k in words.items() if w in v.message)) for v in got]
        want = old_sitemap(g, options.get("unreachable", True), options.get("missing", True), options.get("noindex", True))
        assert kinds == want
