"""Page text that tries to talk to the CI runner, the terminal or a spreadsheet.

A page links with hrefs whose percent-escapes decode to CR/LF followed by
GitHub workflow commands, has a title and anchor holding ANSI escape codes,
and a title that is a spreadsheet formula. The plugin (folder and deployed
crawls) and the ``linkrules`` command run under GITHUB_ACTIONS=true, and
every line they print is read as GitHub's runner reads it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# The runner trims leading whitespace before it looks for "::"; "##[" is its older form.
COMMAND = re.compile(r"^\s*::|##\[", re.IGNORECASE)
ESC = "\x1b"

HOSTILE_INDEX = (
    "<title>Home\x1b[2J\x1b[31m red</title>"
    '<a href="/x%0A::stop-commands::pwned%0Ab/">stop</a>'
    '<a href="/y%0D%0A::set-output name=a::1/">out</a>'
    '<a href="/z%0A%20%20::error::second%0A/">err</a>'
    '<a href="/deep/">deep \x1b]0;title\x07 anchor</a>'
    '<a href="/v1/">##[error]old style</a>'
)


def hostile_site(root: Path) -> Path:
    (root / "deep" / "deeper").mkdir(parents=True)
    (root / "index.html").write_text(HOSTILE_INDEX)
    (root / "deep" / "index.html").write_text('<title>=HYPERLINK("http://evil/","x")</title><a href="/deep/deeper/">d</a>')
    (root / "deep" / "deeper" / "index.html").write_text("<title>@SUM(1+1)</title>")
    (root / "v1").mkdir()
    (root / "v1" / "index.html").write_text("<title>v1</title>")
    return root


CONFIG = """[site]
{where}
[rules.no-broken-links]
[rules.max-depth]
max = 1
"""


def assert_no_injection(text: str, where: str) -> None:
    for line in text.splitlines():
        if line.startswith(("::error ", "::warning ", "::notice ")) and "::" in line[2:]:
            # Our own annotation: the only "::" lines allowed, and what follows
            # the command must be escaped data (no raw CR, LF or a second command).
            assert "\r" not in line, (where, line)
            continue
        assert not COMMAND.search(line), f"{where}: a page started a workflow command: {line!r}"
    assert ESC not in text, f"{where}: a terminal escape sequence reached the output"
    assert "\x07" not in text and "\r" not in text, where


@pytest.mark.parametrize("crawl", ["folder", "url"])
def test_plugin_output_starts_no_workflow_command(pytester: pytest.Pytester, serve, monkeypatch, crawl: str) -> None:
    root = hostile_site(pytester.path / "public")
    if crawl == "folder":
        where = 'root = "public"'
    else:
        where = f'url = "{serve(root).origin}"\nrender = "never"\ntimeout = 3'
    (pytester.path / "linkrules.toml").write_text(CONFIG.format(where=where))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(pytester.path / "summary.md"))
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider", "-rA", "-vv")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out
    assert "no-broken-links" in out and "::error " in out  # the report is there, annotations too
    assert_no_injection(out, "pytest output")
    assert "\u240a::stop-commands" in out  # the newline is shown, not obeyed


def test_command_output_starts_no_workflow_command(tmp_path: Path) -> None:
    root = hostile_site(tmp_path / "public")
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    for args in (["check", str(root), "--max-depth", "1"], ["explain", str(root), "/"]):
        done = subprocess.run(
            [sys.executable, "-m", "pytest_linkrules.cli", *args], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 1, done.stdout + done.stderr
        assert_no_injection(done.stdout + done.stderr, f"linkrules {args[0]}")


def test_csv_export_holds_no_formula(tmp_path: Path) -> None:
    root = hostile_site(tmp_path / "public")
    (root / "index.html").write_text('<a href="/deep/">deep</a><a href="/=1+2/">f</a>')
    (root / "=1+2").mkdir()
    (root / "=1+2" / "index.html").write_text("<title>f</title>")
    out = tmp_path / "links.csv"
    done = subprocess.run(
        [sys.executable, "-m", "pytest_linkrules.cli", "graph", str(root), "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert len(rows) > 2
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            assert not (cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit()), row
    assert all(row[5].isdigit() and row[9].isdigit() for row in rows[1:]), rows  # depths stay numbers


def test_each_escaping_step() -> None:
    from pytest_linkrules.report.escape import csv_cell, log_text, terminal, workflow_data, workflow_property

    assert terminal("a\nb\r\x1b[31m\x9b\u2028") == "a\u240ab\u240d\u241b[31m\ufffd\ufffd"
    assert terminal("Guide – été ✓ 指南") == "Guide – été ✓ 指南" and terminal(3) == "3"  # printable text as it is
    assert terminal("tab\there\x00\u2029") == "tab\u2409here\u2400\ufffd"
    assert log_text("ok\n  ::error::x\n\u00a0::set-output\n##[group]") == "ok\n  :\u200b:error::x\n\u00a0:\u200b:set-output\n#\u200b#[group]"
    assert workflow_data("50%\r\n::x") == "50%25%0D%0A::x"
    assert workflow_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert [csv_cell(v) for v in ("=1", "+1", "-x", "@a", "\tq", "\rq", "/a", -1, 0.5)] == [
        "'=1", "'+1", "'-x", "'@a", "'\tq", "'\rq", "/a", -1, 0.5,
    ]
