"""A one-line progress display for long crawls: pages done, queued, rate.

The crawl runs in pytest_sessionstart, before pytest prints anything, so the
line is drawn with carriage returns and erased when the crawl ends; the report
header then says what was crawled. Nothing is written unless the stream is a
terminal (CI logs stay clean).
"""

from __future__ import annotations

import time
from typing import TextIO


class TerminalProgress:
    """Called as ``progress(done, queued)``; redraws at most every ``every`` seconds."""

    def __init__(self, stream: TextIO, label: str = "linkrules", every: float = 0.5) -> None:
        self.stream = stream
        self.label = label
        self.every = every
        self.began = time.perf_counter()
        self._last = float("-inf")
        self._width = 0

    def __call__(self, done: int, queued: int) -> None:
        now = time.perf_counter()
        if now - self._last < self.every:
            return
        self._last = now
        rate = done / max(now - self.began, 1e-6)
        line = f"{self.label}: {done:,} pages done, {queued:,} queued, {rate:.1f} pages/s"
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
