"""compare() finds the links added and removed that the search over every edge found.

compare() now pairs each page's edges with its base page's and searches only
the pages whose edges differ (pages keeping every link are most of a site);
here it is checked against the search over every edge it replaced (written
out below, as it was) on random pairs of graphs: pages added, removed and
moved in the page order, links added, removed and reordered, every flag.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from pytest_linkrules.change import _member, compare
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.graph_snapshot import GraphSnapshot, load_graphs, save_graphs
from pytest_linkrules.model import CONTENT, NOFOLLOW, REDIRECT, Link, Page


def old_compare_edges(base: GraphSnapshot, head: GraphSnapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """base_of, removed and added edges as compare() found them before, every key searched."""
    index = {u: i for i, u in enumerate(base.urls)}
    base_of = np.fromiter((index.get(u, -1) for u in head.urls), dtype=np.int64, count=head.n)
    head_of = np.full(base.n, -1, dtype=np.int64)
    ok = base_of >= 0
    head_of[base_of[ok]] = np.flatnonzero(ok)
    nh = head.n + base.n + 1
    b_src, b_dst = base.src, base.dst.astype(np.int64)
    b_src_h = head_of[b_src]
    b_dst_h = np.where(head_of[b_dst] >= 0, head_of[b_dst], head.n + b_dst)
    kept_source = b_src_h >= 0
    b_key = np.where(kept_source, b_src_h * nh + b_dst_h, -1)
    h_src, h_dst = head.src, head.dst.astype(np.int64)
    h_key = h_src * nh + h_dst
    old_source = base_of[h_src] >= 0
    removed = np.flatnonzero(kept_source & ~_member(b_key, h_key[old_source]))
    added = np.flatnonzero(old_source & ~_member(h_key, np.sort(b_key[kept_source], kind="stable")))
    removed = removed[np.lexsort((b_dst[removed], b_src[removed]))]
    added = added[np.lexsort((h_dst[added], h_src[added]))]
    return base_of, removed, added


def site(rnd: random.Random, urls: list[str], links: dict[str, list[tuple[str, int]]]) -> SiteGraph:
    pages = {u: Page(url=u, title=u, links=tuple(Link(t, t, "a", f) for t, f in links.get(u, []))) for u in urls}
    return SiteGraph(pages, [urls[0]] if urls else [])


def pair(seed: int) -> tuple[GraphSnapshot, GraphSnapshot]:
    rnd = random.Random(seed)
    n = rnd.randrange(1, 50)
    urls = ["/"] + [f"/p{i}/" for i in range(n)]
    links = {u: [(rnd.choice(urls + ["/off/"]), rnd.choice([0, CONTENT, CONTENT | NOFOLLOW, REDIRECT])) for _ in range(rnd.randrange(7))] for u in urls}
    base = site(rnd, urls, links)
    head_urls = [u for u in urls if rnd.random() > 0.1] + [f"/new{i}/" for i in range(rnd.randrange(4))]
    if rnd.random() < 0.3:  # the page order changed (another build wrote files in another order)
        rnd.shuffle(head_urls)
    head_links = {u: list(v) for u, v in links.items()}
    for u in head_urls:
        row = head_links.setdefault(u, [])
        r = rnd.random()
        if r < 0.15 and row:
            row.pop(rnd.randrange(len(row)))
        elif r < 0.3:
            row.append((rnd.choice(head_urls), CONTENT))
        elif r < 0.35:
            rnd.shuffle(row)
    return GraphSnapshot.from_graph(base), GraphSnapshot.from_graph(site(rnd, head_urls, head_links))


@pytest.mark.parametrize("seed", range(60))
def test_added_and_removed_links_match_the_search_over_every_edge(seed: int, tmp_path) -> None:
    base, head = pair(seed)
    base_of, removed, added = old_compare_edges(base, head)
    change = compare(base, head)
    assert np.array_equal(change.base_of, base_of)
    assert np.array_equal(change.removed_edges, removed)
    assert np.array_equal(change.added_edges, added)
    assert change.removed_links() == compare(base, head).removed_links()
    save_graphs(tmp_path / "g.npz", {"x": base})  # a base read from a file compares the same
    loaded = load_graphs(tmp_path / "g.npz")["x"]
    again = compare(loaded, head)
    assert np.array_equal(again.removed_edges, removed) and np.array_equal(again.added_edges, added)


def test_identical_graphs_and_empty_ones() -> None:
    base, head = pair(3)
    same = compare(base, base)
    assert len(same.removed_edges) == len(same.added_edges) == 0
    empty = GraphSnapshot.from_graph(SiteGraph({}, []))
    for a, b in ((empty, base), (base, empty), (empty, empty)):
        base_of, removed, added = old_compare_edges(a, b)
        change = compare(a, b)
        assert np.array_equal(change.removed_edges, removed) and np.array_equal(change.added_edges, added)


def old_removed_on_path(change, url: str) -> list:
    """removed_on_path as it was: every step of the old click path asked removed_into."""
    path = change.base_path(url)
    out = []
    for a, b in zip(path, path[1:]):
        out += [x for x in change.removed_into(b) if x.source == a]
    return out + [x for x in change.removed_into(url) if x not in out]


@pytest.mark.parametrize("seed", range(60))
def test_removed_links_on_old_click_paths_match_asking_at_every_step(seed: int) -> None:
    base, head = pair(seed)
    change = compare(base, head)
    for url in head.urls + base.urls:
        assert change.removed_on_path(url) == old_removed_on_path(change, url)
