"""no-broken-links: internal links to pages or files that don't exist, or to #fragments a page lacks."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Iterator

from ..fragments import PageIds, fragment_of, looks_like_route
from ..model import FRAGMENT, Link, Violation
from .base import BOOL, GLOBS, Option, Rule, link_lines

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class NoBrokenLinks(Rule):
    """Every internal link resolves to a page or file of the site, and its #fragment to an element of that page.

    **Why:** a broken internal link wastes crawl budget, drops the link equity
    it would have passed, and is a dead end for readers. It usually follows a
    rename or a deleted page. A link to ``/guide/#instal`` when the heading's
    id is ``install`` lands readers at the top of the page instead of the
    section it promised: a renamed heading breaks every link into it.

    One failure per page that holds broken links, listing them; a missing
    fragment says which ids the page has that come closest ("did you mean
    #install?"). Links to other sites are not checked.

    Fragments are checked as HTML resolves them, and as htmltest and
    html-proofer check them by default: the target page must have an element
    with that ``id`` (or an ``<a name>``), compared case-sensitively, as
    written or percent-decoded, on the page the link lands on (through a
    redirect page whose script passes the fragment on, as rustdoc's do; a
    plain meta refresh drops it). An empty fragment (``#``) and ``#top``
    always work. Ids that scripts create count when the page was rendered.
    A range of lines, ``#132-137`` or ``#L10-L20``, works when the page has
    both line ids and runs scripts: source views (rustdoc's, GitHub-style
    ones) select the lines between in a script, and no element is named for
    the range (the Rust docs' source links are 17,840 of them). A link
    marked ``data-proofer-ignore`` or ``data-linkrules-ignore`` (on it or an
    element around it) is never reported (docs/urls.md).

    **Options:** ``pages`` (globs, default all pages): which pages' links to
    check. ``fragments`` (default true): check ``#fragments``; ``false``
    checks only that the page exists. ``skip_fragments`` (globs): pages whose
    fragments are not checked, e.g. pages whose ids a script makes on a site
    that is not rendered.

    **Example:**

    ```toml
    [rules.no-broken-links]
    skip_fragments = ["/api/**"]   # generated API pages make their anchors in JavaScript
    ```
    """

    id = "no-broken-links"
    options = (
        Option("pages", GLOBS, default=("/**",), help="which pages to check", must_match=True),
        Option("fragments", BOOL, default=True, help="check that each link's #fragment names an element of its page"),
        Option("skip_fragments", GLOBS, default=(), help="pages whose #fragments are not checked", must_match=True),
    )

    def check(self, graph: SiteGraph) -> Iterator[Violation]:
        scope = self.select("pages", graph)
        fragments = self.opts.get("fragments", True)
        skip = self.select("skip_fragments", graph)
        by_page: dict[str, list[Link]] = defaultdict(list)
        for url, link in graph.broken_links():
            if link.flags & FRAGMENT and (not fragments or skip(link.target)):
                continue  # a fragment of its own page, checked by the crawl
            if scope(url):
                by_page[url].append(link)
        ids: dict[str, PageIds] = {}  # a page's ids, asked by every link into it
        if fragments:
            pages = graph.pages
            for url, link in graph.fragment_links():
                lands = landing(graph, link.target)
                target = pages.get(lands)
                if target is None or target.error or not scope(url) or skip(link.target):
                    continue  # an unreadable page fails the crawl item instead
                found = ids.get(lands)
                if found is None:
                    found = ids[lands] = PageIds(target.ids)
                fragment = fragment_of(link.href) or ""
                if not found.names(fragment) and not (target.has_scripts and _line_range(found, fragment)):
                    by_page[url].append(link)
        note_of = _Notes(graph, ids)
        for url, links in by_page.items():
            notes = {id(link): note_of(link, url) for link in links}
            shown = {id(link): _shown(link) for link in links}
            targets = sorted({shown[id(link)] for link in links})
            first = targets[0]
            why = next((notes[id(link)] for link in links if shown[id(link)] == first), "")
            word = "link" if len(targets) == 1 else "links"
            # The first line keeps what is missing and the nearest ids; hints stay in the details.
            summary = f" ({why[2:].split(' (')[0]})" if why.startswith(": no element") else ""
            details = link_lines(links, lambda link: notes[id(link)], shown=lambda link: shown[id(link)])
            yield self.violation(
                url,
                f"{url} has {len(targets)} broken internal {word}: {first}{summary}"
                + (f" and {len(targets) - 1} more" if len(targets) > 1 else ""),
                details=("Broken links:",) + details,
                hint="Point each link at the page's current URL and an id it has, or restore the missing page "
                "(or a redirect to its replacement) or heading.",
                figures=(("broken", len(targets)),),
                causes=tuple(f"link to {t}" + (", an id that page lacks" if "#" in t else " (no such page)") for t in targets),
            )


# "Did you mean" hints for this many missing fragments of a run; past it, none.
MAX_HINTS = 500
# rustdoc's source links ("#132-137") and GitHub-style ones ("#L10-L20") name two line ids.
_LINE_RANGE = re.compile(r"(L?[0-9]+)-(L?[0-9]+)\Z")


# Redirects followed to find the page a fragment is looked for on, as a browser
# would (it stops at 20 too); a loop is left where it was found.
MAX_REDIRECTS = 20


def landing(graph: SiteGraph, url: str) -> str:
    """The page a link to ``url#fragment`` ends on with the fragment: redirects that carry it, followed.

    A page that only redirects has none of the ids of the page it sends to.
    A meta refresh drops the fragment (HTML gives the new URL its own), so a
    fragment is looked for on a scriptless refresh page itself; a redirect
    page that runs scripts is followed, as those scripts pass
    ``location.hash`` on (rustdoc's stubs for moved items:
    ``location.replace(target + location.hash)``). A link whose href
    answered an HTTP redirect already targets where it ended (the browser
    carries the fragment over). A loop, or a redirect to no page of the
    site, leaves ``url``.
    """
    redirects, pages = graph.redirects, graph.pages
    seen = url
    for _ in range(MAX_REDIRECTS):
        nxt = redirects.get(seen)
        if nxt is None or nxt not in pages or not pages[seen].has_scripts:
            break
        if nxt == url:
            return url
        seen = nxt
    else:
        return url
    return seen


def _climbs_above_root(source: str, href: str) -> int:
    """How many folders a relative href's ``../`` climbs above the site's root from the page at ``source``.

    A browser stops at the root (``/../x`` is ``/x``), so such a link is
    resolved, and broken, at the root; but many of them usually mean the
    folder checked is one level of a larger site (a package's docs whose
    links reach its siblings), which the user can fix in site.root.
    """
    if not href.startswith("../"):
        return 0
    level = source.count("/") - 1  # folders between the root and the page: "/a/b.html" -> 1, "/a/" -> 1
    lowest = level
    for part in href.split("#")[0].split("?")[0].split("/")[:-1]:
        if part == "..":
            level -= 1
            lowest = min(lowest, level)
        elif part not in ("", "."):
            level += 1
    return max(0, -lowest)


def _line_range(ids: PageIds, fragment: str) -> bool:
    """Whether the fragment names a range of two line ids the page has."""
    lines = _LINE_RANGE.match(fragment)
    return lines is not None and bool(ids.names(lines[1])) and bool(ids.names(lines[2]))


class _Notes:
    """Why each broken link is broken, said once per target and fragment: a nav tree repeats its links on every page.

    A hint compares the fragment with every id of its page (PageIds.nearest).
    The Rust docs hold 18,000 distinct missing fragments (their source
    links' line ranges, ``#132-137``, which a script highlights) into
    listings of up to 55,000 ids: hints for all of them took 11 minutes. So
    the first MAX_HINTS get one, and the rest say they were not searched.
    """

    def __init__(self, graph: SiteGraph, ids: dict[str, PageIds]) -> None:
        self.graph = graph
        self.ids = ids
        self.said: dict[tuple[str, str], str] = {}

    def __call__(self, link: Link, source: str) -> str:
        if not link.flags & FRAGMENT:
            reason = self.graph.broken_reasons.get(link.target)
            above = _climbs_above_root(source, link.href)
            if above:
                reason = (f"{reason}; " if reason else "") + (
                    f"its href climbs {above} folder(s) above the site's root from {source}: "
                    "is site.root the top folder of the site?"
                )
            return f": {reason}" if reason else ""
        fragment = fragment_of(link.href) or ""
        key = (link.target, fragment)
        note = self.said.get(key)
        if note is None:
            note = self.said[key] = self._fragment_note(link.target, fragment)
        return note

    def _fragment_note(self, linked: str, fragment: str) -> str:
        target = landing(self.graph, linked)
        page = self.graph.pages.get(target)
        note = f': no element with id "{fragment}" on {target}'
        if target != linked:
            note += f" (where {linked} redirects)"
        elif target in self.graph.redirects:  # a redirect not followed: its ids are no clue
            if page is not None and page.has_scripts:
                return note + f" (it redirects to {self.graph.redirects[target]}, and its redirects loop or reach no page of the site)"
            return note + f" (a meta refresh to {self.graph.redirects[target]} drops the #fragment: link there)"
        ids = None if page is None else self.ids.get(target) or self.ids.setdefault(target, PageIds(page.ids))
        if ids is not None and _line_range(ids, fragment):  # the page runs no script
            first, last = fragment.split("-")
            return note + (
                f" (a range of lines: the page has #{first} and #{last}, but no script to select the lines "
                "between, and no element names the range)"
            )
        if ids is not None and len(self.said) < MAX_HINTS:
            close = ids.nearest(fragment)
            if close:
                note += "; did you mean " + " or ".join(f"#{c}" for c in close) + "?"
        elif ids is not None:
            note += f"; nearest ids not searched (over {MAX_HINTS} missing fragments)"
        if looks_like_route(fragment):
            note += " (a single-page app's route? set site.hash_routes = true)"
        elif page is not None and page.has_scripts and not page.rendered:
            note += ' (the page was read unrendered: an id a script makes needs site.render = "always", or skip_fragments)'
        return note


def _shown(link: Link) -> str:
    """A link as the failure names it: the page, and the fragment when that is what is missing."""
    if link.flags & FRAGMENT:
        return f"{link.target}#{fragment_of(link.href) or ''}"
    return link.target
