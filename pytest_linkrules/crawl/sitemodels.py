"""Models of known generators' script-built navigation, read from the site's own data files.

Some generators build navigation in the browser from data files, and the links
differ page by page (Doxygen's nav tree opens at the current page), so no one
difference fits a whole template and rendering each page costs a browser load
(0.18 s of CPU a page on libstdc++'s docs). A model here computes each page's
rendered links from those files in microseconds. crawl/templates.py uses it
only after it reproduced every rendered sample of the template exactly, and a
page it can't place (not in the tree's index) is rendered.

Two models so far: Doxygen's tree view (``GENERATE_TREEVIEW``; navtree.js with
navtreedata.js, navtreeindex*.js and one data file per subtree), here, and
rustdoc's sidebar (crawl/rustdoc.py).
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import posixpath
import re
from pathlib import Path
from typing import Any, Mapping, Protocol

from ..model import CONTENT, Link, Page
from .extract import MAX_ANCHOR, RawLink, RawPage
from .pipeline import page_with_links
from .templates import Group
from .urls import FolderResolver

MAX_DATA_BYTES = 8 * 1024 * 1024  # one data file; a larger one is not a nav tree


class SiteModel(Protocol):
    """What crawl/templates.py asks of a model: its name for the report, and a page's rendered links."""

    name: str

    def predict(self, page: Page) -> Page | None: ...


def site_model(
    root: Path, resolver: FolderResolver, group: Group, rendered: Mapping[str, Page]
) -> SiteModel | None:
    """The model that knows this template's scripts, or None."""
    from .rustdoc import RustdocSidebar

    return DoxygenTree.find(root, resolver, group, rendered) or RustdocSidebar.find(root, resolver, group, rendered)


_INIT = re.compile(rb"""initNavTree\(\s*'([^'\\]*)'\s*,\s*'([^'\\]*)'\s*\)""")
_VAR = re.compile(r"var\s+([A-Za-z_$][\w$]*)\s*=\s*", re.S)


def _js_vars(text: str) -> dict[str, Any]:
    """The ``var NAME = <JSON literal>;`` statements of a Doxygen data file."""
    out: dict[str, Any] = {}
    decoder = json.JSONDecoder()
    for m in _VAR.finditer(text):
        try:
            value, _ = decoder.raw_decode(text, m.end())
        except ValueError:
            continue
        out[m.group(1)] = value
    return out


