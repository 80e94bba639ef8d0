"""no-orphans: pages on the site that no link leads to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Mapping

from ..model import Violation
from .base import BOOL, GLOBS, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


# Shared with no-new-orphans: both leave out pages that only redirect unless asked.
REDIRECTS = Option("redirects", BOOL, default=False, help="also report unreachable pages that only redirect (meta refresh, HTTP redirect)")


def redirects_left_out(rule: Rule, graph: SiteGraph) -> Mapping[str, str]:
    """The redirecting pages an orphan rule does not report: all of them, or none with ``redirects = true``."""
    return {} if rule.opts.get("redirects", False) else graph.redirects


class NoOrphans(Rule):
    """Every page is reachable by following links from a start page.

    **Why:** an orphan page is crawled (if at all) only through the sitemap and
    gets no link equity; it usually means a redesign or a rename dropped the
    only link to it.

    Links with rel="nofollow" don't count, and neither do links from other
    orphans: a chain of orphans is still unreachable.

    A page that only redirects (a meta refresh, or an HTTP redirect on a
    crawled URL) is not reported: it is where an old URL sends its readers,
    kept for bookmarks and outside links, and nothing on the site should link
    to it (``no-redirect-links``). Generated docs write thousands of them
    (rustdoc's stubs for moved items: 9,229 of the Rust docs' 10,316
    unreachable pages). The page it sends to is checked as any page is.

    **Options:** ``pages`` (globs, default all pages): which pages to check.
    ``redirects`` (default false): report unreachable redirecting pages too.

    **Example:**

    ```toml
    [rules.no-orphans]
    ```
    """

    id = "no-orphans"
    options = (Option("pages", GLOBS, default=("/**",), help="which pages to check", must_match=True), REDIRECTS)

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        scope = self.select("pages", graph)
        redirects = redirects_left_out(self, graph)
        for url in graph.orphans:
            if not scope(url) or url in redirects:
                continue
            yield self.violation(
                url,
                f"{url} is not reachable from any start page",
                hint="Link to it from a related page that is reachable (or from a hub or category page); "
                "if it is obsolete, delete it or redirect it.",
            )
