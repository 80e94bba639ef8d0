"""no-nofollow-internal: internal links marked nofollow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import NOFOLLOW, Violation
from .base import Option, Rule, first_and_more, link_lines

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoNofollowInternal(Rule):
    """No internal link carries rel="nofollow", and no page sets meta robots nofollow.

    **Why:** nofollow on your own links doesn't save "link juice" for other
    links (that trick stopped working in 2009); the weight is simply lost,
    and a page linked only with nofollow looks orphaned to a search engine.
    Keep a page out of the index with noindex instead.

    One failure per page holding nofollow links to pages of the site.

    **Options:** none beyond ``include``, ``exclude`` and ``severity``, which
    select the pages holding the links.

    **Example:**

    ```toml
    [rules.no-nofollow-internal]
    exclude = ["/login/"]
    ```
    """

    id = "no-nofollow-internal"
    options: tuple[Option, ...] = ()

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        import numpy as np

        # Only pages with a nofollow link or meta nofollow can fail: found on the arrays.
        marked = graph.link_pages(np.flatnonzero(graph.link_flags & NOFOLLOW))
        meta = [i for i, page in enumerate(graph.pages.values()) if page.nofollow]
        for i in np.union1d(marked, np.asarray(meta, dtype=marked.dtype)).tolist():
            url = graph.urls[i]
            page = graph.pages[url]
            if page.nofollow:
                n = len({link.target for link in page.links})
                if n:
                    yield self.violation(
                        url,
                        f"{url} has meta robots nofollow: none of its {n} internal links is followed",
                        hint='Remove "nofollow" from the page\'s <meta name="robots">; use noindex if the page '
                        "itself should stay out of search results.",
                        figures=(("nofollow_links", n),),
                    )
                continue
            links = [link for link in page.links if link.nofollow and link.target != url]
            if not links:
                continue
            targets = sorted({link.target for link in links})
            yield self.violation(
                url,
                f"{url} has {len(targets)} internal nofollow link{'s' if len(targets) != 1 else ''}: {first_and_more(targets)}",
                details=("Internal links with rel=nofollow:",)
                + link_lines(links),
                hint='Remove rel="nofollow" from links to your own pages.',
                figures=(("nofollow_links", len(targets)),),
            )
