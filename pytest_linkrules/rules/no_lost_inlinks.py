"""no-lost-inlinks: pages the change took inlinks from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import BOOL, GLOBS, NON_NEGATIVE_INT, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoLostInlinks(Rule):
    """No page in ``pages`` loses more than ``max_lost`` of its unique inlinks against the base build.

    A change rule: it compares the site with its base build
    (``--linkrules-compare``) and fails only on what the change made worse.
    Inlinks are counted as ``min-inlinks`` counts them (unique reachable
    pages with a followed link); with ``content = true``, as
    ``min-content-inlinks`` does. Without a base to compare with, it is skipped.

    **Why:** a pillar page's inlinks are what make it read as important; a
    template change that drops a "related guides" box can take dozens of
    them in one pull request without any page failing ``min-inlinks`` yet.

    **Options:** ``pages`` (required, globs): the pages to check;
    ``max_lost`` (integer >= 0, default 0): inlinks a page may lose;
    ``content`` (true or false, default false): count only links in page content.

    **Example:**

    ```toml
    [rules.no-lost-inlinks]
    pages = ["@pillar"]
    max_lost = 2
    ```
    """

    id = "no-lost-inlinks"
    options = (
        Option("pages", GLOBS, required=True, help='which pages to check, e.g. pages = ["@pillar"]', must_match=True),
        Option("max_lost", NON_NEGATIVE_INT, default=0, help="unique inlinks a page may lose, e.g. max_lost = 2"),
        Option("content", BOOL, default=False, help="count only links placed in page content"),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        change = self.change_of(graph)
        scope = self.select("pages", graph)
        allowed = self.opts["max_lost"]
        content = self.opts["content"]
        candidates = change.lost_content_inlinks if content else change.lost_inlinks
        word = "content inlinks" if content else "inlinks"
        for i in candidates.tolist():
            url = graph.urls[i]
            if not scope(url):
                continue
            pc = change.page(i)
            before, after = pc.content_inlinks if content else pc.inlinks
            lost = before - after
            if lost <= allowed or graph.depths[i] < 0:  # an orphan now is no-new-orphans' to report
                continue
            removed = change.removed_into(url)[:10]
            details = (("Links to it that this change removed:",) + tuple(f"  {x.source}  \"{x.anchor}\"" for x in removed)) if removed else ()
            yield self.violation(
                url,
                f"{url} has {after} {word}, {lost} fewer than before ({before}); at most {allowed} may be lost",
                details=details,
                hint="Restore the removed links, or link to it from related pages instead (candidates below).",
                figures=((f"{'content_' if content else ''}inlinks_before", before), (f"{'content_' if content else ''}inlinks", after)),
            )
