"""js-only-links: links that exist only after JavaScript runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import JS_ONLY, Violation
from .base import GLOBS, Option, Rule, RuleCannotRun, first_and_more, link_lines

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class JsOnlyLinks(Rule):
    """Links to the pages in ``pages`` are in the HTML the server sends, not added by JavaScript.

    **Why:** crawlers that don't run JavaScript (and search engines, for days
    until a page is rendered) never see links a script adds. A pillar reached
    only through a JavaScript menu is, for them, an orphan.

    Needs rendered pages: a link is JS-only when the browser's DOM has it and
    the served HTML doesn't. When no page was rendered, the rule fails once,
    saying so, rather than passing on nothing. One failure per page holding
    JS-only links.

    **Options:** ``pages`` (globs or @roles, default all pages): the link
    targets that matter.

    **Example:**

    ```toml
    [site]
    render = "always"

    [rules.js-only-links]
    pages = ["@pillar", "/blog/**"]
    ```
    """

    id = "js-only-links"
    options = (Option("pages", GLOBS, default=("/**",), help="the link targets that matter", must_match=True),)

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        if not graph.rendered:
            raise RuleCannotRun(
                'no page was rendered, so links added by JavaScript are unknown; set site.render = "always" '
                "(or run with --linkrules-render=always)"
            )
        import numpy as np

        scope = self.select("pages", graph)
        for i in graph.link_pages(np.flatnonzero(graph.link_flags & JS_ONLY)).tolist():  # pages with a JS-only link
            url = graph.urls[i]
            page = graph.pages[url]
            links = [link for link in page.links if link.js_only and link.target != url and scope(link.target)]
            if not links:
                continue
            targets = sorted({link.target for link in links})
            yield self.violation(
                url,
                f"{url} has {len(targets)} {'links that only exist' if len(targets) != 1 else 'link that only exists'} "
                f"after JavaScript runs: {first_and_more(targets)}",
                details=("Links missing from the served HTML:",)
                + link_lines(links),
                hint="Render these links in the HTML (server-side or at build time); let scripts enhance them, not create them.",
                figures=(("js_only_links", len(targets)),),
            )
