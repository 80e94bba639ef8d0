"""Many failing pages: the terminal caps and groups them, every report still carries them all.

A site of orphan pages (each its own failing item) run as a user would with
pytester: the terminal shows the first --linkrules-max-shown pages of each
rule in full and counts the rest; JUnit XML keeps every failure; -k and --lf
still select single pages and the failures.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pytest_linkrules.plugin  # noqa: F401  (imported once, not per in-process run)

QUIET = ("-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:anyio")

PAGE = '<!doctype html><html><head><title>{title}</title></head><body><main><a href="{href}">link</a></main></body></html>'


def orphan_site(root: Path, orphans: int, broken: int = 0) -> None:
    """index.html links to /ok.html; p/N.html are orphans; b/N.html are linked and carry a broken link."""
    site = root / "public"
    (site / "p").mkdir(parents=True)
    (site / "b").mkdir()
    home = "".join(f'<a href="/b/{i}.html">b{i}</a>' for i in range(broken))
    (site / "index.html").write_text(PAGE.format(title="Home", href="/ok.html").replace("</main>", home + "</main>"))
    (site / "ok.html").write_text(PAGE.format(title="OK", href="/"))
    for i in range(orphans):
        (site / "p" / f"{i}.html").write_text(PAGE.format(title=f"Orphan {i}", href="/"))
    for i in range(broken):
        (site / "b" / f"{i}.html").write_text(PAGE.format(title=f"B {i}", href=f"/missing-{i}.html"))
    (root / "linkrules.toml").write_text(
        '[site]\nroot = "public"\nstart = ["/"]\nrender = "never"\n\n[rules.no-orphans]\n\n[rules.no-broken-links]\n'
    )


@pytest.fixture
def site(pytester: pytest.Pytester) -> Path:
    orphan_site(pytester.path, orphans=7, broken=3)
    return pytester.path


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("--linkrules", "-p", "no:cacheprovider", *QUIET, *args)


def failure_headlines(result: pytest.RunResult) -> list[str]:
    """The "____ name ____" lines of pytest's FAILURES section."""
    return [line.strip("_ ") for line in result.outlines if line.startswith("____")]


def failed_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith("FAILED ")]


def test_the_terminal_shows_the_first_pages_of_each_rule_and_counts_the_rest(pytester: pytest.Pytester, site: Path) -> None:
    result = run(pytester, "--linkrules-max-shown=2")
    result.assert_outcomes(failed=10, passed=3)
    assert failure_headlines(result) == [
        "no-orphans /p/0.html",
        "no-orphans /p/1.html",
        "no-broken-links /b/0.html",
        "no-broken-links /b/1.html",
    ]
    assert [line.split(" - ")[0] for line in failed_lines(result)] == [
        "FAILED linkrules.toml::no-orphans[/p/0.html]",
        "FAILED linkrules.toml::no-orphans[/p/1.html]",
        "FAILED linkrules.toml::no-broken-links[/b/0.html]",
        "FAILED linkrules.toml::no-broken-links[/b/1.html]",
    ]
    lines = result.outlines
    at = next(i for i, line in enumerate(lines) if "linkrules: failing pages per rule" in line)
    assert lines[at + 1 : at + 6] == [
        "no-orphans: 7 pages (2 shown, 5 not)",
        "no-broken-links: 3 pages (2 shown, 1 not)",
        "linkrules: 6 failing pages not shown in full here (at most 2 per rule; --linkrules-max-shown=N or =all to change)",
        "linkrules: to keep every failing page, add --junitxml=FILE (or --html=FILE with pytest-html)",
        'linkrules: select a rule or one page with -k, e.g. -k "no-orphans" or -k "no-orphans[/p/0.html]"; '
        "--lf reruns the failures",
    ]
    assert "10 failed, 3 passed" in lines[-1]


def test_all_shows_every_failing_page(pytester: pytest.Pytester, site: Path) -> None:
    result = run(pytester, "--linkrules-max-shown=all")
    assert len(failure_headlines(result)) == 10
    assert len(failed_lines(result)) == 10
    assert "no-orphans: 7 pages" in result.outlines
    assert not any("not shown in full" in line for line in result.outlines)


def test_the_default_cap_is_ten_per_rule_and_the_ini_option_sets_it(pytester: pytest.Pytester) -> None:
    orphan_site(pytester.path, orphans=12)
    result = run(pytester)
    assert len(failure_headlines(result)) == 10
    assert "no-orphans: 12 pages (10 shown, 2 not)" in result.outlines
    pytester.makeini("[pytest]\nlinkrules_max_shown = 3\n")
    result = run(pytester)
    assert len(failure_headlines(result)) == 3


