"""A pull request that removes a nav link, as pytest --linkrules --linkrules-compare reports it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers.sitebuilder import page, write_site

CONFIG = """\
[site]
root = "public"

[rules.no-orphans]

[rules.min-inlinks]
pages = ["/guides/*"]
min = 2

[rules.no-new-orphans]

[rules.no-deeper-pages]

[rules.no-lost-inlinks]
pages = ["/guides/**"]
max_lost = 1
"""


def build(root: Path, *, guides_in_nav: bool) -> Path:
    nav = '<a href="/">Home</a>' + ('<a href="/guides/">Guides</a>' if guides_in_nav else "") + '<a href="/blog/">Blog</a>'
    files = {
        "index.html": page("Home", nav=nav, body="<p>Notes on web performance.</p>"),
        "guides/index.html": page("Guides", nav=nav, body='<a href="/guides/images/">Image compression guide</a>'),
        "guides/images/index.html": page("Image compression guide", nav=nav, body="<h1>Image compression</h1><p>webp and jpeg image compression.</p>"),
        "blog/index.html": page("Blog", nav=nav, body='<a href="/blog/webp/">webp</a><a href="/blog/fonts/">fonts</a><a href="/about/">about</a>'),
        "blog/webp/index.html": page("WebP", nav=nav, body="<h1>Image compression with WebP</h1><p>webp image compression beats jpeg.</p>"),
        "blog/fonts/index.html": page("Fonts", nav=nav, body="<h1>Web fonts</h1><p>font loading</p>"),
        "about/index.html": page("About", nav=nav, body='<a href="/guides/">our guides</a>'),
        "checklist/index.html": page("Image compression checklist", nav=nav, body="<p>An image compression checklist: webp, jpeg.</p>"),
    }
    return write_site(root, files)


@pytest.fixture
def pr(pytester: pytest.Pytester) -> Path:
    """The base branch's build in base/, the pull request's (no "Guides" in the menu) in public/."""
    pytester.makefile(".toml", linkrules=CONFIG)
    pytester.makeini("[pytest]\n")
    build(pytester.path / "base", guides_in_nav=True)
    build(pytester.path / "public", guides_in_nav=False)
    return pytester.path


def test_job_summary_shows_links_removed_and_pages_made_deeper(pytester: pytest.Pytester, pr: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = pr / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(pr))
    result = pytester.runpytest("--linkrules", "--linkrules-compare=base", "-p", "no:randomly")
    text = summary.read_text(encoding="utf-8")
    lines = text.splitlines()
    head = lines.index("### Link changes: linkrules\\.toml against folder base")
    # Six pages lost their menu link to /guides/ (/about/ still links to it from its text).
    assert lines[head + 4] == "| 0 | 6 | 0 | 0 | 0 | 2 | 1 | 2 | 0 | 0 |"
    removed = lines.index("**Links removed** (6, by page)")
    assert lines[removed + 4] == "| / | /guides/ | Guides | chrome |"
    worse = lines.index("**Pages made worse**")
    assert lines[worse + 4].startswith("| /guides/ | 1 → 3 | 6 → 1 | 1 |")
    assert lines[worse + 5].startswith("| /guides/images/ | 2 → 4 | 1 | 1 |")
    # The change rules fail on what the change made worse, and the failures name pages to link from.
    result.assert_outcomes(failed=5, passed=6)
    result.stdout.fnmatch_lines(
        [
            "FAILED linkrules.toml::no-deeper-pages[[]/guides/[]]*",
            "FAILED linkrules.toml::no-deeper-pages[[]/guides/images/[]]*",
            "FAILED linkrules.toml::no-lost-inlinks[[]/guides/[]]*",
        ]
    )
    out = result.stdout.str()
    assert "/guides/ is 3 clicks from the start page, 2 clicks deeper than before (1) (no-deeper-pages)" in out
    assert "linkrules: linkrules.toml: what this change does to the links" in out
    assert "against folder base: 0 links added, 6 removed; 0 pages added, 0 removed" in out
    assert "deeper (2): /guides/ (1->3), /guides/images/ (2->4)" in out
    # The orphan is told where to link from; the summary's row carries the first suggestions.
    orphan_row = next(line for line in lines if line.startswith("| no\\-orphans | /checklist/ |"))
    assert "(no\\-orphans\\)<br>link from: /" in orphan_row


def test_an_orphans_failure_names_candidate_pages(pytester: pytest.Pytester, pr: Path) -> None:
    result = pytester.runpytest("--linkrules", "-k", "checklist", "-p", "no:randomly")
    out = result.outlines
    start = out.index("Add a link to it on one of these pages (best first):")
    shown = out[start + 1 : start + 6]
    assert len(shown) == 5 and all(line.startswith("  /") for line in shown)
    assert any("shares 'image compression'" in line and ("/blog/webp/" in line or "/guides/images/" in line) for line in shown)


def test_suggestions_can_be_turned_off(pytester: pytest.Pytester, pr: Path) -> None:
    result = pytester.runpytest("--linkrules", "-k", "checklist", "--linkrules-no-suggestions", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    assert "Add a link to it on one of these pages (best first):" not in result.outlines


def test_change_rules_are_skipped_without_a_base(pytester: pytest.Pytester, pr: Path) -> None:
    result = pytester.runpytest("--linkrules", "-p", "no:randomly", "-rs")
    result.assert_outcomes(failed=2, passed=3, skipped=3)
    result.stdout.fnmatch_lines(["SKIPPED*no-new-orphans compares the site with its base build: give --linkrules-compare=*"])


def test_a_saved_graph_compares_as_the_folder_does(pytester: pytest.Pytester, pr: Path) -> None:
    head = pr / "public"
    shutil.move(str(head), pr / "head")
    shutil.copytree(pr / "base", head)
    saved = pytester.runpytest("--linkrules", "--linkrules-save-graph=graphs/base.npz", "-p", "no:randomly")
    saved.stdout.fnmatch_lines(["linkrules: graph saved to graphs/base.npz (compare a later run with --linkrules-compare=graphs/base.npz)"])
    shutil.rmtree(head)
    shutil.move(str(pr / "head"), head)
    result = pytester.runpytest(
        "--linkrules", "--linkrules-compare=graphs/base.npz", "--linkrules-change-report=change.json", "-p", "no:randomly"
    )
    result.stdout.fnmatch_lines(["against graphs/base.npz (folder public): 0 links added, 6 removed; 0 pages added, 0 removed"])
    data = json.loads((pr / "change.json").read_text(encoding="utf-8"))
    entry = data["configs"]["linkrules.toml"]
    assert entry["counts"]["links_removed"] == 6
    assert {"source": "/", "target": "/guides/", "anchor": "Guides", "content": False} in entry["links_removed"]
    assert [p["page"] for p in entry["deeper"]] == ["/guides/", "/guides/images/"]
    assert entry["suggestions"]["/checklist/"][0]["reasons"]


@pytest.mark.parametrize(
    "given, problem",
    [
        ("nothing.npz", "ERROR: --linkrules-compare: nothing.npz: snapshot file not found (write one with --linkrules-save-graph=nothing.npz)"),
        ("linkrules.toml", "ERROR: --linkrules-compare: linkrules.toml: not a usable linkrules graph snapshot (*); save it again"),
    ],
)
def test_a_bad_compare_argument_stops_the_run_with_one_line(pytester: pytest.Pytester, pr: Path, given: str, problem: str) -> None:
    result = pytester.runpytest("--linkrules", f"--linkrules-compare={given}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([problem])
    assert "Traceback" not in result.stderr.str()


def test_a_saved_graph_damaged_inside_stops_the_run_after_the_crawl_with_one_line(pytester: pytest.Pytester, pr: Path) -> None:
    """The arrays are read on a thread while the crawl runs; damage there is still a usage error, not a traceback."""
    import numpy as np

    pytester.runpytest("--linkrules", "--linkrules-save-graph=base.npz")
    with np.load(pr / "base.npz") as data:
        arrays = dict(data)
    arrays["c0_depth"] = arrays["c0_depth"][:-1]
    np.savez(pr / "base.npz", **arrays)
    result = pytester.runpytest("--linkrules", "--linkrules-compare=base.npz")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --linkrules-compare: base.npz: not a usable linkrules graph snapshot (depth has the wrong length); save it again"])
    assert "Traceback" not in result.stderr.str()


def test_a_saved_graph_without_the_configs_graph_stops_the_run_before_the_crawl(pytester: pytest.Pytester, pr: Path) -> None:
    pytester.runpytest("--linkrules", "--linkrules-save-graph=base.npz")
    (pr / "other.toml").write_text((pr / "linkrules.toml").read_text(encoding="utf-8"), encoding="utf-8")
    result = pytester.runpytest("--linkrules", "--linkrules-compare=base.npz", "--linkrules-config=linkrules.toml", "--linkrules-config=other.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --linkrules-compare: base.npz has no graph for other.toml (it has: linkrules.toml)"])
    assert "crawled" not in result.stdout.str()


def test_without_a_base_the_json_still_lists_failures_and_suggestions(pytester: pytest.Pytester, pr: Path) -> None:
    pytester.runpytest("--linkrules", "--linkrules-change-report=c.json")
    entry = json.loads((pr / "c.json").read_text(encoding="utf-8"))["configs"]["linkrules.toml"]
    assert entry["base"] is None and "counts" not in entry
    assert {"rule": "no-orphans", "page": "/checklist/", "message": "/checklist/ is not reachable from any start page (no-orphans)"} in entry["failing"]
    first = entry["suggestions"]["/checklist/"][0]
    assert set(first) == {"page", "score", "reasons", "direction"} and first["direction"] == "from"


def test_html_report_has_the_before_and_after_picture(pytester: pytest.Pytester, pr: Path) -> None:
    pytest.importorskip("pytest_html")
    pytester.runpytest("--linkrules", "--linkrules-compare=base", "--html=report.html", "--self-contained-html", "-p", "no:randomly")
    html = (pr / "report.html").read_text(encoding="utf-8")
    assert "Link changes: linkrules.toml against folder base" in html
    assert 'class="linkrules-change"' in html
    assert "Add a link to it on one of these pages" in html
