"""min-inlinks: important pages with too few pages linking to them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import GLOBS, POSITIVE_INT, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class MinInlinks(Rule):
    """Pages matching ``pages`` have at least ``min`` unique pages linking to them.

    **Why:** the number of distinct pages linking to a page is how a site tells
    search engines it matters. A pillar guide with two inlinks reads as a
    minor page, whatever its content.

    Counts unique reachable source pages with a followed link (nav and
    footer links included; see ``min-content-inlinks`` for content only).

    **Options:** ``pages`` (required, globs): the pages to check;
    ``min`` (required, positive integer): the fewest inlinks allowed.

    **Example:**

    ```toml
    [rules.min-inlinks]
    pages = ["/guides/*"]
    min = 3
    ```
    """

    id = "min-inlinks"
    options = (
        Option("pages", GLOBS, required=True, help='which pages to check, e.g. pages = ["/guides/*"]', must_match=True),
        Option("min", POSITIVE_INT, required=True, help="the fewest unique inlinks allowed, e.g. min = 3"),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        need = self.opts["min"]
        for url in self.reachable_in_scope(graph):
            have = graph.inlink_count(url)
            if have < need:
                word = "inlink" if have == 1 else "inlinks"
                yield self.violation(
                    url,
                    f"{url} has {have} {word}, needs {need}",
                    hint=f"Link to it from {need - have} more page(s), ideally from the content of related pages.",
                    figures=(("inlinks", have), ("min", need)),
                )