@pytest.mark.parametrize("value", ["0", "-1", "ten", "²"])
def test_a_bad_cap_is_a_usage_error(pytester: pytest.Pytester, site: Path, value: str) -> None:
    result = run(pytester, f"--linkrules-max-shown={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--linkrules-max-shown: expected a positive number of pages or \"all\", got '{value}'*"])


def test_junit_carries_every_failure_when_the_terminal_is_capped(pytester: pytest.Pytester, site: Path) -> None:
    result = run(pytester, "--linkrules-max-shown=1", "--junitxml=report.xml")
    assert "linkrules: every failing page is in report.xml (JUnit XML)" in result.outlines
    cases = ET.parse(pytester.path / "report.xml").getroot().iter("testcase")
    failed = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert set(failed) == {f"no-orphans[/p/{i}.html]" for i in range(7)} | {f"no-broken-links[/b/{i}.html]" for i in range(3)}
    # Each carries its own evidence, also those the terminal did not show.
    text = failed["no-orphans[/p/6.html]"].text or ""
    assert text.startswith("/p/6.html is not reachable from any start page")
    assert "Page: /p/6.html  (from p/6.html, title: 'Orphan 6')" in text


def test_a_reports_failure_text_reads_as_pytests_own_rendering_does(pytester: pytest.Pytester, site: Path) -> None:
    # pytest-html reads report.longreprtext for every report: ours reads the
    # text as it is, and must give what pytest's terminal writer renders.
    reprec = pytester.inline_run("--linkrules", "-p", "no:cacheprovider", *QUIET)
    reports = [r for r in reprec.getreports("pytest_runtest_logreport") if "linkrules.toml::" in r.nodeid]
    assert len(reports) == 3 * 13 and sum(r.failed for r in reports) == 10
    for report in reports:
        assert report.longreprtext == pytest.TestReport.longreprtext.fget(report)  # type: ignore[attr-defined]
    failed = [r for r in reports if r.failed]
    assert all(type(r).__name__ == "LinkrulesReport" for r in reports)
    assert all("\nPage: " in r.longreprtext for r in failed)


def test_k_selects_one_failing_page(pytester: pytest.Pytester, site: Path) -> None:
    result = run(pytester, "-k", "no-orphans[/p/5.html]", "-rf")
    result.assert_outcomes(failed=1, deselected=12)
    assert [line.split(" - ")[0] for line in failed_lines(result)] == ["FAILED linkrules.toml::no-orphans[/p/5.html]"]


def test_lf_reruns_only_the_failures_of_a_capped_run(pytester: pytest.Pytester, site: Path) -> None:
    first = pytester.runpytest("--linkrules", *QUIET, "--linkrules-max-shown=1")
    first.assert_outcomes(failed=10, passed=3)
    again = pytester.runpytest("--linkrules", *QUIET, "--lf", "--linkrules-max-shown=all")
    again.assert_outcomes(failed=10, passed=0)
    assert "10 failed in" in again.outlines[-1]


def test_user_tests_and_their_fixtures_run_as_usual_around_the_lean_items(pytester: pytest.Pytester, site: Path) -> None:
    """Violation items skip the setup/teardown hooks; the user's fixtures must not notice."""
    pytester.makeconftest(
        """
        import pytest
        EVENTS = []

        @pytest.fixture(scope="session")
        def db():
            EVENTS.append("db up")
            yield
            EVENTS.append("db down")
            print("EVENTS", EVENTS)
        """
    )
    pytester.makepyfile(
        test_a="def test_a(db):\n    from conftest import EVENTS\n    assert EVENTS == ['db up']\n",
        test_z="def test_z(db):\n    from conftest import EVENTS\n    assert EVENTS == ['db up']\n",
    )
    result = run(pytester, "-s", "test_a.py", "linkrules.toml", "test_z.py")
    result.assert_outcomes(failed=10, passed=5)
    assert "test_z.py .EVENTS ['db up', 'db down']" in result.outlines


def test_a_thousand_failing_pages_freeze_the_collector_and_still_report_all(pytester: pytest.Pytester) -> None:
    orphan_site(pytester.path, orphans=1_000)
    result = pytester.runpytest_subprocess("--linkrules", "-p", "no:cacheprovider", *QUIET, "--junitxml=report.xml")
    result.assert_outcomes(failed=1_000, passed=3)
    assert "no-orphans: 1,000 pages (10 shown, 990 not)" in result.outlines
    cases = ET.parse(pytester.path / "report.xml").getroot().iter("testcase")
    assert sum(1 for c in cases if c.find("failure") is not None) == 1_000


