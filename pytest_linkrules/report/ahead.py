"""Failure texts written ahead, on the machine's other core, while pytest runs the items.

Each failing page's text (its click path, its inlinks, the suggested fixes)
is written when a report first reads it (items.TextRepr): ~60-130 µs each at
1M pages, 44,000 of them in the 1M benchmark, all on the one core the pytest
process runs on, between pytest's own per-item work; with ``--html`` its
evidence (report.html) too. Both depend only on the violation, its place in
the run and the finished graph, so a forked child writes them, in the order
the items run, while the parent runs pytest's protocol; the parent reads
each one when a report asks for it.

The child shares the graph copy-on-write (nothing is pickled) and writes
length-prefixed UTF-8 records to an anonymous in-memory file. The parent
never depends on it: a text not written yet (the child is behind, or slow
for more than a moment) or lost (the child died) is written in the parent
as before, so the output is the same whether the child helps or not. Used
on Linux only (fork is not safe with macOS's system frameworks, Windows has
none; memfd_create is Linux's), outside xdist, with no other Python thread
running, and for at least AHEAD_FROM texts: below that, writing them in
place costs less than the fork.
"""

from __future__ import annotations

import gc
import os
import signal
import struct
import sys
import threading
import time
import warnings
from typing import Callable, Collection, Iterable, Sequence

AHEAD_FROM = 1_000  # texts; a test lowers it
WAIT_SECONDS = 0.05  # for a text the child is writing, before writing it here
_HEADER = struct.Struct("<II")  # the item's number in the run order, the record's length in bytes
_PART = struct.Struct("<I")  # a part's length in bytes, before it
_READ = 1 << 20


class TextsAhead:
    """Texts ``write(k)`` for k in range(count), written by a forked child; ``take(k, part)`` is one or None.

    ``write(k)`` gives the texts of item k as a tuple of parts (the failure
    text, the HTML evidence); each part is taken once.
    """

    def __init__(self, count: int, write: Callable[[int], Sequence[str]], first: Collection[int] = ()) -> None:
        # Texts ``first`` are written here, before the fork: the graph's lazy
        # indexes they read are then built once, for both processes.
        self._texts: dict[int, list[str | None]] = {k: list(write(k)) for k in first}
        self._first = set(self._texts)
        self.taken = 0  # texts a report took from here (not written in its turn)
        self._buffer = bytearray()
        self._next = 0  # texts before this one were read from the file, or given up
        self._read_at = 0  # bytes of the file read so far
        # An anonymous in-memory file, not a pipe: the child writes every text
        # and exits, instead of living (and keeping the parent's memory shared,
        # so each page the parent writes to is copied) until the last is read.
        fd = os.memfd_create("linkrules-texts", os.MFD_CLOEXEC)
        with warnings.catch_warnings():
            # Python 3.12+ warns about forking with threads alive; the only ones
            # here are native (a BLAS pool), and the child takes none of their locks.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: write, then leave without running the parent's exit handlers
            try:
                _write_all(fd, [k for k in range(count) if k not in self._texts], write)
            finally:
                os._exit(0)
        self._fd: int | None = fd  # read with pread: the file offset is the child's
        self._pid: int | None = pid

    def take(self, k: int, part: int = 0) -> str | None:
        """Part ``part`` of text k if the child wrote it (each is taken once), else None: write it yourself."""
        if k not in self._texts and self._fd is not None and k >= self._next:
            self._read_until(k)
        parts = self._texts.get(k)
        if parts is None or part >= len(parts):
            return None
        text, parts[part] = parts[part], None
        if not any(parts):
            del self._texts[k]
        self.taken += part == 0 and text is not None
        return text

    def _read_until(self, k: int) -> None:
        """Read what the child has written; wait a moment only if it is writing text k now."""
        assert self._fd is not None
        waited = 0.0
        while k not in self._texts:
            chunk = os.pread(self._fd, _READ, self._read_at)
            if chunk:
                self._read_at += len(chunk)
                self._buffer += chunk
                self._parse(k)
                continue
            if self._pid is None:
                return  # the child has finished and all it wrote is read
            if _finished(self._pid):
                self._pid = None  # it just finished: read once more
                continue
            if k != self._writing() or waited >= WAIT_SECONDS:
                return  # the child is behind, or slow (a loaded machine): the parent writes this one
            time.sleep(0.001)
            waited += 0.001

    def _writing(self) -> int:
        """The text the child is writing now (unless it has finished)."""
        k = self._next
        while k in self._first:
            k += 1
        return k

    def _parse(self, wanted_from: int) -> None:
        """Move every whole record out of the buffer; texts before ``wanted_from`` are no longer asked for."""
        view, at = memoryview(self._buffer), 0
        while len(view) - at >= _HEADER.size:
            k, size = _HEADER.unpack_from(view, at)
            end = at + _HEADER.size + size
            if end > len(view):
                break
            if k >= wanted_from:
                self._texts[k] = _split(view[at + _HEADER.size : end])
            self._next, at = k + 1, end
        view.release()
        del self._buffer[:at]

    def close(self) -> None:
        """Stop the child if it is still writing (a run stopped early), reap it, free the file."""
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)  # it only writes texts: nothing to clean up
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._pid = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _finished(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] != 0
    except ChildProcessError:  # reaped by someone else's SIGCHLD handler
        return True


def _write_all(fd: int, numbers: Iterable[int], write: Callable[[int], Sequence[str]]) -> None:
    gc.disable()  # a short-lived child: the collector would only copy the parent's pages
    with open(fd, "wb", buffering=_READ, closefd=False) as out:
        for k in numbers:
            data = b"".join(_PART.pack(len(b)) + b for b in (t.encode("utf-8", "surrogatepass") for t in write(k)))
            out.write(_HEADER.pack(k, len(data)))
            out.write(data)
            out.flush()  # each text as soon as it is written: the parent may be waiting for it


def _split(record: memoryview) -> list[str | None]:
    """The parts of one record: each its length, then its UTF-8."""
    parts: list[str | None] = []
    at = 0
    while at < len(record):
        (size,) = _PART.unpack_from(record, at)
        at += _PART.size
        parts.append(str(record[at : at + size], "utf-8", "surrogatepass"))
        at += size
    return parts


def texts_ahead(count: int, write: Callable[[int], Sequence[str]], first: Collection[int] = ()) -> TextsAhead | None:
    """A TextsAhead if it is worth and safe to fork here, else None."""
    if count < AHEAD_FROM or sys.platform != "linux" or not hasattr(os, "memfd_create") or threading.active_count() > 1:
        return None
    try:
        return TextsAhead(count, write, first)
    except OSError:  # no more processes or memory: write the texts here
        return None

