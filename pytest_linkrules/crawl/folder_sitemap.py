"""The sitemap of a built folder, read from disk, for sitemap-consistency.

A static site generator writes ``sitemap.xml`` next to the pages, listing the
production URLs (``https://example.com/guides/seo/``). The folder *is* that
site, so each URL's path is looked up as a page of the folder; URLs on a host
other than ``site.base_url`` (when given) are left out with a note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from .sitemap import MAX_INDEX_DEPTH, MAX_SITEMAP_BYTES, MAX_SITEMAP_FILES, parse_sitemap
from .urls import FolderResolver, normalize_path

DEFAULT = "/sitemap.xml"


def read_folder_sitemap(
    root: Path, configured: str | None, origins: Iterable[str], resolver: FolderResolver
) -> tuple[list[str] | None, list[str]]:
    """URL paths the sitemap lists (None when there is no sitemap), and notes."""
    notes: list[str] = []
    start = configured or DEFAULT
    if not (root / start.lstrip("/")).is_file():
        if configured:
            notes.append(f'site.sitemap: "{configured}" is not a file in the site folder; no sitemap was read')
        return None, notes
    hosts = {urlsplit(o).netloc.lower() for o in origins}
    listed: list[str] = []
    todo = [(start, 0)]
    seen: set[str] = set()
    other_hosts = outside = 0
    while todo and len(seen) < MAX_SITEMAP_FILES:
        path, depth = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        file = root / path.lstrip("/")
        try:
            with file.open("rb") as f:
                data = f.read(MAX_SITEMAP_BYTES + 1)
        except OSError as exc:
            notes.append(f"sitemap {path} could not be read ({exc.strerror or exc})")
            continue
        sitemap = parse_sitemap(data)
        if sitemap.kind == "invalid":
            notes.append(f"sitemap {path} is {sitemap.error}; ignored")
            continue
        for loc in sitemap.locs:
            parts = urlsplit(loc.strip())
            if hosts and parts.netloc and parts.netloc.lower() not in hosts:
                other_hosts += 1
                continue
            target = resolver.unmount(normalize_path(parts.path or "/"))
            if target is None:  # below the host, outside the path base_url gives
                outside += 1
                continue
            if sitemap.kind == "index":
                if depth < MAX_INDEX_DEPTH:
                    todo.append((target, depth + 1))
                continue
            kind, url = resolver.lookup(target)
            listed.append(url if kind == "page" else target)
    if other_hosts:
        notes.append(f"sitemap: {other_hosts} URL(s) on hosts other than site.base_url ignored")
    if outside:
        notes.append(f'sitemap: {outside} URL(s) outside the path of site.base_url ("{resolver.mount}/") ignored')
    return list(dict.fromkeys(listed)), notes
