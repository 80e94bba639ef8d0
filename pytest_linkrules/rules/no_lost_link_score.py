"""no-lost-link-score: pages whose share of the site's link score the change cut."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import GLOBS, Option, Rule, number

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoLostLinkScore(Rule):
    """No page in ``pages`` loses more than ``max_loss`` of its link score against the base build.

    A change rule: it compares the site with its base build
    (``--linkrules-compare``) and fails only on what the change made worse.
    Link score is internal PageRank relative to the average page (score x
    pages, as ``link-score`` reports it), so adding pages to the site doesn't
    read as every page losing score. Without a base to compare with, it is skipped.

    **Why:** link score sums up how the whole link structure weighs a page;
    a change can cut a key page's share by half without removing a single
    link to it (by removing links to the pages that link to it).

    **Options:** ``pages`` (required, globs): the pages to check;
    ``max_loss`` (number from 0 to 1, default 0.2): the largest share of its
    score a page may lose.

    **Example:**

    ```toml
    [rules.no-lost-link-score]
    pages = ["@money"]
    max_loss = 0.1
    ```
    """

    id = "no-lost-link-score"
    options = (
        Option("pages", GLOBS, required=True, help='which pages to check, e.g. pages = ["@money"]', must_match=True),
        Option("max_loss", number(0, 1), default=0.2, help="largest share of its link score a page may lose, e.g. 0.2"),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        change = self.change_of(graph)
        scope = self.select("pages", graph)
        allowed = self.opts["max_loss"]
        before, after = change.score_before, change.score_after
        # Every page on both sides, not only those past the report's threshold.
        for i in change.common[(after[change.common] < before[change.common] * (1 - allowed))].tolist():
            url = graph.urls[i]
            if not scope(url) or graph.depths[i] < 0:
                continue
            pc = change.page(i)
            loss = -pc.score_change
            yield self.violation(
                url,
                f"{url} lost {loss:.0%} of its link score ({pc.score[0]:.2f}x -> {pc.score[1]:.2f}x the average page), at most {allowed:.0%} may be lost",
                details=(f"Inlinks {pc.inlinks[0]} -> {pc.inlinks[1]}, depth {pc.depth[0]} -> {pc.depth[1]}.",),
                hint="Restore links to it or to the pages that link to it; link to it from strong pages (candidates below).",
                figures=(("link_score_before", round(pc.score[0], 4)), ("link_score", round(pc.score[1], 4))),
            )
