"""One crawl shared by pytest-xdist workers: the controller writes it, workers read it.

xdist rejects a run whose workers collect different items, and every worker
crawling the site itself would multiply the slowest step. The controller
crawls once (pytest_sessionstart runs there before workers start), pickles
each CrawlResult into a folder it owns, and tells the workers where it is;
workers rebuild the graph and run the rules from that same snapshot, so their
items are identical by construction.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
import tempfile
from pathlib import Path

from .crawl import CrawlResult
from .crawl.cache import write_atomic


def snapshot_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="linkrules-xdist-"))


def _file(folder: Path, config_path: Path) -> Path:
    return folder / (hashlib.sha256(str(config_path).encode()).hexdigest()[:16] + ".pickle")


def save_crawl(folder: Path, config_path: Path, crawl: CrawlResult) -> None:
    write_atomic(_file(folder, config_path), pickle.dumps(crawl, protocol=pickle.HIGHEST_PROTOCOL))


def load_crawl(folder: Path, config_path: Path) -> CrawlResult | None:
    """The controller's crawl for this config, or None (the worker then crawls itself)."""
    try:
        with open(_file(folder, config_path), "rb") as f:
            crawl = pickle.load(f)
    except Exception:
        return None
    return crawl if isinstance(crawl, CrawlResult) else None


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
