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
    """The worker's side: hands out shared Links and numbers them for sending."""

    def __init__(self) -> None:
        self._by_value: dict[LinkFields, Link] = {}
        self._numbered: list[Link] = []
        self._number: dict[int, int] = {}  # id(link) -> its number; _numbered keeps it alive
        self._sent = 0

    def link(self, target: str, href: str, anchor: str, flags: int) -> Link:
        """A Link equal to Link(target, href, anchor, flags), shared with every page that has it."""
        key = (target, href, anchor, flags)
        found = self._by_value.get(key)
        if found is None:
            found = self._by_value[key] = Link(target, href, anchor, flags)
        return found

    def _number_of(self, link: Link) -> int:
        n = self._number.get(id(link))
        if n is None:
            n = self._number[id(link)] = len(self._numbered)
            self._numbered.append(link)
        return n

    def pack(self, page: Page) -> Packed:
        links = array("I", map(self._number_of, page.links))
        broken = array("I", map(self._number_of, page.broken))
        return replace(page, links=(), broken=()), links, broken

    def new_links(self) -> list[LinkFields]:
        """Links numbered since the last call, in number order: what the parent lacks."""
        new = [(x.target, x.href, x.anchor, x.flags) for x in self._numbered[self._sent :]]
        self._sent = len(self._numbered)
        return new


class LinkReceiver:
    """The parent's side: one table per worker, Links shared across all of them."""

    def __init__(self) -> None:
        self._tables: dict[int, list[Link]] = {}
        self._shared = LinkTable()
        self._targets: dict[str, str] = {}  # one string object per target URL

    def receive(self, worker: int, new: list[LinkFields]) -> None:
        table = self._tables.setdefault(worker, [])
        targets, link = self._targets, self._shared.link
        for target, href, anchor, flags in new:
            target = targets.setdefault(target, target)
            table.append(link(target, href, anchor, flags))

    def unpack(self, worker: int, packed: Packed) -> Page:
        page, links, broken = packed
        table = self._tables[worker]
        return replace(page, links=tuple(map(table.__getitem__, links)), broken=tuple(map(table.__getitem__, broken)))
