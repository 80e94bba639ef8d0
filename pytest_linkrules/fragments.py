"""Fragments: which ids a page has, and whether a link's ``#fragment`` names one.

HTML's rule ("the indicated part of the document", WHATWG HTML 7.4.6.4): a
fragment names the element whose ``id`` equals it, or an ``<a>`` whose
``name`` equals it, compared exactly (case-sensitive); it is tried as written,
then percent-decoded as UTF-8. An empty fragment and ``top`` (in any ASCII
case) name the top of the page and need no element. docs/urls.md says where
htmltest, html-proofer and lychee agree and where this project differs.

A page keeps its ids as one string, newline-separated with a newline at each
end: a 100k-page site with ~10 ids a page then holds ~20 MB of ids, where a
set of strings per page would hold ~100 MB (benchmarks/README.md).
"""

from __future__ import annotations

import difflib
import heapq
from functools import cached_property
from typing import Any, Callable, Iterable
from urllib.parse import unquote

SEP = "\n"  # HTML forbids whitespace in ids; the rare id holding a newline is left out
SET_FROM_CHARS = 2_048  # PageIds: packed ids this long are looked up in a set
NEAREST_CUTOFF = 0.6  # difflib.get_close_matches' default
NEAREST_COMPARED = 200  # nearest: difflib comparisons of one fragment at most


def pack_ids(ids: Iterable[str]) -> str:
    """The page's ids as one string; "" for none."""
    kept = [i for i in ids if i and SEP not in i]
    return SEP + SEP.join(kept) + SEP if kept else ""


def unpack_ids(packed: str) -> list[str]:
    return packed[1:-1].split(SEP) if packed else []


_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))


def fragment_of(href: str) -> str | None:
    """The raw fragment of an href ("a%20b" in "/x/#a%20b"), or None when it has no "#".

    Cleaned as a browser cleans the href first: spaces and controls at the
    ends, tabs and newlines anywhere, go (crawl/urls.py browser_href).
    """
    if "#" not in href:
        return None
    fragment = href.partition("#")[2]
    return fragment.rstrip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")


def checked_fragment(href: str, hash_routes: bool = False) -> str | None:
    """The fragment of an href that must name an element of its page; None when there is none to check.

    An empty fragment and ``#top`` name the top of any page (HTML's rule);
    with hash routes, ``#/route`` is a page of the app, not an element.
    """
    fragment = fragment_of(href)
    if fragment is None or names_top(fragment) or (hash_routes and fragment[:1] == "/"):
        return None
    return fragment


def looks_like_route(fragment: str) -> bool:
    """"#/guide" or "#!/guide": a single-page app's route, not an element."""
    return fragment[:1] == "/" or fragment[:2] == "!/"


def names_top(fragment: str) -> bool:
    """An empty fragment or "top" scrolls to the top of any page: nothing to look for."""
    return fragment == "" or (len(fragment) <= 9 and unquote(fragment).lower() == "top")


def decoded(fragment: str) -> str:
    return unquote(fragment, errors="strict") if "%" in fragment else fragment


def has_id(packed: str, fragment: str) -> bool:
    """Whether the fragment names an element of a page whose packed ids are ``packed`` (PageIds.names)."""
    return PageIds(packed).names(fragment)


def _names(contains: Callable[[str], bool], fragment: str) -> bool:
    """HTML's rule on one page's ids: the top, or an id as written, or percent-decoded as UTF-8."""
    if names_top(fragment):
        return True
    if SEP in fragment:
        return False
    if contains(fragment):
        return True
    try:
        plain = decoded(fragment)
    except UnicodeDecodeError:  # not UTF-8 once decoded: only the raw form can match
        return False
    return plain != fragment and SEP not in plain and contains(plain)


def nearest(packed: str, fragment: str, n: int = 3) -> list[str]:
    """The page's ids closest to a fragment that names none of them, best first (PageIds.nearest)."""
    return PageIds(packed).nearest(fragment, n)


