"""The rule-language examples run as a user runs them: cluster site and custom rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "example-rules"


def expected(name: str) -> list[str]:
    lines = (EXAMPLES / name / "expected-failures.txt").read_text(encoding="utf-8").splitlines()
    return sorted(line for line in lines if line and not line.startswith("#"))


def copy(pytester: pytest.Pytester, name: str) -> None:
    shutil.copytree(EXAMPLES / name, pytester.path, dirs_exist_ok=True)


def failed_ids(result: pytest.RunResult) -> list[str]:
    return sorted(line.split(" - ")[0].removeprefix("FAILED ") for line in result.stdout.lines if line.startswith("FAILED "))


def test_cluster_example(pytester: pytest.Pytester) -> None:
    copy(pytester, "cluster")
    result = pytester.runpytest("--linkrules", "-rfxX", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=4, passed=10, xfailed=1, warnings=1)
    assert failed_ids(result) == expected("cluster")
    result.stdout.fnmatch_lines(
        [
            "WARNING /blog/ links to 9 pages, max is 8 (max-outlinks)",
            "linkrules: 1 waived (xfail): no-orphans: 1",
            "XFAIL linkrules.toml::no-orphans[[]/legacy/2015-seo-tips/[]] - waived until 2099-12-31: "
            "2015 posts kept for old bookmarks until their redirects ship",
        ]
    )
    assert "/blog/seo-sitemaps/ does not link to its pillar /guides/seo/ from its content (cluster-links)" in result.stdout.lines
    assert "/guides/speed/ is not linked from the content of the home page (linked-from-home)" in result.stdout.lines


def test_custom_rule_example(pytester: pytest.Pytester) -> None:
    copy(pytester, "custom-rule")
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, passed=3)
    assert failed_ids(result) == ["linkrules.toml::no-index-html-links[/docs/install/]"]
    assert "/docs/install/ links to /docs/usage/index.html (no-index-html-links)" in result.stdout.lines


def test_custom_rule_gets_the_common_options(pytester: pytest.Pytester) -> None:
    copy(pytester, "custom-rule")
    toml = pytester.path / "linkrules.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + 'severity = "warning"\n', encoding="utf-8")
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, warnings=1)
    result.stdout.fnmatch_lines(["WARNING /docs/install/ links to /docs/usage/index.html (no-index-html-links)"])


def test_baseline_workflow_saves_on_base_and_compares_on_the_pr() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the workflow files")
    flow = yaml.safe_load((EXAMPLES / "github-baseline-workflow.yml").read_text(encoding="utf-8"))
    runs = [step.get("run", "") for step in flow["jobs"]["linkrules"]["steps"]]
    save = next(i for i, r in enumerate(runs) if "--linkrules-save-baseline=" in r)
    compare = next(i for i, r in enumerate(runs) if "--linkrules-baseline=" in r)
    assert save < compare


def install_rule_package(pytester: pytest.Pytester) -> None:
    """An installed distribution (a real .dist-info on sys.path) that offers the rule page-title."""
    copy(pytester, "custom-rule")
    (pytester.path / "conftest.py").unlink()  # the rule now comes from the "package"
    pytester.makepyfile(
        lr_extra_rules='''
from pytest_linkrules.rules import Rule


class EveryPageHasATitle(Rule):
    """Every page has a <title>."""

    id = "page-title"

    def check(self, graph):
        for url, page in graph.pages.items():
            if not page.title:
                yield self.violation(url, f"{url} has no title")
'''
    )
    info = pytester.path / "lr_extra_rules-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lr-extra-rules\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[pytest_linkrules.rules]\npage-title = lr_extra_rules:EveryPageHasATitle\n")
    pytester.syspathinsert()
    (pytester.path / "linkrules.toml").write_text('[site]\nroot = "public"\n\n[rules.page-title]\n')
    (pytester.path / "public" / "docs" / "usage" / "index.html").write_text("<main><a href='/'>Home</a></main>")


def test_a_package_offers_rules_through_the_entry_point_group(pytester: pytest.Pytester) -> None:
    install_rule_package(pytester)
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, passed=2)
    assert failed_ids(result) == ["linkrules.toml::page-title[/docs/usage/]"]


def test_the_command_knows_the_installed_packages_rules_too(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_linkrules.cli import main

    install_rule_package(pytester)
    capsys.readouterr()
    assert main(["rules"]) == 0
    assert "page-title: Every page has a <title>." in capsys.readouterr().out.splitlines()
    assert main(["check", "-q"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "/docs/usage/ has no title (page-title)"
