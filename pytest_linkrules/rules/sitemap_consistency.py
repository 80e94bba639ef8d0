"""sitemap-consistency: the sitemap and the link graph disagree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import BOOL, Option, Rule, RuleCannotRun

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class SitemapConsistency(Rule):
    """The sitemap lists exactly the reachable, indexable pages.

    **Why:** the sitemap is the site's own list of pages it wants found. A
    listed page no link leads to is found only through the sitemap and gets no
    link weight; a reachable, indexable page missing from it is crawled late;
    a noindex page in it sends search engines contradictory signals.

    Three checks, each on by default, each failing on the page concerned:
    ``unreachable`` (listed, but not a page of the site or not reachable by
    links), ``missing`` (reachable, indexable, canonical to itself, not a
    redirect, but not listed), ``noindex`` (listed but marked noindex).

    The sitemap is read by the crawl (``site.sitemap``); when no sitemap was
    read the rule fails once, saying so, rather than passing on nothing.

    **Options:** ``unreachable``, ``missing``, ``noindex`` (true or false,
    default true): which checks to run.

    **Example:**

    ```toml
    [rules.sitemap-consistency]
    missing = false
    ```
    """

    id = "sitemap-consistency"
    options = (
        Option("unreachable", BOOL, default=True, help="flag sitemap URLs that links don't reach"),
        Option("missing", BOOL, default=True, help="flag reachable, indexable pages missing from the sitemap"),
        Option("noindex", BOOL, default=True, help="flag noindex pages listed in the sitemap"),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        listed = graph.sitemap_urls
        if listed is None:
            raise RuleCannotRun(
                "no sitemap was read, so there is nothing to compare; set site.sitemap "
                '(e.g. sitemap = "/sitemap.xml") or remove this rule'
            )
        from itertools import compress, repeat

        import numpy as np

        from ..graph import UNREACHABLE

        redirects = graph.redirects
        index, depths = graph.index, graph.depths
        if self.opts["unreachable"]:
            # Sorting only the failing URLs, not a million listed ones, gives the same order.
            at = np.fromiter(map(index.get, listed, repeat(-1)), dtype=np.int64, count=len(listed))
            bad = at < 0
            bad[~bad] = depths[at[~bad]] == UNREACHABLE
            failing = list(compress(listed, bad.tolist()))  # the same set's iteration order as `at`
            for url in sorted(failing):
                if url not in graph.index:
                    yield self.violation(
                        url,
                        f"{url} is in the sitemap but is not a page of the site",
                        hint="Remove it from the sitemap, or restore the page (or list the URL it moved to).",
                    )
                elif not graph.is_reachable(url):
                    yield self.violation(
                        url,
                        f"{url} is in the sitemap but no link from a start page reaches it",
                        hint="Link to it from a related, reachable page; a sitemap entry alone passes no link weight.",
                    )
        # The pages that can fail, found on arrays; each is then checked as before.
        urls, n = graph.urls, len(graph.urls)
        in_sitemap = np.fromiter(map(listed.__contains__, urls), dtype=bool, count=n)
        noindex = np.fromiter((p.noindex for p in graph.pages.values()), dtype=bool, count=n)
        maybe = np.zeros(n, dtype=bool)
        if self.opts["noindex"]:
            maybe |= noindex & in_sitemap
        if self.opts["missing"]:
            maybe |= ~in_sitemap & (depths != UNREACHABLE) & ~noindex
        for i in maybe.nonzero()[0].tolist():
            url = urls[i]
            page = graph.pages[url]
            if self.opts["noindex"] and page.noindex and url in listed:
                yield self.violation(
                    url,
                    f"{url} is in the sitemap but is marked noindex",
                    hint="Remove it from the sitemap, or remove the noindex.",
                )
            elif (
                self.opts["missing"]
                and url not in listed
                and graph.is_reachable(url)
                and not page.noindex
                and not page.error
                and page.status == 200
                and (page.canonical is None or page.canonical == url)
                and url not in redirects
            ):
                yield self.violation(
                    url,
                    f"{url} is reachable and indexable but missing from the sitemap",
                    hint="Add it to the sitemap (usually a setting of the site generator), or mark it noindex "
                    "if it shouldn't be found.",
                )
