"""no-orphans: pages on the site that no link leads to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import GLOBS, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoOrphans(Rule):
    """Every page is reachable by following links from a start page.

    **Why:** an orphan page is crawled (if at all) only through the sitemap and
    gets no link equity; it usually means a redesign or a rename dropped the
    only link to it.

    Links with rel="nofollow" don't count, and neither do links from other
    orphans: a chain of orphans is still unreachable.

    **Options:** ``pages`` (globs, default all pages): which pages to check.

    **Example:**

    ```toml
    [rules.no-orphans]
    ```
    """

    id = "no-orphans"
    options = (Option("pages", GLOBS, default=("/**",), help="which pages to check", must_match=True),)

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        scope = self.select("pages", graph)
        for url in graph.orphans:
            if not scope(url):
                continue
            yield self.violation(
                url,
                f"{url} is not reachable from any start page",
                hint="Link to it from a related page that is reachable (or from a hub or category page); "
                "if it is obsolete, delete it or redirect it.",
            )
