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
from typing import Iterable
from urllib.parse import unquote

SEP = "\n"  # HTML forbids whitespace in ids; the rare id holding a newline is left out


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
    if names_top(fragment):
        return True
    if SEP in fragment:
        return False
    if f"{SEP}{fragment}{SEP}" in packed:
        return True
    try:
        plain = decoded(fragment)
    except UnicodeDecodeError:  # not UTF-8 once decoded: only the raw form can match
        return False
    return plain != fragment and SEP not in plain and f"{SEP}{plain}{SEP}" in packed


def nearest(packed: str, fragment: str, n: int = 3) -> list[str]:
    """The page's ids closest to a fragment that names none of them, best first."""
    try:
        wanted = decoded(fragment)
    except UnicodeDecodeError:
        wanted = fragment
    ids = list(dict.fromkeys(unpack_ids(packed)))
    same_but_case = [i for i in ids if i.lower() == wanted.lower()]
    close = difflib.get_close_matches(wanted, ids, n=n, cutoff=0.6)
    return list(dict.fromkeys(same_but_case + close))[:n]
