"""no-broken-links: internal links to pages or files that don't exist."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Iterator

from ..model import Link, Violation
from .base import GLOBS, Option, Rule, first_and_more, link_lines

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoBrokenLinks(Rule):
    """Every internal link resolves to a page or file of the site.

    **Why:** a broken internal link wastes crawl budget, drops the link equity
    it would have passed, and is a dead end for readers. It usually follows a
    rename or a deleted page.

    One failure per page that holds broken links, listing them. Links to other
    sites are not checked.

    **Options:** ``pages`` (globs, default all pages): which pages' links to check.

    **Example:**

    ```toml
    [rules.no-broken-links]
    ```
    """

    id = "no-broken-links"
    options = (Option("pages", GLOBS, default=("/**",), help="which pages to check", must_match=True),)

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        scope = self.select("pages", graph)
        by_page: dict[str, list[Link]] = defaultdict(list)
        for url, link in graph.broken_links():
            if scope(url):
                by_page[url].append(link)
        for url, links in by_page.items():
            targets = sorted({link.target for link in links})
            word = "link" if len(targets) == 1 else "links"
            details = link_lines(links, lambda link: _why(graph, link.target))
            yield self.violation(
                url,
                f"{url} has {len(targets)} broken internal {word}: {first_and_more(targets)}",
                details=("Broken links:",) + details,
                hint="Point each link at the page's current URL, or restore the missing page (or a redirect to its replacement).",
                figures=(("broken", len(targets)),),
            )


def _why(graph: SiteGraph, target: str) -> str:
    reason = graph.broken_reasons.get(target)
    return f": {reason}" if reason else ""
