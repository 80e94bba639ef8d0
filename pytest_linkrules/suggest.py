"""Link suggestions: which existing pages are the best places to add a link to a failing page.

For an orphan, a page with too few (content) inlinks, a page too deep, or a
page the change made worse, candidates are ranked by signals a reviewer can
check, and each suggestion says which ones put it there:

* text: TF-IDF cosine similarity of titles, headings, the start of the prose
  and URL words (tfidf.py, scikit-learn's definitions; unigrams),
  shown as the strongest shared terms ("shares 'image compression'");
* the section: the index page of the page's folder, pages in the same folder,
  a longer shared URL prefix;
* the neighbourhood: the candidate already links, from its content, to other
  pages of the page's folder (hubs and "see also" lists do);
* a shallow depth (a link from a page one click from the home page also fixes
  depth), the same topic cluster, a shared role.

Only reachable pages that can pass a counted link are candidates: not the
page itself, not pages already linking to it (for min-content-inlinks: from
their content), not meta-nofollow or redirecting pages, and for max-depth
only pages shallow enough that the link brings the page within the limit.
scipy.sparse is imported here, on first use, never at pytest's start.
The weights were set on benchmarks/bench_suggest.py (recall@5 of removed
real links, recorded in benchmarks/README.md).

Up to EXHAUSTIVE_PAGES pages every page is scored for every failing page.
A larger site takes the bounded path (Budget, ``[suggestions]`` in
linkrules.toml): candidates from the graph per failing page, every signal but
text computed for them as above, text for the best few; the report's notes say
so. With every budget figure at least the page count it ranks as the
exhaustive path does (tests/test_suggest_budget.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
import re
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import numpy as np

from .graph import UNREACHABLE, SiteGraph, group_by
from .model import Suggestion, Violation

if TYPE_CHECKING:
    from .runner import RuleOutcome

MAX_SUGGESTIONS = 5
# Failing pages per run that get suggestions (rule order); past this, a note
# says so.
MAX_SUGGESTED_PAGES = 1000
# Up to this many pages every page is a candidate source for every failing
# page, compared on every signal (TF-IDF over every page's text): the ranking
# the weights were tuned on, ~4 CPU-s for 1,000 failing pages of 20,000.
# Larger sites take the bounded path (Budget): its cost grows with the
# failing pages, not with the site (TF-IDF over 1M page texts alone is ~40 s).
EXHAUSTIVE_PAGES = 20_000
# The bounded path: each kind of related page (see Suggester._gather) adds at
# most PER_SOURCE candidates; the TEXT_CANDIDATES best of them by the other
# signals are compared by text, with IDF from the pages read for that plus
# IDF_SAMPLE pages spread evenly over the site.
PER_SOURCE = 1_000
TEXT_CANDIDATES = 30
IDF_SAMPLE = 5_000
SHALLOW = 20  # the shallowest pages of the site are candidates for every failing page
BOUNDED_CHUNK = 5_000  # failing pages whose candidates are held at once (~25 kB each)
# Rules whose failures a new link on another page fixes.
SOURCE_RULES = frozenset(
    {"no-orphans", "min-inlinks", "min-content-inlinks", "max-depth", "no-new-orphans", "no-deeper-pages", "no-lost-inlinks", "no-lost-link-score"}
)

W_TEXT = 1.0
W_LINKS = 0.5  # links to the same pages as the page (outlinks compared as TF-IDF, like words)
W_BACK = 0.8  # the page links to the candidate (up, prev/next, see also): a link back is natural
W_NEIGHBOURS = 0.35
W_URL = 0.25
W_INDEX = 0.15
W_DEPTH = 0.1
W_CLUSTER = 0.2
W_ROLE = 0.05
MIN_TEXT_REASON = 0.05  # similarity below this isn't named as a reason
CHUNK = 128  # targets scored together: an n x CHUNK float32 block (51 MB at 100k pages)

_WORDS = re.compile(r"[A-Za-z0-9]+")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token pattern


def url_words(url: str) -> str:
    """"/guides/image-compression.html" -> "guides image compression"."""
    path = re.sub(r"\.html?$|index$", "", url.lower())
    return " ".join(_WORDS.findall(path))


def folder_of(url: str) -> str:
    """The folder a page sits in: "/guides/seo/" -> "/guides/", "/guides/seo.html" -> "/guides/"."""
    trimmed = url[:-1] if url.endswith("/") else url
    return trimmed[: trimmed.rfind("/") + 1] or "/"


def _row(matrix, i: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Column numbers and values of one CSR row, without scipy's slicing (~40 us a call)."""
    lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[lo:hi], matrix.data[lo:hi]


def _spans(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions start, start+1, ... (count of them) of each span, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (np.cumsum(counts) - counts), counts)


