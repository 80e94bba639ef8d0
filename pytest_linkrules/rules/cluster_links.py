"""cluster-links: topic clusters whose pages don't link to each other."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import Violation
from .base import BOOL, Option, Rule, RuleCannotRun, number

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


def content_link(graph: SiteGraph, source: str, target: str) -> bool:
    """A followed <a> link from source to target placed in the page's content."""
    return any(
        link.target == target and link.in_content and not link.nofollow and not link.is_redirect
        for link in graph.pages[source].links
    )


class ClusterLinks(Rule):
    """Each cluster member links to its pillar from its content, and the pillar links back to its members.

    **Why:** a topic cluster only works as a cluster when its pages link to
    each other: members pass their relevance up to the pillar, and the pillar
    spreads its weight across the topic. A link in the navigation doesn't
    count, because every page has it; what says "this is the page about the
    topic" is a link in the text.

    Clusters are declared once in ``[[clusters]]`` (a ``pillar`` page and its
    ``members``, by glob or ``@role``). A member without a content link to its
    pillar fails on the member's page; a pillar that links to too few of its
    members fails on the pillar's page.

    **Options:** ``min_share`` (number from 0 to 1, default 0.5): the share of
    its members a pillar must link to (0 turns that check off);
    ``members_link_pillar`` (true or false, default true): check that every
    member links to its pillar.

    **Example:**

    ```toml
    [[clusters]]
    pillar = "/guides/seo/"
    members = ["/blog/seo-*"]

    [rules.cluster-links]
    min_share = 0.5
    ```
    """

    id = "cluster-links"
    options = (
        Option("min_share", number(0, 1), default=0.5, help="share of its members a pillar must link to, e.g. 0.5"),
        Option("members_link_pillar", BOOL, default=True, help="check that every member links to its pillar"),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        if not graph.clusters:
            raise RuleCannotRun(
                'no [[clusters]] are declared; add one, e.g. [[clusters]] pillar = "/guides/seo/", members = ["/blog/seo-*"]'
            )
        share = self.opts["min_share"]
        for cluster in graph.clusters:
            pillar = cluster.pillar
            if self.opts["members_link_pillar"]:
                for member in cluster.members:
                    if content_link(graph, member, pillar):
                        continue
                    chrome = any(link.target == pillar for link in graph.pages[member].links)
                    details = (f"Cluster: {cluster.label}, {len(cluster.members)} member(s).",)
                    if chrome:
                        details += ("It links to the pillar only from navigation or other page chrome, or only with nofollow.",)
                    yield self.violation(
                        member,
                        f"{member} does not link to its pillar {pillar} from its content",
                        details=details,
                        hint=f"Add a link to {pillar} in the text of {member}, with an anchor that names the topic.",
                    )
            if share > 0:
                linked = [m for m in cluster.members if content_link(graph, pillar, m)]
                need = share * len(cluster.members)
                if len(linked) < need:
                    missing = [m for m in cluster.members if m not in set(linked)]
                    pct = round(100 * len(linked) / len(cluster.members))
                    yield self.violation(
                        pillar,
                        f"{pillar} links to {len(linked)} of its {len(cluster.members)} cluster members ({pct}%), needs {share:.0%}",
                        details=("Members it does not link to from its content:",)
                        + tuple(f"  {m}" for m in missing[:30])
                        + (("  ...",) if len(missing) > 30 else ()),
                        hint="Link from the pillar's text to the members that cover a part of its topic.",
                        figures=(("members", len(cluster.members)), ("linked", len(linked))),
                    )
