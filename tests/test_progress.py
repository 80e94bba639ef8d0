"""The progress line: drawn on terminals only, never under -q, erased at the end."""

from __future__ import annotations

import io
import sys

from pytest_linkrules.crawl.progress import TerminalProgress
from pytest_linkrules.plugin import _progress


def test_progress_redraws_one_line_and_erases_it():
    out = io.StringIO()
    progress = TerminalProgress(out, every=0.0)
    progress(10, 5)
    progress(20, 1)
    text = out.getvalue()
    assert text.startswith("\rlinkrules: 10 pages done, 5 queued, ")
    assert "\rlinkrules: 20 pages done, 1 queued, " in text and "pages/s" in text
    assert "\n" not in text
    progress.close()
    assert out.getvalue().endswith("\r")
    assert out.getvalue().rsplit("\r", 2)[-2].strip() == ""


def test_progress_is_throttled():
    out = io.StringIO()
    progress = TerminalProgress(out, every=60.0)
    for done in range(1, 100):
        progress(done, 100 - done)
    assert out.getvalue().count("\r") == 1


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_not_under_quiet(pytester, monkeypatch):
    monkeypatch.setattr(sys, "stdout", FakeTerminal())
    assert isinstance(_progress(pytester.parseconfig()), TerminalProgress)
    assert _progress(pytester.parseconfig("-q")) is None
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert _progress(pytester.parseconfig()) is None
