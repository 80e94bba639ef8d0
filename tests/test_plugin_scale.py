"""Plugin behaviour that exists for large sites: the built site isn't walked for tests."""

from __future__ import annotations

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
