"""Counting folder crawls in pytester runs, in every process (the xdist controller and workers too).

``pytester.makeconftest(COUNT_CRAWLS)``, run pytest, then ``crawls(pytester)``.
The count is kept next to the test folder, not in it: the site may be the
test folder itself, and a file changing there would change the site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

COUNT_CRAWLS = """
import os
import pytest_linkrules.crawl as crawl

_real = getattr(crawl.FolderParse, "real", crawl.FolderParse)  # pytester may import this twice

class Counting(_real):
    def __init__(self, *args, **kwargs):
        with open(os.path.dirname(__file__) + ".crawls.txt", "a") as f:
            f.write(f"{os.getpid()} cache={kwargs.get('cache_dir') is not None}\\n")
        super().__init__(*args, **kwargs)

Counting.real = _real
crawl.FolderParse = Counting
"""


def crawls(pytester: Any) -> list[str]:
    """One line per folder crawl since the last call ("<pid> cache=<bool>"); resets the count."""
    path = Path(str(pytester.path) + ".crawls.txt")
    lines = path.read_text().splitlines() if path.exists() else []
    path.unlink(missing_ok=True)
    return lines
