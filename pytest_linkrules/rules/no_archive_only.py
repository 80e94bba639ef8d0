"""no-archive-only: pages found only through tag, category or pagination archives."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..model import NOFOLLOW, Violation
from .base import GLOBS, Option, Rule

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoArchiveOnly(Rule):
    """No page is reachable only through archive pages.

    **Why:** archive pages (tags, categories, pagination) hold hundreds of
    links each, so every link on them passes almost nothing; a post reachable
    only through ``/tag/x/page/7/`` is in practice invisible. It needs a
    contextual link from a real page.

    A page is archive-only when it is reachable from a start page, but no longer
    is once links *out of* archive pages are ignored. Archive pages themselves
    are not checked.

    **Options:** ``archives`` (required, globs): the archive pages;
    ``pages`` (globs, default all pages): which pages to check.

    **Example:**

    ```toml
    [rules.no-archive-only]
    archives = ["/tag/*", "/page/*", "/category/*"]
    ```
    """

    id = "no-archive-only"
    options = (
        Option("archives", GLOBS, required=True, help='the archive pages, e.g. archives = ["/tag/*", "/page/*"]', must_match=True),
        Option("pages", GLOBS, default=("/**",), help="which pages to check", must_match=True),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        archives = self.select("archives", graph)
        scope = self.select("pages", graph)
        found = [url for url in graph.archive_only(archives) if scope(url)]
        # Their linking pages on the link arrays, all at once (an Inlink per
        # link took 1.8 s for 4,500 pages at 1M pages).
        sources = graph.linking_pages(found, skip_flags=NOFOLLOW, reachable=True)
        urls = graph.urls
        for url in found:
            via = sorted(urls[i] for i in sources[url].tolist()) if url in sources else []
            yield self.violation(
                url,
                f"{url} is reachable only through archive pages",
                details=("Linked from archive pages only: " + ", ".join(via[:10]) + (" ..." if len(via) > 10 else ""),),
                hint="Link to it from the content of a related post, guide or hub page, not only from tag, "
                "category or pagination pages.",
            )