def test_the_crawl_and_graph_are_freed_before_the_interpreters_last_collection(pytester: pytest.Pytester) -> None:
    """pytest's config, items and reports hold one another, so what they hold waits for the last
    cyclic collection at exit, which walked every page and link (~25 s at 1M pages)."""
    orphan_site(pytester.path, orphans=50)
    pytester.makeconftest(
        """
        import atexit, weakref
        from pytest_linkrules.plugin import STATE_KEY

        REFS = []

        def pytest_sessionfinish(session):
            for analysis in session.config.stash[STATE_KEY].analyses.values():
                REFS.append(weakref.ref(analysis.graph))
                REFS.extend(weakref.ref(page) for page in analysis.crawl.pages.values())

        def alive():  # registered first, so it runs after the plugin's own exit hook
            print(f"alive at exit: {sum(1 for r in REFS if r() is not None)} of {len(REFS)}")

        atexit.register(alive)
        """
    )
    result = pytester.runpytest_subprocess("--linkrules", "-p", "no:cacheprovider", *QUIET, "--junitxml=report.xml")
    result.assert_outcomes(failed=50, passed=3)
    assert "alive at exit: 0 of 53" in result.outlines  # the graph and its 52 pages


def test_garbage_left_at_exit_is_finalized_and_what_survives_is_frozen(pytester: pytest.Pytester) -> None:
    """The interpreter's last collections each walked pytest's items, reports and XML (~2.9 s at
    300k generated pages); the plugin collects once at exit and freezes the rest, and a cycle that
    is garbage by then still has its finalizer run (an unflushed log file is one)."""
    orphan_site(pytester.path, orphans=5)
    pytester.makeconftest(
        """
        import atexit, gc, pathlib

        class Cycle:
            def __init__(self):
                self.me = self

            def __del__(self):
                pathlib.Path("finalized.txt").write_text("yes")

        def pytest_unconfigure(config):  # after the plugin's configure: this exit hook runs before its
            atexit.register(Cycle)  # garbage at once, which only the cyclic collector can find

        def frozen():  # registered first, so it runs after the plugin's own exit hook
            print(f"frozen at exit: {gc.get_freeze_count() > 0}")

        atexit.register(frozen)
        """
    )
    result = pytester.runpytest_subprocess("--linkrules", "-p", "no:cacheprovider", *QUIET)
    result.assert_outcomes(failed=5, passed=3)
    assert "frozen at exit: True" in result.outlines
    assert (pytester.path / "finalized.txt").read_text() == "yes"


def test_loading_the_plugin_imports_no_heavy_package() -> None:
    """pytest loads the plugin in every run; numpy, scipy, our config, rules and the rest wait for --linkrules."""
    code = (
        "import sys, pytest_linkrules.plugin\n"
        "heavy = ('numpy', 'scipy', 'networkx', 'playwright', 'pytest_html', 'selectolax', 'pytest_linkrules.graph',\n"
        "         'pytest_linkrules.config', 'pytest_linkrules.rules', 'pytest_linkrules.items', 'pytest_linkrules.model')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_package_imports_as_plain_modules_not_through_the_assertion_rewriter(pytester: pytest.Pytester) -> None:
    """pytest would parse, rewrite and compile each of our modules on every run without its own .pyc."""
    pytester.makepyfile(
        test_loaders=(
            "import sys\n"
            "def test_loaders():\n"
            "    import pytest_linkrules.plugin, pytest_linkrules.config, pytest_linkrules.graph\n"
            "    loaders = {n: type(sys.modules[n].__loader__).__name__ for n in ('pytest_linkrules.config', 'pytest_linkrules.graph')}\n"
            "    print('LOADERS', sorted(loaders.items()))\n"
            "    assert set(loaders.values()) == {'SourceFileLoader'}\n"
        )
    )
    # A subprocess, so the plugin is loaded by pytest's entry points as in a user's run, and a
    # test file of the user's is still rewritten.
    pytester.makepyfile(test_user="def test_user():\n    x = [1]\n    assert x == [2]\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*LOADERS*SourceFileLoader*", "*At index 0 diff: 1 != 2*"])


def summary_pages(text: str) -> tuple[list[str], list[str]]:
    """The pages of the job summary's failure table, and those of its per-rule lists (as Markdown)."""
    lines = text.splitlines()
    start = lines.index("| Rule | Page | Problem |") + 2
    table = []
    for line in lines[start:]:
        if not line.startswith("| "):
            break
        table.append(line.split(" | ")[1])
    return table, [line[2:] for line in lines if line.startswith("- ")]


