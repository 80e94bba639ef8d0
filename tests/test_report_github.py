"""GitHub Actions annotations and job summary, from a real pytest run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_linkrules.report.failures import Failure
from pytest_linkrules.report.github import annotations, escape_data, escape_property, md, path_key


@pytest.fixture
def site(pytester: pytest.Pytester, sites: Path) -> Path:
    shutil.copytree(sites / "reports", pytester.path, dirs_exist_ok=True)
    return pytester.path


@pytest.fixture
def actions(monkeypatch: pytest.MonkeyPatch, site: Path, tmp_path: Path) -> Path:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(site))
    return summary


def commands(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith("::")]


def test_failures_become_annotations_at_the_source_file_or_the_rule_line(pytester: pytest.Pytester, actions: Path) -> None:
    result = pytester.runpytest("--linkrules")
    result.assert_outcomes(failed=3, passed=4)
    lines = commands(result)
    assert [line.split("::")[1] for line in lines] == [
        # content/blog/old.md exists: [site] source maps /blog/old/ to it.
        "error file=content/blog/old.md,line=1,title=linkrules max-depth%3A /blog/old/",
        # No source file for these: the [rules.*] header line of linkrules.toml (1-based).
        "error file=linkrules.toml,line=10,title=linkrules min-inlinks%3A /guides/seo/",
        "error file=linkrules.toml,line=14,title=linkrules no-orphans%3A /lost/",
    ]
    message = lines[0].split("::", 2)[2]
    assert message.split("%0A") == [
        "/blog/old/ is 4 clicks from the start page, max is 3 (max-depth)",
        "Click path: / -> /blog/ -> /blog/a/ -> /blog/b/ -> /blog/old/",
        "Fix: Link to it from a page at depth 2 or less (a hub, category or the home page), "
        "or link to it from the pages listed above it in the click path.",
        "Rule: max-depth at linkrules.toml:7",
    ]


def test_job_summary_is_appended_with_figures_and_failures(pytester: pytest.Pytester, actions: Path) -> None:
    pytester.runpytest("--linkrules")
    text = actions.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## linkrules: 3 failures\n")
    lines = text.splitlines()
    figures = lines.index("| Pages | Links | Max depth | Orphans | Render mode | Crawl time |")
    assert lines[figures + 2].startswith("| 8 | 20 | 4 | 1 | static | ")
    table = lines.index("| Rule | Page | Problem |")
    rows = lines[table + 2 : table + 5]
    # Each row ends with the first pages to link from (suggest.py), after a <br>.
    assert [row.split("<br>")[0] for row in rows] == [
        r"| max\-depth | /blog/old/ | /blog/old/ is 4 clicks from the start page, max is 3 \(max\-depth\)",
        r"| min\-inlinks | /guides/seo/ | /guides/seo/ has 1 inlink, needs 2 \(min\-inlinks\)",
        r"| no\-orphans | /lost/ | /lost/ is not reachable from any start page \(no\-orphans\)",
    ]
    assert all("<br>link from: /" in row and row.endswith(" |") for row in rows)


def test_page_provided_text_in_the_summary_is_inert(pytester: pytest.Pytester, actions: Path, site: Path) -> None:
    (site / "public" / "<img src=x onerror=alert(3)>|x.html").write_text("<title>x</title>", encoding="utf-8")
    result = pytester.runpytest("--linkrules")
    result.assert_outcomes(failed=4, passed=4)
    text = actions.read_text(encoding="utf-8")
    assert r"| no\-orphans | /&lt;img src=x onerror=alert\(3\)&gt;\|x\.html |" in text
    assert "<img" not in text
    # In a workflow command, the title is a property: ':' and ',' are encoded.
    assert any("title=linkrules no-orphans%3A /<img src=x onerror=alert(3)>|x.html::" in c for c in commands(result))


def test_nothing_is_written_outside_github_actions(pytester: pytest.Pytester, site: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    result = pytester.runpytest("--linkrules")
    assert commands(result) == []
    assert not (tmp_path / "summary.md").exists()


def test_a_passing_run_still_writes_the_figures(pytester: pytest.Pytester, actions: Path) -> None:
    pytester.runpytest("--linkrules", "-k", "crawl")
    text = actions.read_text(encoding="utf-8")
    assert "## linkrules: all rules pass" in text and "| 8 | 20 | 4 | 1 | static |" in text


def test_annotations_are_capped_with_a_line_saying_how_many_were_left_out(tmp_path: Path) -> None:
    config = tmp_path / "linkrules.toml"
    config.write_text("[rules.no-orphans]\n", encoding="utf-8")
    failures = [Failure(f"linkrules.toml::no-orphans[/p{i}/]", f"/p{i}/ is an orphan", "", config, 3, "no-orphans", f"/p{i}/") for i in range(7)]
    lines = annotations(failures, tmp_path, limit=5)
    assert len(lines) == 6
    assert lines[4].startswith("::error file=linkrules.toml,line=4,title=linkrules%3A no-orphans[/p4/]::/p4/ is an orphan")
    assert lines[5] == "::notice title=linkrules::linkrules: 2 more failures not annotated (at most 5 are); see the job summary or the test report"


def test_escaping_helpers() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert md("<script>alert(1)</script> | *x*") == r"&lt;script&gt;alert\(1\)&lt;/script&gt; \| \*x\*"
    assert [path_key(u) for u in ("/", "/guides/seo/", "/about.html", "/a/index.html")] == ["index", "guides/seo", "about", "a"]


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("42", 'site.source: expected a path pattern or a list of them, e.g. "content/{path}.md", got 42'),
        ('"content/{slug}.md"', 'site.source: "content/{slug}.md": unknown placeholder {slug} (use {path} or {file})'),
        ('"content/page.md"', 'site.source: "content/page.md": names no page; use {path} or {file}, e.g. "content/{path}.md"'),
    ],
)
def test_bad_source_patterns_are_config_errors(pytester: pytest.Pytester, site: Path, value: str, error: str) -> None:
    toml = site / "linkrules.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('source = ["content/{path}.md", "content/{path}/index.md"]', f"source = {value}"), encoding="utf-8")
    result = pytester.runpytest("--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*linkrules.toml: {error}"])


WARN_AND_WAIVE = """
[[waivers]]
rule = "min-inlinks"
pages = ["/guides/seo/"]
reason = "new guide, links coming"
expires = 2099-01-31
"""


def test_warning_rules_annotate_as_warnings_and_waived_pages_not_at_all(pytester: pytest.Pytester, actions: Path, site: Path) -> None:
    toml = site / "linkrules.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[rules.no-orphans]", '[rules.no-orphans]\nseverity = "warning"') + WARN_AND_WAIVE, encoding="utf-8")
    result = pytester.runpytest("--linkrules")
    result.assert_outcomes(failed=1, passed=6, xfailed=1, warnings=1)
    assert [line.split("::")[1] for line in commands(result)] == [
        "error file=content/blog/old.md,line=1,title=linkrules max-depth%3A /blog/old/",
        "warning file=linkrules.toml,line=14,title=linkrules no-orphans%3A /lost/",
    ]
    text = actions.read_text(encoding="utf-8")
    assert "## linkrules: 1 failure, 1 warning" in text
    assert r"| no\-orphans (warning) | /lost/ | /lost/ is not reachable from any start page \(no\-orphans\)<br>link from: /, " in text


def test_a_broken_link_is_annotated_on_the_source_line_that_spells_it(pytester: pytest.Pytester, actions: Path, site: Path) -> None:
    page = site / "public" / "blog" / "old" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("<p>Old.</p>", '<p>Old. <a href="./gone/">Gone</a></p>'), encoding="utf-8")
    # Markdown spells the target without "./": still found, on its own line.
    (site / "content" / "blog" / "old.md").write_text("# An old post\n\nIntro.\n\nSee [the gone page](gone/).\n", encoding="utf-8")
    toml = site / "linkrules.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[rules.no-broken-links]\n", encoding="utf-8")
    result = pytester.runpytest("--linkrules")
    heads = [line.split("::")[1] for line in commands(result)]
    assert "error file=content/blog/old.md,line=5,title=linkrules no-broken-links%3A /blog/old/" in heads
    # A rule about the page itself, not one of its links, still points at line 1.
    assert "error file=content/blog/old.md,line=1,title=linkrules max-depth%3A /blog/old/" in heads
