"""Read sitemap.xml files and sitemap indexes (https://www.sitemaps.org/protocol.html).

Pure parsing: the HTTP crawler fetches the files (same origin only) and feeds
them here. Sitemap URLs are crawled like linked pages, so a page listed in the
sitemap that no link reaches shows up as an orphan.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the protocol's own limit, uncompressed
MAX_SITEMAP_FILES = 100  # index files can nest; a loop or a huge index stops here
MAX_INDEX_DEPTH = 3


@dataclass
class Sitemap:
    kind: str  # "urlset", "index" or "invalid"
    locs: list[str] = field(default_factory=list)
    error: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_sitemap(data: bytes) -> Sitemap:
    """The URLs a sitemap lists, or the sitemaps an index lists. Never raises."""
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=__import__("io").BytesIO(data)) as f:
                data = f.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError) as exc:
            return Sitemap("invalid", error=f"not a valid gzip file ({exc})")
    if len(data) > MAX_SITEMAP_BYTES:
        return Sitemap("invalid", error=f"larger than {MAX_SITEMAP_BYTES // (1024 * 1024)} MB")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return Sitemap("invalid", error=f"not valid XML ({exc})")
    kind = _local(root.tag)
    if kind == "sitemapindex":
        child = "sitemap"
        kind = "index"
    elif kind == "urlset":
        child = "url"
    else:
        return Sitemap("invalid", error=f"root element is <{kind}>, expected <urlset> or <sitemapindex>")
    locs = []
    for entry in root:
        if _local(entry.tag) != child:
            continue
        for part in entry:
            if _local(part.tag) == "loc" and part.text and part.text.strip():
                locs.append(part.text.strip())
    return Sitemap(kind, locs)
