"""no-links-to-non-canonical: links to a duplicate instead of its canonical page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import REDIRECT, Violation
from .base import Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoLinksToNonCanonical(Rule):
    """No page is linked to when it names another page as its canonical.

    **Why:** a page whose ``<link rel="canonical">`` points elsewhere says "I
    am a copy of that page". Links to the copy split the signal between two
    URLs and make search engines crawl both; link to the canonical URL.

    One failure per non-canonical page that reachable pages link to, on that
    page, with the pages linking to it as evidence.

    **Options:** none beyond ``include``, ``exclude`` and ``severity``, which
    select the non-canonical pages.

    **Example:**

    ```toml
    [rules.no-links-to-non-canonical]
    ```
    """

    id = "no-links-to-non-canonical"
    options: tuple[Option, ...] = ()

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        copies = {url: page.canonical for url, page in graph.pages.items() if page.canonical and page.canonical != url}
        # Links from reachable pages, not a page's own redirect: counted on the link arrays,
        # as a footer link to a noindex page is a million links on a million-page site.
        for url, sources in graph.linking_pages(copies, skip_flags=REDIRECT, reachable=True).items():
            if not len(sources):
                continue
            canonical = copies[url]
            yield self.violation(
                url,
                f"{url} names {canonical} as canonical but {len(sources)} page{'s link' if len(sources) != 1 else ' links'} to it",
                hint=f"Link to {canonical} instead, or make {url} its own canonical if it is not a copy.",
                figures=(("linking_pages", len(sources)),),
            )
