"""The site's internal link graph and the metrics the rules read.

Metrics are computed on sparse arrays (numpy CSR arrays; scipy.sparse, imported
on first use, where a product is needed) because a networkx graph of a
100k-page site takes ~20 s and ~2 GB to build; the networkx ``DiGraph`` that
users and custom rules see is built on first use from the same arrays.

Conventions (documented in docs/metrics.md):

* Parallel links (a page linking to the same page twice) are one edge; the
  edge is "content" if any of them is in the content, "followed" if any of
  them lacks rel=nofollow.
* Self links are dropped.
* Click depth, reachability and inlinks use followed edges only: a link a
  search engine won't follow does not make a page reachable.
* Inlinks count unique source pages that are themselves reachable from a start
  page; a link from an orphan is a link nobody finds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
import heapq
from itertools import chain, compress, repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from .model import CONTENT, FRAGMENT, LINK_CODES, NOFOLLOW, REDIRECT, Link, Page

if TYPE_CHECKING:
    import networkx as nx
    from scipy import sparse

    from .architecture import Cluster

UNREACHABLE = -1
# Links handled at once where a step over all of them would need int64 copies
# (a breadth-first round, the edge build): bounds those temporary arrays at ~100 MB.
BLOCK = 1 << 22
# Page numbers in the edge arrays: 4 bytes an edge, not 8 (75M edges on the Rust
# docs: 0.3 GB an array). Arithmetic that could pass 2**31 casts to int64 first.
_PAGE_NUMBER = np.int32

# Linking pages past which a report's first inlinks are picked on arrays,
# without an Inlink object for each of the page's links (each failure on the
# Rust docs has thousands: their sidebars list every item of a module).
MANY_INLINKS = 64
MANY_CANDIDATES = 256  # _first_sources: past this many pages, pick by URL rank instead of comparing URLs


def _position_type(count: int) -> type[np.signedinteger]:
    """The integer type for positions among ``count`` things: int32 below 2**31 (half numpy's default), else int64."""
    return np.int32 if count < 2**31 else np.int64


def _INLINK_ORDER(x: "Inlink") -> tuple[bool, bool, bool, str]:
    """How inlinks() sorts: reachable sources, followed links, content links first, then by source."""
    return (not x.reachable, not x.followed, not x.in_content, x.source)


# The first three parts of _INLINK_ORDER for each class of _linked_from_many.
_CLASSES = [(bool(c & 4), bool(c & 2), bool(c & 1)) for c in range(8)]


@dataclass(frozen=True)
class Inlink:
    """A page linking to another, for evidence in reports."""

    source: str
    anchor: str
    in_content: bool
    followed: bool
    reachable: bool
    redirect: bool = False


def _first_occurrences(values: np.ndarray) -> np.ndarray:
    """values without repeats, each where it first appears."""
    return values[np.sort(np.unique(values, return_index=True)[1])]


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values) for values already ascending, without sorting them again."""
    if len(values) < 2:
        return values.copy()
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


# Below this many keys, numpy's stable sort groups them in milliseconds, and
# importing scipy.sparse (~0.2 s) would cost a small site more than it saves.
FEW_KEYS = 1_000_000


def group_by(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions grouped by key (0 <= key < n), ascending within a key, and where each key's group starts.

    The positions of key k are ``order[starts[k]:starts[k + 1]]``; ``order``
    is np.argsort(keys, kind="stable"), as int32 when that holds them.

    numpy's stable sort of int32 is a merge sort (15 s for 75M keys). Many
    keys are grouped with scipy's CSR-to-CSC transpose instead, a counting
    sort in C++ that keeps each column's entries in row order: 0.5-0.6 s for
    the 1M-page benchmark's 31.6M links, where a radix sort on 16-bit halves
    took 1.4-1.8 s (benchmarks/README.md, "Issues 12 and 16, 2026-12-06
    afternoon").
    """
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=starts[1:])
    if len(keys) < FEW_KEYS:
        return np.argsort(keys, kind="stable").astype(_position_type(len(keys))), starts
    from scipy import sparse

    positions = np.arange(len(keys), dtype=_position_type(len(keys)))
    one_row = sparse.csr_matrix((positions, keys.astype(np.int32, copy=False), np.array([0, len(keys)])), shape=(1, n))
    return one_row.tocsc().data, starts


def first_positions(values: np.ndarray, n: int) -> np.ndarray:
    """Ascending positions where each distinct value (0 <= value < n) first appears."""
    if len(values) * 8 < n:  # few values: sorting them beats touching an array of n
        return np.sort(np.unique(values, return_index=True)[1])
    # A scatter of the minimum position per value (ufunc.at is fast since numpy 1.25).
    first_at = np.full(n, len(values), dtype=np.int64)
    np.minimum.at(first_at, values, np.arange(len(values), dtype=np.int64))
    return np.sort(first_at[first_at < len(values)])



