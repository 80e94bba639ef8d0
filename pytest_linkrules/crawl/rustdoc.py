"""rustdoc's script-built navigation, computed from the site's own files instead of rendered.

rustdoc (the Rust documentation generator; this is the main.js of Rust 1.63,
the docs Debian 12 ships) writes each module's item list to one data file,
``sidebar-items.js``, and its main.js builds the sidebar from it on every
item page: on the Rust docs' ``core::arch::x86_64`` pages that is 5,021 links
on each of 5,016 pages, none of them in the HTML. main.js also copies the
sidebar's location heading into the mobile top bar, lists the crates on a
crate's front page (``crates.js``) and adds other crates' implementations to
a trait's page (``implementors/.../trait.X.js``). What it adds is a pure
function of those files and a few facts of the page, which this model reads
and turns into the links and ids the browser would have.

Every folder loads its own ``sidebar-items.js``, and a trait page its own
implementors file, so the Rust docs hold 557 templates (crawl/templates.py):
sampling each cost 1,958 page renders and the rest went over the render
budget. All pages that run the known main.js are one *family* here: a dozen
rendered pages spread over its templates and kinds of page check the model
(crawl/rendering.py), and the rest is computed. The model applies only where
main.js holds these functions exactly as Rust 1.63 wrote them (by digest);
any other version is rendered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import posixpath
import re
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from selectolax.lexbor import LexborHTMLParser

from ..fragments import pack_ids, unpack_ids
from ..model import CONTENT, JS_ONLY, Link, Page
from .extract import RawLink, RawPage, extract
from .linktable import ReceivedTable, keep_codes
from .pipeline import page_with_links
from .templates import MAX_SAMPLE, Group, choose_group_sample
from .urls import FolderResolver

MAX_DATA_BYTES = 16 * 1024 * 1024  # one data file; a larger one is not rustdoc's
MAX_PAGE_BYTES = 32 * 1024 * 1024

# sha256 of main.js from "function addSidebarItems(){" up to "function
# labelForToggleButton(" and of its setMobileTopbar function, in Rust 1.63.
KNOWN_MAIN = frozenset({"26b799fe23d86e36285ec80f0ae71411df4d8906f077003003a2c78691caaa00"})
_RUN_ORDER = "setMobileTopbar();addSidebarItems();addSidebarCrates();"

# addSidebarItems' blocks, in its order: (key in SIDEBAR_ITEMS, heading id, heading).
BLOCKS = (
    ("primitive", "primitives", "Primitive Types"), ("mod", "modules", "Modules"), ("macro", "macros", "Macros"),
    ("struct", "structs", "Structs"), ("enum", "enums", "Enums"), ("union", "unions", "Unions"),
    ("constant", "constants", "Constants"), ("static", "static", "Statics"), ("trait", "traits", "Traits"),
    ("fn", "functions", "Functions"), ("type", "types", "Type Definitions"), ("foreigntype", "foreign-types", "Foreign Types"),
    ("keyword", "keywords", "Keywords"), ("traitalias", "trait-aliases", "Trait Aliases"),
)

# A page the model knows runs main.js and these data files, nothing else.
_SCRIPT_TAG = re.compile(rb"<script\b[^>]*>", re.I)
_SRC = re.compile(rb'\ssrc="([^"]*)"')
_DATA_SCRIPTS = (b"storage", b"sidebar-items", b"crates")
_SIDEBAR_ITEMS = re.compile(r"\s*window\.SIDEBAR_ITEMS\s*=\s*")
_ALL_CRATES = re.compile(r"\s*window\.ALL_CRATES\s*=\s*")
_IMPLEMENTORS = re.compile(r'implementors\[("(?:[^"\\]|\\.)*")\]\s*=\s*')
_IMPLEMENTORS_SHAPE = re.compile(
    r'\s*\(function\(\)\s*\{\s*var implementors\s*=\s*\{\};\s*(.*)'
    r"if \(window\.register_implementors\) \{window\.register_implementors\(implementors\);\} "
    r"else \{window\.pending_implementors = implementors;\}\}\)\(\)\s*",
    re.S,
)


def _fits(main_js: str) -> bool:
    """Whether this main.js builds the sidebar as the model does (Rust 1.63's functions, by digest)."""
    try:
        a, b = main_js.index("function addSidebarItems(){"), main_js.index("function labelForToggleButton(")
        c, d = main_js.index("function setMobileTopbar(){"), main_js.index("function getVirtualKey(")
    except ValueError:
        return False
    digest = hashlib.sha256((main_js[a:b] + "\n" + main_js[c:d]).encode()).hexdigest()
    return digest in KNOWN_MAIN and _RUN_ORDER in main_js


def _read(path: Path, limit: int = MAX_DATA_BYTES) -> bytes | None:
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return path.read_bytes()
    except OSError:
        return None


@dataclass(frozen=True)
class Facts:
    """What main.js reads of one page, read from its HTML."""

    root_path: str  # rustdoc-vars' data-root-path
    crate: str  # data-current-crate
    module: bool  # <body class="... mod">: no item blocks
    sidebar_elems: bool  # a .sidebar-elems element to add blocks to
    location: str | None  # innerHTML of the first .sidebar h2.location, when the mobile bar has one to fill
    items: str | None  # sidebar-items.js src
    crates: str | None  # crates.js src
    implementors: str | None  # the implementors script's src
    ignore_extern: str  # its data-ignore-extern-crates
    trait_name: str  # h1.fqn > .in-band > .trait
    impls: int | None  # elements of class impl in #implementors-list; None: no such list
    synthetic: frozenset[str] | None  # data-aliases in #synthetic-implementors-list; None: no such list


def read_facts(data: bytes) -> Facts | None:
    """The facts of a page's HTML (see facts_of)."""
    return facts_of(LexborHTMLParser(data))


def facts_of(tree: LexborHTMLParser) -> Facts | None:
    """The facts, or None when the page is not one the model knows (no rustdoc-vars or settings button, a <base>).

    The folder crawl's workers read them from their own parse of each page
    with a rustdoc-vars element (extract.py), where parsing every page again
    here took 13.9 s of the Rust docs' 69 s crawl on one core.
    """
    vars_ = tree.css_first("#rustdoc-vars")
    # main.js sets the settings button's onclick before it builds the sidebar: without one it stops there.
    if vars_ is None or tree.css_first("#settings-menu") is None or tree.css_first("base[href]") is not None:
        return None
    attrs = vars_.attributes
    body = tree.body
    classes = (body.attributes.get("class") or "").split() if body is not None else []
    mobile, location = tree.css_first(".mobile-topbar h2.location"), tree.css_first(".sidebar h2.location")
    srcs = [s.attributes.get("src") or "" for s in tree.css("script[src]")]
    items = next((s for s in srcs if posixpath.basename(s.split("?")[0]).startswith("sidebar-items")), None)
    crates = next((s for s in srcs if posixpath.basename(s.split("?")[0]).startswith("crates")), None)
    marked = tree.css_first("script[data-ignore-extern-crates]")
    implementors = marked.attributes.get("src") if marked is not None else None
    trait = tree.css_first("h1.fqn > .in-band > .trait")
    listed = tree.css_first("#implementors-list")
    synthetic = tree.css_first("#synthetic-implementors-list")
    aliases: set[str] = set()
    if synthetic is not None:
        for el in synthetic.css(".impl"):
            found = el.attributes.get("data-aliases")
            if found:
                aliases.update(found.split(","))
    return Facts(
        root_path=attrs.get("data-root-path") or "",
        crate=attrs.get("data-current-crate") or "",
        module="mod" in classes,
        sidebar_elems=tree.css_first(".sidebar-elems") is not None,
        location=location.inner_html or "" if mobile is not None and location is not None else None,
        items=items,
        crates=crates,
        implementors=implementors,
        ignore_extern=marked.attributes.get("data-ignore-extern-crates") or "" if marked is not None else "",
        trait_name=trait.text(deep=True) if trait is not None else "",
        impls=len(listed.css(".impl")) if listed is not None else None,
        synthetic=frozenset(aliases) if synthetic is not None else None,
    )


class RustdocSidebar:
    """The links and ids rustdoc 1.63's main.js adds to a page, from the site's data files."""

    name = "rustdoc's sidebar model"

    def __init__(self, root: Path, resolver: FolderResolver, main_js: str) -> None:
        self.root = root
        self.resolver = resolver
        self.main_js = main_js  # the URL of the main.js it models
        # Chrome or content for what each part adds (nav and main by default; a
        # site.chrome selector may say otherwise, which the samples show).
        self.chrome = {"sidebar": True, "mobile": True, "implementors": False}
        self._data: dict[tuple[str, str], Any] = {}
        # What a part adds to every page of a folder, resolved once: Link objects shared by those pages.
        self._shared: dict[tuple[Any, ...], tuple[tuple[Link, ...], tuple[Link, ...]]] = {}
        self._flagged: dict[int, tuple[tuple[Link, ...], tuple[Link, ...], array, dict[str, list[int]]]] = {}  # by id of a shared tuple
        self._twins: dict[Link, Link] = {}
        # The predicted pages' links, numbered for the graph build (keyed by the Link object's id).
        self.table = ReceivedTable([])
        self._numbers: dict[int, int] = {}
        self._targets: dict[str, int] = {}

    # ------------------------------------------------------------ the family
    @staticmethod
    def main_of(root: Path, page: Page | None, fits: dict[str, bool]) -> str | None:
        """The URL of the known main.js this page runs, or None (``fits`` caches the check per main.js).

        Only pages that run main.js and the data files it reads qualify: the
        source view's file tree (source-script.js), say, is a script the model
        does not know, and such pages keep their own template.
        """
        data = _read(root / page.source, MAX_PAGE_BYTES) if page is not None and page.source else None
        if data is None or b"rustdoc-vars" not in data:
            return None
        main = None
        for tag in _SCRIPT_TAG.findall(data):
            src = _SRC.search(tag)
            if src is None:
                continue
            name = posixpath.basename(src[1].split(b"?")[0])
            if b"data-ignore-extern-crates" in tag or name.startswith(_DATA_SCRIPTS):
                continue  # the data main.js reads
            if not name.startswith(b"main"):
                return None  # a script the model does not know (the source view's file tree, say)
            url = posixpath.normpath(posixpath.join(posixpath.dirname(page.url), html.unescape(src[1].decode("utf-8", "replace"))))
            if url not in fits:
                text = _read(root / url.lstrip("/"))
                fits[url] = text is not None and _fits(text.decode("utf-8", "replace"))
            if not fits[url] or main is not None:
                return None
            main = url
        return main

    @classmethod
    def find(cls, root: Path, resolver: FolderResolver, group: Group, rendered: Mapping[str, Page]) -> "RustdocSidebar | None":
        """The model for a group whose pages run the known main.js (its example tells), or None."""
        main = cls.main_of(root, rendered.get(group.example) or next(iter(rendered.values()), None), {}) if rendered else None
        if main is None:
            return None
        model = cls(root, resolver, main)
        model.learn_chrome(rendered)
        return model

    def choose_sample(self, family: Group, pages: Mapping[str, Page], starts: Sequence[str]) -> list[str]:
        """Pages spread over the family, and one of each kind main.js treats differently.

        Kinds: a module's page or an item's, with or without item data, the
        crates list, implementors, the mobile bar's heading. Each template's
        first and last pages are looked at (often the folder's index and an
        item), largest templates first.
        """
        chosen = choose_group_sample(family, starts)
        kinds: dict[tuple[bool, ...], str] = {}
        for group in family.members:
            for url in dict.fromkeys((group.urls[0], group.urls[-1])):
                facts = self._facts(pages[url])
                if facts is not None:
                    kind = (facts.module, facts.sidebar_elems, facts.items is not None, facts.crates is not None,
                            facts.implementors is not None, facts.location is not None)
                    kinds.setdefault(kind, url)
        return chosen + [u for u in kinds.values() if u not in chosen][:MAX_SAMPLE]

    def learn_chrome(self, rendered: Mapping[str, Page]) -> None:
        """Take each part's chrome/content from a rendered sample where a link it adds shows."""
        for page in rendered.values():
            added = self._added(page)
            if added is None:
                continue
            by_key = {(l.href, l.anchor): l for l in page.links + page.broken}
            for part, raws in added.items():
                for raw in raws:
                    seen = by_key.get((raw.href, raw.anchor))
                    if seen is not None:
                        self.chrome[part] = not seen.flags & CONTENT
                        break
        self._shared.clear()
        self._flagged.clear()

    # ------------------------------------------------------------ a page
    def predict(self, page: Page) -> Page | None:
        """The page as rendered: its HTML's links plus what main.js adds; None if the model can't say.

        What the HTML lacks comes flagged JS_ONLY already (flags_js_only), and
        the page holds its links' numbers in the model's link table, as a
        crawled page does in its worker's (crawl/linktable.py): with 70M
        links on the Rust docs, RenderPlan.finish and the graph build would
        otherwise read each Link object, ~40 s.
        """
        facts = self._facts(page)
        if facts is None:
            return None
        before = {link.target for link in page.links + page.broken}
        links, broken, ids = list(page.links), list(page.broken), []
        numbers = array("I", map(self._number, page.links))
        for part, key in self._parts(page, facts):
            if key is not None and key in self._shared:
                got = self._shared[key]
            else:
                made = self._part(page, facts, part)
                if made is None:
                    return None
                raws, new_ids = made
                got = self._resolve(page, raws, new_ids)
                ids += new_ids
                if key is not None:
                    self._shared[key] = got
            flagged, flagged_numbers = self._js_only(got[0], before, shared=key is not None)
            links += flagged
            numbers += flagged_numbers
            broken += got[1]
        out = dataclasses.replace(
            page, links=tuple(links), broken=tuple(broken), ids=pack_ids(unpack_ids(page.ids) + ids) if ids else page.ids,
            facts=None,  # as on a rendered page: the facts are the HTML's, and done with
        )
        return keep_codes(out, self.table, numbers)

    flags_js_only = True

    def _number(self, link: Link) -> int:
        """The link's number in the model's table (one entry per Link object, which the table keeps alive)."""
        n = self._numbers.get(id(link))
        if n is None:
            table = self.table
            n = self._numbers[id(link)] = len(table.links)
            target = self._targets.get(link.target)
            if target is None:
                target = self._targets[link.target] = len(table.targets)
                table.targets.append(link.target)
            table.links.append(link)
            table.target_numbers.append(target)
            table.flags.append(link.flags)
        return n

    def _js_only(self, links: tuple[Link, ...], before: set[str], shared: bool) -> tuple[tuple[Link, ...], array]:
        """The links with those to targets the page's HTML lacks flagged JS_ONLY (as templates.with_js_only
        flags them), and their numbers.

        For a folder's shared links the flagged twins, their numbers and
        where each target sits are made once; a page then only puts back the
        few its HTML has.
        """
        entry = self._flagged.get(id(links)) if shared else None
        if entry is None:
            at: dict[str, list[int]] = {}
            for k, link in enumerate(links):
                at.setdefault(link.target, []).append(k)
            twins = tuple(map(self._twin, links))
            entry = (links, twins, array("I", map(self._number, twins)), at)
            if shared:
                self._flagged[id(links)] = entry
        _, twins, twin_numbers, at = entry
        keep = [k for target in before & at.keys() for k in at[target]]
        if not keep:
            return twins, twin_numbers
        out, numbers = list(twins), array("I", twin_numbers)
        for k in keep:
            out[k] = links[k]
            numbers[k] = self._number(links[k])
        return tuple(out), numbers

    def _twin(self, link: Link) -> Link:
        if link.flags & JS_ONLY:
            return link
        twin = self._twins.get(link)
        if twin is None:
            twin = self._twins[link] = dataclasses.replace(link, flags=link.flags | JS_ONLY)
        return twin

    def _added(self, page: Page) -> dict[str, list[RawLink]] | None:
        """The raw links each part adds to the page (learn_chrome)."""
        facts = self._facts(page)
        if facts is None:
            return None
        out = {}
        for part, _ in self._parts(page, facts):
            made = self._part(page, facts, part)
            if made is None:
                return None
            out[part] = made[0]
        return out

    def _facts(self, page: Page) -> Facts | None:
        if page.error or not page.source:
            return None
        if isinstance(page.facts, Facts):  # read by the crawl from the page's HTML (never from a rendered DOM)
            return page.facts
        data = _read(self.root / page.source, MAX_PAGE_BYTES)
        return read_facts(data) if data is not None else None

    def _parts(self, page: Page, facts: Facts) -> list[tuple[str, tuple[Any, ...] | None]]:
        """The parts main.js adds to this page, each with its key when every page of the folder gets the same."""
        out: list[tuple[str, tuple[Any, ...] | None]] = []
        if facts.location is not None:
            out.append(("mobile", (posixpath.dirname(page.url), "mobile", page.nofollow, facts.location)))
        if facts.sidebar_elems and ((facts.items is not None and not facts.module) or facts.crates is not None):
            items = None if facts.module else facts.items
            out.append(("sidebar", (posixpath.dirname(page.url), "sidebar", page.nofollow, items, facts.crates, facts.root_path)))
        if facts.implementors is not None:
            out.append(("implementors", None))
        return out

    def _part(self, page: Page, facts: Facts, part: str) -> tuple[list[RawLink], list[str]] | None:
        """The raw links and the ids one part adds; None when the model can't say."""
        folder = posixpath.dirname(page.url) + "/"
        if part == "mobile":
            return self._links_in(facts.location or "", part), []
        if part == "sidebar":
            markup = ""
            if facts.items is not None and not facts.module:
                items = self._json(folder, facts.items, _SIDEBAR_ITEMS)
                blocks = _item_blocks(items) if isinstance(items, dict) else "" if items is None else None
                if blocks is None:
                    return None
                markup += blocks
            if facts.crates is not None:
                crates = self._json(folder, facts.crates, _ALL_CRATES)
                if crates is _BROKEN or (crates is not None and not isinstance(crates, list)):
                    return None
                markup += _crate_block(crates, facts.root_path) if crates else ""
            return self._links_in(markup, part), []
        made = self._implementors(folder, facts)
        return None if made is None else (self._links_in(made[0], part), made[1])

    def _links_in(self, markup: str, part: str) -> list[RawLink]:
        raw = extract(f"<body><div>{markup}</div></body>")
        chrome = self.chrome[part]
        for link in raw.links:  # made for this call alone: set in place (dataclasses.replace cost 1.1 s on the Rust docs)
            link.chrome = chrome
        return raw.links

    def _resolve(self, page: Page, raws: list[RawLink], ids: list[str]) -> tuple[tuple[Link, ...], tuple[Link, ...]]:
        """Raw links resolved as the static crawl resolves the page's own."""
        raw = RawPage(robots="nofollow" if page.nofollow else "", links=raws, ids=pack_ids(unpack_ids(page.ids) + ids))
        built = page_with_links(page.url, page.source, raw, self.resolver)
        return built.links, built.broken

    def _json(self, folder: str, src: str, head: re.Pattern[str]) -> Any:
        """The value a data file assigns (``window.X = <JSON>;``); None when the file is missing, _BROKEN when not that shape."""
        path = posixpath.normpath(posixpath.join(folder, src.split("?")[0].split("#")[0]))
        key = (path, head.pattern)
        if key not in self._data:
            data = _read(self.root / path.lstrip("/"))
            value: Any = None  # a missing file: the browser's script fails and adds nothing
            if data is not None:
                text = data.decode("utf-8", "replace")
                found = head.match(text)
                value = _BROKEN
                if found is not None:
                    try:
                        value, end = json.JSONDecoder().raw_decode(text, found.end())
                    except ValueError:
                        value = _BROKEN
                    else:
                        if text[end:].strip() not in ("", ";"):
                            value = _BROKEN
            self._data[key] = value
        return self._data[key]

    def _implementors(self, folder: str, facts: Facts) -> tuple[str, list[str]] | None:
        """register_implementors: the HTML it adds to the lists and the ids of its entries; None if unknown."""
        assert facts.implementors is not None
        path = posixpath.normpath(posixpath.join(folder, facts.implementors.split("?")[0]))
        key = (path, "implementors")
        if key not in self._data:
            data = _read(self.root / path.lstrip("/"))
            self._data[key] = _parse_implementors(data.decode("utf-8", "replace")) if data is not None else None
        libs = self._data[key]
        if libs is None:
            return "", []  # no file: nothing is registered
        if libs is _BROKEN or facts.impls is None:
            return None
        inlined = set(facts.synthetic or ())
        count, parts, ids = facts.impls, [], []
        for lib, structs in libs:
            if lib == facts.crate or facts.ignore_extern.find(lib) != -1:
                continue
            for struct in structs:
                if not isinstance(struct, dict) or not isinstance(struct.get("text"), str):
                    return None
                if struct.get("synthetic"):
                    if facts.synthetic is None or not isinstance(struct.get("types"), list):
                        return None  # main.js would stop with an error here
                    if _inlined_already(struct["types"], inlined):
                        continue
                code = _rooted(struct["text"], facts.root_path)
                current = f"impl-{facts.trait_name}-{count}"
                parts.append(f'<div id="{html.escape(current)}" class="impl"><a href="#{html.escape(current)}" class="anchor"></a><h3>{code}</h3></div>')
                ids.append(current)
                count += 1
        return "".join(parts), ids


_BROKEN = object()


def _inlined_already(types: list[Any], inlined: set[Any]) -> bool:
    """main.js's loop over a synthetic impl's types: each is added to ``inlined`` until one was there already."""
    for t in types:
        if t in inlined:
            return True
        inlined.add(t)
    return False


def _parse_implementors(text: str) -> Any:
    """[(crate, [impl, ...]), ...] in the file's order; _BROKEN when the file is not rustdoc's shape."""
    shape = _IMPLEMENTORS_SHAPE.fullmatch(text)
    if shape is None:
        return _BROKEN
    body, at, out = shape.group(1), 0, []
    decoder = json.JSONDecoder()
    while at < len(body):
        found = _IMPLEMENTORS.match(body, at)
        if found is None:
            return _BROKEN if body[at:].strip() else out
        try:
            lib = json.loads(found.group(1))
            value, at = decoder.raw_decode(body, found.end())
        except ValueError:
            return _BROKEN
        if not isinstance(value, list) or body[at : at + 1] != ";":
            return _BROKEN
        at += 1
        while at < len(body) and body[at].isspace():
            at += 1
        out.append((lib, value))
    return out


def _rooted(markup: str, root_path: str) -> str:
    """An implementor's HTML with its links made relative to the root, as main.js does (not those starting "http")."""
    tree = LexborHTMLParser(f"<body><div>{markup}</div></body>")
    for a in tree.css("a"):
        href = a.attributes.get("href")
        if href and not href.startswith("http"):
            a.attrs["href"] = root_path + href
    box = tree.css_first("body > div")
    return box.inner_html if box is not None else ""  # type: ignore[return-value]


def _item_blocks(items: Mapping[str, Any]) -> str | None:
    """addSidebarItems' blocks as HTML: a heading linking the module's section, then an item link each.

    None for data of another shape than Rust 1.63's ([name, description] pairs).
    """
    out = []
    for key, section, heading in BLOCKS:
        listed = items.get(key)
        if not _truthy(listed):
            continue
        if not isinstance(listed, list):
            return None
        out.append(f'<div class="block {key}"><h3><a href="index.html#{section}">{heading}</a></h3><ul>')
        for item in listed:
            if not (isinstance(item, list) and item and isinstance(item[0], str)):
                return None
            name = item[0]
            path = f"{name}/index.html" if key == "mod" else f"{key}.{name}.html"
            out.append(f'<li><a href="{html.escape(path)}">{html.escape(name)}</a></li>')
        out.append("</ul></div>")
    return "".join(out)


def _crate_block(crates: list[Any], root_path: str) -> str:
    links = "".join(f'<li><a href="{html.escape(root_path + str(c) + "/index.html")}">{html.escape(str(c))}</a></li>' for c in crates)
    return f'<div class="block crate"><h3>Crates</h3><ul>{links}</ul></div>'


def _truthy(value: Any) -> bool:
    """JavaScript's truth: an empty list is true, null, 0, "" and false are not."""
    return value is not None and value is not False and value != 0 and value != ""
