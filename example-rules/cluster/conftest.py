"""A custom rule for this site, registered with the plugin's hook.

It has exactly the interface of the built-in rules (pytest_linkrules/rules/):
an id, options, and a check that yields one Violation per failing page.
"""

from __future__ import annotations

from typing import Iterator

from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import Violation
from pytest_linkrules.rules import Option, Rule
from pytest_linkrules.rules.base import GLOBS


class LinkedFromHome(Rule):
    """Pages matching ``pages`` are linked from the content of a start page.

    **Why:** the home page is the best-linked page of most sites; a content
    link from it is the strongest signal a page can get.

    **Options:** ``pages`` (required, globs or @roles): the pages to check.

    **Example:**

    ```toml
    [rules.linked-from-home]
    pages = ["@pillar"]
    ```
    """

    id = "linked-from-home"
    options = (Option("pages", GLOBS, required=True, help="the pages the home page must link to", must_match=True),)

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        linked = {
            link.target
            for start in graph.starts
            for link in graph.pages[start].links
            if link.in_content and not link.nofollow
        }
        scope = self.select("pages", graph)
        for url in graph.urls:
            if scope(url) and url not in linked:
                yield self.violation(
                    url,
                    f"{url} is not linked from the content of the home page",
                    hint="Link to it from the home page's text (an introduction, a 'start here' list).",
                )


def pytest_linkrules_register_rules():
    return [LinkedFromHome]
