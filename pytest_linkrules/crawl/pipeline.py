"""The one page pipeline: what a source fetched becomes a Page, the same way for every source.

    source (folder.py, http.py, warc.py)  ->  Fetched
    read(fetched)                         ->  RawPage     (extract.py: links, anchors, metadata)
    build_page(raw, resolver, ...)        ->  Page, links, broken links

A source only fetches: a file of a folder, an HTTP answer, a WARC record, a
rendered DOM. Resolving hrefs, the link flags (CONTENT, NOFOLLOW, IGNORED,
FRAGMENT, JS_ONLY, REDIRECT, VIA_REDIRECT), the canonical, robots (meta and
X-Robots-Tag), meta refresh, ids, text and the script template are worked out
here once, so no two sources can disagree on what a page is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Mapping, Protocol, TypeVar

from ..fragments import PageIds, checked_fragment
from ..model import CONTENT, FRAGMENT, IGNORED, JS_ONLY, NOFOLLOW, REDIRECT, Link, Page
from .extract import RawPage, decode_html, extract, looks_binary, robots_tokens
from .templates import script_template
from .urls import base_for_page, browser_href, same_on_every_page

if TYPE_CHECKING:
    from .linktable import LocalLinks

T = TypeVar("T")

# An href with a scheme ("https:", "mailto:") or a host ("//cdn.example/").
_ABSOLUTE = re.compile(r"\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")

# Raw links remembered per crawl worker, mapped straight to their result.
MEMO_SIZE = 200_000


@dataclass
class Fetched:
    """What a source fetched for one page URL, before anything is parsed.

    ``body`` is the document's bytes; ``raw`` is set instead when the source
    already holds it extracted (a crawl-cache hit, a rendered DOM). ``error``
    says why there is neither (unreadable, over the size limit).
    """

    url: str  # the page URL on the site ("/guide/")
    source: str  # what it was read from, for reports: a file path, an absolute URL, a WARC record
    status: int = 200
    content_type: str = ""
    x_robots: str = ""
    location: str = ""
    body: bytes | None = None
    charset: str | None = None  # declared by the server (Content-Type); None: sniffed from the bytes
    raw: RawPage | None = None
    error: str = ""


def charset_of(content_type: str) -> str | None:
    """The charset a Content-Type header declares, or None."""
    ctype = content_type.lower()
    if "charset=" not in ctype:
        return None
    return ctype.split("charset=", 1)[1].split(";")[0].strip().strip('"')


def read(fetched: Fetched, selectors: Mapping[str, str] | None = None) -> RawPage:
    """The extract step: a fetched document's links and metadata (never raises)."""
    if fetched.raw is not None:
        return fetched.raw
    if fetched.error:
        return RawPage(error=fetched.error)
    body = fetched.body or b""
    charset = fetched.charset
    # Bytes go to extract() as they are when no charset was declared (it sniffs
    # like a browser) or when they look binary, so it can say so.
    if charset is None or looks_binary(body):
        return extract(body, selectors)
    return extract(decode_html(body, charset), selectors)


class Resolver(Protocol):
    """What an href on a page names: ("page" | "broken" | "file" | "external" | "ignored", target).

    urls.FolderResolver is one (a folder's files); http.py and warc.py adapt an
    origin's URLs to it.
    """

    def resolve(self, href: str, base: str) -> tuple[str, str]: ...


# Where a fetched target ended, for sources that fetched it: ("page", final
# URL, extra flags such as VIA_REDIRECT), ("broken", url, 0) or ("file", url, 0)
# for a target that is no page link (a file, another host, robots.txt).
Outcome = Callable[[str], "tuple[str, str, int]"]


def page_with_links(
    url: str,
    source: str,
    raw: RawPage,
    resolver: Resolver,
    *,
    link: Callable[[str, str, str, int], Link] = Link,
    local: "LocalLinks | None" = None,
    **kw: object,
) -> Page:
    """build_page with the links in the Page (``link`` makes them; a crawl shares equal ones).

    With ``local`` (linktable.LocalLinks), its table numbers the links and the
    page comes out as a crawl worker's page does once unpacked.
    """
    if local is not None:
        return local.page(*build_page(url, source, raw, resolver, local.number, **kw))  # type: ignore[arg-type]
    page, links, broken = build_page(url, source, raw, resolver, link, **kw)  # type: ignore[arg-type]
    return replace(page, links=tuple(links), broken=tuple(broken))


_FOLDER_BASE = object()


