"""A custom rule, registered for this folder with the plugin's hook.

A rule is a class with an ``id``, ``options`` and a ``check`` that yields one
Violation per failing page, exactly like the built-in rules in
pytest_linkrules/rules/. It gets the common options (include, exclude,
severity), @roles in its glob options, waivers and baselines for free.

To ship rules in a package instead, expose the class under the
``pytest_linkrules.rules`` entry-point group in the package's pyproject.toml:

    [project.entry-points."pytest_linkrules.rules"]
    no-index-html-links = "my_package.rules:NoIndexHtmlLinks"
"""

from __future__ import annotations

from typing import Iterator

from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import Violation
from pytest_linkrules.rules import Rule


class NoIndexHtmlLinks(Rule):
    """Links name a folder's page as ``/dir/``, never as ``/dir/index.html``.

    **Why:** both URLs serve the same page, so links to both split its
    signals between two addresses, and ``index.html`` URLs break when the
    site moves to a host with different defaults.

    **Options:** none beyond include, exclude and severity.

    **Example:**

    ```toml
    [rules.no-index-html-links]
    ```
    """

    id = "no-index-html-links"

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        for url, page in graph.pages.items():
            hrefs = sorted({link.href for link in page.links if link.href.split("#")[0].split("?")[0].endswith("/index.html")})
            if hrefs:
                yield self.violation(
                    url,
                    f"{url} links to {hrefs[0]}" + (f" and {len(hrefs) - 1} more index.html URL(s)" if len(hrefs) > 1 else ""),
                    details=tuple(f'  href="{h}"' for h in hrefs),
                    hint="Drop the index.html: link to the folder URL ending in /.",
                )


def pytest_linkrules_register_rules():
    return [NoIndexHtmlLinks]
