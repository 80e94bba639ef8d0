"""What a new user meets first: finding linkrules.toml, --no-linkrules, a browser they named.

Run as a user would, through pytester, on a copy of tests/sites/blog.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import networkx  # noqa: F401  (imported once: pytester forgets modules a run imports)
import pytest_linkrules.plugin  # noqa: F401

SITES = Path(__file__).parent / "sites"
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:anyio")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*QUIET, *args)


def errors(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


@pytest.fixture
def blog(pytester: pytest.Pytester) -> Path:
    shutil.copytree(SITES / "blog", pytester.path, dirs_exist_ok=True)
    return pytester.path


def test_no_linkrules_turns_off_what_the_ini_turns_on(pytester: pytest.Pytester, blog: Path) -> None:
    pytester.makeini("[pytest]\nlinkrules = true\n")
    pytester.makepyfile(test_unit="def test_unit():\n    pass\n")
    on = run(pytester)
    on.assert_outcomes(passed=7, failed=5)
    off = run(pytester, "--no-linkrules")
    off.assert_outcomes(passed=1)
    assert "linkrules.toml" not in off.stdout.str()
    # The last of the two options wins, as with any on/off pair.
    run(pytester, "--no-linkrules", "--linkrules").assert_outcomes(passed=7, failed=5)


def test_config_in_the_rootdir_is_found_from_a_subfolder(pytester: pytest.Pytester, blog: Path) -> None:
    pytester.makeini("[pytest]\n")
    sub = blog / "public" / "guides"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(sub)
        result = pytester.runpytest(*QUIET, "--linkrules", f"--rootdir={blog}")
    result.assert_outcomes(passed=6, failed=5)


def test_config_beside_the_site_inside_a_python_project(pytester: pytest.Pytester) -> None:
    """A pyproject.toml above makes pytest's rootdir the project; the site's own linkrules.toml is used."""
    pytester.makefile(".toml", pyproject="[tool.pytest.ini_options]\n")
    site = pytester.path / "website"
    shutil.copytree(SITES / "blog", site)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(site)
        result = pytester.runpytest(*QUIET, "--linkrules")
    result.assert_outcomes(passed=6, failed=5)
    assert "linkrules.toml::no-orphans[/drafts/forgotten/]" in result.stdout.str()


def test_no_config_names_one_found_further_down(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n")
    shutil.copytree(SITES / "blog", pytester.path / "website")
    result = run(pytester, "--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0] == (
        f"ERROR: --linkrules: no linkrules.toml in {pytester.path}; "
        "found website/linkrules.toml: pass --linkrules-config=website/linkrules.toml"
    )


def test_a_browser_the_user_named_that_does_not_start_is_an_error(
    pytester: pytest.Pytester, blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a header note and a static run: the user asked for that browser."""
    (blog / "public" / "index.html").write_text(
        (blog / "public" / "index.html").read_text(encoding="utf-8").replace("</body>", "<script>1</script></body>"),
        encoding="utf-8",
    )
    missing = pytester.path / "no-such-chromium"
    monkeypatch.setenv("LINKRULES_BROWSER", str(missing))
    result = run(pytester, "--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = errors(result)
    assert f"the browser named by LINKRULES_BROWSER could not be started: browser '{missing}' given by LINKRULES_BROWSER does not exist" in text
    assert "Traceback" not in text
    # The option says the same, before anything is crawled.
    monkeypatch.delenv("LINKRULES_BROWSER")
    result = run(pytester, "--linkrules", f"--linkrules-browser-path={missing}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"--linkrules-browser-path: {missing}: no such file" in errors(result)
