"""Fragments and ignore markers, run as a user runs them: pytest --linkrules on tests/sites/fragments.

The cases come from HTML's rules for fragments (an id, or an <a name>;
exact, case-sensitive match, as written or percent-decoded; "" and "top" are
the top of the page) and from what htmltest and html-proofer document
(internal hashes checked by default, data-proofer-ignore on a link or an
element around it).
"""

from __future__ import annotations

import difflib
import random
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import networkx  # noqa: F401  (imported once, not per pytester run)
import pytest_linkrules.plugin  # noqa: F401
import pytest_linkrules.report.text  # noqa: F401
from pytest_linkrules.fragments import SET_FROM_CHARS, PageIds, has_id, nearest, pack_ids, unpack_ids

if TYPE_CHECKING:
    from pytest_linkrules.graph import SiteGraph

SITES = Path(__file__).parent / "sites"


def _project(pytester: pytest.Pytester, rule: str = "", render: str = "never") -> None:
    shutil.copytree(SITES / "fragments", pytester.path / "public")
    pytester.makefile(".toml", linkrules=f'[site]\nroot = "public"\nrender = "{render}"\n\n[rules.no-broken-links]\n{rule}')
    pytester.makeini("[pytest]\n")


def _failure(result: pytest.RunResult) -> str:
    return "\n".join(result.outlines)


