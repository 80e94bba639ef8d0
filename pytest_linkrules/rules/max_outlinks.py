"""max-outlinks: pages that link to so many pages that each link means little."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import POSITIVE_INT, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class MaxOutlinks(Rule):
    """No page links to more than ``max`` unique pages of the site.

    **Why:** a page passes its weight to the pages it links to, split among
    them; a tag archive with 500 links passes almost nothing to each, and
    readers can't use a page that is mostly links. It usually means an
    archive needs pagination or a listing grew unchecked.

    Counts unique internal target pages (navigation included, self links not).

    **Options:** ``max`` (required, positive integer): the most unique internal
    links a page may have.

    **Example:**

    ```toml
    [rules.max-outlinks]
    max = 150
    exclude = ["/sitemap/"]
    ```
    """

    id = "max-outlinks"
    options = (Option("max", POSITIVE_INT, required=True, help="the most unique internal links per page, e.g. max = 150"),)

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        limit = self.opts["max"]
        counts = graph.outlink_counts
        for i in (counts > limit).nonzero()[0].tolist():
            url = graph.urls[i]
            have = int(counts[i])
            yield self.violation(
                url,
                f"{url} links to {have} pages, max is {limit}",
                hint="Split the page (paginate an archive, group a listing), or drop links that readers don't need.",
                figures=(("outlinks", have), ("max", limit)),
            )
