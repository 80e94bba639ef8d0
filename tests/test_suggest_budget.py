"""Link suggestions on large sites: the bounded path (suggest.Budget) against the exhaustive ranking.

Below its caps the bounded path must rank as the exhaustive one does; where a
cap applies, the candidates are the documented ones and the report's notes say so.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from helpers.graphs import chrome, content, nofollow, pages, redirect, rule_config as rule
from helpers.sitebuilder import page, write_site
from pytest_linkrules.architecture import Cluster
from pytest_linkrules.crawl.folder import crawl_folder
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import Suggestion
from pytest_linkrules.runner import run_rule
from pytest_linkrules import suggest
from pytest_linkrules.suggest import Budget, Need, Suggester, attach_suggestions

SITES = Path(__file__).parent / "sites"
WORDS = "image compression cache latency render index query schema token parser graph crawler sitemap anchor layout theme".split()


def random_site(seed: int, n: int = 240) -> SiteGraph:
    """Folders of pages with nav (chrome) links, content links mostly within the folder, texts from a small vocabulary,
    and the pages no suggestion may name: unreachable, nofollow-linked only, meta-nofollow, redirecting."""
    rng = random.Random(seed)
    folders = [f"/f{k}/" for k in range(6)] + ["/f0/deep/"]
    urls = ["/"] + folders + [f"{rng.choice(folders)}p{i}.html" for i in range(n)]
    urls = list(dict.fromkeys(urls))
    links: dict[str, list] = {}
    for u in urls:
        out = [chrome(f) for f in folders[:6]]
        same = [v for v in urls if v.startswith(u.rsplit("/", 1)[0] + "/") and v != u]
        for v in rng.sample(same, min(len(same), rng.randint(0, 4))):
            out.append(content(v))
        for v in rng.sample(urls, rng.randint(0, 3)):
            if v != u:
                out.append(content(v) if rng.random() > 0.1 else nofollow(v))
        links[u] = out
    links["/moved.html"] = [redirect(urls[-1])]
    links["/lost.html"] = [content("/f1/")]
    spec = pages(links)
    spec = {
        u: replace(p, title=" ".join(rng.sample(WORDS, 2)), text=" ".join(rng.choices(WORDS, k=rng.randint(3, 30))) + f" w{i % 37}",
                   nofollow=i % 53 == 7)
        for i, (u, p) in enumerate(spec.items())
    }
    cluster = Cluster(urls[3], tuple(urls[10:20]), "clusters[0]")
    return SiteGraph(spec, ["/"], roles={"docs": frozenset(urls[5:60])}, clusters=(cluster,))


def full(graph: SiteGraph) -> Budget:
    """The bounded path with no cap reached: every figure at least the site's page count."""
    n = len(graph.urls)
    return Budget(exhaustive_pages=0, per_source=n, text=n, idf_sample=n)


def same_ranking(a: list[Suggestion], b: list[Suggestion]) -> None:
    """Equal scores in the same order, and the same pages with the same reasons, up to the order of equal scores."""
    assert [s.score for s in a] == pytest.approx([s.score for s in b], abs=2e-4)
    last = a[-1].score if a else None
    for score in {s.score for s in a}:
        mine = {(s.page, s.reasons) for s in a if abs(s.score - score) < 2e-4}
        theirs = {(s.page, s.reasons) for s in b if abs(s.score - score) < 2e-4}
        if abs(score - last) < 2e-4:  # a tie cut at k: either may keep any of the tied pages
            assert len(mine) == len(theirs)
        else:
            assert mine == theirs


def needs_of(graph: SiteGraph) -> list[Need]:
    out = []
    for i, u in enumerate(graph.urls):
        out.append(Need(u))
        if i % 3 == 0:
            out.append(Need(u, content_only=True))
        if i % 5 == 0:
            out.append(Need(u, max_source_depth=1))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_below_its_caps_the_bounded_path_ranks_as_the_exhaustive_one(seed: int) -> None:
    g = random_site(seed)
    needs = needs_of(g)
    exhaustive, bounded = Suggester(g), Suggester(g, full(g))
    assert not exhaustive.bounded and bounded.bounded
    a, b = exhaustive.suggest(needs), bounded.suggest(needs)
    assert a.keys() == b.keys()
    assert sum(1 for need in needs if a[need]) > len(needs) // 2
    for need in needs:
        same_ranking(b[need], a[need])


