"""link-score: important pages that get too little of the site's internal PageRank."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from ..model import Violation
from .base import GLOBS, Option, Rule, number

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class LinkScore(Rule):
    """Pages matching ``pages`` rank in the top ``top_percent`` % of internal PageRank, or score at least ``min_score``.

    **Why:** internal PageRank models how the site's links spread attention:
    pages many well-linked pages point to rank high. A pillar that ranks
    below a tag archive tells search engines the archive matters more.

    The link score is a page's internal PageRank (followed links, damping
    0.85) times the number of pages, so 1.0 is the average page and 3.0 three
    times the average, whatever the site's size. Give ``top_percent``,
    ``min_score`` or both (then both must hold).

    **Options:** ``pages`` (required, globs or @roles): the pages to check;
    ``top_percent`` (number from 0 to 100): the page must be within this top
    share of all pages by score; ``min_score`` (number >= 0): the lowest link
    score allowed.

    **Example:**

    ```toml
    [rules.link-score]
    pages = ["@pillar"]
    top_percent = 10
    ```
    """

    id = "link-score"
    options = (
        Option("pages", GLOBS, required=True, help='which pages to check, e.g. pages = ["@pillar"]', must_match=True),
        Option("top_percent", number(0, 100), help="the page must rank within this top share of pages, e.g. 10"),
        Option("min_score", number(0), help="the lowest link score allowed (1.0 = the average page)"),
    )

    @classmethod
    def validate(cls, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        if values.get("top_percent") is None and values.get("min_score") is None:
            return [("top_percent", "give top_percent (e.g. 10) or min_score (e.g. 2.0), or both")]
        return []

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        import numpy as np

        n = len(graph.urls)
        if n == 0:
            return
        scores = graph.pagerank * n
        # Position of each page when sorted by score, best first (1-based);
        # pages with equal scores (rounded, PageRank is iterative) share the best.
        rounded = -np.round(scores, 9)
        order = np.argsort(rounded, kind="stable")
        position = np.searchsorted(rounded[order], rounded, side="left") + 1
        top = self.opts["top_percent"]
        floor = self.opts["min_score"]
        allowed = math.ceil(n * top / 100) if top is not None else None
        for i in self.select("pages", graph).mask(graph).nonzero()[0].tolist():
            url = graph.urls[i]
            score, pos = float(scores[i]), int(position[i])
            problems = []
            if allowed is not None and pos > allowed:
                problems.append(f"ranks {pos} of {n} pages (top {100 * pos / n:.0f}%), needs the top {top:g}%")
            if floor is not None and score < floor:
                problems.append(f"has link score {score:.2f}, needs {floor:g}")
            if not problems:
                continue
            above = [graph.urls[j] for j in order[: min(5, n)].tolist()]
            yield self.violation(
                url,
                f"{url} " + " and ".join(problems),
                details=(
                    f"Link score {score:.2f} (1.00 = the average page), position {pos} of {n}.",
                    "Highest scores: " + ", ".join(f"{u} ({scores[graph.index[u]]:.2f})" for u in above),
                ),
                hint="Link to it from more pages, especially from well-linked ones (the home page, hubs, other pillars), "
                "and link less from every page to archives.",
                figures=(("link_score", round(score, 3)), ("position", pos)),
            )
