"""no-new-orphans: pages the change made unreachable (or added unreachable)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import GLOBS, Option, Rule
from .no_orphans import REDIRECTS, redirects_left_out

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoNewOrphans(Rule):
    """No page that a start page reached before the change becomes unreachable, and no new page is unreachable.

    A change rule: it compares the site with its base build
    (``--linkrules-compare``) and fails only on what the change made worse, so
    orphans the base already had don't fail a pull request (``no-orphans``
    reports every orphan). Without a base to compare with, it is skipped.

    **Why:** the usual way a page becomes an orphan is a redesign or a menu
    edit that drops its only link. Caught in the pull request that does it,
    the fix is one line; found months later, nobody remembers where the link was.

    A page that now only redirects is not reported, as in ``no-orphans``:
    moving a page and leaving a redirect at its old URL is the way to move
    it, and nothing should link to the redirect.

    **Options:** ``pages`` (globs, default all): the pages to check.
    ``redirects`` (default false): report pages that only redirect too.

    **Example:**

    ```toml
    [rules.no-new-orphans]
    ```
    """

    id = "no-new-orphans"
    options = (Option("pages", GLOBS, default=("/**",), help="which pages to check"), REDIRECTS)

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        change = self.change_of(graph)
        scope = self.select("pages", graph)
        redirects = redirects_left_out(self, graph)
        for i in change.new_orphans.tolist():
            url = graph.urls[i]
            if not scope(url) or url in redirects:
                continue
            before = change.page_of(url)
            if before is None:
                message = f"{url} is a new page that no reachable page links to"
                details: tuple[str, ...] = ()
            else:
                clicks = "click" if before.depth[0] == 1 else "clicks"
                message = f"{url} is no longer reachable from a start page; it was {before.depth[0]} {clicks} deep before"
                details = tuple(f"  link removed: {x.source} -> {x.target}  \"{x.anchor}\"" for x in change.removed_into(url)[:10])
                if details:
                    details = ("Links to it that this change removed:",) + details
            yield self.violation(
                url,
                message,
                details=details,
                hint="Restore a removed link, or link to it from a reachable page (candidates below).",
                figures=(("depth_before", before.depth[0] if before else "new"),),
            )
