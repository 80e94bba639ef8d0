"""anchor-text: links to important pages with anchors that say nothing."""

from __future__ import annotations

from operator import attrgetter
import re
from typing import TYPE_CHECKING, Iterator

from ..model import REDIRECT, Violation
from .base import GLOBS, STRINGS, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph

GENERIC = (
    "click here",
    "here",
    "read more",
    "more",
    "learn more",
    "this",
    "this page",
    "link",
    "continue",
    "continue reading",
    "details",
    "go",
)
_PUNCT = re.compile(r"[^\w\s]+")


def normalize(anchor: str) -> str:
    return " ".join(_PUNCT.sub(" ", anchor.lower()).split())


class _Verdicts(dict):  # type: ignore[type-arg]
    """anchor -> whether it is generic, worked out once per distinct anchor (on a miss, from C)."""

    def __init__(self, generic: set[str]) -> None:
        super().__init__()
        self.generic = generic

    def __missing__(self, anchor: str) -> bool:
        verdict = self[anchor] = normalize(anchor) in self.generic
        return verdict


class AnchorText(Rule):
    """Links to the pages in ``pages`` use descriptive anchor text, not "click here" or "read more".

    **Why:** anchor text is how a link says what the target is about, to
    readers scanning the page, to screen readers listing links, and to search
    engines. A pillar linked as "read more" from twenty posts gets none of the
    topic's words from those links.

    Anchors are compared case-insensitively, ignoring punctuation ("Read
    more…" is "read more"). Links without any text (an image without alt)
    count as generic. Navigation links are checked too. One failure per
    target page, listing the links.

    **Options:** ``pages`` (required, globs or @roles): the link targets to
    check; ``generic`` (list of strings, default "click here", "here", "read
    more", "more", "learn more", "this", "this page", "link", "continue",
    "continue reading", "details", "go"): the anchors that count as generic.

    **Example:**

    ```toml
    [rules.anchor-text]
    pages = ["@pillar"]
    ```
    """

    id = "anchor-text"
    options = (
        Option("pages", GLOBS, required=True, help='the link targets to check, e.g. pages = ["@pillar"]', must_match=True),
        Option("generic", STRINGS, default=GENERIC, help="anchors that count as generic"),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        import numpy as np

        generic = {normalize(a) for a in self.opts["generic"]} | {""}
        # On the link arrays: a pillar in the navigation has a link from every
        # page, a million Link objects on a million-page site; each distinct
        # anchor is normalised once and only the links shown become objects.
        pos = graph.links_into(self.select("pages", graph).mask(graph).nonzero()[0])
        if not len(pos):
            return
        verdict = _Verdicts(generic)
        numbered = graph.link_numbers() if len(pos) * 4 > len(graph.link_dst) else None
        if numbered is not None and len(numbered[0]) < len(pos):
            # A verdict per distinct link into the targets (crawled pages share
            # them: a nav link is one), gathered per link.
            links, numbers = numbered
            number = numbers[pos]
            used = np.zeros(len(links), dtype=bool)
            used[number] = True
            which = np.flatnonzero(used)
            table_verdict = np.zeros(len(links), dtype=bool)
            anchors = map(attrgetter("anchor"), map(links.__getitem__, which.tolist()))
            table_verdict[which] = np.fromiter(map(verdict.__getitem__, anchors), dtype=bool, count=len(which))
            is_generic = table_verdict[number]
        else:
            anchors = map(attrgetter("anchor"), graph.links_at(pos))
            is_generic = np.fromiter(map(verdict.__getitem__, anchors), dtype=bool, count=len(pos))
        from ..graph import first_positions

        dst = graph.link_dst[pos]
        order = dst[first_positions(dst, len(graph.urls))]  # targets by their first link, as links_to gives them
        bad = pos[is_generic & ((graph.link_flags[pos] & REDIRECT) == 0)]
        bad_dst = graph.link_dst[bad]
        by = np.argsort(bad_dst, kind="stable")  # positions stay ascending within a target
        bad, bad_dst = bad[by], bad_dst[by]
        lo = np.searchsorted(bad_dst, order, side="left").tolist()
        hi = np.searchsorted(bad_dst, order, side="right").tolist()
        for t, a, b in zip(order.tolist(), lo, hi):
            if a == b:
                continue
            url = graph.urls[t]
            these = bad[a:b]
            n_sources = len(np.unique(graph.link_src[these]))
            shown = [graph.link_at(k) for k in these[:50].tolist()]
            first = shown[0][1].anchor or "(no text)"
            yield self.violation(
                url,
                f"{url} is linked with generic anchor text from {n_sources} page{'s' if n_sources != 1 else ''} "
                f'("{first}" on {shown[0][0]})',
                details=("Links with generic anchors:",)
                + tuple(f'  {src}  "{link.anchor or "(no text)"}"' for src, link in shown),
                hint=f'Use anchor text that names what {url} is about (its topic or title) instead of "{first}".',
                figures=(("generic_anchors", len(these)),),
            )
