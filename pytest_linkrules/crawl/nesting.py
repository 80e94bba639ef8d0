"""How deep a document nests, told before Lexbor parses it.

Lexbor's tree builder is quadratic in nesting depth (100,000 nested <div>s
take over a minute), so absurdly deep documents are refused before parsing.
Browsers stop nesting at 512 levels; real pages stay far below either figure.

The depth counted is that of start and end tags in order, an end tag closing
the innermost open element whatever its name (never below zero). Elements that
never nest by themselves don't count: void elements and those whose end tag is
implied (10,000 unclosed <li> or <p> are siblings, not depth).

Only a document with more tags than the limit can be that deep, and on real
documentation many pages have more (Doxygen's and Sphinx's indexes, a long
changelog): libstdc++'s 3,906 pages hold 289 of them. Walking their tags in
Python was a sixth of its crawl's CPU; where numpy is loaded (the crawl's
workers on a folder of 3,000 files or more, the pytest process once the crawl
began), the same walk is done on arrays, four to five times faster.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any

MAX_NESTING = 4096
FLAT_ELEMENTS = frozenset(
    "area base br col embed hr img input link meta source track wbr "
    "p li dt dd option optgroup tr td th tbody thead tfoot colgroup caption rb rt rtc rp html head body".split()
)
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_NAME_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
_WIDTH = max(len(name) for name in FLAT_ELEMENTS)  # 8: "colgroup", "optgroup"


def tags_at_most(data: bytes, limit: int) -> bool:
    """Whether data holds at most ``limit`` "<" characters.

    numpy counts in a quarter of bytes.count's time (13 against 57 us on a
    68 KB page), but only where it is loaded already: a small folder's
    workers start before numpy is imported (folder.NUMPY_BEFORE_WORKERS),
    and importing it costs them more than the count saves.
    """
    np = sys.modules.get("numpy")
    if np is None:
        return data.count(b"<") <= limit
    return int(np.count_nonzero(np.frombuffer(data, np.uint8) == 60)) <= limit


def nested_deeper_than(html: str | bytes, limit: int = MAX_NESTING) -> bool:
    """Whether the document's tags nest deeper than ``limit``; bytes are read as ASCII-compatible."""
    if tags_at_most(html, limit) if isinstance(html, bytes) else html.count("<") <= limit:
        return False
    np = sys.modules.get("numpy")
    if np is not None:
        data = html if isinstance(html, bytes) else html.encode("utf-8", "surrogatepass")
        return _deepest_with_numpy(np, data) > limit
    text = html if isinstance(html, str) else html.decode("latin-1")  # only ASCII tags count
    depth = 0
    for match in _TAG_RE.finditer(text):
        if match.group(2).lower() in FLAT_ELEMENTS:
            continue
        if match.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > limit:
                return True
    return False


def _deepest_with_numpy(np: Any, data: bytes) -> int:
    """The walk's deepest point, on arrays: every tag's step (+1, -1, 0 for a flat one), then their running sum.

    A tag is "<" or "</" and a letter, as _TAG_RE has it. Its name's first 8
    bytes, lowered, packed in a uint64, tell the flat elements (none has
    more). The depth never going below zero is the running sum minus its
    lowest point so far (where below zero).
    """
    name_byte, letter, flat_codes = _tables(np)
    page = np.frombuffer(data, dtype=np.uint8)
    padded = np.zeros(len(page) + _WIDTH + 3, dtype=np.uint8)
    padded[: len(page)] = page
    opening = np.flatnonzero(page == 60)
    closing = padded[opening + 1] == 47
    start = opening + 1 + closing
    is_tag = letter[padded[start]]
    start, closing = start[is_tag], closing[is_tag]
    codes = np.zeros(len(start), dtype=np.uint64)
    in_name = np.ones(len(start), dtype=bool)
    for k in range(_WIDTH):
        byte = padded[start + k]
        in_name &= name_byte[byte]
        codes |= np.where(in_name, byte | 32, 0).astype(np.uint64) << np.uint64(8 * k)  # | 32 lowers a letter only
    in_name &= name_byte[padded[start + _WIDTH]]  # still a name: longer than any flat element's
    found = np.minimum(np.searchsorted(flat_codes, codes), len(flat_codes) - 1)
    flat = ~in_name & (flat_codes[found] == codes)
    steps = np.where(closing, -1, 1).astype(np.int32)
    steps[flat] = 0
    sums = np.cumsum(steps)
    lowest = np.minimum.accumulate(np.minimum(sums, 0))
    return int((sums - lowest).max(initial=0))


@lru_cache(maxsize=1)
def _tables(np: Any) -> tuple[Any, Any, Any]:
    """Which bytes are name bytes, which are letters, and the flat elements' packed names (sorted)."""
    name_byte = np.zeros(256, dtype=bool)
    name_byte[list(_NAME_BYTES)] = True
    letter = name_byte.copy()
    letter[list(b"0123456789-")] = False
    flat_codes = np.array(sorted(int.from_bytes(name.encode(), "little") for name in FLAT_ELEMENTS), dtype=np.uint64)
    return name_byte, letter, flat_codes
