"""The shipped example and the generated docs: what the README promises works.

The example blog is copied into pytester's folder and checked as a user would
run it, so a change in the crawl, the graph or a rule that moves its outcome
shows up here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example-rules" / "blog"

# The planted problems, one line each (example-rules/blog/README.md says why).
PLANTED = {
    "linkrules.toml::max-depth[/blog/log-files-part-3/]",
    "linkrules.toml::max-depth[/blog/log-files-part-4/]",
    "linkrules.toml::min-inlinks[/guides/site-speed/]",
    "linkrules.toml::no-orphans[/landing/free-seo-audit/]",
    "linkrules.toml::no-archive-only[/blog/robots-txt-mistakes/]",
    "linkrules.toml::no-broken-links[/blog/long-tail-keywords/]",
}
RULE_ITEMS = {
    "linkrules.toml::crawl",
    "linkrules.toml::max-depth",
    "linkrules.toml::min-inlinks",
    "linkrules.toml::no-orphans",
    "linkrules.toml::no-archive-only",
    "linkrules.toml::no-broken-links",
}


@pytest.fixture
def example(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(EXAMPLE, pytester.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".pytest_cache"))
    return pytester


def test_example_fails_exactly_the_planted_pages(example: pytest.Pytester) -> None:
    reprec = example.inline_run("--linkrules")
    failed = {r.nodeid for r in reprec.getreports("pytest_runtest_logreport") if r.failed}
    passed = {r.nodeid for r in reprec.getreports("pytest_runtest_logreport") if r.passed and r.when == "call"}
    assert failed == PLANTED
    assert passed == RULE_ITEMS


def test_expected_failures_file_lists_the_planted_pages() -> None:
    """scripts/demo.sh checks the run against this file, so it must agree with the test."""
    lines = (EXAMPLE / "expected-failures.txt").read_text(encoding="utf-8").splitlines()
    listed = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert listed == PLANTED


def test_example_failures_explain_themselves(example: pytest.Pytester) -> None:
    result = example.runpytest("--linkrules")
    result.stdout.fnmatch_lines(
        [
            "/blog/log-files-part-4/ is 5 clicks from the start page, max is 3 (max-depth)",
            "Click path (5 clicks): / -> * -> /blog/log-files-part-1/ -> /blog/log-files-part-2/"
            " -> /blog/log-files-part-3/ -> /blog/log-files-part-4/",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "/guides/site-speed/ has 2 inlinks, needs 3 (min-inlinks)",
            "*Linked from 3 page(s), 2 counted (reachable, followed):",
            '*/landing/free-seo-audit/  "site speed"  [[]source not reachable[]]',
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "/blog/long-tail-keywords/ has 1 broken internal link: /guides/keyword-research-basics/ (no-broken-links)",
        ]
    )
    result.stdout.fnmatch_lines(["/blog/robots-txt-mistakes/ is reachable only through archive pages (no-archive-only)"])
    result.stdout.fnmatch_lines(["/landing/free-seo-audit/ is not reachable from any start page (no-orphans)"])
    assert "Traceback" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_example_k_selects_one_rule(example: pytest.Pytester) -> None:
    """The README's `-k orphan` runs the no-orphans items only."""
    result = example.runpytest("--linkrules", "-k", "orphan", "-rf")
    result.assert_outcomes(failed=1, passed=1, deselected=len(PLANTED) - 1 + len(RULE_ITEMS) - 1)
    result.stdout.fnmatch_lines(["FAILED linkrules.toml::no-orphans[[]/landing/free-seo-audit/[]] - *"])


