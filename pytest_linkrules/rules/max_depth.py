"""max-depth: pages buried too many clicks from the start pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import GLOBS, POSITIVE_INT, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class MaxDepth(Rule):
    """Every page is reachable within ``max`` clicks of a start page.

    **Why:** crawlers spend less attention on pages far from the home page, and
    people rarely click that deep; a guide six clicks down is effectively hidden.
    Unreachable pages are left to ``no-orphans``.

    **Options:** ``max`` (required, positive integer): the deepest allowed click
    depth; ``pages`` (globs, default all pages): which pages to check.

    **Example:**

    ```toml
    [rules.max-depth]
    max = 3
    ```
    """

    id = "max-depth"
    options = (
        Option("max", POSITIVE_INT, required=True, help="the deepest click depth allowed, e.g. max = 3"),
        Option("pages", GLOBS, default=("/**",), help="which pages to check", must_match=True),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        import numpy as np

        from ..graph import UNREACHABLE

        limit = self.opts["max"]
        scope = self.select("pages", graph)
        for i in np.flatnonzero(graph.depths > limit):
            url = graph.urls[i]
            if not scope(url):
                continue
            depth = int(graph.depths[i])
            if depth == UNREACHABLE:
                continue
            yield self.violation(
                url,
                f"{url} is {depth} clicks from the start page, max is {limit}",
                hint=f"Link to it from a page at depth {limit - 1} or less (a hub, category or the home page), "
                "or link to it from the pages listed above it in the click path.",
                figures=(("depth", depth), ("max", limit)),
            )
