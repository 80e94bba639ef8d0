"""No silent green: a site whose links scripts make, read as HTML, fails; a missing browser is said, with its fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import networkx  # noqa: F401  (imported once, not per pytester run)
import pytest_linkrules.plugin  # noqa: F401
import pytest_linkrules.report.text  # noqa: F401
from pytest_linkrules.crawl.browser import FIX_COMMAND

SITES = Path(__file__).parent / "sites"


def _project(pytester: pytest.Pytester, site: str, extra: str = "") -> None:
    shutil.copytree(SITES / site, pytester.path / "public")
    pytester.makefile(".toml", linkrules=f'[site]\nroot = "public"\n{extra}\n[rules.no-orphans]\n')
    pytester.makeini("[pytest]\n")


def _no_browser(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A runner without a working Chromium: the only one on PATH cannot start, and none is named."""
    folder = pytester.path / "bin"
    folder.mkdir()
    fake = folder / "chromium"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("LINKRULES_BROWSER", raising=False)


def test_a_js_only_start_page_read_without_rendering_fails_saying_why(pytester: pytest.Pytester) -> None:
    _project(pytester, "js-only", 'render = "never"\n')
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*linkrules.toml: the start page / has scripts but no links in its HTML, and nothing was rendered, "
        'so the crawl would check one page and pass; set site.render = "auto"*'
    ])


def test_a_js_only_start_page_without_a_browser_fails_with_the_command_that_fixes_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(pytester, "js-only")
    _no_browser(pytester, monkeypatch)
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*no browser could be started to render it; install one: {FIX_COMMAND}"])


def test_a_js_only_site_with_a_browser_is_crawled(pytester: pytest.Pytester) -> None:
    _project(pytester, "js-only")
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["linkrules: linkrules.toml: folder public, 3 pages, *render: rendered*"])


def test_a_missing_browser_is_said_in_the_header_and_the_job_summary(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # The start page has links in its HTML, so the run goes on; what scripts add is unknown, and said.
    _project(pytester, "fragments")
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _no_browser(pytester, monkeypatch)
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([
        f"linkrules: no browser: 2 page(s) have scripts, but no browser could be started to render them, "
        f"so links and ids their scripts make were not checked; fix: {FIX_COMMAND}"
    ])
    text = summary.read_text(encoding="utf-8")
    assert "> **No browser:**" in text and f"Fix: `{FIX_COMMAND}`" in text


def test_playwright_is_a_dependency_of_the_plain_install() -> None:
    import sys

    if sys.version_info < (3, 11):
        import tomli as tomllib
    else:
        import tomllib

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.startswith("playwright") for dep in project["dependencies"])