def test_a_fragment_typo_fails_naming_the_fragment_the_nearest_ids_and_the_link(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    out = _failure(result)
    # The first line stands alone: the page, the first broken target, why.
    result.stdout.fnmatch_lines(["/ has 6 broken internal links: /#outro (no element with id \"outro\" on /; did you mean #intro?) and 5 more (no-broken-links)"])
    assert (
        '  /guide/#instal  (href="/guide/#instal", anchor "typo of #install"): '
        'no element with id "instal" on /guide/; did you mean #install?'
    ) in out
    assert 'no element with id "Install" on /guide/; did you mean #install?' in out  # case-sensitive, as HTML
    assert '/guide/#not-a-name  (href="/guide/#not-a-name"' in out  # a name counts on <a> only
    assert "(a single-page app's route? set site.hash_routes = true)" in out
    assert '/api/#made-by-script  (href="/api/#made-by-script", anchor "an id a script makes"): no element with id "made-by-script" on /api/ (the page was read unrendered: an id a script makes needs site.render = "always", or skip_fragments)' in out
    # What must not fail: ids, encoded and raw non-ASCII ids, <a name>, "", top, marked links.
    for fine in ("#install ", "caf%C3%A9", "#café", "legacy-anchor", "/guide/# ", "#top", "#TOP", "#intro ", "old-heading", "/removed/", "/also-removed/", "#gone"):
        assert f"{fine}" not in out.split("Broken links:")[1].split("Page: ")[0], fine


def test_fragments_can_be_switched_off_for_the_rule_or_for_pages(pytester: pytest.Pytester) -> None:
    _project(pytester, "fragments = false\n")
    pytester.runpytest("--linkrules", "-p", "no:cacheprovider").assert_outcomes(passed=2)
    shutil.rmtree(pytester.path / "public")
    _project(pytester, 'skip_fragments = ["/guide/", "/api/", "/"]\n')
    pytester.runpytest("--linkrules", "-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_skip_fragments_glob_matching_no_page_is_a_config_error(pytester: pytest.Pytester) -> None:
    _project(pytester, 'skip_fragments = ["/gudie/"]\n')
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(['*linkrules.toml: rules.no-broken-links.skip_fragments: "/gudie/" matches no page*'])


def test_ids_a_script_makes_count_when_the_page_is_rendered(pytester: pytest.Pytester) -> None:
    _project(pytester, render="always")
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    out = _failure(result)
    assert "made-by-script" not in out
    # The start page has a script too, so its links, ids and ignore markers came from the DOM.
    result.stdout.fnmatch_lines(["linkrules: *render: rendered*2 rendered in *", "/ has 5 broken internal links: *"])


@pytest.mark.parametrize(
    ("ids", "fragment", "found"),
    [
        (["install"], "install", True),
        (["install"], "Install", False),
        (["café"], "caf%C3%A9", True),
        (["caf%C3%A9"], "caf%C3%A9", True),  # as written wins before decoding
        (["a b"], "a%20b", True),
        ([], "", True),
        ([], "top", True),
        ([], "ToP", True),
        ([], "%74op", True),
        ([], "topic", False),
        (["x"], "%ff", False),  # not UTF-8 once decoded, and not an id as written
        (["x\ny"], "x", False),  # an id holding a newline is left out, never half-matched
    ],
)
def test_matching_follows_html(ids: list[str], fragment: str, found: bool) -> None:
    assert has_id(pack_ids(ids), fragment) is found
    assert PageIds(pack_ids(ids)).names(fragment) is found
    # A page with thousands of ids is looked up in a set: the same answers.
    many = pack_ids(ids + [f"l{n:05d}" for n in range(SET_FROM_CHARS // 4)])
    assert len(many) >= SET_FROM_CHARS
    assert PageIds(many).names(fragment) is found


def _difflib_nearest(ids: list[str], fragment: str) -> list[str]:
    """What nearest() promised before it was made fast: case first, then difflib's closest."""
    same = [i for i in ids if i.lower() == fragment.lower()]
    return list(dict.fromkeys(same + difflib.get_close_matches(fragment, ids, n=3, cutoff=0.6)))[:3]


def test_nearest_ids_are_difflibs_on_random_pages() -> None:
    rng = random.Random(7)
    for _ in range(2_000):
        alphabet = rng.choice(["ab", "abc", "abcdef", "l0123456789", "Aa-_"])
        word = lambda: "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9)))  # noqa: E731
        ids = list(dict.fromkeys(word() for _ in range(rng.randint(0, 80))))
        fragment = word()
        if fragment not in ids:
            assert nearest(pack_ids(ids), fragment) == _difflib_nearest(ids, fragment), (ids, fragment)


def test_nearest_on_a_doxygen_listing_is_difflibs_answer() -> None:
    # A source listing's line anchors, and a link to a line it does not have (libstdc++'s docs).
    ids = [f"l{n:05d}" for n in range(1, 3_186)] + [f"a{rng:032x}" for rng in range(0, 2**128, 2**116)]
    assert nearest(pack_ids(ids), "l00670x") == _difflib_nearest(ids, "l00670x")
    lines = ids[:245] + ids[3_185:]
    assert nearest(pack_ids(lines), "l00670") == _difflib_nearest(lines, "l00670") == ["l00170", "l00167", "l00160"]


def test_nearest_ids_put_a_case_difference_first() -> None:
    packed = pack_ids(["installation", "Install", "usage"])
    assert nearest(packed, "install")[:2] == ["Install", "installation"]
    assert nearest(packed, "zzz") == []


def test_ids_and_markers_come_back_from_the_crawl_cache(tmp_path: Path) -> None:
    from pytest_linkrules.config import SiteConfig
    from pytest_linkrules.crawl import crawl_site

    root = tmp_path / "site"
    shutil.copytree(SITES / "fragments", root)
    site = SiteConfig(root=root, render="never")
    fresh = crawl_site(site).pages
    cache = tmp_path / "cache"
    first = crawl_site(site, cache_dir=cache).pages  # parses, fills the shards and the whole crawl
    whole = crawl_site(site, cache_dir=cache)  # no file changed: the whole crawl
    assert any("reused whole" in note for note in whole.notes)
    guide = root / "guide" / "index.html"
    guide.write_text(guide.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # one file changed: the shards
    shards = crawl_site(site, cache_dir=cache)
    assert any("1 of 3 pages parsed" in note for note in shards.notes), shards.notes
    for pages in (first, whole.pages, shards.pages):
        assert {u: p.ids for u, p in pages.items()} == {u: p.ids for u, p in fresh.items()}
        assert {u: [(l.href, l.flags) for l in p.links + p.broken] for u, p in pages.items()} == {
            u: [(l.href, l.flags) for l in p.links + p.broken] for u, p in fresh.items()
        }
    assert unpack_ids(fresh["/guide/"].ids) == ["install", "café", "legacy-anchor"]


def test_a_deployed_site_fails_the_same_fragments_as_its_folder(serve) -> None:
    from pytest_linkrules.config import SiteConfig
    from pytest_linkrules.crawl import crawl_site
    from pytest_linkrules.graph import SiteGraph
    from pytest_linkrules.rules.no_broken_links import NoBrokenLinks

    def failing(result) -> list[str]:
        graph = SiteGraph(result.pages, result.starts)
        rule = NoBrokenLinks({"pages": ("/**",), "fragments": True, "skip_fragments": ()})
        return sorted(line.split("  (")[0].strip() for v in rule.check(graph) for line in v.details[1:])

    folder = crawl_site(SiteConfig(root=SITES / "fragments", render="never"))
    served = crawl_site(SiteConfig(url=serve(SITES / "fragments").origin, render="never", rate_limit=0.0))
    expected = ["/#outro", "/api/#made-by-script", "/guide/#/setup", "/guide/#Install", "/guide/#instal", "/guide/#not-a-name"]
    assert failing(folder) == failing(served) == expected
    assert served.pages["/guide/"].ids == folder.pages["/guide/"].ids


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_marked_box_counts_whatever_the_case_of_its_attribute(encoding):
    # extract() skips the marked-box query on pages without "-ignore" anywhere;
    # attribute names are case-insensitive, so the look-ahead must be too (the
    # UTF-16 page reaches it decoded, as a str).
    from pytest_linkrules.crawl.extract import extract

    html = '<meta charset="{}"><div DATA-Proofer-IGNORE><a href="/x/">x</a></div><a href="/y/">y</a><a Data-LinkRules-Ignore href="/z/">z</a>'
    raw = extract(html.format(encoding).encode(encoding))
    assert [(link.href, link.ignored) for link in raw.links] == [("/x/", True), ("/y/", False), ("/z/", True)]


def _listing_site(fragments: list[str], scripts: bool = False) -> "SiteGraph":
    """A source listing with a line id each (as rustdoc writes them), and a page linking into it."""
    from pytest_linkrules.graph import SiteGraph
    from pytest_linkrules.model import CONTENT, FRAGMENT, Link, Page

    listing = Page(url="/src/lib.rs.html", source="src/lib.rs.html", ids=pack_ids(str(n) for n in range(1, 401)), has_scripts=scripts)
    links = tuple(Link("/src/lib.rs.html", f"src/lib.rs.html#{f}", "source", CONTENT | FRAGMENT) for f in fragments)
    page = Page(url="/", source="index.html", links=links + (Link("/src/lib.rs.html", "src/lib.rs.html", "code", CONTENT),))
    return SiteGraph({"/": page, "/src/lib.rs.html": listing}, ["/"])


def _notes(graph: "SiteGraph") -> list[str]:
    from helpers.graphs import rule_config

    from pytest_linkrules.runner import run_rule

    (violation,) = run_rule(rule_config("no-broken-links"), graph).violations
    return [line for line in violation.details if line.startswith("  ")]


def test_a_range_of_line_ids_on_a_page_without_scripts_is_broken_and_named_as_a_range() -> None:
    notes = _notes(_listing_site(["12-20", "12-900", "L3-L9"]))
    assert notes[0] == (
        '  /src/lib.rs.html#12-20  (href="src/lib.rs.html#12-20", anchor "source"): no element with id "12-20" on '
        "/src/lib.rs.html (a range of lines: the page has #12 and #20, but no script to select the lines "
        "between, and no element names the range)"
    )
    assert "did you mean" in notes[1] and "range of lines" not in notes[1]  # line 900 is not on the page
    assert "range of lines" not in notes[2]


def test_a_range_of_line_ids_on_a_page_with_scripts_works_as_a_source_view_selects_it() -> None:
    notes = _notes(_listing_site(["12-20", "12-900", "L3-L9", "20-12x"], scripts=True))
    assert [n.split("  ")[1] for n in notes] == ["/src/lib.rs.html#12-900", "/src/lib.rs.html#L3-L9", "/src/lib.rs.html#20-12x"]


def test_nearest_ids_are_searched_for_the_first_missing_fragments_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_linkrules.rules import no_broken_links

    monkeypatch.setattr(no_broken_links, "MAX_HINTS", 2)
    notes = _notes(_listing_site(["x1", "x2", "x3", "x1"]))
    assert ["did you mean #" in n for n in notes] == [True, True, False, True]  # x1 again: said once, repeated
    assert notes[2].endswith("no element with id \"x3\" on /src/lib.rs.html; nearest ids not searched (over 2 missing fragments)")


def _stub_site(scripts: bool, fragments: list[str]) -> "SiteGraph":
    """A page linking with fragments into a redirect stub (rustdoc writes one per moved item) and a loop."""
    from pytest_linkrules.graph import SiteGraph
    from pytest_linkrules.model import CONTENT, FRAGMENT, REDIRECT, Link, Page

    def refresh(to: str) -> tuple[Link, ...]:
        return (Link(to, to, "(meta refresh)", CONTENT | REDIRECT),)

    links = tuple(Link("/old/", f"/old/#{f}", "moved", CONTENT | FRAGMENT) for f in fragments)
    links += (Link("/loop-a/", "/loop-a/#x", "loop", CONTENT | FRAGMENT),)
    pages = {
        "/": Page(url="/", source="index.html", links=links),
        "/old/": Page(url="/old/", source="old/index.html", links=refresh("/new/"), has_scripts=scripts),
        "/new/": Page(url="/new/", source="new/index.html", ids=pack_ids(["method.peek", "impl-Iterator"])),
        "/loop-a/": Page(url="/loop-a/", source="loop-a/index.html", links=refresh("/loop-b/"), has_scripts=True),
        "/loop-b/": Page(url="/loop-b/", source="loop-b/index.html", links=refresh("/loop-a/"), has_scripts=True),
    }
    return SiteGraph(pages, ["/"])


def test_a_fragment_into_a_redirect_page_whose_script_passes_it_on_is_looked_for_where_it_lands() -> None:
    notes = _notes(_stub_site(True, ["method.peek", "method.peak"]))
    assert [n.split("): ")[1] for n in notes] == [
        'no element with id "method.peak" on /new/ (where /old/ redirects); did you mean #method.peek?',
        'no element with id "x" on /loop-a/ (it redirects to /loop-b/, and its redirects loop or reach no page of the site)',
    ]


def test_a_plain_meta_refresh_drops_the_fragment_so_the_link_is_broken_and_told_where_to_point() -> None:
    notes = _notes(_stub_site(False, ["method.peek"]))
    assert notes[0].split("): ")[1] == (
        'no element with id "method.peek" on /old/ (a meta refresh to /new/ drops the #fragment: link there)'
    )