def _positions(sorted_values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where the values of ``wanted`` that ``sorted_values`` holds are in it (np.isin's answer, by binary search)."""
    at = np.searchsorted(sorted_values, wanted)
    keep = at < len(sorted_values)
    at = at[keep]
    return at[sorted_values[at] == wanted[keep]]


def _row_products(matrix, rows: np.ndarray, t: int, scratch: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Dot products of CSR rows ``rows`` with row ``t`` (float32), on the arrays: scipy's
    row indexing and product cost ~1 ms a call in overhead, for a few thousand numbers.

    ``scratch`` is a zeroed float32 array of the matrix's width, left zeroed.
    """
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    lo, hi = indptr[t], indptr[t + 1]
    if lo == hi or not len(rows):
        return np.zeros(len(rows), dtype=np.float32)
    starts, counts = indptr[rows], indptr[rows + 1] - indptr[rows]
    at = _spans(starts, counts)
    cols = indices[lo:hi]
    scratch[cols] = data[lo:hi]  # row t, spread out: each entry's partner is one lookup
    values = data[at] * scratch[indices[at]]
    scratch[cols] = 0
    sums = np.zeros(len(at) + 1, dtype=np.float64)
    np.cumsum(values, out=sums[1:])
    ends = np.cumsum(counts)
    return (sums[ends] - sums[ends - counts]).astype(np.float32)


@dataclass(frozen=True)
class Budget:
    """How much of a large site link suggestions read; the defaults are the module's constants.

    A site of at most ``exhaustive_pages`` pages is ranked exhaustively (every
    page a candidate). Above it, each failing page's candidates are the pages
    the graph relates to it (Suggester._gather), at most ``per_source`` of each
    kind; the ``text`` best of those by the other signals are compared by text,
    TF-IDF fitted on the pages read plus ``idf_sample`` pages spread over the
    site. With every figure at least the site's page count the bounded path
    gives the exhaustive ranking (tests/test_suggest_budget.py).
    """

    exhaustive_pages: int = EXHAUSTIVE_PAGES
    per_source: int = PER_SOURCE
    text: int = TEXT_CANDIDATES
    idf_sample: int = IDF_SAMPLE

    def describe(self) -> str:
        return (
            f"candidates were the pages related to each (linked with it, in its folder, linking to its folder "
            f"or to the same pages, its cluster, the {SHALLOW} shallowest), at most {self.per_source:,} of each kind, "
            f"and the {self.text:,} best of them by those signals compared by text "
            f"(IDF from the pages read and {self.idf_sample:,} spread over the site)"
        )


def budget_from(given: Mapping[str, int]) -> Budget:
    """The Budget of a [suggestions] table (config.SUGGESTION_KEYS; max_pages is attach_suggestions' limit)."""
    return Budget(**{key: value for key, value in given.items() if key in Budget.__dataclass_fields__})


@dataclass(frozen=True)
class Need:
    """One failing page to find sources for, and what a source must satisfy."""

    page: str
    max_source_depth: int | None = None  # max-depth: the source must be this shallow
    content_only: bool = False  # min-content-inlinks: a chrome link from the source doesn't count


class Suggester:
    """Features of every page, built once per graph; ``suggest`` ranks sources for many pages at once.

    A site of more than ``budget.exhaustive_pages`` pages takes the bounded
    path (``bounded``): candidates from the graph per failing page, text for
    the best of them only (see Budget).
    """

    def __init__(self, graph: SiteGraph, budget: Budget | None = None) -> None:
        self.graph = graph
        self.budget = budget or Budget()
        n = len(graph.urls)
        self.n = n
        self.bounded = n > self.budget.exhaustive_pages
        self.depths = graph.depths
        # folder_of, inlined (a call per page is ~0.3 s at 1M pages); folders numbered in page order.
        names: dict[str, int] = {}
        number = names.setdefault
        self.folder = np.array(
            [number(u[: u.rfind("/", 0, len(u) - 1) + 1] or "/", len(names)) for u in graph.urls], dtype=np.int64
        )
        self.folder_names = list(names)
        # The page a folder's URL names ("/guides/"), if it is a page of the site.
        self.folder_page = np.array([graph.index.get(f, -1) for f in self.folder_names], dtype=np.int64)
        pages = graph.pages
        usable = graph.depths != UNREACHABLE
        usable &= ~np.fromiter((bool(p.nofollow or p.error) for p in pages.values()), dtype=bool, count=n)
        for u in graph.redirects:
            j = graph.index.get(u)
            if j is not None:
                usable[j] = False
        self.usable = usable
        # Where the ranking reads page text: all pages (exhaustive), or the pages read (bounded).
        self._text_rows: np.ndarray | None = None
        self._text_state = None

    @cached_property
    def _levels(self) -> tuple[np.ndarray, np.ndarray]:
        """Ancestor folder ids per page and level, and each page's level count, to count shared URL prefix segments."""
        n = self.n
        levels = [u.strip("/").split("/") for u in self.graph.urls]
        width = max((len(p) for p in levels), default=1)
        prefix_ids: dict[str, int] = {}
        anc = np.full((n, width), -1, dtype=np.int64)
        for i, parts in enumerate(levels):
            for k in range(len(parts) - 1):
                anc[i, k] = prefix_ids.setdefault("/".join(parts[: k + 1]), len(prefix_ids))
        return anc, np.array([len(p) - 1 for p in levels], dtype=np.int64)

    @cached_property
    def _folder_levels(self) -> tuple[np.ndarray, np.ndarray]:
        """The same per folder rather than per page (a page's ancestors are its folder's): folders x levels.

        The bounded path's form: one entry per folder, not per page.
        """
        chains = [f.strip("/").split("/") if f != "/" else [] for f in self.folder_names]
        width = max((len(c) for c in chains), default=0) + 1
        prefix_ids: dict[str, int] = {}
        anc = np.full((len(chains), width), -1, dtype=np.int64)
        for i, parts in enumerate(chains):
            for k in range(len(parts)):
                anc[i, k] = prefix_ids.setdefault("/".join(parts[: k + 1]), len(prefix_ids))
        return anc, np.array([len(c) for c in chains], dtype=np.int64)

    # --------------------------------------------------------------- text
    @cached_property
    def _tfidf(self):  # type: ignore[no-untyped-def]
        from scipy import sparse

        from .tfidf import word_matrix

        graph = self.graph
        docs = [f"{p.title} {p.text} {url_words(u)}" for u, p in ((u, graph.pages[u]) for u in graph.urls)]
        # Unigrams: bigrams cost 2.5x (14 s at 100k pages); reasons find phrases per pair.
        made = word_matrix(docs, min_df=2 if self.n >= 50 else 1, max_df=0.5 if self.n >= 50 else 1.0, sublinear_tf=True)
        if made is None:  # no words at all (every page empty)
            return sparse.csr_matrix((self.n, 1), dtype=np.float32), np.array(["-"])
        return made

    def _text(self):  # type: ignore[no-untyped-def]
        """The TF-IDF rows the ranking reads now: (matrix, terms, row of each page or None for "page i is row i")."""
        if self._text_state is None:
            matrix, names = self._tfidf
            self._text_state = (matrix, names, None)
        return self._text_state

    def _read_text(self, rows: np.ndarray) -> None:
        """TF-IDF of these pages only (the bounded path): IDF from them, the thresholds as for a site of that many pages."""
        from scipy import sparse

        from .tfidf import word_matrix

        graph = self.graph
        urls = graph.urls
        docs = [f"{p.title} {p.text} {url_words(u)}" for u, p in ((urls[i], graph.pages[urls[i]]) for i in rows.tolist())]
        m = len(docs)
        made = word_matrix(docs, min_df=2 if m >= 50 else 1, max_df=0.5 if m >= 50 else 1.0, sublinear_tf=True)
        if made is None:
            made = sparse.csr_matrix((m, 1), dtype=np.float32), np.array(["-"])
        where = np.full(self.n, -1, dtype=np.int64)
        where[rows] = np.arange(m)
        self._text_state = (made[0], made[1], where)

    def read_text(self, rows: Iterable[int]) -> None:
        """Bounded path: make sure the text read includes these pages (the sample's with them), reading once for many."""
        wanted = np.fromiter(rows, dtype=np.int64)
        state = self._text_state
        if state is None or state[2] is None or (state[2][wanted] < 0).any():
            self._read_text(np.unique(np.concatenate([wanted, self._idf_sample()])))

    def _idf_sample(self) -> np.ndarray:
        """``budget.idf_sample`` pages spread evenly over the site (every page if it has fewer)."""
        size = min(self.n, self.budget.idf_sample)
        return np.unique(np.linspace(0, self.n - 1, num=size).round().astype(np.int64)) if size else np.zeros(0, dtype=np.int64)

    def shared_terms(self, a: int, b: int, k: int = 2) -> list[str]:
        """The strongest words two pages share, as phrases where both pages have the same two in a row."""
        matrix, names, where = self._text()
        if where is not None:
            a, b = int(where[a]), int(where[b])
            if a < 0 or b < 0:
                return []
        (a_idx, a_val), (b_idx, b_val) = _row(matrix, a), _row(matrix, b)
        common, ia, ib = np.intersect1d(a_idx, b_idx, assume_unique=True, return_indices=True)
        if not len(common):
            return []
        weight = a_val[ia] * b_val[ib]
        order = np.argsort(-weight)
        strong = {str(names[common[o]]): float(weight[o]) for o in order[: 4 * k]}
        phrases = self._phrases(a) & self._phrases(b)
        scored = [(strong[x] + strong[y], f"{x} {y}") for x, y in phrases if x in strong and y in strong and x != y]
        out: list[str] = []
        for _, phrase in sorted(scored, reverse=True):
            if not any(w in o.split() for o in out for w in phrase.split()):
                out.append(phrase)
        for term in strong:  # then single words not already named
            if len(out) >= k:
                break
            if not any(term in o.split() for o in out):
                out.append(term)
        return out[:k]

    def _phrases(self, i: int) -> set[tuple[str, str]]:
        """Word pairs of a page's text, lower-cased as the vectoriser reads them (a failing page's, once)."""
        cache = self.__dict__.setdefault("_phrase_cache", {})
        if i in cache:
            return cache[i]
        p = self.graph.pages[self.graph.urls[i]]
        words = _TOKEN.findall(f"{p.title} {p.text}".lower())
        found = set(zip(words, words[1:]))
        if len(cache) > 64:
            cache.clear()
        cache[i] = found
        return found

    @cached_property
    def _outlink_profile(self):  # type: ignore[no-untyped-def]
        """Each page's followed outlinks as an l2-normalised TF-IDF row: pages linked from
        everywhere (nav) weigh nothing, pages few link to weigh most."""
        from scipy import sparse

        from .tfidf import weigh

        g = self.graph
        # Links to pages most pages link to (nav, footer) say nothing about a
        # page and make every product dense: left out, as stop words are.
        indegree = np.bincount(g.edge_dst, minlength=self.n)
        keep = g.edge_followed & (indegree[g.edge_dst] <= max(50, 0.05 * self.n))
        # Straight from the edge arrays, sorted by source and target already: no COO step.
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(g.edge_src[keep], minlength=self.n), out=indptr[1:])
        dst = g.edge_dst[keep]
        m = sparse.csr_matrix((np.ones(len(dst), dtype=np.float32), dst, indptr), shape=(self.n, self.n))
        return weigh(m, copy=False)

    @cached_property
    def _outlink_weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The outlink profile as the bounded path reads it: (indptr, targets, IDF per page, row lengths).

        The same rows as _outlink_profile before l2 scaling, on plain arrays:
        a row's weights are the IDF of its targets, so they are not stored, and
        a product is divided by the two lengths. Building the scipy matrix and
        scaling 25M entries cost ~1.7 s at 1M pages; this, ~0.5 s.
        """
        g = self.graph
        n = self.n
        indegree = np.bincount(g.edge_dst, minlength=n)
        keep = g.edge_followed & (indegree[g.edge_dst] <= max(50, 0.05 * n))
        del indegree
        before = np.zeros(len(keep) + 1, dtype=np.int64)
        np.cumsum(keep, out=before[1:])
        indptr = before[g._outgoing.indptr]
        del before
        targets = g.edge_dst[keep]
        del keep
        df = np.bincount(targets, minlength=n).astype(np.float32) + np.float32(1.0)
        idf = np.log(np.float32(n + 1) / df) + np.float32(1.0)
        squares = np.zeros(len(targets) + 1, dtype=np.float64)
        np.cumsum(idf[targets].astype(np.float64) ** 2, out=squares[1:])
        lengths = np.sqrt(squares[indptr[1:]] - squares[indptr[:-1]])
        lengths[lengths == 0] = 1.0
        return indptr, targets, idf, lengths

    def _kept_outlinks(self, i: int) -> np.ndarray:
        """The targets in page i's outlink profile (followed links, not to pages most pages link to)."""
        if not self.bounded:
            return _row(self._outlink_profile, i)[0]
        indptr, targets, _, _ = self._outlink_weights
        return targets[indptr[i] : indptr[i + 1]]

    def _coupling(self, rows: np.ndarray, t: int) -> np.ndarray:
        """Cosine of the outlink profiles of ``rows`` and t (the bounded path's _outlink_profile product)."""
        indptr, targets, idf, lengths = self._outlink_weights
        lo, hi = indptr[t], indptr[t + 1]
        if lo == hi or not len(rows):
            return np.zeros(len(rows), dtype=np.float32)
        counts = indptr[rows + 1] - indptr[rows]
        at = _spans(indptr[rows], counts)
        mark = self._scratch(self.n)
        mine = targets[lo:hi]
        mark[mine] = idf[mine]
        theirs = targets[at]
        values = mark[theirs].astype(np.float64) * idf[theirs]
        mark[mine] = 0
        sums = np.zeros(len(at) + 1, dtype=np.float64)
        np.cumsum(values, out=sums[1:])
        ends = np.cumsum(counts)
        return ((sums[ends] - sums[ends - counts]) / (lengths[rows] * lengths[t])).astype(np.float32)

    def shared_outlinks(self, a: int, b: int) -> int:
        return len(np.intersect1d(self._kept_outlinks(a), self._kept_outlinks(b), assume_unique=True))

    # ----------------------------------------------------------- structure
    @cached_property
    def _content_links(self):  # type: ignore[no-untyped-def]
        """Counted content edges (followed, from a reachable page) as a CSR matrix."""
        from scipy import sparse

        g = self.graph
        keep = g.edge_content & g.edge_followed & (g.depths[g.edge_src] != UNREACHABLE)
        src, dst = g.edge_src[keep], g.edge_dst[keep]
        return sparse.csr_matrix((np.ones(len(src), dtype=np.float32), (src, dst)), shape=(self.n, self.n))

    def neighbours_in_folders(self, folders: np.ndarray) -> np.ndarray:
        """Per page (rows) and folder (columns): how many pages of the folder it links to from its content.

        One sparse product for a chunk's folders; a product per folder cost
        ~20 ms each at 100k pages.
        """
        from scipy import sparse

        wanted, column = np.unique(folders, return_inverse=True)
        where = np.full(len(self.folder_names), -1, dtype=np.int64)
        where[wanted] = np.arange(len(wanted))
        rows = np.flatnonzero(where[self.folder] >= 0)
        onehot = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, where[self.folder[rows]])), shape=(self.n, len(wanted))
        )
        counts = (self._content_links @ onehot).toarray()
        return counts[:, column]

    @cached_property
    def _linking(self):  # type: ignore[no-untyped-def]
        """Incoming edges by target (CSC), to exclude pages already linking."""
        from scipy import sparse

        g = self.graph
        m = sparse.csr_matrix((g.edge_content.astype(np.int8) + 1, (g.edge_src, g.edge_dst)), shape=(self.n, self.n))
        return m.tocsc()

    @cached_property
    def _clusters_of(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for c in getattr(self.graph, "clusters", ()) or ():
            for u in (c.pillar, *c.members):
                out.setdefault(u, []).append(c.label)
        return out

    @cached_property
    def _roles_of(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for role, urls in sorted((getattr(self.graph, "roles", None) or {}).items()):
            for u in urls:
                out.setdefault(u, []).append(role)
        return out

    # ------------------------------------------------- the bounded path
    @cached_property
    def _in_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Every edge by target: indptr, and the edge numbers (sources ascending), to read an inlink's flags."""
        order, starts = group_by(self.graph.edge_dst, self.n)
        return starts, order

    def _inlink_edges(self, pages: np.ndarray, cap: int | None = None) -> np.ndarray:
        """The edge numbers of the links into ``pages``, page by page; with ``cap``, only as many pages as keep it under cap."""
        indptr, edges = self._in_edges
        lo, hi = indptr[pages], indptr[pages + 1]
        counts = hi - lo
        if cap is not None:
            within = np.cumsum(counts) <= cap
            lo, counts = lo[within], counts[within]
        return edges[_spans(lo, counts)]

    @cached_property
    def _folder_members(self) -> tuple[np.ndarray, np.ndarray]:
        """Pages grouped by folder (page order within each) and where each folder's group starts."""
        return group_by(self.folder, len(self.folder_names))

    def _folder_window(self, t: int, size: int) -> np.ndarray:
        """The pages of t's folder, or the ``size`` nearest to t in page order when it has more."""
        order, starts = self._folder_members
        f = int(self.folder[t])
        members = order[starts[f] : starts[f + 1]]
        if len(members) <= size:
            return members
        at = int(np.searchsorted(members, t))
        lo = max(0, min(at - size // 2, len(members) - size))
        return members[lo : lo + size]

    @cached_property
    def _shallowest(self) -> np.ndarray:
        ok = np.flatnonzero(self.usable)
        return ok[np.argsort(self.depths[ok], kind="stable")[:SHALLOW]]

    @cached_property
    def _cluster_masks(self) -> list[tuple[str, np.ndarray]]:
        idx = self.graph.index
        out = []
        for c in getattr(self.graph, "clusters", ()) or ():
            mask = np.zeros(self.n, dtype=bool)
            mask[[idx[u] for u in (c.pillar, *c.members) if u in idx]] = True
            out.append((c.label, mask))
        return out

    @cached_property
    def _role_masks(self) -> list[tuple[str, np.ndarray]]:
        idx = self.graph.index
        out = []
        for role, urls in sorted((getattr(self.graph, "roles", None) or {}).items()):
            mask = np.zeros(self.n, dtype=bool)
            mask[[idx[u] for u in urls if u in idx]] = True
            out.append((role, mask))
        return out

    def _clusters_at(self, i: int) -> list[str]:
        if not self.bounded:
            return self._clusters_of.get(self.graph.urls[i], [])
        return [label for label, mask in self._cluster_masks if mask[i]]

    def _roles_at(self, i: int) -> list[str]:
        if not self.bounded:
            return self._roles_of.get(self.graph.urls[i], [])
        return [role for role, mask in self._role_masks if mask[i]]

    def _gather(self, need: Need, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The candidate sources for page t, and the pages of its folder each links to from its content.

        Every page when the site has at most ``per_source`` pages (or is ranked
        exhaustively); otherwise the
        union of, at most ``per_source`` of each: the pages t links to, its
        folder's index page, the members of its clusters, the site's shallowest
        pages, the pages of its folder (the nearest to it in page order when
        there are more), the pages linking to the same pages as t (through the
        pages fewest link to first) and the pages linking to pages of its folder
        from their content (the most such links first). The neighbour counts are
        over the folder's pages read (all of them, or the window).
        Returns (candidates, neighbour counts for them, the largest count).
        """
        g = self.graph
        cap = self.budget.per_source
        full = not self.bounded or self.n <= cap
        mates = self._folder_window(t, self.n if full else cap)
        # Links into the folder from page content, counted per source (the "neighbours" signal).
        e = self._inlink_edges(mates)
        e = e[g.edge_content[e] & g.edge_followed[e]]
        src = g.edge_src[e]
        src = src[self.depths[src] != UNREACHABLE]
        near_pages, near_counts = np.unique(src, return_counts=True)
        if full:
            pool = np.arange(self.n, dtype=np.int64)
        else:
            parts = [self._links_from(t)[:cap], self._shallowest, mates]
            index_page = int(self.folder_page[int(self.folder[t])])
            if index_page >= 0:
                parts.append(np.array([index_page], dtype=np.int64))
            for label, mask in self._cluster_masks:
                if mask[t]:
                    parts.append(np.flatnonzero(mask)[:cap])
            # Pages linking to the same pages (followed links, as the outlink profile counts them).
            dests = self._kept_outlinks(t)
            if len(dests):
                indptr = self._in_edges[0]
                dests = dests[np.argsort(indptr[dests + 1] - indptr[dests], kind="stable")]
                e = self._inlink_edges(dests, cap=cap)
                parts.append(g.edge_src[e[g.edge_followed[e]]])
            if len(near_pages) > cap:
                parts.append(near_pages[np.sort(np.argsort(-near_counts, kind="stable")[:cap])])
            else:
                parts.append(near_pages)
            pool = np.unique(np.concatenate(parts).astype(np.int64))
        near = np.zeros(len(pool), dtype=np.float32)
        at = np.searchsorted(pool, near_pages)
        hit = at < len(pool)
        hit[hit] = pool[at[hit]] == near_pages[hit]
        near[at[hit]] = near_counts[hit]  # near_pages is part of the pool, but in full mode pool is every page
        return pool, near, float(near_counts.max()) if len(near_counts) else 0.0

    def _bounded_candidates(self, need: Need, t: int):  # type: ignore[no-untyped-def]
        """Candidates for page t with every signal but text, in the exhaustive ranking's terms."""
        g = self.graph
        pool, near, near_max = self._gather(need, t)
        ok = self.usable[pool] & (pool != t)
        if need.max_source_depth is not None:
            d = self.depths[pool]
            ok &= (d >= 0) & (d <= need.max_source_depth)
        e = self._inlink_edges(np.array([t], dtype=np.int64))
        if need.content_only:
            e = e[g.edge_content[e]]
        ok[_positions(pool, g.edge_src[e])] = False
        rows, near = pool[ok], near[ok]
        f = int(self.folder[t])
        base = self._base[rows]
        coupling = self._coupling(rows, t)
        other = np.zeros(len(rows), dtype=np.float32)
        if near_max > 0:
            other += W_NEIGHBOURS * np.log1p(near) / np.log1p(near_max)
        anc, levels = self._folder_levels
        width = int(levels[f])
        if width > 0:
            run = np.zeros(len(rows), dtype=np.float32)
            alive = np.ones(len(rows), dtype=bool)
            theirs = anc[self.folder[rows]]
            for lv in range(width):
                alive &= theirs[:, lv] == anc[f, lv]
                run += alive
            other += W_URL * (run / width)
        index_page = int(self.folder_page[f])
        if index_page >= 0:
            other[rows == index_page] += W_INDEX
        is_back = np.zeros(len(rows), dtype=bool)
        is_back[_positions(rows, self._links_from(t))] = True
        other[is_back] += W_BACK
        clusters, roles = self._clusters_at(t), self._roles_at(t)
        bonus = np.zeros(len(rows), dtype=np.float32)
        cluster_hit = np.zeros(len(rows), dtype=bool)
        for label, mask in self._cluster_masks:
            if label in clusters:
                cluster_hit |= mask[rows]
        bonus[cluster_hit] = W_CLUSTER
        for role, mask in self._role_masks:
            if role in roles:
                bonus[mask[rows]] += W_ROLE
        other += bonus
        return rows, base, coupling, near, other, is_back, index_page, clusters, roles

    def _scratch(self, size: int) -> np.ndarray:
        """A zeroed float32 array of this size, reused (callers leave it zeroed)."""
        have = self.__dict__.setdefault("_scratches", {})
        if size not in have:
            have[size] = np.zeros(size, dtype=np.float32)
        return have[size]

    def candidates(self, need: Need) -> list[str]:
        """The pages the bounded path ranks for this need (every usable page, on a site ranked exhaustively)."""
        t = self.graph.index[need.page]
        rows = self._bounded_candidates(need, t)[0]
        return [self.graph.urls[i] for i in rows.tolist()]

    def _suggest_bounded(self, needs: Sequence[Need], k: int) -> dict[Need, list[Suggestion]]:
        """Rank each need's candidates (``_gather``) on every signal, text for the best ``budget.text`` of them.

        The text is read once for BOUNDED_CHUNK failing pages at a time (one
        read for the default 1,000), so memory stays bounded when many are asked.
        """
        out: dict[Need, list[Suggestion]] = {}
        for start in range(0, len(needs), BOUNDED_CHUNK):
            out.update(self._suggest_bounded_chunk(needs[start : start + BOUNDED_CHUNK], k))
        return out

    def _suggest_bounded_chunk(self, needs: Sequence[Need], k: int) -> dict[Need, list[Suggestion]]:
        index = self.graph.index
        prepared = []
        texts = [np.array([index[n.page] for n in needs], dtype=np.int64), self._idf_sample()]
        for need in needs:
            t = index[need.page]
            found = self._bounded_candidates(need, t)
            rows, base, coupling = found[0], found[1], found[2]
            partial = base + W_LINKS * coupling + found[4]
            best = np.argsort(-partial, kind="stable")[: self.budget.text]
            prepared.append((need, t, best, found))
            texts.append(rows[best])
        self._read_text(np.unique(np.concatenate(texts)))
        matrix, _, where = self._text()
        out: dict[Need, list[Suggestion]] = {}
        for need, t, best, (rows, base, coupling, near, other, is_back, index_page, clusters, roles) in prepared:
            text = np.zeros(len(rows), dtype=np.float32)
            if len(best):
                text[best] = _row_products(matrix, where[rows[best]], int(where[t]), self._scratch(matrix.shape[1]))
            score = base + W_TEXT * text + W_LINKS * coupling + other
            if not len(rows):
                out[need] = []
                continue
            top = np.lexsort((rows, -score))[:k]
            neighbours = dict(zip(rows[top].tolist(), near[top].tolist()))
            out[need] = [
                self._explain(t, int(rows[o]), float(score[o]), float(text[o]), float(coupling[o]), neighbours, index_page, clusters, roles, bool(is_back[o]))
                for o in top.tolist()
            ]
        return out

    # ------------------------------------------------------------- ranking
    @cached_property
    def _base(self) -> np.ndarray:
        return self._static_score()

    def _static_score(self) -> np.ndarray:
        d = np.maximum(self.depths, 0).astype(np.float32)
        return np.where(self.depths >= 0, 1.0 / (1.0 + d), 0.0).astype(np.float32) * W_DEPTH

    def suggest(self, needs: Sequence[Need], k: int = MAX_SUGGESTIONS) -> dict[Need, list[Suggestion]]:
        """The top ``k`` source pages for each need's page, with reasons."""
        out: dict[Need, list[Suggestion]] = {}
        needs = [n for n in dict.fromkeys(needs) if n.page in self.graph.index]
        if not needs:
            return out
        if self.bounded:
            return self._suggest_bounded(needs, k)
        matrix, _ = self._tfidf
        base = self._static_score()
        linking = self._linking
        index = self.graph.index
        for start in range(0, len(needs), CHUNK):
            chunk = needs[start : start + CHUNK]
            rows = np.array([index[n.page] for n in chunk], dtype=np.int64)
            sims = np.asarray(matrix @ matrix[rows].T.toarray(), dtype=np.float32)
            profile = self._outlink_profile
            coupling = (profile @ profile[rows].T).toarray().astype(np.float32, copy=False)
            near = self.neighbours_in_folders(self.folder[rows])
            for col, (need, t) in enumerate(zip(chunk, rows.tolist())):
                out[need] = self._rank(need, t, sims[:, col], coupling[:, col], near[:, col], base, linking, k)
        return out

    def _rank(  # type: ignore[no-untyped-def]
        self, need: Need, t: int, text: np.ndarray, coupling: np.ndarray, neighbours: np.ndarray, base: np.ndarray, linking, k: int
    ) -> list[Suggestion]:
        f = int(self.folder[t])
        score = base + W_TEXT * text + W_LINKS * coupling
        if neighbours.max() > 0:
            score += W_NEIGHBOURS * np.log1p(neighbours) / np.log1p(neighbours.max())
        shared = self._shared_prefix(t)
        score += W_URL * shared
        index_page = int(self.folder_page[f])
        if index_page >= 0:
            score[index_page] += W_INDEX
        back = self._links_from(t)
        score[back] += W_BACK
        url = self.graph.urls[t]
        clusters = self._clusters_of.get(url, [])
        roles = self._roles_of.get(url, [])
        bonus_pages: dict[int, float] = {}
        for c in getattr(self.graph, "clusters", ()) or ():
            if c.label in clusters:
                for u in (c.pillar, *c.members):
                    j = self.graph.index.get(u)
                    if j is not None:
                        bonus_pages[j] = max(bonus_pages.get(j, 0.0), W_CLUSTER)
        for role in roles:
            for u in (self.graph.roles.get(role) or ()):
                j = self.graph.index.get(u)
                if j is not None:
                    bonus_pages[j] = bonus_pages.get(j, 0.0) + W_ROLE
        for j, b in bonus_pages.items():
            score[j] += b
        ok = self.usable.copy()
        ok[t] = False
        if need.max_source_depth is not None:
            ok &= (self.depths >= 0) & (self.depths <= need.max_source_depth)
        col = slice(linking.indptr[t], linking.indptr[t + 1])
        sources, kinds = linking.indices[col], linking.data[col]
        # Pages already linking are no news; for content inlinks only a content link counts.
        ok[sources[kinds == 2] if need.content_only else sources] = False
        score = np.where(ok, score, -np.inf)
        m = int(ok.sum())
        if m == 0:
            return []
        top = np.argpartition(-score, min(k, m) - 1)[: min(k, m)] if m > k else np.flatnonzero(ok)
        top = top[np.argsort(-score[top], kind="stable")]
        back_set = set(back.tolist())
        return [
            self._explain(t, int(j), float(score[j]), float(text[j]), float(coupling[j]), neighbours, index_page, clusters, roles, j in back_set)
            for j in top.tolist()
        ]

    def _links_from(self, t: int) -> np.ndarray:
        """Pages the page itself links to (followed links)."""
        g = self.graph
        # Edges are sorted by source: the CSR row, not a search of edge_src (a
        # search with int64 keys would copy the int32 array: 30M edges a call).
        lo, hi = g._outgoing.indptr[t : t + 2].tolist()
        return g.edge_dst[lo:hi][g.edge_followed[lo:hi]]

    def _shared_prefix(self, t: int) -> np.ndarray:
        ancestors, n_levels = self._levels
        levels = int(n_levels[t])
        if levels <= 0:
            return np.zeros(self.n, dtype=np.float32)
        run = np.zeros(self.n, dtype=np.float32)
        alive = np.ones(self.n, dtype=bool)
        for k in range(levels):
            alive &= ancestors[:, k] == ancestors[t, k]
            run += alive
        return run / levels

    def _explain(
        self, t: int, j: int, score: float, text: float, coupling: float, neighbours: np.ndarray, index_page: int, clusters: list[str], roles: list[str], back: bool
    ) -> Suggestion:
        g = self.graph
        reasons: list[str] = []
        if back:
            reasons.append("a link back: the page links to it")
        source = g.urls[j]
        folder = self.folder_names[int(self.folder[t])]
        if j == index_page:
            reasons.append(f"the index page of {folder}")
        elif self.folder[j] == self.folder[t]:
            reasons.append(f"same folder {folder}")
        near = int(neighbours[j])
        if near:
            reasons.append(f"links to {near} page{'s' if near != 1 else ''} in {folder}")
        theirs = self._clusters_at(j)
        same_cluster = [c for c in clusters if c in theirs]
        if same_cluster:
            reasons.append(f"same cluster {same_cluster[0]}")
        same_role = [r for r in roles if r in self._roles_at(j)]
        if same_role:
            reasons.append(f"same role @{same_role[0]}")
        if coupling >= MIN_TEXT_REASON:
            same = self.shared_outlinks(t, j)
            if same:
                reasons.append(f"links to {same} of the same page{'s' if same != 1 else ''}")
        if text >= MIN_TEXT_REASON:
            terms = self.shared_terms(t, j)
            if terms:
                reasons.append("shares " + ", ".join(f"'{x}'" for x in terms))
        reasons.append(f"depth {int(self.depths[j])}")
        return Suggestion(source, round(score, 4), tuple(reasons))

    def members_to_link(self, pillar: str, members: Iterable[str], k: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """For a pillar linking to too few members: the unlinked members most like it."""
        idx = self.graph.index
        p = idx.get(pillar)
        rows = [idx[m] for m in members if m in idx and m != pillar]
        if p is None or not rows:
            return []
        if self.bounded:  # text of the pillar and its members (unless read already), IDF with the sample as for suggestions
            self.read_text(rows + [p])
        matrix, _, where = self._text()
        if where is not None:
            sims = (matrix[where[rows]] @ matrix[where[p]].T).toarray().ravel()
        else:
            sims = (matrix[rows] @ matrix[p].T).toarray().ravel()
        order = np.argsort(-sims, kind="stable")[:k]
        out = []
        for o in order.tolist():
            j = rows[o]
            terms = self.shared_terms(p, j) if sims[o] >= MIN_TEXT_REASON else []
            reasons = ("cluster member",) + (("shares " + ", ".join(f"'{x}'" for x in terms),) if terms else ())
            out.append(Suggestion(self.graph.urls[j], round(float(sims[o]), 4), reasons, direction="to"))
        return out


def need_for(outcome: "RuleOutcome", violation: Violation) -> Need | None:
    """What a source page must satisfy to fix this failure, or None if a link elsewhere can't."""
    rule = violation.rule
    if rule not in SOURCE_RULES:
        return None
    if rule == "max-depth":
        limit = outcome.config.options.get("max")
        return Need(violation.page, max_source_depth=int(limit) - 1 if isinstance(limit, int) else None)
    if rule == "no-deeper-pages":
        before = dict(violation.figures).get("depth_before")
        allowed = int(outcome.config.options.get("max_increase") or 0)
        return Need(violation.page, max_source_depth=int(before) + allowed - 1 if isinstance(before, int) else None)
    content = rule == "min-content-inlinks" or (rule == "no-lost-inlinks" and bool(outcome.config.options.get("content")))
    return Need(violation.page, content_only=content)


def attach_suggestions(
    outcomes: Sequence["RuleOutcome"], graph: SiteGraph, limit: int = MAX_SUGGESTED_PAGES, notes: list[str] | None = None, budget: Budget | None = None
) -> int:
    """Give failing pages that a new link would fix their suggestions; returns the pages left without (over ``limit``).

    On a site past ``budget.exhaustive_pages`` the ranking is bounded, and a
    line saying how goes to ``notes`` (the report header's notes).
    """
    wanted: list[tuple[int, int, Need]] = []
    pillars: list[tuple[int, int]] = []
    for o_i, outcome in enumerate(outcomes):
        for v_i, v in enumerate(outcome.violations):
            if v.rule == "cluster-links" and dict(v.figures).get("members") is not None:
                pillars.append((o_i, v_i))
                continue
            need = need_for(outcome, v)
            if need is not None:
                wanted.append((o_i, v_i, need))
    if not wanted and not pillars:
        return 0
    suggester = Suggester(graph, budget)
    if suggester.bounded and notes is not None:
        b = suggester.budget
        notes.append(
            f"link suggestions: the site has {suggester.n:,} pages, more than {b.exhaustive_pages:,}, so not every page was "
            f"compared with each failing page: {b.describe()} ([suggestions] in linkrules.toml)"
        )
    left = max(0, len(wanted) - limit)
    wanted = wanted[:limit]
    found = suggester.suggest([need for _, _, need in wanted])
    for o_i, v_i, need in wanted:
        v = outcomes[o_i].violations[v_i]
        outcomes[o_i].violations[v_i] = replace(v, suggestions=tuple(found.get(need, ())))
    from .rules.cluster_links import content_link

    work = []
    for o_i, v_i in pillars:
        v = outcomes[o_i].violations[v_i]
        cluster = next((c for c in graph.clusters if c.pillar == v.page), None)
        if cluster is not None:
            work.append((o_i, v_i, v, [m for m in cluster.members if not content_link(graph, v.page, m)]))
    if suggester.bounded and work:  # one text read for every pillar and its members, not one each
        idx = graph.index
        suggester.read_text(idx[u] for _, _, v, missing in work for u in (v.page, *missing) if u in idx)
    for o_i, v_i, v, missing in work:
        outcomes[o_i].violations[v_i] = replace(v, suggestions=tuple(suggester.members_to_link(v.page, missing)))
    return left
