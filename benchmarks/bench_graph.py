"""Graph and metrics from an edge list, without parsing: 1M pages / 30M links by default.

Times SiteGraph.from_edges (dedupe, sort), click depth (BFS), inlink counts,
PageRank and the archive-only check, and prints the peak RSS of the process.
The edge list is random but shaped like a site: every page links to the same
~25 nav/footer pages, a long tail of content links, some nofollow, and a
few hundred "archive" pages that link to thousands of pages each.

Usage:
    python benchmarks/bench_graph.py                      # 1M pages, 30M links
    python benchmarks/bench_graph.py --pages 100000 --links 8000000 --nx
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_linkrules.graph import SiteGraph  # noqa: E402
from pytest_linkrules.model import CONTENT, NOFOLLOW  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def edge_list(n_pages: int, n_links: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    per_page = n_links // n_pages
    nav = min(25, n_pages)
    src = np.repeat(np.arange(n_pages, dtype=np.int64), per_page)
    dst = np.empty_like(src)
    slot = np.arange(len(src)) % per_page
    chrome = slot < nav
    dst[chrome] = slot[chrome]  # every page links to pages 0..24
    n_content = int((~chrome).sum())
    # Content links: mostly near the source (same section), a tail anywhere.
    near = src[~chrome] + rng.integers(-500, 500, n_content)
    anywhere = rng.integers(0, n_pages, n_content)
    dst[~chrome] = np.where(rng.random(n_content) < 0.7, near, anywhere) % n_pages
    flags = np.where(chrome, 0, CONTENT).astype(np.uint8)
    flags[rng.random(len(src)) < 0.02] |= NOFOLLOW
    return src, dst, flags


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1_000_000)
    parser.add_argument("--links", type=int, default=30_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nx", action="store_true", help="also build the networkx view (slow at 1M pages)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    src, dst, flags = edge_list(args.pages, args.links, args.seed)
    urls = [f"/p/{i}/" for i in range(args.pages)]
    print(f"edge list: {args.pages:,} pages, {len(src):,} links in {time.perf_counter() - t0:.1f}s "
          f"(not counted), peak {peak_mb():,.0f} MB", flush=True)
    archive = {urls[i] for i in range(100, 100 + max(1, args.pages // 2000))}

    figures = []

    def step(name: str, fn):
        began, cpu = time.perf_counter(), time.process_time()
        out = fn()
        figures.append((name, time.perf_counter() - began, time.process_time() - cpu, peak_mb()))
        print(f"  {name:<14}{figures[-1][1]:>8.2f}s wall {figures[-1][2]:>8.2f}s CPU  peak {figures[-1][3]:>7,.0f} MB",
              flush=True)
        return out

    began = time.perf_counter()
    graph = step("build", lambda: SiteGraph.from_edges(urls, src, dst, flags, [urls[0]]))
    del src, dst, flags
    step("depth (BFS)", lambda: graph.depths)
    step("inlinks", lambda: graph._inlink_counts)
    step("pagerank", lambda: graph.pagerank)
    step("archive-only", lambda: graph.archive_only(archive.__contains__))
    total = time.perf_counter() - began
    if args.nx:
        step("networkx view", lambda: graph.nx)
    print(f"graph + metrics: {total:.1f}s wall, peak RSS {peak_mb():,.0f} MB; "
          f"{graph.n_links:,} unique edges, max depth {graph.max_depth}, {len(graph.orphans):,} orphans")
    return 0


if __name__ == "__main__":
    sys.exit(main())
