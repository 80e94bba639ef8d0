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
from typing import Callable, Iterable
from urllib.parse import unquote

SEP = "\n"  # HTML forbids whitespace in ids; the rare id holding a newline is left out
SET_FROM_CHARS = 2_048  # id_checker: packed ids this long are looked up in a set
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
    """Whether the fragment names an element of a page whose packed ids are ``packed``."""
    return _names(lambda value: f"{SEP}{value}{SEP}" in packed, fragment)


def id_checker(packed: str) -> Callable[[str], bool]:
    """has_id for one page that many links point into: its ids as a set once they are many.

    has_id scans the packed string, which is the cheapest for a page's few
    ids; a Doxygen source listing holds thousands (``l00001`` ...) and as many
    links into itself, and scanning ~100 KB for each cost seconds a site.
    """
    if len(packed) < SET_FROM_CHARS:
        return lambda fragment: has_id(packed, fragment)
    ids = frozenset(unpack_ids(packed))
    return lambda fragment: _names(ids.__contains__, fragment)


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
    """The page's ids closest to a fragment that names none of them, best first.

    An id differing only in case comes first, then the ids that
    ``difflib.get_close_matches`` would give (ratio at least 0.6, ties to the
    later id). Comparing two strings costs difflib ~60 us, and a Doxygen page
    holds 3,000 ids, which every broken link into it compared again: most of
    a run on libstdc++'s docs. So ids are compared in order of difflib's
    quick upper bound, stopping when no id left can beat the n-th found (the
    same answer), or after NEAREST_COMPARED comparisons: on a page of
    look-alike ids (hashes) the hint is then the best of those.
    """
    try:
        wanted = decoded(fragment)
    except UnicodeDecodeError:
        wanted = fragment
    ids = list(dict.fromkeys(unpack_ids(packed)))
    same_but_case = [i for i in ids if i.lower() == wanted.lower()]
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(wanted)
    bounded: list[tuple[float, str]] = []
    for candidate in ids:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= NEAREST_CUTOFF:
            bound = matcher.quick_ratio()
            if bound >= NEAREST_CUTOFF:
                bounded.append((bound, candidate))
    bounded.sort(key=lambda pair: -pair[0])  # stable: page order among equal bounds
    found: list[tuple[float, str]] = []
    for compared, (bound, candidate) in enumerate(bounded):
        if compared == NEAREST_COMPARED or (len(found) >= n and bound < found[n - 1][0]):
            break
        matcher.set_seq1(candidate)
        score = matcher.ratio()
        if score >= NEAREST_CUTOFF:
            found = heapq.nlargest(n, found + [(score, candidate)])
    close = [candidate for _, candidate in found]
    return list(dict.fromkeys(same_but_case + close))[:n]
