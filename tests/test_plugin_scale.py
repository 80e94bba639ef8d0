"""Plugin behaviour that exists for large sites: the built site isn't walked for tests."""

from __future__ import annotations

from helpers.crawlcount import COUNT_CRAWLS, crawls
from helpers.sitebuilder import chain_with_faults

CONFIG = """
[site]
root = "{root}"
start = ["/"]

[rules.no-orphans]
"""


def write_site(pytester, root: str) -> None:
    base = pytester.path / root if root != "." else pytester.path
    (base / "blog" / "a").mkdir(parents=True)
    (base / "index.html").write_text('<a href="/blog/a/">a</a>')
    (base / "blog" / "a" / "index.html").write_text('<a href="/">home</a>')
    # A test module inside the built site is site content, not a test to run.
    (base / "blog" / "a" / "test_in_site.py").write_text("def test_never_collected(): assert False")


def test_site_folders_are_not_searched_for_tests(pytester):
    write_site(pytester, "public")
    pytester.makefile(".toml", linkrules=CONFIG.format(root="public"))
    pytester.makepyfile(test_project="def test_project(): pass")
    result = pytester.runpytest("--linkrules")
    result.assert_outcomes(passed=3)  # test_project, crawl, no-orphans; nothing from public/
    assert "test_never_collected" not in result.stdout.str()


def test_site_at_the_rootdir_keeps_the_project_tests(pytester):
    write_site(pytester, ".")
    pytester.makefile(".toml", linkrules=CONFIG.format(root="."))
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_project.py").write_text("def test_project(): pass")
    result = pytester.runpytest("--linkrules", "-v")
    result.stdout.fnmatch_lines(["*tests/test_project.py::test_project PASSED*"])
    assert "test_never_collected" not in result.stdout.str()


RULES = """
[site]
root = "public"
start = ["/"]

[rules.no-orphans]

[rules.no-broken-links]
"""


def write_broken_site(pytester) -> None:
    chain_with_faults(pytester.path / "public")
    pytester.makefile(".toml", linkrules=RULES)


def test_rerun_reuses_the_crawl_cache_and_no_cache_turns_it_off(pytester):
    write_broken_site(pytester)
    pytester.runpytest("--linkrules").stdout.fnmatch_lines(["*crawl cache: 8 of 8 pages parsed*"])
    result = pytester.runpytest("--linkrules", "-k", "orphans")
    result.stdout.fnmatch_lines(["*crawl cache: 0 of 8 pages parsed*"])
    result.assert_outcomes(failed=1, passed=1, deselected=8)
    result = pytester.runpytest("--linkrules", "--linkrules-no-cache")
    assert "crawl cache" not in result.stdout.str()
    result.assert_outcomes(failed=7, passed=3)
    # --cache-clear clears the crawl cache with the rest of pytest's cache.
    pytester.runpytest("--linkrules", "--cache-clear").stdout.fnmatch_lines(["*crawl cache: 8 of 8 pages parsed*"])


def test_xdist_workers_share_one_crawl_and_collect_the_same_items(pytester):
    write_broken_site(pytester)
    pytester.makeconftest(COUNT_CRAWLS)
    single = pytester.runpytest("--linkrules", "-p", "no:xdist", "-v")
    ids = sorted(line.split()[0] for line in single.stdout.lines if line.startswith("linkrules.toml::"))
    assert len(ids) == 10
    crawls(pytester)

    # --cache-clear: else the controller would load the single run's crawl whole.
    result = pytester.runpytest("--linkrules", "-n", "2", "-v", "--cache-clear")
    result.assert_outcomes(failed=7, passed=3)  # xdist itself fails the run if workers' items differ
    done = crawls(pytester)
    assert len(done) == 1, done  # the controller crawled; both workers read its snapshot
    shown = {part for line in result.stdout.lines for part in line.split() if part.startswith("linkrules.toml::")}
    assert sorted(shown) == ids
