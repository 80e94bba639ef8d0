"""Pages sent from crawl workers as numbers into a table of distinct links.

Nav, footer and sidebar links repeat on every page of a site: a 100k-page
site has ~8M links but well under 1M distinct ones. Pickling every Link from
the worker processes cost the parent more time than the parsing saved, so each
worker numbers the distinct links it has seen, sends each one once, and sends
a page's links as an array of numbers. The parent rebuilds pages whose equal
links are one shared Link object, which also keeps memory down.

The parent also keeps those numbers with each page it unpacks (``coded``), and
per table each link's target (a number into the receiver's target list) and
flags, so the graph build reads a million pages' 30M links as arrays instead
of reading each Link object's target and flags (~0.3 µs a link, ~12 s at 1M).
A page whose links are replaced (``dataclasses.replace``, a rendered page)
is a new Page without the numbers: the graph reads its Link objects.
"""

from __future__ import annotations

from array import array
from typing import Tuple

from ..model import LINK_CODES, Link, Page

# A page as it travels: the page without its links, then the numbers of its
# links and of its broken links in the worker's table.
Packed = Tuple[Page, array, array]
LinkFields = Tuple[str, str, str, int]

# The attribute of a Page holding (its table, its links' numbers in it); not a
# dataclass field, so replace() and Page(...) never carry it to other links.
CODES = LINK_CODES


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


class ReceivedTable:
    """One worker's links as the parent holds them: the Link objects, each one's target number and flags.

    It holds the receiver's list of targets, not the receiver: the pages keep
    their tables alive, and the receiver's dicts can go once the crawl is done.
    """

    __slots__ = ("targets", "links", "target_numbers", "flags")

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets  # the receiver's, shared by all its tables
        self.links: list[Link] = []
        self.target_numbers = array("i")  # into targets
        self.flags = array("B")


class LinkReceiver:
    """The parent's side: one table per worker, Links shared across all of them."""

    def __init__(self) -> None:
        self._tables: dict[int, ReceivedTable] = {}
        self._links: dict[LinkFields, Link] = {}  # one Link object per distinct link
        self._target_numbers: dict[str, int] = {}  # target URL -> its number
        self.targets: list[str] = []  # one string object per target URL, by number

    def receive(self, worker: int, new: list[LinkFields]) -> None:
        table = self._tables.get(worker)
        if table is None:
            table = self._tables[worker] = ReceivedTable(self.targets)
        numbers, targets, links = self._target_numbers, self.targets, self._links
        add_link, add_number, add_flags = table.links.append, table.target_numbers.append, table.flags.append
        for fields in new:
            link = links.get(fields)
            target, _, _, flags = fields
            number = numbers.get(target)
            if number is None:
                number = numbers[target] = len(targets)
                targets.append(target)
            if link is None:
                _, href, anchor, _ = fields
                link = links[fields] = Link(targets[number], href, anchor, flags)
            add_link(link)
            add_number(number)
            add_flags(flags)

    def table(self, worker: int) -> ReceivedTable:
        """The worker's table, as received so far."""
        return self._tables[worker]

    def unpack(self, worker: int, packed: Packed) -> Page:
        """The page with its links; it takes the packed page over rather than copying it.

        A packed page is always fresh (unpickled from a worker, or just built
        by LocalLinks.page), so its two link fields are set in place:
        dataclasses.replace re-ran Page.__init__ for ~7.6 s at 1M pages.
        """
        page, links, broken = packed
        table = self._tables[worker]
        get = table.links.__getitem__
        object.__setattr__(page, "links", tuple(map(get, links)))
        object.__setattr__(page, "broken", tuple(map(get, broken)))
        return keep_codes(page, table, links)


def keep_codes(page: Page, table: ReceivedTable, numbers: array) -> Page:
    """The page, holding ``numbers`` (its links' numbers in table, an array("I")) for the graph build."""
    if numbers:
        object.__setattr__(page, CODES, (table, numbers))
    return page


class LocalLinks:
    """A LinkTable and its LinkReceiver in one process, for a crawl that builds its pages itself (HTTP).

    Its pages come out as a worker's do after the parent unpacked them: equal
    links one shared Link object, and the links' numbers kept for the graph.
    """

    def __init__(self) -> None:
        self.table = LinkTable()
        self.receiver = LinkReceiver()
        self.number = self.table.number  # what build_page makes a link with

    def page(self, page: Page, links: list[int], broken: list[int]) -> Page:
        """The page build_page made (with link=self.number), with its links."""
        self.receiver.receive(0, self.table.new_links())
        return self.receiver.unpack(0, (page, array("I", links), array("I", broken)))


def carry_codes(old: Page, new: Page) -> Page:
    """``new`` holding ``old``'s link numbers when it holds the very same links (replace() leaves them behind)."""
    codes = coded(old)
    return keep_codes(new, *codes) if codes is not None and new.links is old.links else new


def coded(page: Page) -> "tuple[ReceivedTable, array] | None":
    """(table, numbers) of a page's links as its crawl received them, or None (links made otherwise)."""
    codes = getattr(page, CODES, None)  # not page.__dict__: it would give the page a dict of its own
    if codes is None or len(codes[1]) != len(page.links):
        return None
    return codes
