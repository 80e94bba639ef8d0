"""Keep the C allocator from returning each parsed page's memory to the kernel.

Every page Lexbor parses allocates a tree of a few hundred kilobytes and frees
it a moment later. glibc's default is to give freed memory at the top of the
heap back to the kernel once more than 128 KB of it is free, so each page's
tree was handed back and then faulted in again, page by page, for the next
one. On the 2-core benchmark machine that cost as much as the parse itself:
with the threshold raised, bare Lexbor went from 0.217 to 0.111 ms a page and
our extraction from 0.605 to 0.411 ms (``benchmarks/bench_extract.py``).

The cost is at most ``KEEP`` bytes of freed memory held per process, which
the next page reuses anyway. Other C libraries (musl, macOS, Windows) have no
such knob or a different allocator; there this does nothing.
"""

from __future__ import annotations

import ctypes
import sys

KEEP = 8 * 1024 * 1024  # bytes of freed heap a process may keep
_M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
_done = False


def keep_freed_memory() -> bool:
    """Raise glibc's trim threshold to KEEP, once per process; True if it took."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library handle, or not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = mallopt(_M_TRIM_THRESHOLD, KEEP) == 1
    return _done