class PageIds:
    """One page's ids, asked about by the many links into it.

    has_id scans the packed string, which is the cheapest for a page's few
    ids. A Doxygen or rustdoc source listing holds thousands (one per line,
    55,000 on rustdoc's largest) and as many links point into it, so here a
    page's ids become a set once they are many, and what nearest() needs is
    built once for all the fragments asked of the page.
    """

    def __init__(self, packed: str) -> None:
        self.packed = packed

    @cached_property
    def _contains(self) -> Callable[[str], bool]:
        if len(self.packed) < SET_FROM_CHARS:
            packed = self.packed
            return lambda value: f"{SEP}{value}{SEP}" in packed
        return frozenset(unpack_ids(self.packed)).__contains__

    def names(self, fragment: str) -> bool:
        """has_id(packed, fragment)."""
        return _names(self._contains, fragment)

    @cached_property
    def _ids(self) -> list[str]:
        return list(dict.fromkeys(unpack_ids(self.packed)))

    @cached_property
    def _by_lower(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for i in self._ids:
            out.setdefault(i.lower(), []).append(i)
        return out

    @cached_property
    def _letters(self) -> tuple[Any, Any, Any]:
        """(alphabet, ids x alphabet letter counts, id lengths) for difflib's quick bound, on arrays."""
        import numpy as np

        ids = self._ids
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        codes = np.frombuffer("".join(ids).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        alphabet, column = np.unique(codes, return_inverse=True)
        owner = np.repeat(np.arange(len(ids)), lengths)
        counts = np.bincount(owner * len(alphabet) + column.ravel(), minlength=len(ids) * len(alphabet))
        return alphabet, counts.reshape(len(ids), len(alphabet)), lengths

    def nearest(self, fragment: str, n: int = 3) -> list[str]:
        """The ids closest to a fragment that names none of them, best first.

        An id differing only in case comes first, then the ids that
        ``difflib.get_close_matches`` would give (ratio at least 0.6, ties to
        the later id). difflib compares a pair of strings at 20-60 us, and
        every id of the page would be compared: seconds per fragment on a
        source listing. So ids are compared in order of difflib's quick upper
        bound (letters in common), computed on arrays, stopping when no id
        left can beat the n-th found (the same answer), or after
        NEAREST_COMPARED comparisons: on a page of look-alike ids (hashes,
        line numbers) the hint is then the best of those.
        """
        import numpy as np

        try:
            wanted = decoded(fragment)
        except UnicodeDecodeError:
            wanted = fragment
        same_but_case = self._by_lower.get(wanted.lower(), [])
        ids = self._ids
        close: list[tuple[float, str]] = []
        if ids and wanted:
            alphabet, counts, lengths = self._letters
            codes = np.frombuffer(wanted.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            at = np.searchsorted(alphabet, codes)
            known = at < len(alphabet)
            known[known] &= alphabet[at[known]] == codes[known]
            want = np.bincount(at[known], minlength=len(alphabet))
            # difflib's quick_ratio, as it computes it: 2 * letters in common / both lengths.
            bound = 2.0 * np.minimum(counts, want).sum(axis=1) / (lengths + len(wanted))
            order = np.flatnonzero(bound >= NEAREST_CUTOFF)
            order = order[np.argsort(-bound[order], kind="stable")]  # page order among equal bounds
            matcher = difflib.SequenceMatcher()
            matcher.set_seq2(wanted)
            for k in order[:NEAREST_COMPARED].tolist():
                if len(close) >= n and bound[k] < close[n - 1][0]:
                    break  # no id left can beat the n-th: difflib's own answer
                matcher.set_seq1(ids[k])
                score = matcher.ratio()
                if score >= NEAREST_CUTOFF:
                    close = heapq.nlargest(n, close + [(score, ids[k])])
        return list(dict.fromkeys(same_but_case + [i for _, i in close]))[:n]
