"""A crawl cache left in any state by a killed or hostile run is never trusted blindly.

Shards truncated mid-write, filled with garbage, or surrounded by a killed
writer's temporary files must give exactly the pages a crawl without a cache
gives.
"""

from __future__ import annotations

import os
from pathlib import Path

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site


def make_site(root: Path, n: int = 600) -> None:
    """Enough pages for several shards and the process pool."""
    root.mkdir()
    (root / "index.html").write_text("".join(f'<a href="/p{i}.html">{i}</a>' for i in range(n)))
    for i in range(n):
        (root / f"p{i}.html").write_text(f'<title>P{i}</title><a href="/p{(i + 1) % n}.html">next</a>')
    (root / "deep.html").write_text("<div>" * 5000)  # refused: the refusal is cached too


def pages_of(root: Path, cache: Path | None):
    result = crawl_site(SiteConfig(root=root, render="never"), cache_dir=cache)
    return {url: (p.title, p.error, tuple(l.target for l in p.links)) for url, p in result.pages.items()}


def test_damaged_cache_files_are_ignored(tmp_path: Path) -> None:
    root, cache = tmp_path / "site", tmp_path / "cache"
    make_site(root)
    fresh = pages_of(root, None)
    assert fresh["/deep.html"][1].startswith("markup nested more than")
    assert pages_of(root, cache) == fresh  # first run fills the cache
    shards = [p for p in cache.rglob("*") if p.is_file()]
    assert shards, "the crawl wrote no cache"
    for n, shard in enumerate(shards):
        data = shard.read_bytes()
        # A torn write, random bytes, an empty file, in turn.
        shard.write_bytes([data[: len(data) // 2], os.urandom(len(data)), b""][n % 3])
        (shard.parent / f".tmp-{n}{shard.suffix}").write_bytes(data[:10])  # a killed writer's leftover
    assert pages_of(root, cache) == fresh
    assert pages_of(root, cache) == fresh  # and the rewritten cache is good

