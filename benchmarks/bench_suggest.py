"""How often link suggestions name the page that really held a link: recall@5 on real sites.

For each site: crawl it (static, no browser), pick N content links at random
(a followed link in page content, from a reachable page, one per target
page), remove them all (every link from that source to that target, and the
anchor text from the source's kept text, so the words of the link don't give
it away), rebuild the graph, and ask for 5 suggestions per target. A hit is
the page that held the link among the 5.

The baseline is "pages in the same folder": 5 of the target's folder
mates (reachable, not already linking), picked at random; its recall is the
expectation, min(1, 5 / folder mates) when the source is one of them. A
second baseline takes the 5 shallowest folder mates.

    python benchmarks/bench_suggest.py                      # the four sites under /work/sites
    python benchmarks/bench_suggest.py --sites sphinx -n 100
    python benchmarks/bench_suggest.py --set W_TEXT=0.5     # try other weights (suggest.py constants)
    python benchmarks/bench_suggest.py --bounded            # the bounded ranking of large sites, at its default caps
    python benchmarks/bench_suggest.py --bounded --budget per_source=300 text=20
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_linkrules import suggest  # noqa: E402
from pytest_linkrules.config import SiteConfig  # noqa: E402
from pytest_linkrules.crawl import crawl_site  # noqa: E402
from pytest_linkrules.graph import UNREACHABLE, SiteGraph  # noqa: E402

SITES = {
    "sphinx": ("/work/sites/sphinx-doc/usr/share/doc/sphinx-doc/html", "/"),
    "boost": ("/work/sites/libboost1.81-doc/usr/share/doc/libboost1.81-doc/doc/html", "/"),
    "libstdc++": ("/work/sites/libstdc++-12-doc/usr/share/doc/libstdc++-12-doc/libstdc++", "/"),
    "cppreference": ("/work/sites/cppreference-doc-en-html/usr/share/cppreference/doc/html", "/en/"),
}


def pick_links(graph: SiteGraph, n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """N (source, target, anchor) content links, one per target, sources reachable."""
    g = graph
    ok = g.edge_content & g.edge_followed & ~g.edge_redirect & (g.depths[g.edge_src] != UNREACHABLE)
    edges = np.flatnonzero(ok).tolist()
    rng.shuffle(edges)
    chosen, targets = [], set()
    for e in edges:
        s, t = g.urls[int(g.edge_src[e])], g.urls[int(g.edge_dst[e])]
        if t in targets:
            continue
        anchor = next((x.anchor for x in g.pages[s].links if x.target == t and x.in_content), "")
        chosen.append((s, t, anchor))
        targets.add(t)
        if len(chosen) == n:
            break
    return chosen


def remove_links(pages: dict, removed: list[tuple[str, str, str]]) -> dict:
    out = dict(pages)
    by_source: dict[str, list[tuple[str, str]]] = {}
    for s, t, a in removed:
        by_source.setdefault(s, []).append((t, a))
    for s, items in by_source.items():
        gone = {t for t, _ in items}
        text = out[s].text
        for _, anchor in items:
            if anchor:
                text = text.replace(anchor, " ")
        out[s] = replace(out[s], links=tuple(x for x in out[s].links if x.target not in gone), text=text)
    return out


def run(name: str, root: str, start: str, n: int, seed: int, cache_dir: Path | None = None, budget: "suggest.Budget | None" = None) -> dict:
    t0 = time.perf_counter()
    crawl = crawl_site(SiteConfig(root=Path(root), start=(start,), render="never"), cache_dir=cache_dir)
    graph = SiteGraph(crawl.pages, crawl.starts)
    crawl_s = time.perf_counter() - t0
    rng = random.Random(seed)
    removed = pick_links(graph, n, rng)
    g2 = SiteGraph(remove_links(crawl.pages, removed), crawl.starts)
    c0 = time.process_time()
    w0 = time.perf_counter()
    sg = suggest.Suggester(g2, budget)
    needs = [suggest.Need(t) for _, t, _ in removed]
    found = sg.suggest(needs)
    cpu = time.process_time() - c0
    wall = time.perf_counter() - w0
    hits = [s in {x.page for x in found[suggest.Need(t)]} for s, t, _ in removed]
    # Baselines: same-folder pages that are candidates (reachable, not linking already).
    linking = sg._linking
    folder_hits, shallow_hits, in_folder = [], [], 0
    for s, t, _ in removed:
        ti = g2.index[t]
        mates = np.flatnonzero((sg.folder == sg.folder[ti]) & sg.usable)
        col = linking.indices[linking.indptr[ti] : linking.indptr[ti + 1]]
        mates = np.setdiff1d(mates, np.append(col, ti))
        si = g2.index[s]
        if si in set(mates.tolist()):
            in_folder += 1
            folder_hits.append(min(1.0, 5 / len(mates)))
            order = mates[np.lexsort((mates, g2.depths[mates]))][:5]
            shallow_hits.append(float(si in set(order.tolist())))
        else:
            folder_hits.append(0.0)
            shallow_hits.append(0.0)
    k = len(removed)
    return {
        "site": name,
        "pages": len(g2.urls),
        "links": k,
        "recall@5": sum(hits) / k if k else 0.0,
        "folder_random": sum(folder_hits) / k if k else 0.0,
        "folder_shallow": sum(shallow_hits) / k if k else 0.0,
        "source_in_folder": in_folder / k if k else 0.0,
        "crawl_s": crawl_s,
        "suggest_cpu_s": cpu,
        "suggest_wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", nargs="*", default=list(SITES), help=f"which of: {', '.join(SITES)}")
    parser.add_argument("-n", type=int, default=300, help="links removed per site (default 300)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, help="crawl cache folder, so reruns skip the crawl")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a weight in suggest.py")
    parser.add_argument("--bounded", action="store_true", help="rank with the bounded path of sites over exhaustive_pages (forced: exhaustive_pages=0)")
    parser.add_argument("--budget", nargs="*", default=[], metavar="KEY=N", help="with --bounded: per_source, text, idf_sample")
    args = parser.parse_args()
    budget = None
    if args.bounded:
        budget = suggest.Budget(exhaustive_pages=0, **{k: int(v) for k, _, v in (item.partition("=") for item in args.budget)})
        print(f"bounded ranking: {budget}")
    for item in args.set:
        key, _, value = item.partition("=")
        setattr(suggest, key, float(value))
    print(f"{'site':<13} {'pages':>6} {'links':>5} {'recall@5':>8} {'folder(random)':>14} {'folder(shallow)':>15} {'src in folder':>13} {'suggest CPU s':>13}")
    for name in args.sites:
        root, start = SITES[name]
        r = run(name, root, start, args.n, args.seed, args.cache_dir, budget)
        print(
            f"{r['site']:<13} {r['pages']:>6} {r['links']:>5} {r['recall@5']:>8.3f} {r['folder_random']:>14.3f} "
            f"{r['folder_shallow']:>15.3f} {r['source_in_folder']:>13.2f} {r['suggest_cpu_s']:>13.2f}",
            flush=True,
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