@pytest.fixture
def actions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    summary = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return summary


def test_the_job_summary_lists_every_failing_page(pytester: pytest.Pytester, actions: Path) -> None:
    from pytest_linkrules.report.github import md

    orphan_site(pytester.path, orphans=500, broken=3)
    result = run(pytester, "--linkrules-no-suggestions", "--junitxml=report.xml", "-q")
    result.assert_outcomes(failed=503, passed=3)
    text = actions.read_text(encoding="utf-8")
    table, listed = summary_pages(text)
    assert len(table) == 100  # the first 100 with their problem
    assert "<details><summary>no\\-orphans: 500</summary>" in text
    assert "<details><summary>no\\-broken\\-links: 3</summary>" in text
    want = [md(f"/p/{i}.html") for i in range(500)] + [md(f"/b/{i}.html") for i in range(3)]
    assert sorted(listed) == sorted(want)  # every one, once
    assert "not listed here" not in text
    # The terminal names the summary among the places that hold every failure.
    result.stdout.fnmatch_lines(["linkrules: every failing page is in report.xml (JUnit XML), the job summary"])


def test_a_job_summary_past_githubs_limit_lists_what_fits_and_says_how_many_more_and_where(
    pytester: pytest.Pytester, actions: Path
) -> None:
    from pytest_linkrules.report.github import SUMMARY_LIMIT

    orphan_site(pytester.path, orphans=500, broken=3)
    # An earlier command of the same step wrote most of its 1 MiB.
    earlier = "earlier step\n" + "x" * (SUMMARY_LIMIT - 14_000) + "\n"
    actions.write_text(earlier, encoding="utf-8")
    result = run(pytester, "--linkrules-no-suggestions", "--junitxml=report.xml", "-q")
    result.assert_outcomes(failed=503, passed=3)
    data = actions.read_bytes()
    assert len(data) <= SUMMARY_LIMIT
    text = data.decode("utf-8")[len(earlier) :]
    assert text.startswith("## linkrules: 503 failures\n")
    table, listed = summary_pages(text)
    present = set(table) | set(listed)
    assert len(table) == 100 and 0 < len(listed) < 503
    left = 503 - len(present)
    assert text.splitlines()[-1] == (
        f"… and {left:,} more failures not listed here: GitHub keeps at most 1 MiB of job summary per step. "
        "Every failure is in report.xml (JUnit XML)."
    )
    # The last list is closed before that line, so the Markdown after it still renders.
    assert text.count("<details>") == text.count("</details>")
    # The terminal does not count the cut summary among the complete reports.
    result.stdout.fnmatch_lines(["linkrules: every failing page is in report.xml (JUnit XML)"])


def test_a_missing_page_that_fails_most_pages_is_named_once_in_each_report(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian's JDK docs: every page's footer links to a copyright page the package leaves out."""
    site = pytester.path / "public"
    site.mkdir()
    footer = '<footer><a href="/legal/copyright.html">Copyright</a></footer>'
    links = "".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(14))
    (site / "index.html").write_text(PAGE.format(title="Home", href="/p0.html").replace("</main>", links + "</main>" + footer))
    for i in range(14):
        odd = '<a href="/gone.html">gone</a>' if i == 3 else ""  # one page's own broken link: not a shared cause
        (site / f"p{i}.html").write_text(PAGE.format(title=f"P {i}", href="/").replace("</main>", odd + "</main>" + footer))
    (pytester.path / "linkrules.toml").write_text('[site]\nroot = "public"\nstart = ["/"]\nrender = "never"\n\n[rules.no-broken-links]\n')
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(pytester.path / "summary.md"))
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider", *QUIET, "--html=report.html")
    assert result.ret == 1
    cause = "15 of 15 failing pages link to /legal/copyright.html (no such page)"
    at = result.outlines.index("no-broken-links: 15 pages (10 shown, 5 not)")
    assert result.outlines[at + 1] == f"  {cause}"
    assert f"linkrules: note: no-broken-links: {cause}" in result.outlines  # the report header
    assert not any("gone.html (no such page)" in line for line in result.outlines)
    escaped = cause.replace(".", "\\.").replace("(", "\\(").replace(")", "\\)")  # Markdown: page text stays text
    assert f"| no\\-broken\\-links | 15 | {escaped} |" in (pytester.path / "summary.md").read_text(encoding="utf-8")
    assert f"<td>15</td><td>{cause}</td>" in (pytester.path / "report.html").read_text(encoding="utf-8")
