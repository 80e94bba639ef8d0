"""Pages sent from crawl workers as numbers into a table of distinct links.

Nav, footer and sidebar links repeat on every page of a site: a 100k-page
site has ~8M links but well under 1M distinct ones. Pickling every Link from
the worker processes cost the parent more time than the parsing saved, so each
worker numbers the distinct links it has seen, sends each one once, and sends
a page's links as an array of numbers. The parent rebuilds pages whose equal
links are one shared Link object, which also keeps memory down.
"""

from __future__ import annotations

from array import array
from dataclasses import replace
from typing import Tuple

from ..model import Link, Page

# A page as it travels: the page without its links, then the numbers of its
# links and of its broken links in the worker's table.
Packed = Tuple[Page, array, array]
LinkFields = Tuple[str, str, str, int]


class LinkTable:
    """The worker's side: numbers distinct links and sends each to the parent once."""

    def __init__(self) -> None:
        self._numbers: dict[LinkFields, int] = {}
        self._new: list[LinkFields] = []  # numbered since the last new_links(), in number order

    def number(self, target: str, href: str, anchor: str, flags: int) -> int:
        """The number of the link (target, href, anchor, flags), the same for every page that has it."""
        key = (target, href, anchor, flags)
        n = self._numbers.get(key)
        if n is None:
            n = self._numbers[key] = len(self._numbers)
            self._new.append(key)
        return n

    def new_links(self) -> list[LinkFields]:
        """Links numbered since the last call, in number order: what the parent lacks."""
        new, self._new = self._new, []
        return new


class LinkReceiver:
    """The parent's side: one table per worker, Links shared across all of them."""

    def __init__(self) -> None:
        self._tables: dict[int, list[Link]] = {}
        self._links: dict[LinkFields, Link] = {}  # one Link object per distinct link
        self._targets: dict[str, str] = {}  # one string object per target URL

    def receive(self, worker: int, new: list[LinkFields]) -> None:
        table = self._tables.setdefault(worker, [])
        targets, links = self._targets, self._links
        for fields in new:
            link = links.get(fields)
            if link is None:
                target, href, anchor, flags = fields
                target = targets.setdefault(target, target)
                link = links[fields] = Link(target, href, anchor, flags)
            table.append(link)

    def unpack(self, worker: int, packed: Packed) -> Page:
        page, links, broken = packed
        table = self._tables[worker]
        return replace(page, links=tuple(map(table.__getitem__, links)), broken=tuple(map(table.__getitem__, broken)))
