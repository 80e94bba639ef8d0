"""min-content-inlinks: important pages that only navigation links to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import GLOBS, POSITIVE_INT, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class MinContentInlinks(Rule):
    """Pages matching ``pages`` have at least ``min`` unique pages linking to them from their content.

    **Why:** a link in the navigation or footer is on every page, so it says
    little about what a page is about; links placed in the text of related
    pages are the ones that carry context and weight. A pillar guide linked
    only from the menu looks, to a search engine, like any other menu entry.

    Counts unique reachable pages with a followed link inside their content
    (outside ``nav``, ``header``, ``footer``, ``aside``); see ``min-inlinks``
    to count every link.

    **Options:** ``pages`` (required, globs or @roles): the pages to check;
    ``min`` (required, positive integer): the fewest content inlinks allowed.

    **Example:**

    ```toml
    [rules.min-content-inlinks]
    pages = ["@pillar"]
    min = 5
    ```
    """

    id = "min-content-inlinks"
    options = (
        Option("pages", GLOBS, required=True, help='which pages to check, e.g. pages = ["@pillar"]', must_match=True),
        Option("min", POSITIVE_INT, required=True, help="the fewest unique content inlinks allowed, e.g. min = 5"),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        need = self.opts["min"]
        for url in self.reachable_in_scope(graph):
            have = graph.content_inlink_count(url)
            if have < need:
                total = graph.inlink_count(url)
                word = "page links" if have == 1 else "pages link"
                yield self.violation(
                    url,
                    f"{url}: {have} {word} to it from their content, needs {need}",
                    details=(f"{total} page(s) link to it in all, counting navigation and footers.",),
                    hint=f"Link to it from the text of {need - have} more related page(s), not only from menus.",
                    figures=(("content_inlinks", have), ("inlinks", total), ("min", need)),
                )