def test_on_a_real_site_too() -> None:
    crawled, _ = crawl_folder(SITES / "doxygen-geo" / "html", ["https://example.com"], workers=1)
    g = SiteGraph(crawled, ["/index.html" if "/index.html" in crawled else "/"])
    needs = [Need(u) for u in g.urls]
    a, b = Suggester(g).suggest(needs), Suggester(g, full(g)).suggest(needs)
    assert any(a.values())
    for need in needs:
        same_ranking(b[need], a[need])


def test_a_pillar_gets_the_same_members_either_way() -> None:
    g = random_site(4)
    pillar, members = g.clusters[0].pillar, g.clusters[0].members
    assert Suggester(g, full(g)).members_to_link(pillar, members) == Suggester(g).members_to_link(pillar, members)


def folder_site() -> SiteGraph:
    """/docs/ holds 30 pages in a row; /other/twin.html has the target's very words but no link relation to it."""
    links = {"/": [chrome("/docs/"), chrome("/other/")], "/docs/": [f"/docs/p{i:02}.html" for i in range(30)], "/other/": ["/other/twin.html"]}
    links.update({f"/docs/p{i:02}.html": [] for i in range(30)})
    links["/other/twin.html"] = []
    links["/other/hub.html"] = ["/other/", "/docs/p29.html"]  # links to the same page as the target: a candidate
    links["/docs/p15.html"] = ["/docs/p29.html"]
    links["/"].append("/other/hub.html")
    spec = pages(links)
    words = {"/docs/p15.html": "quaternion rotation slerp", "/other/twin.html": "quaternion rotation slerp"}
    spec = {u: replace(p, title=u, text=words.get(u, "plain words")) for u, p in spec.items()}
    return SiteGraph(spec, ["/"])


def test_past_the_cap_candidates_are_the_related_pages_and_the_folder_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suggest, "SHALLOW", 2)  # the home page and /docs/: not the whole of this small site
    g = folder_site()
    need = Need("/docs/p15.html")
    # Exhaustive: every usable page, the unrelated twin too, suggested for its text.
    sg = Suggester(g)
    assert "/other/twin.html" in sg.candidates(need)
    assert "/other/twin.html" in {s.page for s in sg.suggest([need])[need]}
    # Bounded, 6 of each kind: the 6 folder pages nearest p15 in page order, the folder's index page
    # (already linking, so out), the pages linking to the same page (hub), the 2 shallowest pages.
    capped = Suggester(g, Budget(exhaustive_pages=10, per_source=6, text=50, idf_sample=5))
    assert capped.bounded
    found = set(capped.candidates(need))
    assert {f"/docs/p{i:02}.html" for i in (12, 13, 14, 16, 17)} <= found
    assert found.isdisjoint({"/docs/p03.html", "/docs/p27.html", "/docs/p15.html", "/docs/", "/other/twin.html"})
    assert {"/other/hub.html", "/"} <= found
    assert "/other/twin.html" not in {s.page for s in capped.suggest([need])[need]}


def test_text_is_compared_only_for_the_best_candidates_by_the_other_signals() -> None:
    g = folder_site()
    need = Need("/docs/p15.html")
    # per_source 100: every page is a candidate; text for all of them finds the twin.
    with_text = Suggester(g, Budget(exhaustive_pages=10, per_source=100, text=100, idf_sample=5)).suggest([need])[need]
    twin = next(s for s in with_text if s.page == "/other/twin.html")
    assert any(r.startswith("shares 'quaternion") for r in twin.reasons)
    # text = 1: only the best candidate by links and URL is compared by text; the twin isn't it.
    one = Suggester(g, Budget(exhaustive_pages=10, per_source=100, text=1, idf_sample=5)).suggest([need])[need]
    assert "/other/twin.html" not in {s.page for s in one}
    assert sum(any(r.startswith("shares") for r in s.reasons) for s in one) <= 1


def test_the_report_notes_say_when_the_ranking_was_bounded() -> None:
    g = folder_site()
    outcomes = [run_rule(rule("min-inlinks", min=2, pages=["/docs/*"]), g)]
    assert outcomes[0].violations
    notes: list[str] = []
    attach_suggestions(outcomes, g, notes=notes)
    assert notes == []  # 35 pages: ranked exhaustively, nothing to say
    attach_suggestions(outcomes, g, notes=notes, budget=Budget(exhaustive_pages=10, per_source=6, text=3, idf_sample=5))
    assert notes == [
        f"link suggestions: the site has {len(g.urls)} pages, more than 10, so not every page was compared with each failing page: "
        "candidates were the pages related to each (linked with it, in its folder, linking to its folder or to the same pages, "
        "its cluster, the 20 shallowest), at most 6 of each kind, and the 3 best of them by those signals compared by text "
        "(IDF from the pages read and 5 spread over the site) ([suggestions] in linkrules.toml)"
    ]
    assert any(v.suggestions for v in outcomes[0].violations)