def test_readme_shows_the_example_config() -> None:
    """The README's config and the example's are the same text, so the README's is known to work."""
    config = (EXAMPLE / "linkrules.toml").read_text(encoding="utf-8")
    assert config.strip() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_rules_doc_is_current() -> None:
    """docs/rules.md and the README's table of rules match the rules' docstrings."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_rules_doc.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + "\n(docs/rules.md and the README's rules table are generated)"


def test_workflows_run_the_documented_commands() -> None:
    """CI runs the README's test command on every supported Python; the users' copy runs the gate."""
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    job = ci["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12", "3.13"]
    assert [s["run"] for s in job["steps"] if s.get("name") == "Tests"] == ["bash scripts/test.sh"]
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").rstrip().endswith("exec bash scripts/test.sh")

    users = yaml.safe_load((ROOT / "example-rules" / "github-workflow.yml").read_text(encoding="utf-8"))
    runs = [s.get("run", "") for s in users["jobs"]["linkrules"]["steps"]]
    assert "pytest --linkrules --junitxml=linkrules-report.xml --html=linkrules-report.html --self-contained-html" in runs
    # pytest's cache (the crawl cache, auto's render verdict) is restored before the gate runs.
    steps = users["jobs"]["linkrules"]["steps"]
    cache = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/cache"))
    gate = next(i for i, s in enumerate(steps) if s.get("run", "").startswith("pytest --linkrules"))
    assert steps[cache]["with"]["path"] == ".pytest_cache" and cache < gate
    uploads = [s for s in users["jobs"]["linkrules"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"].split() == ["linkrules-report.html", "linkrules-report.xml"]


def test_composite_action_runs_the_gate_and_uploads_the_reports() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the action file")
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    check = next(s for s in steps if s.get("name") == "Check internal links")
    assert "--linkrules --linkrules-config=\"$CONFIG\"" in check["run"] and "--html=linkrules-report.html" in check["run"]
    # No input is pasted into a script: they arrive as environment variables.
    assert all("${{" not in s.get("run", "") for s in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"].split() == ["linkrules-report.html", "linkrules-report.xml"]


def _action_step(name: str) -> str:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return next(s for s in action["runs"]["steps"] if s.get("name") == name)["run"]


def _run_with_fake_python(script: str, tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run an action step's script as the runner does (bash -e), with `python -m ...` recorded, not run."""
    import os

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    record = tmp_path / "argv"  # -m's arguments, NUL-separated
    fake = bin_dir / "python"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'if [ "$1" = "-m" ]; then printf "%s\\0" "$@" > {record}; exit 0; fi\n'
        f'exec {sys.executable} "$@"\n'
    )
    fake.chmod(0o755)
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", **env},
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    argv = record.read_text().split("\0")[:-1] if record.exists() else []
    return done, argv


def test_composite_action_passes_quoted_args_to_pytest_as_a_shell_would(tmp_path: Path) -> None:
    script = _action_step("Check internal links")
    done, argv = _run_with_fake_python(
        script, tmp_path / "quoted", {"CONFIG": "site/linkrules.toml", "ARGS": '-k "max-depth and /blog/" --linkrules-render=never'}
    )
    assert done.returncode == 0, done.stderr
    assert argv[:4] == ["-m", "pytest", "--linkrules", "--linkrules-config=site/linkrules.toml"]
    assert argv[-3:] == ["-k", "max-depth and /blog/", "--linkrules-render=never"]
    # Nothing in args is expanded or run by the shell.
    done, argv = _run_with_fake_python(script, tmp_path / "hostile", {"CONFIG": "x", "ARGS": "$(touch pwned) `id` *"})
    assert argv[-4:] == ["$(touch", "pwned)", "`id`", "*"] and not (tmp_path / "hostile" / "pwned").exists()


def test_composite_action_stops_on_args_a_shell_could_not_split(tmp_path: Path) -> None:
    done, argv = _run_with_fake_python(_action_step("Check internal links"), tmp_path, {"CONFIG": "x", "ARGS": '-k "unclosed'})
    assert done.returncode != 0 and argv == []
    assert "pytest-linkrules action: args: No closing quotation in '-k \"unclosed'" in done.stderr


def test_composite_action_installs_its_own_checkout_unless_told_otherwise(tmp_path: Path) -> None:
    script = _action_step("Install pytest-linkrules")
    _, argv = _run_with_fake_python(script, tmp_path / "own", {"PACKAGE": "", "ACTION_PATH": "/actions/pytest-linkrules"})
    assert argv == ["-m", "pip", "install", "/actions/pytest-linkrules[html]"]
    _, argv = _run_with_fake_python(script, tmp_path / "given", {"PACKAGE": "pytest-linkrules[html]==0.1.0", "ACTION_PATH": "/a"})
    assert argv == ["-m", "pip", "install", "pytest-linkrules[html]==0.1.0"]
