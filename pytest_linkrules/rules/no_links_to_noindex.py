"""no-links-to-noindex: pages the site links to but tells search engines to drop."""

from __future__ import annotations

from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING, Iterator

from ..model import REDIRECT, Violation
from .base import Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoLinksToNoindex(Rule):
    """No page marked noindex is linked from other pages of the site.

    **Why:** a link says "this page matters"; noindex says "leave it out".
    Linking to noindex pages spends crawl budget and link weight on pages
    that can't rank, and is often a sign that noindex was left on by mistake
    (a staging setting, a template flag).

    One failure per noindex page that reachable pages link to (redirects
    excluded), on the noindex page, with the pages linking to it as evidence.

    **Options:** none beyond ``include``, ``exclude`` and ``severity``, which
    select the noindex pages.

    **Example:**

    ```toml
    [rules.no-links-to-noindex]
    exclude = ["/search/"]
    ```
    """

    id = "no-links-to-noindex"
    options: tuple[Option, ...] = ()

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        noindex = list(compress(graph.urls, map(attrgetter("noindex"), graph.pages.values())))  # pages are in urls' order
        # Links from reachable pages, not a page's own redirect: counted on the link arrays,
        # as a footer link to a noindex page is a million links on a million-page site.
        for url, sources in graph.linking_pages(noindex, skip_flags=REDIRECT, reachable=True).items():
            if not len(sources):
                continue
            yield self.violation(
                url,
                f"{url} is noindex but {len(sources)} page{'s link' if len(sources) != 1 else ' links'} to it",
                hint="Remove the noindex if the page should be found, or remove the links to it if it shouldn't.",
                figures=(("linking_pages", len(sources)),),
            )
