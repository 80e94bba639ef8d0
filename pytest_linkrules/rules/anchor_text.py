"""anchor-text: links to important pages with anchors that say nothing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from ..model import Violation
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
        generic = {normalize(a) for a in self.opts["generic"]}
        scope = self.select("pages", graph)
        targets = [u for u in graph.urls if scope(u)]
        for url, links in graph.links_to(targets).items():
            bad = [(src, link) for src, link in links if not link.is_redirect and normalize(link.anchor) in generic | {""}]
            if not bad:
                continue
            sources = sorted({src for src, _ in bad})
            first = bad[0][1].anchor or "(no text)"
            yield self.violation(
                url,
                f"{url} is linked with generic anchor text from {len(sources)} page{'s' if len(sources) != 1 else ''} "
                f'("{first}" on {bad[0][0]})',
                details=("Links with generic anchors:",)
                + tuple(f'  {src}  "{link.anchor or "(no text)"}"' for src, link in bad[:50]),
                hint=f'Use anchor text that names what {url} is about (its topic or title) instead of "{first}".',
                figures=(("generic_anchors", len(bad)),),
            )