def build_page(
    url: str,
    source: str,
    raw: RawPage,
    resolver: Resolver,
    link: Callable[[str, str, str, int], T],
    memo: dict[tuple[str, str, bool, bool, bool], tuple[int, T | None]] | None = None,
    *,
    base: object = _FOLDER_BASE,
    own_fragments: bool | None = None,
    outcome: Outcome | None = None,
    static_targets: frozenset[str] | None = None,
    x_robots: str = "",
    status: int = 200,
    rendered: bool = False,
    has_scripts: bool | None = None,
    roles: tuple[str, ...] | None = None,
    error: str = "",
) -> tuple[Page, list[T], list[T]]:
    """The page without its links, then its links and its broken links as ``link`` makes them.

    ``base`` is what relative hrefs resolve against; by default the page URL
    or its ``<base href>`` as a folder reads it (urls.base_for_page; None: a
    base on another host). ``own_fragments``: whether "#id" hrefs name this
    very page's elements (default: the base is the page itself).
    ``outcome`` maps a resolved target to where fetching it ended (see
    Outcome). ``static_targets``: for a rendered page, the targets its HTML
    had; the others are JS_ONLY.

    ``memo`` remembers what each raw link (href, anchor, chrome, nofollow,
    ignored) became, for hrefs that resolve the same on every page: nav, footer and
    sidebar links repeat on every page of a site, and one dict lookup then
    replaces resolving, flagging and numbering them again (most of the
    crawl's Python work per link, ~85 links a page).
    """
    error = error or raw.error
    if error:
        return Page(url=url, source=source, status=status, error=error, rendered=rendered, has_scripts=bool(has_scripts)), [], []
    robots = robots_tokens(raw.robots, x_robots) if x_robots else robots_tokens(raw.robots)
    noindex = bool(robots & {"noindex", "none"})
    page_nofollow = bool(robots & {"nofollow", "none"})
    if base is _FOLDER_BASE:
        base = base_for_page(url, raw.base, resolver)  # type: ignore[arg-type]
    if own_fragments is None:
        own_fragments = base == url

    def resolve(href: str) -> tuple[str, str]:
        # Links, the refresh target and the canonical all resolve against <base>.
        if base is None:
            # <base> on another host: only absolute links can still name this site.
            return resolver.resolve(href, url) if _ABSOLUTE.match(href) else ("external", href)
        return resolver.resolve(href, base)  # type: ignore[arg-type]

    links: list[T] = []
    broken: list[T] = []
    lists: tuple[list, ...] = (links, broken, [])  # where a link goes: 2 is nowhere (external, a file, ...)
    if base is None or static_targets is not None:
        memo = None  # hrefs that aren't absolute resolve differently here; JS_ONLY depends on the page
    routes = getattr(resolver, "hash_routes", False)  # "#/route" is a page of a hash-routed app, not an id
    names: Callable[[str], bool] | None = None  # this page's ids, once a "#id" link asks
    for rl in raw.links:
        href = rl.href
        nofollow = rl.nofollow or page_nofollow
        ignored = rl.ignored
        if memo is not None:
            key = (href, rl.anchor, rl.chrome, nofollow, ignored)
            hit = memo.get(key)
            if hit is not None:
                lists[hit[0]].append(hit[1])
                continue
        kind, target = resolve(href)
        flags = 0
        if outcome is not None and kind == "page":
            if static_targets is not None and target not in static_targets:
                flags = JS_ONLY
            kind, target, extra = outcome(target)
            flags |= extra
        made = None
        if kind == "broken" and ignored:
            where = 2  # its author marked it: not checked, as htmltest and html-proofer do
        elif kind == "ignored":
            where = 2
            if own_fragments and not ignored and browser_href(href)[:1] == "#":
                fragment = checked_fragment(href, routes)
                if fragment is not None:
                    names = names or PageIds(raw.ids).names
                    if not names(fragment):
                        # A fragment of this very page ("#intro"), checked here against its own ids.
                        flags = (0 if rl.chrome else CONTENT) | FRAGMENT | (NOFOLLOW if nofollow else 0)
                        made = link(url, href, rl.anchor, flags)
                        where = 1
        elif kind in ("external", "file"):
            where = 2
        else:
            if not rl.chrome:
                flags |= CONTENT
            if nofollow:
                flags |= NOFOLLOW
            if ignored:
                flags |= IGNORED
            elif kind == "page" and checked_fragment(href, routes) is not None:
                flags |= FRAGMENT  # checked by no-broken-links against the target's ids
            made = link(target, href, rl.anchor, flags)
            where = 0 if kind == "page" else 1
        lists[where].append(made)
        if memo is not None and len(memo) < MEMO_SIZE and same_on_every_page(href):
            memo[key] = (where, made)
    if raw.refresh:
        kind, target = resolve(raw.refresh)
        extra = 0
        if outcome is not None and kind == "page":
            kind, target, extra = outcome(target)
        if kind in ("page", "broken"):
            made = link(target, raw.refresh, "(meta refresh)", CONTENT | REDIRECT | extra)
            (links if kind == "page" else broken).append(made)

    canonical = None
    if raw.canonical:
        kind, target = resolve(raw.canonical)
        canonical = target if kind in ("page", "broken", "file") else raw.canonical.strip()
    page = Page(
        url=url,
        source=source,
        title=raw.title,
        canonical=canonical,
        noindex=noindex,
        nofollow=page_nofollow,
        status=status,
        rendered=rendered,
        has_scripts=raw.scripts > 0 if has_scripts is None else has_scripts,
        template=script_template(url, raw.script_srcs) if raw.scripts else 0,
        script_digest=raw.script_digest,
        roles=tuple(raw.matched) if roles is None else roles,
        text=raw.text,
        ids=raw.ids,
        facts=None if rendered else raw.facts,  # a site model reads the HTML's facts, not the DOM's
    )
    return page, links, broken
