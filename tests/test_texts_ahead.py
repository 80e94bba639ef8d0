"""Failure texts written ahead by a forked child (report.ahead): the same reports, with or without it.

The plugin runs in a subprocess, as a user's does (the fork is refused where
other Python threads run, as in an xdist worker); a conftest sets the
threshold (AHEAD_FROM) and prints what the child gave.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest

from pytest_linkrules.report.ahead import TextsAhead
from test_many_failures import QUIET, orphan_site

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="texts are written ahead on Linux only")

PROBE = """
import os, signal
import pytest_linkrules.report.ahead as ahead
from pytest_linkrules.stash import STATE_KEY

ahead.AHEAD_FROM = {ahead_from}
if {small_caps}:  # pictures for 3 failures per rule, evidence for 10: all three kinds of evidence
    import pytest_linkrules.report.html as html
    html.MAX_PICTURES_PER_RULE, html.MAX_EVIDENCE_PER_RULE = 3, 10

if {kill}:  # the child dies after two texts (killed, out of memory): always before the last
    parent, real = os.getpid(), ahead.texts_ahead

    def texts_ahead(count, write, first=()):
        written = []

        def dying(k):
            if os.getpid() != parent:
                if len(written) == 2:
                    os.kill(os.getpid(), signal.SIGKILL)
                written.append(k)
            return write(k)

        return real(count, dying, first)

    ahead.texts_ahead = texts_ahead

def pytest_unconfigure(config):
    state = config.stash[STATE_KEY]
    print("AHEAD", "none" if state.ahead is None else state.ahead.taken)
"""


def run(pytester: pytest.Pytester, ahead_from: int, kill: bool = False, *args: str) -> tuple[str, str]:
    """JUnit XML without its times, and what the probe printed."""
    pytester.makeconftest("import pytest\n" + PROBE.format(ahead_from=ahead_from, kill=kill, small_caps="--html=report.html" in args))
    result = pytester.runpytest_subprocess("--linkrules", "-p", "no:cacheprovider", *QUIET, "--junitxml=out.xml", *args)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    xml = re.sub(r' (time|timestamp|hostname)="[^"]*"', "", (pytester.path / "out.xml").read_text(encoding="utf-8"))
    probe = [line for line in result.outlines if line.startswith("AHEAD ")]
    return xml, probe[-1]


def html_tests(path: Path) -> dict[str, list[str]]:
    """pytest-html's entry of each test (its row, its extras: our evidence), durations aside."""
    text = path.read_text(encoding="utf-8")
    blob = json.loads(html.unescape(re.search(r'data-jsonblob="([^"]*)"', text).group(1)))  # type: ignore[union-attr]
    out = {}
    for test_id, entries in blob["tests"].items():
        rows = []
        for entry in entries:
            entry.pop("duration", None)
            entry["resultsTableRow"] = [re.sub(r'<td class="col-duration">[^<]*</td>', "", cell) for cell in entry["resultsTableRow"]]
            rows.append(json.dumps(entry, sort_keys=True))
        out[test_id] = rows
    return out


def test_texts_written_ahead_give_the_same_reports(pytester: pytest.Pytester) -> None:
    orphan_site(pytester.path, orphans=40, broken=5)
    alone, none = run(pytester, ahead_from=10**9)
    helped, taken = run(pytester, ahead_from=1)
    assert none == "AHEAD none"
    assert taken == "AHEAD 45"  # every failing page's text came from the child (or the first of its rule)
    assert helped == alone
    assert helped.count("<failure ") == 45


def test_evidence_written_ahead_gives_the_same_html_report(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_html")
    orphan_site(pytester.path, orphans=40, broken=5)
    args = ("--html=report.html", "--self-contained-html")
    run(pytester, 10**9, False, *args)
    alone = html_tests(pytester.path / "report.html")
    _, taken = run(pytester, 1, False, *args)
    helped = html_tests(pytester.path / "report.html")
    assert taken == "AHEAD 45"
    assert helped == alone
    evidence = [row for rows in helped.values() for row in rows if "linkrules-evidence" in row]
    assert len(evidence) == 15  # 10 orphans and all 5 pages with a broken link
    assert sum("Neighbourhood" in row for row in evidence) == 6  # pictures for 3 of each rule


def test_no_child_when_only_the_terminal_reads_a_few_texts(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)  # its job summary reads every text
    orphan_site(pytester.path, orphans=40, broken=5)
    pytester.makeconftest("import pytest\n" + PROBE.format(ahead_from=1, kill=False, small_caps=False))
    result = pytester.runpytest_subprocess("--linkrules", "-p", "no:cacheprovider", *QUIET)
    assert "AHEAD none" in result.outlines
    result = pytester.runpytest_subprocess("--linkrules", "-p", "no:cacheprovider", *QUIET, "--linkrules-max-shown=all")
    assert "AHEAD 45" in result.outlines


def test_a_child_that_dies_leaves_the_texts_to_the_parent(pytester: pytest.Pytester) -> None:
    orphan_site(pytester.path, orphans=40, broken=5)
    alone, _ = run(pytester, ahead_from=10**9)
    helped, taken = run(pytester, ahead_from=1, kill=True)
    assert helped == alone
    assert 2 <= int(taken.split()[1]) <= 4  # the first text of each rule, written before the fork, and what came before the kill


def test_texts_arrive_in_order_whatever_their_size_and_characters() -> None:
    texts = ["a", "é" * 100_000, "\udcff surrogate from a badly encoded page", "", "last\nline"]
    ahead = TextsAhead(len(texts), lambda k: (texts[k], f"part two of {k}"))
    try:
        assert [ahead.take(k) for k in range(len(texts))] == texts
        assert ahead.take(0) is None  # each part is taken once
        assert [ahead.take(k, 1) for k in range(len(texts))] == [f"part two of {k}" for k in range(len(texts))]
    finally:
        ahead.close()


def test_the_parent_does_not_wait_for_a_child_that_is_behind() -> None:
    def slow(k: int) -> str:
        time.sleep(0.2 if k == 1 else 0)
        return (f"text {k}",)

    ahead = TextsAhead(4, slow, first=[0])
    try:
        assert ahead.take(0) == "text 0"  # written before the fork
        began = time.monotonic()
        assert ahead.take(2) is None  # the child is still on text 1
        assert time.monotonic() - began < 0.1
        time.sleep(0.5)  # the child has finished: what it wrote after text 2 is still taken
        assert ahead.take(3) == "text 3"
    finally:
        ahead.close()


def test_closing_stops_a_child_still_writing() -> None:
    ahead = TextsAhead(10**6, lambda k: ("x" * 1000,))
    pid = ahead._pid
    assert pid is not None
    ahead.close()  # stops the child and reaps it
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
