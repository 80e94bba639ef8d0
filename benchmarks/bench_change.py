"""Speed of the change report and of link suggestions on 100k-page graphs (no HTML, no pytest).

    python benchmarks/bench_change.py --pages 100000 --links 80 --failing 1000

Compare: two synthetic graphs of ``--pages`` pages and ~``--links`` links a
page (10 nav links on every page, the rest in content); the head drops one
nav link from every page (a menu edit) and 1 % of content links, and adds
1 % new ones. Timed: the head's snapshot, comparing, every figure the
reports read (counts, lists, most affected, the Markdown section), and
saving and loading the base snapshot (.npz).

Suggest: ``--failing`` random pages get 5 suggestions each on the head graph,
with page text taken from real documentation pages (the sites under
/work/sites, crawled through --cache-dir if given), repeated over the pages
with a few page-specific words so the vocabulary grows with the site.
Prints wall and CPU seconds (CPU is the steadier figure on a shared machine).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_linkrules.change import compare  # noqa: E402
from pytest_linkrules.graph import SiteGraph  # noqa: E402
from pytest_linkrules.graph_snapshot import GraphSnapshot, load_graphs, save_graphs  # noqa: E402
from pytest_linkrules.model import CONTENT, Page  # noqa: E402
from pytest_linkrules.report.change import markdown, terminal_lines  # noqa: E402


class Timer:
    def __init__(self, label: str) -> None:
        self.label = label

    def __enter__(self) -> "Timer":
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        wall, cpu = time.perf_counter() - self.w, time.process_time() - self.c
        print(f"  {self.label:<44} {wall:7.2f} s wall {cpu:7.2f} s CPU", flush=True)


def edges(n: int, per_page: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nav = np.arange(1, 11)
    src_nav = np.repeat(np.arange(n), len(nav))
    dst_nav = np.tile(nav, n)
    k = per_page - len(nav)
    src_c = np.repeat(np.arange(n), k)
    local = np.minimum(n - 1, src_c + rng.integers(1, 50, len(src_c)))
    dst_c = np.where(rng.random(len(src_c)) < 0.7, rng.integers(0, n, len(src_c)), local)
    src = np.concatenate([src_nav, src_c])
    dst = np.concatenate([dst_nav, dst_c])
    flags = np.concatenate([np.zeros(len(src_nav), np.uint8), np.full(len(src_c), CONTENT, np.uint8)])
    return src, dst, flags


def real_texts(cache_dir: Path | None) -> list[tuple[str, str]]:
    from pytest_linkrules.config import SiteConfig
    from pytest_linkrules.crawl import crawl_site

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_suggest import SITES

    out = []
    for name in ("boost", "cppreference", "libstdc++"):
        root, start = SITES[name]
        if not Path(root).is_dir():
            continue
        crawl = crawl_site(SiteConfig(root=Path(root), start=(start,), render="never"), cache_dir=cache_dir)
        out += [(p.title, p.text) for p in crawl.pages.values()]
    return out or [("a page", "some text about pages and links")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--links", type=int, default=80)
    parser.add_argument("--failing", type=int, default=1000)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--skip-suggest", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    n = args.pages
    urls = ["/"] + [f"/s{i % 300}/p{i}/" for i in range(1, n)]
    src, dst, flags = edges(n, args.links, rng)
    base = SiteGraph.from_edges(urls, src, dst, flags, ["/"])
    drop = (dst == 5) & (flags == 0)  # the menu loses one entry
    drop |= (flags == CONTENT) & (rng.random(len(src)) < 0.01)
    m = int(n * args.links * 0.01)
    h_src = np.concatenate([src[~drop], rng.integers(0, n, m)])
    h_dst = np.concatenate([dst[~drop], rng.integers(0, n, m)])
    h_flags = np.concatenate([flags[~drop], np.full(m, CONTENT, np.uint8)])
    head = SiteGraph.from_edges(urls, h_src, h_dst, h_flags, ["/"])
    for g in (base, head):
        g.depths, g.pagerank, g._inlink_counts  # metrics are computed in the run anyway
    print(f"{n:,} pages, base {base.n_links:,} links, head {head.n_links:,} links")
    print("compare:")
    with Timer("base snapshot from graph"):
        base_snap = GraphSnapshot.from_graph(base, "base")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "base.npz"
        with Timer("save base snapshot (.npz)"):
            save_graphs(path, {"linkrules.toml": base_snap})
        size = path.stat().st_size
        with Timer("load base snapshot"):
            loaded = load_graphs(path)["linkrules.toml"]
    print(f"  snapshot file: {size / 1e6:.1f} MB")
    total_w, total_c = time.perf_counter(), time.process_time()
    with Timer("head snapshot from graph"):
        head_snap = GraphSnapshot.from_graph(head, "head")
    with Timer("compare"):
        change = compare(loaded, head_snap, "base.npz")
    with Timer("figures, lists, report text"):
        counts = change.counts()
        change.removed_links(), change.added_links(), change.most_affected(), change.as_dict()
        markdown(change, "linkrules.toml"), terminal_lines(change)
    print(f"  compare total: {time.perf_counter() - total_w:.2f} s wall, {time.process_time() - total_c:.2f} s CPU; {counts}")
    if args.skip_suggest:
        return
    print("suggest:")
    texts = real_texts(args.cache_dir)
    with Timer("page text for the synthetic pages"):
        for i, u in enumerate(urls):
            title, text = texts[i % len(texts)]
            head.pages[u] = Page(url=u, title=f"{title} {i % 7919}", text=f"{text} w{i % 4999} k{i % 997}")
    from pytest_linkrules.suggest import Need, Suggester

    targets = rng.choice(n, args.failing, replace=False)
    needs = [Need(urls[i]) for i in targets.tolist()]
    t_w, t_c = time.perf_counter(), time.process_time()
    with Timer("features (TF-IDF fit, outlink profile)"):
        sg = Suggester(head)
        sg._tfidf, sg._outlink_profile, sg._linking
    with Timer(f"rank {args.failing} pages, 5 suggestions each"):
        found = sg.suggest(needs)
    print(f"  suggest total: {time.perf_counter() - t_w:.2f} s wall, {time.process_time() - t_c:.2f} s CPU; "
          f"{sum(len(v) for v in found.values())} suggestions; vocabulary {sg._tfidf[0].shape[1]:,} terms")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
