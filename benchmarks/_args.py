"""Command lines of the benchmarks that run pytest: their own arguments, then ``--`` and pytest's."""

from __future__ import annotations

import sys


def split_extra(argv: list[str] | None) -> tuple[list[str], list[str]]:
    """(the benchmark's arguments, the extra pytest arguments after ``--``); sys.argv when argv is None."""
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        return argv, []
    i = argv.index("--")
    return argv[:i], argv[i + 1 :]
