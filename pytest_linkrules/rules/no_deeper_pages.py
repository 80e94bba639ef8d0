"""no-deeper-pages: pages the change moved further from the start page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import GLOBS, NON_NEGATIVE_INT, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoDeeperPages(Rule):
    """No page gets more than ``max_increase`` clicks deeper than it was in the base build.

    A change rule: it compares the site with its base build
    (``--linkrules-compare``) and fails only on pages the change made deeper.
    Pages that became unreachable are left to ``no-new-orphans``. Without a
    base to compare with, it is skipped.

    **Why:** removing a link from a menu or a hub page quietly pushes every
    page below it one click further away, where crawlers and readers come
    less often. ``max-depth`` only notices once a page crosses the limit.

    **Options:** ``max_increase`` (integer >= 0, default 0): clicks deeper a
    page may get; ``pages`` (globs, default all): the pages to check.

    **Example:**

    ```toml
    [rules.no-deeper-pages]
    pages = ["/guides/**", "@pillar"]
    max_increase = 0
    ```
    """

    id = "no-deeper-pages"
    options = (
        Option("max_increase", NON_NEGATIVE_INT, default=0, help="clicks deeper than before a page may get, e.g. max_increase = 1"),
        Option("pages", GLOBS, default=("/**",), help="which pages to check"),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        change = self.change_of(graph)
        scope = self.select("pages", graph)
        allowed = self.opts["max_increase"]
        for i in change.deeper.tolist():
            url = graph.urls[i]
            pc = change.page(i)
            by = pc.deeper_by or 0
            if by <= allowed or not scope(url):
                continue
            clicks = "click" if by == 1 else "clicks"
            yield self.violation(
                url,
                f"{url} is {pc.depth[1]} clicks from the start page, {by} {clicks} deeper than before ({pc.depth[0]})",
                details=_removed_lines(change, url),
                hint="Restore the removed link on its old click path, or link to it from a shallow page (candidates below).",
                figures=(("depth_before", pc.depth[0]), ("depth", pc.depth[1]), ("max_increase", allowed)),
            )


def _removed_lines(change, url: str) -> tuple[str, ...]:
    """Links the change removed on the page's old click path or into the page."""
    lines = [f"  {x.source} -> {x.target}  \"{x.anchor}\"" for x in change.removed_on_path(url)[:10]]
    return (("Links removed on its old click path:",) + tuple(lines)) if lines else ()