def test_the_budget_is_set_in_linkrules_toml_and_the_report_header_says_what_it_did(pytester: pytest.Pytester) -> None:
    nav = '<a href="/">Home</a><a href="/guides/">Guides</a>'
    files = {
        "index.html": page("Home", nav=nav, body="<p>Notes on web performance.</p>"),
        "guides/index.html": page("Guides", nav=nav, body='<a href="/guides/images/">Image compression guide</a>'),
        "guides/images/index.html": page("Image compression guide", nav=nav, body="<p>Image compression with webp.</p>"),
        "guides/fonts/index.html": page("Fonts", nav=nav, body="<p>Loading web fonts.</p>"),
        "lonely/index.html": page("Image compression checklist", nav=nav, body="<p>An image compression checklist.</p>"),
    }
    write_site(pytester.path / "public", files)
    pytester.makefile(
        ".toml",
        linkrules='[site]\nroot = "public"\n[rules.no-orphans]\n'
        "[suggestions]\nexhaustive_pages = 3\nper_source = 2\ntext = 2\nidf_sample = 4\nmax_pages = 1\n",
    )
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out
    assert (
        "linkrules: note: link suggestions: the site has 5 pages, more than 3, so not every page was compared with each failing page: "
        "candidates were the pages related to each (linked with it, in its folder, linking to its folder or to the same pages, "
        "its cluster, the 20 shallowest), at most 2 of each kind, and the 2 best of them by those signals compared by text "
        "(IDF from the pages read and 4 spread over the site) ([suggestions] in linkrules.toml)"
    ) in out.splitlines()
    assert "linkrules: note: link suggestions were made for the first 1 failing pages only; 1 more got none ([suggestions] max_pages)" in out.splitlines()
    assert out.count("Add a link to it on one of these pages (best first):") == 1


def test_the_descriptions_of_the_keys_give_the_defaults_the_code_has() -> None:
    from pytest_linkrules.config import SUGGESTION_KEYS

    defaults = {"max_pages": suggest.MAX_SUGGESTED_PAGES, **{k: getattr(Budget(), k) for k in Budget.__dataclass_fields__}}
    assert set(defaults) == set(SUGGESTION_KEYS)
    for key, value in defaults.items():
        assert f"(default {value})" in SUGGESTION_KEYS[key], key


def test_folders_are_numbered_as_folder_of_names_them() -> None:
    from pytest_linkrules.suggest import folder_of

    urls = ["/", "/a", "/a/", "/a/b.html", "/a/b/", "/a/b/c", "//x//", "/x//y", "/a/b/c/index.html"]
    g = SiteGraph(pages({u: [] for u in urls}), ["/"])
    sg = Suggester(g)
    assert [sg.folder_names[f] for f in sg.folder.tolist()] == [folder_of(u) for u in g.urls]


def test_the_command_line_reads_the_budget_and_says_when_it_applies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_linkrules.cli import main

    nav = '<a href="/">Home</a><a href="/guides/">Guides</a>'
    files = {
        "index.html": page("Home", nav=nav, body="<p>Notes on web performance.</p>"),
        "guides/index.html": page("Guides", nav=nav, body='<a href="/guides/images/">Image compression guide</a>'),
        "guides/images/index.html": page("Image compression guide", nav=nav, body="<p>Image compression with webp.</p>"),
        "lonely/index.html": page("Image compression checklist", nav=nav, body="<p>An image compression checklist.</p>"),
    }
    write_site(tmp_path / "public", files)
    config = tmp_path / "linkrules.toml"
    config.write_text('[site]\nroot = "public"\nrender = "never"\n[rules.no-orphans]\n[suggestions]\nexhaustive_pages = 2\nper_source = 2\n')
    assert main(["suggest", "-c", str(config), "/lonely/"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("note: 4 pages, more than 2 ([suggestions] exhaustive_pages): candidates were the pages related to each")
    assert "at most 2 of each kind" in out[1]
    assert out[2] == "add a link to it from the content of (best first):"
