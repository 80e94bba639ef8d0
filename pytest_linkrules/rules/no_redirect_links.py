"""no-redirect-links: links that go through a redirect instead of to the page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import VIA_REDIRECT, Violation
from .base import Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoRedirectLinks(Rule):
    """No page links to a URL that redirects; links point at the final page.

    **Why:** every redirect costs a round trip for readers and crawl budget
    for search engines, and some link value is lost on the way. Redirects are
    for outside links and old bookmarks; the site's own links can say where
    the page is now.

    A URL redirects when it is a page with a meta refresh or, on a crawled
    URL, answered with an HTTP redirect. One failure per page holding such
    links, listing each and where it ends.

    **Options:** none beyond ``include``, ``exclude`` and ``severity``, which
    select the pages holding the links.

    **Example:**

    ```toml
    [rules.no-redirect-links]
    ```
    """

    id = "no-redirect-links"
    options: tuple[Option, ...] = ()

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        import numpy as np

        redirects = graph.redirects
        # Pages that can fail: a link answered with a redirect, or a link to a
        # page that redirects; found on the link arrays, then read as objects.
        to_redirect = np.zeros(len(graph.urls) + 1, dtype=bool)
        to_redirect[[graph.index[u] for u in redirects]] = True
        dst = graph.link_dst
        suspect = ((graph.link_flags & VIA_REDIRECT) != 0) | to_redirect[np.where(dst >= 0, dst, len(graph.urls))]
        for i in graph.link_pages(np.flatnonzero(suspect)).tolist():
            url = graph.urls[i]
            page = graph.pages[url]
            found: dict[str, str] = {}
            for link in page.links:
                if link.is_redirect:
                    continue  # the page's own meta refresh: that is the redirect, not a link to one
                if link.target in redirects and link.target != url:
                    found.setdefault(link.href or link.target, f"{link.target} -> {redirects[link.target]}")
                elif link.flags & VIA_REDIRECT:
                    found.setdefault(link.href, f"{link.href} -> {link.target}")
            if not found:
                continue
            first = next(iter(found.values()))
            more = f" and {len(found) - 1} more" if len(found) > 1 else ""
            yield self.violation(
                url,
                f"{url} links to {len(found)} redirecting URL{'s' if len(found) != 1 else ''}: {first}{more}",
                details=("Links that redirect (href -> where it ends):",)
                + tuple(f"  href=\"{href}\": {hop}" for href, hop in list(found.items())[:50]),
                hint="Point each link at the URL it ends on.",
                figures=(("redirect_links", len(found)),),
            )
