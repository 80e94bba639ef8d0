"""What a change (a pull request's build against its base's) does to the link graph.

``compare(base, head)`` lines the two graphs up by page URL and finds, with
array operations only (two 100k-page graphs of 8M links compare in seconds):
links added and removed between pages that exist on both sides, pages added
and removed, pages whose depth, inlinks, content inlinks or link score moved
past a threshold, and orphans made and fixed. The change rules
(rules/no_new_orphans.py and the others) and every report read the Change.

Link score is compared relative to the average page (PageRank x pages), so
a pull request that adds pages doesn't read as every page losing score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat

import numpy as np

from .graph_snapshot import E_CONTENT, GraphSnapshot

UNREACHABLE = -1
# A page is listed as changed when a figure moves at least this much.
MIN_INLINK_CHANGE = 1
MIN_INLINK_SHARE = 0.10  # ... and by this share of what it had
MIN_SCORE_SHARE = 0.10  # relative change of link score
MAX_LINKS_LISTED = 5000  # links added/removed listed one by one (reports and JSON); the rest are counted


@dataclass(frozen=True)
class LinkChange:
    source: str
    target: str
    anchor: str
    in_content: bool


@dataclass(frozen=True)
class PageChange:
    """One page on both sides, with its figures before and after (depth None: unreachable)."""

    url: str
    depth: tuple[int | None, int | None]
    inlinks: tuple[int, int]
    content_inlinks: tuple[int, int]
    score: tuple[float, float]  # x the average page

    @property
    def deeper_by(self) -> int | None:
        """Clicks deeper than before; None when either side is unreachable."""
        a, b = self.depth
        return None if a is None or b is None else b - a

    @property
    def score_change(self) -> float:
        """Relative change of link score, e.g. -0.25 for a quarter lost."""
        a, b = self.score
        return (b - a) / a if a > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "page": self.url,
            "depth": {"before": self.depth[0], "after": self.depth[1]},
            "inlinks": {"before": self.inlinks[0], "after": self.inlinks[1]},
            "content_inlinks": {"before": self.content_inlinks[0], "after": self.content_inlinks[1]},
            "link_score": {"before": round(self.score[0], 4), "after": round(self.score[1], 4)},
        }


def _depth(value: int) -> int | None:
    return None if value == UNREACHABLE else int(value)


@dataclass
class Change:
    """The difference between a base graph and a head graph; arrays are by head page number."""

    base: GraphSnapshot
    head: GraphSnapshot
    base_name: str = ""
    # head page number -> base page number (-1: new page)
    base_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    removed_pages: list[str] = field(default_factory=list)
    added_pages: list[str] = field(default_factory=list)
    # edges by number in their own graph: base edges removed, head edges added
    removed_edges: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    added_edges: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n_removed_links: int = 0
    n_added_links: int = 0

    # Figures on both sides, by head page number; base side -1/0 for new pages.
    @cached_property
    def common(self) -> np.ndarray:
        """Head page numbers of the pages that exist on both sides."""
        return np.flatnonzero(self.base_of >= 0)

    def _before(self, values: np.ndarray, missing: float) -> np.ndarray:
        out = np.full(self.head.n, missing, dtype=values.dtype)
        ok = self.base_of >= 0
        out[ok] = values[self.base_of[ok]]
        return out

    @cached_property
    def depth_before(self) -> np.ndarray:
        return self._before(self.base.depth, UNREACHABLE)

    @cached_property
    def inlinks_before(self) -> np.ndarray:
        return self._before(self.base.inlinks, 0)

    @cached_property
    def content_inlinks_before(self) -> np.ndarray:
        return self._before(self.base.content_inlinks, 0)

    @cached_property
    def score_before(self) -> np.ndarray:
        """Link score x the average page, before."""
        return self._before(self.base.score * self.base.n, 0.0)

    @cached_property
    def score_after(self) -> np.ndarray:
        return self.head.score * self.head.n

    def page(self, i: int) -> PageChange:
        h = self.head
        return PageChange(
            h.urls[i],
            (_depth(self.depth_before[i]), _depth(h.depth[i])),
            (int(self.inlinks_before[i]), int(h.inlinks[i])),
            (int(self.content_inlinks_before[i]), int(h.content_inlinks[i])),
            (float(self.score_before[i]), float(self.score_after[i])),
        )

    def page_of(self, url: str) -> PageChange | None:
        """Before and after of a page on both sides, or None (a new page)."""
        i = self._head_index.get(url)
        if i is None or self.base_of[i] < 0:
            return None
        return self.page(i)

    @cached_property
    def _head_index(self) -> dict[str, int]:
        if self.head.graph is not None:
            return self.head.graph.index
        return {u: i for i, u in enumerate(self.head.urls)}

    # ------------------------------------------------------------ page lists
    def _on_both(self, mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(mask & (self.base_of >= 0))

    @cached_property
    def deeper(self) -> np.ndarray:
        """Pages reachable on both sides that are now more clicks away, most first."""
        a, b = self.depth_before, self.head.depth
        idx = self._on_both((a != UNREACHABLE) & (b != UNREACHABLE) & (b > a))
        return idx[np.argsort(-(b[idx] - a[idx]), kind="stable")]

    @cached_property
    def shallower(self) -> np.ndarray:
        a, b = self.depth_before, self.head.depth
        idx = self._on_both((a != UNREACHABLE) & (b != UNREACHABLE) & (b < a))
        return idx[np.argsort(b[idx] - a[idx], kind="stable")]

    @cached_property
    def new_orphans(self) -> np.ndarray:
        """Unreachable now, and reachable before or new."""
        a, b = self.depth_before, self.head.depth
        was_fine = (a != UNREACHABLE) | (self.base_of < 0)
        return np.flatnonzero((b == UNREACHABLE) & was_fine)

    @cached_property
    def fixed_orphans(self) -> np.ndarray:
        a, b = self.depth_before, self.head.depth
        return self._on_both((a == UNREACHABLE) & (b != UNREACHABLE))

    def _moved(self, before: np.ndarray, after: np.ndarray, min_share: float, *, less: bool, minimum: float = 0) -> np.ndarray:
        delta = after - before
        big = np.abs(delta) >= np.maximum(minimum, min_share * np.abs(before))
        mask = big & ((delta < 0) if less else (delta > 0))
        idx = self._on_both(mask)
        return idx[np.argsort(delta[idx] if less else -delta[idx], kind="stable")]

    @cached_property
    def lost_inlinks(self) -> np.ndarray:
        return self._moved(self.inlinks_before.astype(np.int64), self.head.inlinks.astype(np.int64), MIN_INLINK_SHARE, less=True, minimum=MIN_INLINK_CHANGE)

    @cached_property
    def gained_inlinks(self) -> np.ndarray:
        return self._moved(self.inlinks_before.astype(np.int64), self.head.inlinks.astype(np.int64), MIN_INLINK_SHARE, less=False, minimum=MIN_INLINK_CHANGE)

    @cached_property
    def lost_content_inlinks(self) -> np.ndarray:
        return self._moved(
            self.content_inlinks_before.astype(np.int64), self.head.content_inlinks.astype(np.int64), MIN_INLINK_SHARE, less=True, minimum=MIN_INLINK_CHANGE
        )

    @cached_property
    def lost_score(self) -> np.ndarray:
        return self._moved(self.score_before, self.score_after, MIN_SCORE_SHARE, less=True)

    @cached_property
    def gained_score(self) -> np.ndarray:
        return self._moved(self.score_before, self.score_after, MIN_SCORE_SHARE, less=False)

    @cached_property
    def improved(self) -> np.ndarray:
        """Pages now shallower, with more inlinks, or no longer orphans."""
        return np.unique(np.concatenate([self.shallower, self.gained_inlinks, self.fixed_orphans]))

    @cached_property
    def worsened(self) -> np.ndarray:
        return np.unique(np.concatenate([self.deeper, self.lost_inlinks, self.lost_score, self.new_orphans]))

    # ------------------------------------------------------------ link lists
    def _links(self, snap: GraphSnapshot, edges: np.ndarray, limit: int) -> list[LinkChange]:
        out = []
        edges = np.asarray(edges[:limit], dtype=np.int64)
        sources = (np.searchsorted(snap.indptr, edges, side="right") - 1).tolist()
        for e, s, d, bits in zip(edges.tolist(), sources, snap.dst[edges].tolist(), snap.bits[edges].tolist()):
            out.append(LinkChange(snap.urls[s], snap.urls[d], snap.anchor(e, s), bool(bits & E_CONTENT)))
        return out

    @cached_property
    def _base_index(self) -> dict[str, int]:
        return dict(zip(self.base.urls, range(self.base.n)))

    @cached_property
    def _removed_by_target(self) -> dict[int, list[int]]:
        """Base page number -> the first removed edges into it."""
        out: dict[int, list[int]] = {}
        for e, d in zip(self.removed_edges.tolist(), self.base.dst[self.removed_edges].tolist()):
            edges = out.setdefault(d, [])
            if len(edges) < 20:
                edges.append(e)
        return out

    def removed_into(self, url: str) -> list[LinkChange]:
        """Links into the page that the change removed (at most 20)."""
        j = self._base_index.get(url)
        if j is None:
            return []
        return self._links(self.base, np.asarray(self._removed_by_target.get(j, []), dtype=np.int64), 20)

    @cached_property
    def _base_pred(self) -> np.ndarray:
        """Each base page's step back on a shortest followed path (-1: none).

        The first followed link into it, in source order, from a page one
        click shallower: found for every page at once, as a deep page's path
        asked numpy a question per click (a 500-click path took ~4 ms).
        """
        from .graph_snapshot import E_FOLLOWED

        base = self.base
        src, dst, depth = base.src, base.dst, base.depth
        to = depth[dst]
        ok = ((base.bits & E_FOLLOWED) != 0) & (depth[src] == to - 1) & (to > 0)
        del to
        # The first such link in source order is the one with the smallest
        # source (edges are sorted by source, one per page pair): a scatter of
        # the minimum rather than sorting every edge by target.
        pred = np.full(base.n, base.n, dtype=np.int64)
        np.minimum.at(pred, dst[ok], src[ok])
        pred[pred == base.n] = -1
        return pred

    def _base_path_numbers(self, url: str) -> list[int]:
        j = self._base_index.get(url)
        base = self.base
        if j is None or base.depth[j] == UNREACHABLE:
            return []
        pred, depth = self._base_pred, base.depth
        path = [j]
        while depth[path[-1]] > 0:
            k = int(pred[path[-1]])
            if k < 0:
                break
            path.append(k)
        path.reverse()
        return path

    def base_path(self, url: str) -> list[str]:
        """A shortest followed click path to the page in the base graph ([] if it had none)."""
        return [self.base.urls[i] for i in self._base_path_numbers(url)]

    def removed_on_path(self, url: str) -> list[LinkChange]:
        """Links of the page's old click path that the change removed, then other removed links into it."""
        path = self._base_path_numbers(url)
        into = self._removed_by_target
        out = []
        for a, b in zip(path, path[1:]):
            edges = into.get(b)  # most steps of a long path lost no link: nothing to list there
            if edges:
                source = self.base.urls[a]
                out += [x for x in self._links(self.base, np.asarray(edges, dtype=np.int64), 20) if x.source == source]
        return out + [x for x in self.removed_into(url) if x not in out]

    def removed_links(self, limit: int = MAX_LINKS_LISTED) -> list[LinkChange]:
        """Links gone from pages that exist on both sides (by source page, then target)."""
        return self._links(self.base, self.removed_edges, limit)

    def added_links(self, limit: int = MAX_LINKS_LISTED) -> list[LinkChange]:
        return self._links(self.head, self.added_edges, limit)

    # ------------------------------------------------------------ reports
    def counts(self) -> dict[str, int]:
        return {
            "links_added": self.n_added_links,
            "links_removed": self.n_removed_links,
            "pages_added": len(self.added_pages),
            "pages_removed": len(self.removed_pages),
            "pages_deeper": len(self.deeper),
            "pages_shallower": len(self.shallower),
            "pages_losing_inlinks": len(self.lost_inlinks),
            "pages_gaining_inlinks": len(self.gained_inlinks),
            "pages_losing_link_score": len(self.lost_score),
            "pages_gaining_link_score": len(self.gained_score),
            "new_orphans": len(self.new_orphans),
            "fixed_orphans": len(self.fixed_orphans),
        }

    def urls(self, idx: np.ndarray, limit: int | None = None) -> list[str]:
        return [self.head.urls[i] for i in idx[:limit].tolist()]

    def as_dict(self, limit: int = MAX_LINKS_LISTED) -> dict[str, object]:
        """Everything, for the JSON export (lists capped at ``limit``, counts complete)."""

        def pages(idx: np.ndarray) -> list[dict[str, object]]:
            return [self.page(i).as_dict() for i in idx[:limit].tolist()]

        def links(items: list[LinkChange]) -> list[dict[str, object]]:
            return [{"source": x.source, "target": x.target, "anchor": x.anchor, "content": x.in_content} for x in items]

        return {
            "base": self.base_name,
            "counts": self.counts(),
            "listed_at_most": limit,
            "links_added": links(self.added_links(limit)),
            "links_removed": links(self.removed_links(limit)),
            "pages_added": self.added_pages[:limit],
            "pages_removed": self.removed_pages[:limit],
            "new_orphans": self.urls(self.new_orphans, limit),
            "fixed_orphans": self.urls(self.fixed_orphans, limit),
            "deeper": pages(self.deeper),
            "shallower": pages(self.shallower),
            "losing_inlinks": pages(self.lost_inlinks),
            "gaining_inlinks": pages(self.gained_inlinks),
            "losing_link_score": pages(self.lost_score),
            "gaining_link_score": pages(self.gained_score),
        }

    def most_affected(self, limit: int = 20) -> list[PageChange]:
        """Pages the change made worse, worst first: orphaned, then deeper, then losing inlinks or score."""
        seen: dict[int, None] = {}
        for idx in (self.new_orphans, self.deeper, self.lost_inlinks, self.lost_score):
            for i in idx[:limit].tolist():
                if self.base_of[i] >= 0:
                    seen.setdefault(i)
        return [self.page(i) for i in list(seen)[:limit]]


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which keys are in sorted_keys (ascending), by binary search."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(sorted_keys, keys)
    at[at == len(sorted_keys)] = 0
    return sorted_keys[at] == keys


