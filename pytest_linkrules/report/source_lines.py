"""Which line of a page's source file holds the link a failure is about.

GitHub shows an annotation on the line it names. For rules about links a
page holds (a broken link, a link to a redirect, a nofollow link) that is the
line where the source spells the link's href; the built page's href is
searched for as written, then without "./" and a trailing slash (Markdown
sources often write the same target). Anything else, or a href the source
doesn't spell, points at line 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..model import Link, Page

MAX_SOURCE_BYTES = 2 * 1024 * 1024  # a source file larger than this is not searched

# Rules whose violation is about links the page itself holds: those links.
OFFENDING: dict[str, Callable[[Page], list[Link]]] = {
    "no-broken-links": lambda page: list(page.broken),
    "no-redirect-links": lambda page: [link for link in page.links if link.is_redirect],
    "no-nofollow-internal": lambda page: [link for link in page.links if link.nofollow],
}


def _spellings(href: str) -> list[str]:
    out = [href]
    bare = href
    while bare.startswith("./"):
        bare = bare[2:]
    out.append(bare)
    out.append(bare.rstrip("/"))
    return [s for s in dict.fromkeys(out) if len(s) > 1]


def link_line(source: Path, rule: str | None, page: Page) -> int:
    """1-based line in ``source`` of the first link the rule flags on ``page``; 1 when none is found."""
    pick = OFFENDING.get(rule or "")
    if pick is None:
        return 1
    hrefs = [link.href for link in pick(page) if link.href]
    if not hrefs:
        return 1
    try:
        if source.stat().st_size > MAX_SOURCE_BYTES:
            return 1
        lines = source.read_bytes().decode("utf-8", "replace").splitlines()
    except OSError:
        return 1
    for href in hrefs:
        for spelling in _spellings(href):
            for number, text in enumerate(lines, 1):
                if spelling in text:
                    return number
    return 1
