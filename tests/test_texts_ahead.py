"""Failure texts written ahead by a forked child (report.ahead): the same reports, with or without it.

The plugin runs in a subprocess, as a user's does (the fork is refused where
other Python threads run, as in an xdist worker); a conftest sets the
threshold (AHEAD_FROM) and prints what the child gave.
"""

from __future__ import annotations

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

@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    state = session.config.stash[STATE_KEY]
    if {kill} and state.ahead is not None:
        os.kill(state.ahead._pid, signal.SIGKILL)

def pytest_unconfigure(config):
    state = config.stash[STATE_KEY]
    print("AHEAD", "none" if state.ahead is None else state.ahead.taken)
"""


def run(pytester: pytest.Pytester, ahead_from: int, kill: bool = False) -> tuple[str, str]:
    """JUnit XML without its times, and what the probe printed."""
    pytester.makeconftest("import pytest\n" + PROBE.format(ahead_from=ahead_from, kill=kill))
    result = pytester.runpytest_subprocess("--linkrules", "-p", "no:cacheprovider", *QUIET, "--junitxml=out.xml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    xml = re.sub(r' (time|timestamp|hostname)="[^"]*"', "", (pytester.path / "out.xml").read_text(encoding="utf-8"))
    probe = [line for line in result.outlines if line.startswith("AHEAD ")]
    return xml, probe[-1]


def test_texts_written_ahead_give_the_same_reports(pytester: pytest.Pytester) -> None:
    orphan_site(pytester.path, orphans=40, broken=5)
    alone, none = run(pytester, ahead_from=10**9)
    helped, taken = run(pytester, ahead_from=1)
    assert none == "AHEAD none"
    assert taken == "AHEAD 45"  # every failing page's text came from the child (or the first of its rule)
    assert helped == alone
    assert helped.count("<failure ") == 45


def test_a_child_that_dies_leaves_the_texts_to_the_parent(pytester: pytest.Pytester) -> None:
    orphan_site(pytester.path, orphans=40, broken=5)
    alone, _ = run(pytester, ahead_from=10**9)
    helped, taken = run(pytester, ahead_from=1, kill=True)
    assert helped == alone
    assert 2 <= int(taken.split()[1]) < 45  # the first text of each rule, written before the fork, and what came before the kill


def test_texts_arrive_in_order_whatever_their_size_and_characters() -> None:
    texts = ["a", "é" * 100_000, "\udcff surrogate from a badly encoded page", "", "last\nline"]
    ahead = TextsAhead(len(texts), texts.__getitem__)
    try:
        assert [ahead.take(k) for k in range(len(texts))] == texts
        assert ahead.take(0) is None  # each text is taken once
    finally:
        ahead.close()


def test_the_parent_does_not_wait_for_a_child_that_is_behind() -> None:
    def slow(k: int) -> str:
        time.sleep(0.2 if k == 1 else 0)
        return f"text {k}"

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
    ahead = TextsAhead(10**6, lambda k: "x" * 1000)
    pid = ahead._pid
    assert pid is not None
    ahead.close()  # stops the child and reaps it
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
