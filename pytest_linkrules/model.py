"""Value objects shared by the crawl, the graph, the rules and the reports.

They are small and frozen so that a crawl result can be cached, sent between
processes and compared in tests without surprises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Tuple

# Link flags, kept as bits so millions of links fit in one numpy array.
CONTENT = 1  # the link sits in the page's content, not in nav/header/footer/aside chrome
NOFOLLOW = 2  # rel="nofollow" on the link, or meta robots nofollow on the page
REDIRECT = 4  # not an <a>: a meta refresh or an HTTP redirect from the source page
VIA_REDIRECT = 8  # the href answered with an HTTP redirect; target is where it ended
JS_ONLY = 16  # seen only in the rendered DOM, not in the HTML the server sent
FRAGMENT = 32  # the href has a #fragment that must name an element of its target (fragments.py)
IGNORED = 64  # marked data-proofer-ignore / data-linkrules-ignore: never reported as broken

# The attribute of a crawled Page holding its links' numbers in the crawl's link
# table (crawl/linktable.py), which the graph build reads as arrays. Not a field:
# replace() and Page(...) make pages without it, so it never describes other links.
LINK_CODES = "_link_codes"


@dataclass(frozen=True, slots=True)
class Link:
    """One link found on a page, already resolved to a site URL.

    ``target`` is the page URL the link resolves to (``/guides/seo/``) or, for a
    broken link, the normalised path that was looked for.
    """

    target: str
    href: str = ""
    anchor: str = ""
    flags: int = CONTENT

    @property
    def in_content(self) -> bool:
        return bool(self.flags & CONTENT)

    @property
    def nofollow(self) -> bool:
        return bool(self.flags & NOFOLLOW)

    @property
    def is_redirect(self) -> bool:
        return bool(self.flags & REDIRECT)

    @property
    def js_only(self) -> bool:
        return bool(self.flags & JS_ONLY)

    def __repr__(self) -> str:
        where = "content" if self.in_content else "chrome"
        extra = " nofollow" if self.nofollow else ""
        extra += " redirect" if self.is_redirect else ""
        extra += " js-only" if self.js_only else ""
        return f"<Link {self.target!r} {self.anchor!r} {where}{extra}>"


@dataclass(frozen=True)
class Page:
    """A page of the site reduced to what the rules need: metadata and links.

    The HTML itself is never kept, so memory stays proportional to the links.
    """

    url: str
    source: str = ""  # file path relative to the site root, or the fetched URL
    title: str = ""
    canonical: str | None = None
    noindex: bool = False
    nofollow: bool = False
    links: Tuple[Link, ...] = ()
    broken: Tuple[Link, ...] = ()  # internal links that resolve to nothing
    status: int = 200
    error: str = ""  # why the page could not be read, if it could not
    rendered: bool = False
    has_scripts: bool = False  # scripts could change its links: a candidate for rendering
    # Which scripts it runs (crawl/templates.py groups pages by it: one sample per
    # template decides), and a digest of all its scripts' text; 0 without scripts.
    template: int = 0
    script_digest: int = 0
    inferred: bool = False  # its rendered links were inferred from its template's rendered sample
    # Names of the [roles] whose CSS selector matched this page (roles by URL
    # glob are resolved from the URL, so they are not stored here).
    roles: Tuple[str, ...] = ()
    # Headings and the start of the prose (at most extract.MAX_TEXT characters),
    # for link suggestions; the rest of the page's text is not kept.
    text: str = ""
    # What #fragments can name on the page (ids, <a name>), packed into one
    # string by fragments.pack_ids: a set per page would cost 100k pages ~100 MB.
    ids: str = ""
    # What a site model reads of the page's HTML, read by the crawl from its own
    # parse (extract.RawPage.facts); None on rendered pages and most sites.
    facts: Any = None

    def __repr__(self) -> str:
        return f"<Page {self.url!r} links={len(self.links)} broken={len(self.broken)}>"

    def __getstate__(self) -> dict:
        # A crawled page also holds its links' numbers in the crawl's link table
        # (crawl/linktable.py, for the graph build); a pickled page goes without them.
        state = self.__dict__
        if LINK_CODES in state:
            state = {k: v for k, v in state.items() if k != LINK_CODES}
        return state


@dataclass(frozen=True)
class Suggestion:
    """A page to add a link on, with the signals that put it there, for a reviewer to check.

    ``direction`` "from": add a link on ``page`` to the failing page (the
    usual case); "to": add a link on the failing page to ``page`` (a cluster
    pillar that should link to more of its members).
    """

    page: str
    score: float
    reasons: Tuple[str, ...] = ()
    direction: str = "from"

    def line(self) -> str:
        return f"{self.page}  ({'; '.join(self.reasons)})" if self.reasons else self.page


@dataclass(frozen=True)
class Violation:
    """One page breaking one rule, with what a person needs to fix it.

    ``message`` is the single line shown in summaries; ``details`` are further
    lines of evidence (figures, lists); ``hint`` says what would fix it.
    The click path and inlinks are added by the reporter from the graph, so a
    rule only says what is specific to it.
    """

    rule: str
    page: str
    message: str
    details: Tuple[str, ...] = ()
    hint: str = ""
    figures: Tuple[Tuple[str, object], ...] = field(default=())
    # Pages where a link would fix it, best first (suggest.py adds them).
    suggestions: Tuple[Suggestion, ...] = field(default=())
    # What it may share with other failing pages of the rule, as a phrase
    # ("link to /legal/copyright.html (no such page)"): one missing page linked
    # from a template fails every page, and the run says so once (runner.common_causes).
    causes: Tuple[str, ...] = field(default=())

    def __repr__(self) -> str:
        return f"<Violation {self.rule} {self.page!r}: {self.message}>"