def _same_rows(base: GraphSnapshot, head: GraphSnapshot, base_of: np.ndarray, b_key: np.ndarray, h_key: np.ndarray) -> np.ndarray:
    """Head pages on both sides whose edges are exactly the base page's (as keys in head numbers).

    Most pages keep their links, and their edges come in the same order on
    both sides: comparing each such row with its base row edge by edge is
    linear, where searching every key among the other side's is O(E log E).
    A row that differs in order only is left to the search, which is exact.
    """
    h_len = np.diff(head.indptr)
    b_len = np.diff(base.indptr)
    row = base_of >= 0
    row[row] = h_len[row] == b_len[base_of[row]]  # on both sides, as many edges on each
    same = row & (h_len == 0)
    row &= h_len > 0
    if not row.any():
        return same
    at = np.flatnonzero(np.repeat(row, h_len))  # the head edges of those rows
    shift = head.indptr[:-1] - base.indptr[np.maximum(base_of, 0)]  # head position - base position, per row
    where = at - np.repeat(shift[row], h_len[row])  # the base edge in the same place of its row
    del shift
    equal = h_key[at] == b_key[where]
    del at, where
    starts = np.zeros(int(np.count_nonzero(row)), dtype=np.int64)
    np.cumsum(h_len[row][:-1], out=starts[1:])
    pages = np.flatnonzero(row)
    same[pages[np.logical_and.reduceat(equal, starts)]] = True
    return same