class DoxygenTree:
    """Doxygen's nav tree (navtree.js of Doxygen 1.8-1.9), computed instead of rendered.

    What navtree.js does on a page (``initNavTree(toroot, relpath)`` at load):
    find the page in NAVTREEINDEX (a sorted list of the first key of each
    navtreeindexN.js), take its breadcrumbs (child numbers from the root),
    and show every child of each node along that path, each an ``<a>`` to
    ``relpath + link`` (or ``javascript:void(0)`` for a same-page anchor and a
    node without a link), plus an expand toggle for each node with children.
    The index, "pages" and "search" pages also show their own node's children.
    """

    name = "Doxygen's nav tree model"

    def __init__(
        self, root: Path, folder: Path, base: str, tree: list[Any], index: list[str], resolver: FolderResolver
    ) -> None:
        self.root = root  # the site folder
        self.folder = folder  # where navtreedata.js is
        self.resolver = resolver
        self.base = base  # its URL folder, e.g. "/user/"
        self.tree = tree
        self.index = index
        self.chrome = False
        self._subindex: dict[int, dict[str, list[int]] | None] = {}
        self._data: dict[str, Any] = {}
        self._links: dict[tuple[str, str, str, bool], tuple[str, Link | None]] = {}

    @classmethod
    def find(cls, root: Path, resolver: FolderResolver, group: Group, rendered: Mapping[str, Page]) -> "DoxygenTree | None":
        folder_url = group.example.rsplit("/", 1)[0] + "/"
        # navtreedata.js sits in the HTML output folder: the page's or one above it (CREATE_SUBDIRS).
        for up in range(3):
            url = posixpath.normpath(folder_url + "../" * up) if up else folder_url.rstrip("/")
            url = url.rstrip("/") + "/"
            folder = root / url.lstrip("/")
            data = _read(folder / "navtreedata.js")
            if data is None:
                continue
            values = _js_vars(data)
            tree, index = values.get("NAVTREE"), values.get("NAVTREEINDEX")
            if not (isinstance(tree, list) and isinstance(index, list) and (folder / "navtree.js").is_file()):
                return None
            model = cls(root, folder, url, tree, [str(i) for i in index], resolver)
            model.chrome = model._chrome_in(rendered)
            return model
        return None

    def _chrome_in(self, rendered: Mapping[str, Page]) -> bool:
        """Whether the rendered tree's links counted as chrome (site.chrome may say so)."""
        first = self.tree[0][1] if self.tree and isinstance(self.tree[0], list) and len(self.tree[0]) > 1 else None
        for page in rendered.values():
            for link in page.links:
                if first and link.href.endswith(str(first)) and link.anchor == " ".join(str(self.tree[0][0]).split()):
                    return not link.flags & CONTENT
        return False

    # ---------------------------------------------------------------- data
    def _sub(self, i: int) -> dict[str, list[int]] | None:
        if i not in self._subindex:
            text = _read(self.folder / f"navtreeindex{i}.js")
            value = _js_vars(text).get(f"NAVTREEINDEX{i}") if text is not None else None
            self._subindex[i] = value if isinstance(value, dict) else None
        return self._subindex[i]

    def _children(self, data: Any) -> list[Any] | None:
        """A node's children: the list itself, or the list in its data file."""
        if isinstance(data, list):
            return data
        if not isinstance(data, str):
            return None
        if data not in self._data:
            text = _read(self.folder / f"{data}.js")
            name = data.rsplit("/", 1)[-1].replace("-", "_")
            self._data[data] = _js_vars(text).get(name) if text is not None else None
        value = self._data[data]
        return value if isinstance(value, list) else None

    # ---------------------------------------------------------------- a page
    def hrefs(self, toroot: str, relpath: str, page_file: str) -> list[tuple[str, str]] | None:
        """(href, text) of every <a href> navtree.js adds to the page; None if it can't say."""
        root = toroot
        i = bisect.bisect_right(self.index, root) - 1
        if i < 0:  # before the first key: navtree.js looks up the index page instead
            i, root = 0, str(self.tree[0][1]) if self.tree and isinstance(self.tree[0], list) else ""
        sub = self._sub(i)
        if sub is None:
            return None  # its data file is missing: the script stops there
        # A page the index lacks gets no breadcrumbs ($.extend makes them []):
        # only the tree's root is shown.
        crumbs = sub.get(root)
        path = [0] + (crumbs if isinstance(crumbs, list) else [])
        out: list[tuple[str, str]] = []
        level = self.tree  # the root's children
        base = posixpath.splitext(toroot.rsplit("/", 1)[-1])[0]
        for depth, k in enumerate(path):
            if not isinstance(level, list):
                return None
            for item in level:
                out.extend(self._node_links(item, relpath, page_file))
            if not isinstance(k, int) or not 0 <= k < len(level):
                return out  # navtree.js stops where the breadcrumbs leave the tree
            node = level[k]
            if not (isinstance(node, list) and len(node) >= 3):
                return None
            last = depth == len(path) - 1
            if last:
                if base in ("index", "pages", "search"):
                    kids = self._children(node[2])
                    for item in kids or []:
                        out.extend(self._node_links(item, relpath, page_file))
                return out
            level = self._children(node[2])
            if level is None:
                return None
        return out

    def _node_links(self, item: Any, relpath: str, page_file: str) -> list[tuple[str, str]]:
        if not (isinstance(item, list) and len(item) >= 3):
            return []
        text, link, kids = item[0], item[1], item[2]
        out = []
        if kids:  # the expand toggle: an arrow in an <a href="javascript:void(0)">
            out.append(("javascript:void(0)", "\u25ba"))
        label = " ".join(str(text).split())[:MAX_ANCHOR]
        if link:
            link = str(link)
            url = link[1:] if link.startswith("^") else relpath + link
            if link.startswith("^"):
                link = url
            if "#" in link and page_file == link.split("#")[0].rsplit("/", 1)[-1]:
                url = "javascript:void(0)"
            out.append((url, label))
        elif kids is not None:
            out.append(("javascript:void(0)", label))
        return out

    def _init_call(self, page: Page) -> tuple[str, str] | None:
        """The page's own ``initNavTree(toroot, relpath)`` arguments, read from its file.

        toroot is not always the page itself: a class's member list opens the
        tree at its class.
        """
        if not page.source:
            return None
        try:
            with open(self.root / page.source, "rb") as f:
                data = f.read(MAX_DATA_BYTES)
        except OSError:
            return None
        found = _INIT.findall(data)
        if len(found) != 1:
            return None
        try:
            return found[0][0].decode("utf-8"), found[0][1].decode("utf-8")
        except UnicodeDecodeError:
            return None

    def predict(self, page: Page) -> Page | None:
        if not page.url.startswith(self.base) or page.error:
            return None
        call = self._init_call(page)
        if call is None:
            return None
        toroot, relpath = call
        found = self.hrefs(toroot, relpath, page.url.rsplit("/", 1)[-1])
        if found is None:
            return None
        links, broken = [], []
        folder = page.url.rsplit("/", 1)[0]
        for href, text in found:
            kind, link = self._link(folder, page, href, text)
            if link is not None:
                (links if kind == "page" else broken).append(link)
        return dataclasses.replace(page, links=page.links + tuple(links), broken=page.broken + tuple(broken))

    def _link(self, folder: str, page: Page, href: str, text: str) -> tuple[str, Link | None]:
        """One tree link resolved as the static crawl resolves the page's own links, once per folder.

        Every page of a folder shows the same tree entries, so each (href,
        text) is resolved once there and the Link shared; the page's meta
        robots nofollow applies to them too.
        """
        key = (folder, href, text, page.nofollow)
        hit = self._links.get(key)
        if hit is None:
            raw = RawPage(robots="nofollow" if page.nofollow else "", links=[RawLink(href, text, False, self.chrome)])
            built = page_with_links(page.url, page.source, raw, self.resolver)
            hit = ("page", built.links[0]) if built.links else ("broken", built.broken[0]) if built.broken else ("", None)
            self._links[key] = hit
        return hit


def _read(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_DATA_BYTES:
            return None
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return None