def _link_targets(pages: Sequence[Page], counts: np.ndarray, index: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Every link's target page number (-1: not a page of the graph) and flags, in page order.

    Pages unpacked by a crawl's LinkReceiver hold their links' numbers in its
    tables (crawl/linktable.py), and each table its links' target numbers and
    flags: those are gathered as arrays, and each distinct target is looked up
    once. The Link objects of other pages are read one by one.
    """
    total = int(counts.sum())
    table_list, page_table, numbers = _coded(pages)
    coded = page_table >= 0
    if not table_list:
        return _links_read_one_by_one(pages, total, index)
    # Each table's links: target page number and flags, tables one after the other.
    page_of: dict[int, np.ndarray] = {}
    table_dst, table_flags = [], []
    for table in table_list:
        targets = table.targets  # one list for all tables of a crawl
        known = page_of.get(id(targets))
        if known is None or len(known) < len(targets):
            known = page_of[id(targets)] = np.fromiter(map(index.get, targets, repeat(-1)), dtype=_PAGE_NUMBER, count=len(targets))
        table_dst.append(known[np.frombuffer(table.target_numbers, dtype=np.intc).copy()])
        table_flags.append(np.frombuffer(table.flags, dtype=np.uint8).copy())
    # Link numbers into the tables laid end to end: int32 unless they hold 2**31 links
    # (the Rust docs' 70M links: 280 MB a copy, where int64 doubled the graph build's peak).
    width = _position_type(sum(len(d) for d in table_dst))
    first = np.zeros(len(table_list), dtype=width)
    np.cumsum([len(d) for d in table_dst[:-1]], out=first[1:])
    numbers = numbers.astype(width)
    numbers += np.repeat(first[page_table[coded]], counts[coded])
    all_dst, all_flags = np.concatenate(table_dst), np.concatenate(table_flags)
    del table_dst, table_flags
    if len(numbers) == total:
        return all_dst[numbers], all_flags[numbers]
    rest = [p for p, c in zip(pages, coded.tolist()) if not c]
    rest_dst, rest_flags = _links_read_one_by_one(rest, total - len(numbers), index)
    at_coded = np.repeat(coded, counts)
    dst = np.empty(total, dtype=_PAGE_NUMBER)
    flags = np.empty(total, dtype=np.uint8)
    dst[at_coded], flags[at_coded] = all_dst[numbers], all_flags[numbers]
    dst[~at_coded], flags[~at_coded] = rest_dst, rest_flags
    return dst, flags


def _coded(pages: Sequence[Page]) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """The crawl's link tables the pages' links are numbered in, each page's table (-1: none), the numbers.

    The numbers (uint32, read-only) are those of every page with a table, one
    page after the other, each in its own table.
    """
    tables: dict[int, int] = {}
    table_list: list[Any] = []
    page_table = np.full(len(pages), -1, dtype=np.int64)
    parts = []
    get_table = tables.get
    for i, page in enumerate(pages):
        codes = getattr(page, LINK_CODES, None)  # page.__dict__ would make each page a dict (GC-tracked)
        if codes is None:
            continue
        table, numbers = codes
        if len(numbers) != len(page.links):
            continue
        k = get_table(id(table))
        if k is None:
            k = tables[id(table)] = len(table_list)
            table_list.append(table)
        page_table[i] = k
        parts.append(numbers)
    numbers = np.frombuffer(b"".join(parts), dtype=np.uintc) if parts else np.zeros(0, dtype=np.uintc)
    return table_list, page_table, numbers


def _links_read_one_by_one(pages: Iterable[Page], total: int, index: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Target page numbers and flags of the pages' links, read from each Link object (map() runs in C)."""
    links = list(chain.from_iterable(p.links for p in pages))
    dst = np.fromiter(map(index.get, map(attrgetter("target"), links), repeat(-1)), dtype=_PAGE_NUMBER, count=total)
    flags = np.fromiter(map(attrgetter("flags"), links), dtype=np.uint8, count=total)
    return dst, flags


class Adjacency(NamedTuple):
    """A CSR sparsity pattern: page i links to indices[indptr[i]:indptr[i + 1]]."""

    indptr: np.ndarray
    indices: np.ndarray

    def to_scipy(self) -> sparse.csr_matrix:
        from scipy import sparse

        n = len(self.indptr) - 1
        return sparse.csr_matrix((np.ones(len(self.indices), dtype=np.float64), self.indices, self.indptr), shape=(n, n))


class SiteGraph:
    """Pages, their links, and metrics over them; read-only once built."""

    # What changed since the base build (change.Change), when the run compares
    # with one (--linkrules-compare); the change rules read it.
    change: Any = None

    def __init__(
        self,
        pages: Mapping[str, Page],
        starts: Iterable[str],
        *,
        roles: Mapping[str, frozenset[str]] | None = None,
        clusters: Sequence["Cluster"] = (),
        sitemap_urls: Iterable[str] | None = None,
        broken_reasons: Mapping[str, str] | None = None,
    ) -> None:
        self.pages: dict[str, Page] = dict(pages)
        self.urls: list[str] = list(self.pages)
        self.index: dict[str, int] = {u: i for i, u in enumerate(self.urls)}
        self.starts: tuple[str, ...] = tuple(s for s in starts if s in self.index)
        # The architecture linkrules.toml declares, resolved to page URLs:
        # role name -> its pages, and the topic clusters.
        self.roles: dict[str, frozenset[str]] = dict(roles or {})
        self.clusters: tuple[Cluster, ...] = tuple(clusters)
        # URL paths listed in the site's sitemap(s); None when no sitemap was
        # read, which is not the same as an empty sitemap.
        self.sitemap_urls: frozenset[str] | None = None if sitemap_urls is None else frozenset(sitemap_urls)
        # Broken link target -> why (HTTP 500, a redirect loop's chain); the
        # folder crawl leaves it empty: there, broken means no such file.
        self.broken_reasons: dict[str, str] = dict(broken_reasons or {})
        self._build_edges()

    # ------------------------------------------------------------------ edges
    def _build_edges(self) -> None:
        """Edge arrays from the pages' links, without a Python loop per link.

        A crawled page's links come as numbers into the crawl's link tables
        (crawl/linktable.py): targets and flags are read from those as
        arrays. Other pages' Link objects are read with map() in C, where a
        loop with a dict lookup and three array writes per link took seconds.
        """
        pages = list(self.pages.values())
        counts = np.fromiter((len(p.links) for p in pages), dtype=np.int64, count=len(pages))
        dst, flags = _link_targets(pages, counts, self.index)
        # Every link, in page order (before parallel links are merged), for the
        # rules that ask about links rather than edges (anchors, flags): they
        # find the few pages concerned here instead of walking 30M Link objects.
        self.link_offsets = np.zeros(len(self.urls) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.link_offsets[1:])
        # Links whose #fragment must name an element of their target: found
        # here, from arrays already built, instead of a Python pass over every link.
        at = np.flatnonzero(flags & FRAGMENT)
        on = np.searchsorted(self.link_offsets, at, side="right") - 1  # the page each link is on
        self._fragment_links = [
            (self.urls[i], pages[i].links[k - o]) for i, k, o in zip(on.tolist(), at.tolist(), self.link_offsets[on].tolist())
        ]
        self.link_dst = dst
        self.link_flags = flags
        # Each link's source page, made in the call so _set_edges can free it (280 MB on the Rust docs).
        self._set_edges(np.repeat(np.arange(len(self.urls), dtype=_PAGE_NUMBER), counts), dst, flags)

    @classmethod
    def from_edges(
        cls, urls: Sequence[str], src: np.ndarray, dst: np.ndarray, flags: np.ndarray, starts: Iterable[str]
    ) -> "SiteGraph":
        """A graph from an edge list (page numbers into urls), for graphs made elsewhere.

        Pages carry no links, so evidence that reads anchors (``inlinks``)
        has none; every metric works.
        """
        graph = cls.__new__(cls)
        graph.pages = {u: Page(url=u) for u in urls}
        graph.urls = list(graph.pages)
        graph.index = {u: i for i, u in enumerate(graph.urls)}
        graph.starts = tuple(s for s in starts if s in graph.index)
        graph.roles, graph.clusters, graph.sitemap_urls = {}, (), None
        graph._fragment_links = []
        graph.link_offsets = np.zeros(len(graph.urls) + 1, dtype=np.int64)
        graph.link_dst, graph.link_flags = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint8)
        graph._set_edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), np.asarray(flags, dtype=np.uint8))
        return graph

    def _set_edges(self, src: np.ndarray, dst: np.ndarray, flags: np.ndarray) -> None:
        """Keep one edge per (source, target), sorted, with the links' flags combined."""
        n = len(self.urls)
        drop = (dst < 0) | (dst == src)  # links to what is no page of the site, and to themselves
        bits = max(n - 1, 1).bit_length()
        if 2 * bits + 7 <= 63 and (not len(flags) or int(flags.max()) < 128):
            # (source, target, flags) packed in one int64 and sorted: the order of
            # parallel links doesn't matter to the flags they combine into. Sources
            # ascend already, so the keys are sorted runs of a page's links, which
            # timsort (kind="stable") sorts ~5x faster than the default; links
            # dropped get the largest key and are cut off the end, rather than
            # compressing three arrays; shifts take the parts apart much faster
            # than an int64 division.
            key = src.astype(np.int64)
            key <<= bits + 7
            wide = dst.astype(np.int64)
            wide <<= 7
            key |= wide
            del src, dst, wide
            key |= flags
            key[drop] = np.iinfo(np.int64).max
            key.sort(kind="stable")
            key = key[: len(key) - int(np.count_nonzero(drop))]
            del drop
            flags = key.astype(np.uint8)  # the low byte, without an int64 copy of every link
            flags &= 127
            key >>= 7

            def split(heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return heads >> bits, heads & ((1 << bits) - 1)

        else:
            keep = ~drop
            src, dst, flags = src[keep], dst[keep], flags[keep]
            del keep, drop
            key = src.astype(np.int64) * max(n, 1) + dst
            del src, dst
            order = np.argsort(key, kind="stable")
            key = key[order]
            flags = flags[order]
            del order

            def split(heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return np.divmod(heads, max(n, 1))

        first = np.ones(len(key), dtype=bool)
        np.not_equal(key[1:], key[:-1], out=first[1:])
        self._set_runs(key, flags, first, split)

    def _set_runs(self, key: np.ndarray, flags: np.ndarray, first: np.ndarray, split: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]) -> None:
        """One edge per run of equal keys (``first`` marks where each starts), its links' flags combined.

        A block of links at a time: the run starts, the runs' keys and their
        halves for every edge at once were int64 copies of 0.5 GB each on the
        Rust docs, at the graph build's peak. A block that starts inside a run
        adds its first flags to the previous block's last edge.
        """
        edges = int(np.count_nonzero(first))
        self.edge_src, self.edge_dst = np.empty(edges, dtype=_PAGE_NUMBER), np.empty(edges, dtype=_PAGE_NUMBER)
        self.edge_content, self.edge_followed, self.edge_redirect = (np.empty(edges, dtype=bool) for _ in range(3))
        outs = (self.edge_content, self.edge_followed, self.edge_redirect)
        pos = 0
        for i in range(0, len(key), BLOCK):
            starts_here, block_flags = first[i : i + BLOCK], flags[i : i + BLOCK]
            at = np.flatnonzero(starts_here)
            inside = not starts_here[0]
            if inside:
                at = np.concatenate(([0], at))
            parts = [
                np.logical_or.reduceat(has, at)
                for has in ((block_flags & CONTENT) != 0, (block_flags & NOFOLLOW) == 0, (block_flags & REDIRECT) != 0)
            ]
            if inside:
                for out, part in zip(outs, parts):
                    out[pos - 1] |= part[0]
                parts = [part[1:] for part in parts]
            heads = key[i : i + BLOCK][starts_here]
            end = pos + len(heads)
            self.edge_src[pos:end], self.edge_dst[pos:end] = split(heads)
            for out, part in zip(outs, parts):
                out[pos:end] = part
            pos = end

    def _matrix(self, mask: np.ndarray | None = None) -> Adjacency:
        """Edges as CSR arrays; built straight from the sorted arrays, no COO step.

        Plain numpy, not a scipy matrix: depth and link counts need nothing
        more, and importing scipy.sparse is ~0.2 s of a small site's run.
        """
        n = len(self.urls)
        src, dst = self.edge_src, self.edge_dst
        if mask is not None:
            src, dst = src[mask], dst[mask]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        return Adjacency(indptr, dst)

    @cached_property
    def _follow_matrix(self) -> Adjacency:
        if self.edge_followed.all():  # no nofollow link: the same arrays, not a copy of them
            return self._outgoing
        return self._matrix(self.edge_followed)

    @cached_property
    def _outgoing(self) -> Adjacency:
        return self._matrix()

    @cached_property
    def _linking_counts(self) -> np.ndarray:
        """Pages linking to each page: its edges, one per linking page (self links are no edge)."""
        return np.bincount(self.edge_dst, minlength=len(self.urls))

    # ------------------------------------------------------------------ depth
    def _bfs(self, matrix: Adjacency) -> tuple[np.ndarray, np.ndarray]:
        """Click depth and BFS predecessor of every page from all start pages at once.

        One click depth a round, vectorised: the next round's pages are the
        unvisited targets of this round's, in the order a queue would first
        reach them (pages in order, each page's links in order), and each page's
        predecessor is the first page that reaches it: the same tree as a
        queue-based breadth-first search (scipy's csgraph gave this before; its
        import pulls scipy.linalg, ~0.2 s of every run's start).
        """
        n = len(self.urls)
        depth = np.full(n, UNREACHABLE, dtype=np.int64)
        pred = np.full(n, -1, dtype=np.int64)
        if not self.starts or n == 0:
            return depth, pred
        indptr = matrix.indptr.astype(np.int64)
        indices = matrix.indices  # int32 page numbers index as well as int64 ones, without a copy of every edge
        frontier = _first_occurrences(np.array([self.index[s] for s in self.starts], dtype=np.int64))
        depth[frontier] = 0
        level = 0
        while frontier.size:
            level += 1
            lo = indptr[frontier]
            counts = indptr[frontier + 1] - lo
            ends = np.cumsum(counts)
            found: list[np.ndarray] = []
            # The frontier's links in runs of pages of at most BLOCK links (a
            # page's are never split): a round of the Rust docs held 60M links,
            # and their positions, sources and targets at once were 2.2 GB. A
            # target is marked as soon as its run reaches it, so later runs pass
            # it by, as they would the rest of one long run.
            a = 0
            while a < len(frontier):
                done = int(ends[a - 1]) if a else 0
                b = max(a + 1, int(np.searchsorted(ends, done + BLOCK, side="right")))
                run = counts[a:b]
                total = int(ends[b - 1]) - done
                if total:
                    starts_at = np.repeat(lo[a:b] - (ends[a:b] - run - done), run)  # minus each page's place in the run
                    targets = indices[np.arange(total, dtype=np.int64) + starts_at]
                    del starts_at
                    new = depth[targets] == UNREACHABLE
                    sources = np.repeat(frontier[a:b], run)[new]
                    targets = targets[new]
                    if targets.size:
                        first = first_positions(targets, n)
                        reached = targets[first]
                        depth[reached] = level
                        pred[reached] = sources[first]
                        found.append(reached)
                a = b
            frontier = np.concatenate(found) if found else frontier[:0]
        return depth, pred

    @cached_property
    def _depth_pred(self) -> tuple[np.ndarray, np.ndarray]:
        return self._bfs(self._follow_matrix)

    @property
    def depths(self) -> np.ndarray:
        return self._depth_pred[0]

    def depth(self, url: str) -> int | None:
        """Clicks from the nearest start page, or None if unreachable."""
        d = int(self.depths[self.index[url]])
        return None if d == UNREACHABLE else d

    def is_reachable(self, url: str) -> bool:
        return self.depths[self.index[url]] != UNREACHABLE

    def path_to(self, url: str) -> list[str]:
        """A shortest click path from a start page to url ([] if unreachable)."""
        i = self.index[url]
        if self.depths[i] == UNREACHABLE:
            return []
        pred = self._depth_pred[1]
        path = [i]
        while pred[path[-1]] >= 0:
            path.append(int(pred[path[-1]]))
        return [self.urls[j] for j in reversed(path)]

    @cached_property
    def orphans(self) -> list[str]:
        """Pages that exist but can't be reached by following links from a start page."""
        return [self.urls[i] for i in np.flatnonzero(self.depths == UNREACHABLE)]

    # ---------------------------------------------------------------- inlinks
    @cached_property
    def _inlink_counts(self) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.urls)
        reachable_src = self.depths[self.edge_src] != UNREACHABLE
        counted = self.edge_followed & reachable_src
        unique = np.bincount(self.edge_dst[counted], minlength=n)
        content = np.bincount(self.edge_dst[counted & self.edge_content], minlength=n)
        return unique, content

    def inlink_count(self, url: str) -> int:
        """Unique reachable pages with a followed link to url."""
        return int(self._inlink_counts[0][self.index[url]])

    def content_inlink_count(self, url: str) -> int:
        """Like inlink_count, counting only links placed in page content."""
        return int(self._inlink_counts[1][self.index[url]])

    def outlink_count(self, url: str) -> int:
        """Unique pages this page links to."""
        i = self.index[url]
        out = self._outgoing
        return int(out.indptr[i + 1] - out.indptr[i])

    @property
    def outlink_counts(self) -> np.ndarray:
        """Unique pages each page links to, by page index."""
        out = self._outgoing
        return np.diff(out.indptr)

    @cached_property
    def _links_into(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions of every link grouped by target page (ascending within each), and where each page's start.

        Links into page j are ``order[starts[j + 1]:starts[j + 2]]`` (slot 0
        holds links to no page). A report asks each failing page's inlinks:
        finding them among all links cost a pass over 70M links per page on
        the Rust docs, where every sidebar item has thousands of linking pages.
        """
        n = len(self.urls)
        return group_by(self.link_dst + 1, n + 1)  # int32 keys, as the links' targets: 280 MB on the Rust docs, not 560

    def _positions_into(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the links into page j from other pages, ascending (so by source page), and their sources."""
        order, starts = self._links_into
        lo, hi = starts.item(j + 1), starts.item(j + 2)  # Python ints, not numpy scalars: a report asks per failing page
        pos = order[lo:hi]
        src = self.link_src[pos]
        other = src != j
        return (pos, src) if other.all() else (pos[other], src[other])

    def _inlinks_from(self, many: tuple[np.ndarray, np.ndarray, np.ndarray], i: int) -> list[Inlink]:
        """The Inlinks of page i's links among a page's (_linked_from_many), unsorted."""
        pos, src, _ = many
        lo, hi = np.searchsorted(src, [i, i + 1]).tolist()  # src ascends with the positions
        return self._inlink_objects(pos[lo:hi].tolist(), [i] * (hi - lo))

    def _inlink_objects(self, positions: list[int], sources: list[int]) -> list[Inlink]:
        """The Inlinks of the links at these positions, made on their source pages sources[k]."""
        offsets, urls, pages, depths = self.link_offsets, self.urls, self.pages, self.depths
        out: list[Inlink] = []
        for k, i in zip(positions, sources):
            src = urls[i]
            link = pages[src].links[k - offsets.item(i)]  # .item(): a Python int, ~3x faster than a numpy scalar
            out.append(Inlink(src, link.anchor, link.in_content, not link.nofollow, depths.item(i) != UNREACHABLE, link.is_redirect))
        return out

    def _linked_from_many(self, url: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """For a page with more than MANY_INLINKS linking pages: its links' positions, sources and sort classes.

        The class orders links as inlinks() sorts them (reachable, followed, in
        content first): 4 x unreachable source + 2 x nofollow + 1 x chrome.
        None for other pages, whose Inlinks inlinks() makes and sorts.
        """
        j = self.index[url]
        if self._linking_counts[j] <= MANY_INLINKS:
            return None
        last = self.__dict__.get("_last_many")
        if last is not None and last[0] == j:  # the text, HTML and picture of one failure ask in turn
            return last[1]
        pos, src = self._positions_into(j)
        src = src.astype(np.int64)
        flags = self.link_flags[pos]
        cls = (self.depths[src] == UNREACHABLE) * 4 + ((flags & NOFOLLOW) != 0) * 2 + ((flags & CONTENT) == 0)
        found = pos, src, cls.astype(np.int8)
        self.__dict__["_last_many"] = (j, found)
        return found

    def _first_sources(self, candidates: np.ndarray, need: int) -> list[int]:
        """The ``need`` candidate pages with the smallest URLs, in URL order."""
        urls = self.urls
        if len(candidates) <= need:
            return sorted(candidates.tolist(), key=urls.__getitem__)
        if len(candidates) > MANY_CANDIDATES:  # comparing 100k URLs costs ~30 ms a report; their ranks, far less
            rank = self._url_rank[candidates]
            first = candidates[np.argpartition(rank, need - 1)[:need]]
            return first[np.argsort(self._url_rank[first])].tolist()
        return heapq.nsmallest(need, candidates.tolist(), key=urls.__getitem__)

    @cached_property
    def _url_rank(self) -> np.ndarray:
        """Each page's place in URL order (ties are impossible: URLs are unique)."""
        order = sorted(range(len(self.urls)), key=self.urls.__getitem__)
        rank = np.empty(len(self.urls), dtype=np.int64)
        rank[order] = np.arange(len(self.urls))
        return rank

    def inlink_totals(self, url: str) -> tuple[int, int]:
        """(links, linking pages) into url: what len(inlinks(url)) and its distinct sources count."""
        many = self._linked_from_many(url)
        if many is None:
            found = self.inlinks(url)
            return len(found), len({i.source for i in found})
        pos, src, _ = many
        return len(pos), int(np.count_nonzero(src[1:] != src[:-1])) + 1 if len(src) else 0  # src ascends

    def inlinks_by_source(self, url: str, limit: int) -> tuple[int, int, list[tuple[str, list[Inlink]]]]:
        """Links into url, linking pages, and the first ``limit`` pages with their links, in inlinks() order.

        What a report shows of a page's inlinks, without listing a million of
        them when every page links to it (a navigation link).
        """
        many = self._linked_from_many(url)
        if many is None:
            found = self.inlinks(url)
            by_source: dict[str, list[Inlink]] = {}
            for i in found:
                by_source.setdefault(i.source, []).append(i)
            return len(found), len(by_source), list(by_source.items())[:limit]
        pos, src, cls = many
        starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])  # src ascends with the positions
        sources, best = src[starts], np.minimum.reduceat(cls, starts) if len(starts) else cls[:0]
        chosen: list[int] = []
        for c in range(8):  # a page is listed where its best link sorts
            if len(chosen) >= limit:
                break
            chosen += self._first_sources(sources[best == c], limit - len(chosen))
        key = _INLINK_ORDER
        shown = [(self.urls[i], sorted(self._inlinks_from(many, i), key=key)) for i in chosen]
        return len(pos), len(sources), shown

    def inlinks(self, url: str, limit: int | None = None) -> list[Inlink]:
        """Every page linking to url with its anchor text, reachable sources first.

        ``limit``: only the first that many (a report's rows), found on the
        link arrays when many pages link to url.
        """
        many = None if limit is None else self._linked_from_many(url)
        if many is not None:
            assert limit is not None
            _, src, cls = many
            picked: list[Inlink] = []
            for c in range(8):  # links sort by class, then source URL, then place on the page
                if len(picked) >= limit:
                    break
                of_class = src[cls == c]  # ascending, as src is: its distinct values without a sort
                distinct = of_class[np.r_[True, of_class[1:] != of_class[:-1]]] if len(of_class) else of_class
                for i in self._first_sources(distinct, limit - len(picked)):
                    picked += [x for x in self._inlinks_from(many, i) if _INLINK_ORDER(x)[:3] == _CLASSES[c]]
            return picked[:limit]
        j = self.index[url]
        last = self.__dict__.get("_last_inlinks")
        if last is not None and last[0] == j:  # the text, HTML and picture of one failure ask in turn
            found = last[1]
        else:
            pos, src = self._positions_into(j)
            out = self._inlink_objects(pos.tolist(), src.tolist())
            out.sort(key=_INLINK_ORDER)
            found = tuple(out)
            self.__dict__["_last_inlinks"] = (j, found)
        return list(found if limit is None else found[:limit])

    # --------------------------------------------------------------- pagerank
    @cached_property
    def pagerank(self) -> np.ndarray:
        """Internal PageRank over followed links (damping 0.85), summing to 1."""
        n = len(self.urls)
        if n == 0:
            return np.zeros(0)
        # Each step spreads rank[i] / outdegree[i] along page i's links: the
        # transpose of the link matrix, as scipy's view of it (no copy), times
        # the scaled ranks. A weighted copy, transposed and converted, was 1.3 GB
        # and 1.9 s at the Rust docs' 69.6M edges, for the same products.
        m = self._follow_matrix.to_scipy()
        out_deg = np.diff(m.indptr)  # one edge per page pair: a row's length is the page's outdegree
        dangling = out_deg == 0
        inv = np.zeros(n)
        inv[~dangling] = 1.0 / out_deg[~dangling]
        spread = m.T
        rank = np.full(n, 1.0 / n)
        alpha = 0.85
        for _ in range(100):
            new = alpha * (spread @ (rank * inv) + rank[dangling].sum() / n) + (1 - alpha) / n
            if np.abs(new - rank).sum() < n * 1e-10:
                rank = new
                break
            rank = new
        return rank / rank.sum()

    def rank(self, url: str) -> float:
        return float(self.pagerank[self.index[url]])

    # ---------------------------------------------------------- archive-only
    def archive_only(self, is_archive: Callable[[str], bool]) -> list[str]:
        """Reachable pages that become unreachable when links out of archive pages are ignored.

        Archive pages themselves are never reported.
        """
        from .rules.base import PageSet

        if isinstance(is_archive, PageSet):
            archive = is_archive.mask(self)
        else:
            archive = np.fromiter(map(is_archive, self.urls), dtype=bool, count=len(self.urls))
        if not archive.any():
            return []
        keep = self.edge_followed & ~archive[self.edge_src]
        depth_without, _ = self._bfs(self._matrix(keep))
        lost = (self.depths != UNREACHABLE) & (depth_without == UNREACHABLE) & ~archive
        return [self.urls[i] for i in np.flatnonzero(lost)]

    # -------------------------------------------------------------- networkx
    @cached_property
    def nx(self) -> "nx.DiGraph":
        """The graph as a networkx DiGraph, built on first use.

        Nodes are page URLs with attributes title, depth (None if
        unreachable), inlinks, content_inlinks, pagerank, noindex, canonical;
        edges carry content, followed and redirect booleans.
        """
        import networkx as nx

        g = nx.DiGraph()
        unique, content = self._inlink_counts
        pr = self.pagerank
        for i, url in enumerate(self.urls):
            page = self.pages[url]
            d = int(self.depths[i])
            g.add_node(
                url,
                title=page.title,
                depth=None if d == UNREACHABLE else d,
                inlinks=int(unique[i]),
                content_inlinks=int(content[i]),
                pagerank=float(pr[i]),
                noindex=page.noindex,
                canonical=page.canonical,
                source=page.source,
            )
        urls = self.urls
        g.add_edges_from(
            (urls[s], urls[d], {"content": bool(c), "followed": bool(f), "redirect": bool(r)})
            for s, d, c, f, r in zip(
                self.edge_src.tolist(),
                self.edge_dst.tolist(),
                self.edge_content.tolist(),
                self.edge_followed.tolist(),
                self.edge_redirect.tolist(),
            )
        )
        return g

    # --------------------------------------------------------------- figures
    @property
    def n_links(self) -> int:
        return len(self.edge_src)

    @property
    def max_depth(self) -> int:
        reachable = self.depths[self.depths != UNREACHABLE]
        return int(reachable.max()) if len(reachable) else 0

    # ------------------------------------------------------------------ links
    @cached_property
    def link_src(self) -> np.ndarray:
        """Source page of every link (int32), in page order, like link_dst and link_flags."""
        return np.repeat(np.arange(len(self.urls), dtype=np.int32), np.diff(self.link_offsets))

    def link_at(self, k: int) -> tuple[str, Link]:
        """(source URL, Link) of link number k (a position in link_src / link_dst / link_flags)."""
        i = int(np.searchsorted(self.link_offsets, k, side="right")) - 1
        url = self.urls[i]
        return url, self.pages[url].links[k - int(self.link_offsets[i])]

    def link_pages(self, positions: np.ndarray) -> np.ndarray:
        """The distinct source pages of the given links, ascending."""
        return np.unique(self.link_src[positions]) if len(positions) else np.zeros(0, dtype=np.int32)

    def links_into(self, pages: np.ndarray) -> np.ndarray:
        """Positions of the links into the given page numbers (self links left out), ascending."""
        n = len(self.urls)
        wanted = np.zeros(n + 1, dtype=bool)  # slot n stands for "not a page of the site" (dst -1)
        wanted[np.asarray(pages, dtype=np.int64)] = True
        wanted[n] = False
        dst = self.link_dst
        return np.flatnonzero(wanted[np.where(dst >= 0, dst, n)] & (dst != self.link_src))

    def link_numbers(self) -> tuple[list[Link], np.ndarray] | None:
        """(links, number of every link among them), for asking something once per distinct link.

        Crawled pages' links are numbered in the crawl's link tables, where a
        navigation link on a million pages is one entry; links of other pages
        (made otherwise, or replaced) each have an entry of their own.
        ``links[numbers[k]]`` is link k (a position in link_dst). None when no
        page was crawled so (there is nothing to share). Not kept: 4 bytes a link.
        """
        pages = list(self.pages.values())
        counts = np.diff(self.link_offsets)
        table_list, page_table, numbers = _coded(pages)
        if not table_list:
            return None
        coded = page_table >= 0
        first = np.zeros(len(table_list) + 1, dtype=np.int64)
        np.cumsum([len(t.links) for t in table_list], out=first[1:])
        links: list[Link] = list(chain.from_iterable(t.links[: int(first[k + 1] - first[k])] for k, t in enumerate(table_list)))
        width = _position_type(len(links))
        numbers = numbers.astype(width)
        numbers += np.repeat(first[page_table[coded]].astype(width), counts[coded])
        if len(numbers) == int(self.link_offsets[-1]):
            return links, numbers
        rest = list(chain.from_iterable(p.links for p, c in zip(pages, coded.tolist()) if not c))
        out = np.empty(int(self.link_offsets[-1]), dtype=np.int64)
        at_coded = np.repeat(coded, counts)
        out[at_coded] = numbers
        out[~at_coded] = np.arange(len(links), len(links) + len(rest), dtype=np.int64)
        return links + rest, out

    def links_at(self, positions: np.ndarray) -> list[Link]:
        """The Link objects at the given link positions (ascending), in that order.

        Many positions are read in one C-level pass over every page's links
        (``itertools.compress``), a few one by one.
        """
        positions = np.asarray(positions, dtype=np.int64)
        total = int(self.link_offsets[-1])
        if len(positions) * 64 < total:
            return [self.link_at(k)[1] for k in positions.tolist()]
        wanted = np.zeros(total, dtype=bool)
        wanted[positions] = True
        return list(compress(chain.from_iterable(p.links for p in self.pages.values()), wanted))

    def links_to(self, targets: Iterable[str]) -> dict[str, list[tuple[str, Link]]]:
        """target -> [(source page, link)] for every link into the given pages.

        Links are found through the link arrays, so only the links returned
        are touched as Python objects.
        """
        wanted = {t for t in targets if t in self.index}
        if not wanted:
            return {}
        idx = np.fromiter((self.index[t] for t in wanted), dtype=np.int64, count=len(wanted))
        out: dict[str, list[tuple[str, Link]]] = {}
        offsets, src = self.link_offsets, self.link_src
        for k in self.links_into(idx).tolist():
            i = int(src[k])
            url = self.urls[i]
            link = self.pages[url].links[k - int(offsets[i])]
            out.setdefault(link.target, []).append((url, link))
        return out

    def linking_pages(self, targets: Iterable[str], *, skip_flags: int = 0, reachable: bool = False) -> dict[str, np.ndarray]:
        """target -> the distinct pages (numbers, ascending) with a link to it, on arrays.

        Targets come in the order ``links_to`` gives them (by their first link);
        links with any of ``skip_flags`` don't count, nor, with ``reachable``,
        links from pages no start page reaches. A target whose every link is
        left out maps to an empty array.
        """
        wanted = [self.index[t] for t in targets if t in self.index]
        if not wanted:
            return {}
        pos = self.links_into(np.asarray(wanted, dtype=np.int64))
        if not len(pos):
            return {}
        dst, src = self.link_dst[pos], self.link_src[pos]
        # Positions ascend, so sources do: a stable sort by target leaves each
        # target's sources ascending, and its first entry is the target's first link.
        by = np.argsort(dst, kind="stable")
        dst, src, pos = dst[by], src[by], pos[by]
        start = np.flatnonzero(np.r_[True, dst[1:] != dst[:-1]])
        order = dst[start][np.argsort(pos[start], kind="stable")]
        keep = np.ones(len(pos), dtype=bool)
        if skip_flags:
            keep &= (self.link_flags[pos] & skip_flags) == 0
        if reachable:
            keep &= self.depths[src] != UNREACHABLE
        dst, src = dst[keep], src[keep]
        lo = np.searchsorted(dst, order, side="left")
        hi = np.searchsorted(dst, order, side="right")
        return {self.urls[t]: _sorted_unique(src[a:b]) for t, a, b in zip(order.tolist(), lo.tolist(), hi.tolist())}

    @cached_property
    def redirects(self) -> dict[str, str]:
        """Pages that redirect (meta refresh or HTTP redirect) -> where they send the reader."""
        out = {}
        for i in self.link_pages(np.flatnonzero(self.link_flags & REDIRECT)).tolist():
            url = self.urls[i]
            for link in self.pages[url].links:
                if link.is_redirect:
                    out[url] = link.target
                    break
        return out

    @property
    def rendered(self) -> bool:
        """Whether any page was rendered by a browser (so JS-only links are known)."""
        return any(p.rendered for p in self.pages.values())

    def fragment_links(self) -> list[tuple[str, Link]]:
        """(source URL, link) for every link to a page whose ``#fragment`` names an element there."""
        return self._fragment_links

    def broken_links(self) -> Iterable[tuple[str, Link]]:
        for url, page in self.pages.items():
            for link in page.broken:
                yield url, link