def compare(base: GraphSnapshot, head: GraphSnapshot, base_name: str = "") -> Change:
    """Line two graphs up by URL and find what changed between them."""
    index = dict(zip(base.urls, range(base.n)))
    base_of = np.fromiter(map(index.get, head.urls, repeat(-1)), dtype=np.int64, count=head.n)
    del index
    head_of = np.full(base.n, -1, dtype=np.int64)
    ok = base_of >= 0
    head_of[base_of[ok]] = np.flatnonzero(ok)
    removed_pages = [base.urls[i] for i in np.flatnonzero(head_of < 0).tolist()]
    added_pages = [head.urls[i] for i in np.flatnonzero(~ok).tolist()]

    # Edges as keys in head page numbers; a base edge to a removed page keeps
    # a key no head edge has (head.n + base number), so it reads as removed.
    nh = head.n + base.n + 1
    b_src, b_dst = base.src, base.dst.astype(np.int64)
    b_src_h = head_of[b_src]
    b_dst_h = np.where(head_of[b_dst] >= 0, head_of[b_dst], head.n + b_dst)
    kept_source = b_src_h >= 0  # links out of removed pages went with them
    b_key = np.where(kept_source, b_src_h * nh + b_dst_h, -1)
    del b_src_h, b_dst_h
    h_src, h_dst = head.src, head.dst.astype(np.int64)
    h_key = h_src * nh + h_dst
    old_source = base_of[h_src] >= 0  # links out of new pages come with them
    # Pages whose links are the base's exactly add and remove none; only the
    # other pages' edges are looked for on the other side. An edge's key
    # holds its source, so it can only match an edge of the same page's row.
    same = _same_rows(base, head, base_of, b_key, h_key)
    b_same = np.zeros(base.n, dtype=bool)
    b_same[base_of[ok]] = same[ok]
    b_check = np.flatnonzero(kept_source & ~b_same[b_src])
    h_check = np.flatnonzero(old_source & ~same[h_src])
    # The head's keys are sorted already (edges are sorted by source, then
    # target); np.isin took 17 s on 8M keys where a binary search takes 0.3 s.
    removed = b_check[~_member(b_key[b_check], h_key[h_check])]
    # The base's keys in head numbers are nearly sorted already (pages keep their
    # order): a stable sort (timsort's runs) takes a third of the default's time.
    added = h_check[~_member(h_key[h_check], np.sort(b_key[b_check], kind="stable"))]
    # Both edge lists are sorted by their own page numbers; list them by URL.
    removed = removed[np.lexsort((b_dst[removed], b_src[removed]))]
    added = added[np.lexsort((h_dst[added], h_src[added]))]
    return Change(
        base,
        head,
        base_name,
        base_of,
        removed_pages,
        added_pages,
        removed,
        added,
        len(removed),
        len(added),
    )
