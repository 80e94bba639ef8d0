"""Read links and metadata out of one HTML document.

selectolax's Lexbor parser is used because link extraction is the hot loop of
a crawl (~4,000 pages/s per core against ~200 for the stdlib parser). The
result is plain data, so it can be built in a worker process.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from selectolax.lexbor import LexborHTMLParser

from ..fragments import pack_ids
from .nesting import MAX_NESTING, nested_deeper_than

LINKS = "a[href], area[href]"
# Links inside these are site chrome, repeated on every page. header and
# footer are chrome only at page level: inside an article, main or section they
# belong to the content (an article's byline, a post's "related" footer).
CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary"})
CHROME_BOXES = "nav, aside, header, footer, [role]"
# The site's own chrome selectors ([site] chrome and its generator preset) ride
# in the selectors mapping under this key, which no role name can take, so they
# reach every extraction (folder workers, URL crawls) and every cache key that
# the role selectors reach. The value is one selector list: ".navbar, .related".
CHROME_KEY = "\0chrome"
# Links their authors marked "don't check", on the link or an element around
# it: html-proofer's and htmltest's attribute, and this project's own name.
IGNORE_MARKERS = ("data-proofer-ignore", "data-linkrules-ignore")
IGNORE_BOXES = "[data-proofer-ignore], [data-linkrules-ignore]"
# Both markers end in "-ignore": a page without it anywhere (attribute names
# are case-insensitive, so neither is its case) has no marked box, and the
# scan costs half the walk it saves (2 of 5 % of a generated page's crawl).
_IGNORE_HINT = re.compile(r"-ignore", re.I)
_IGNORE_HINT_BYTES = re.compile(rb"-ignore", re.I)
# The link walk takes every <a>: one without href may have a name, which a
# fragment can name as it names an id (HTML's "indicated part of the document").
_LINK_WALK = "a, area[href]"

# Script types a browser runs; JSON-LD and templates don't change the DOM.
SCRIPT_TYPES = frozenset({"", "module", "text/javascript", "application/javascript", "text/ecmascript", "application/ecmascript"})
MAX_ANCHOR = 200  # characters of anchor text kept per link
_ROBOTS = 'meta[name="robots" i]'
_REFRESH = 'meta[http-equiv="refresh" i][content]'
_HEAD_ELEMENTS = f'title, link[rel~="canonical" i][href], base[href], {_ROBOTS}, {_REFRESH}, script'

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_REFRESH_URL_RE = re.compile(r"""^\s*\d*(?:\.\d*)?\s*[;,]?\s*(?:url\s*=\s*)?["']?([^"']*)["']?\s*$""", re.I)


@dataclass
class RawLink:
    href: str
    anchor: str
    nofollow: bool
    chrome: bool
    ignored: bool = False  # inside (or on) an element with an ignore marker: not checked


@dataclass
class RawPage:
    """What the extractor found, before hrefs are resolved against the site."""

    title: str = ""
    base: str | None = None
    canonical: str | None = None
    robots: str = ""
    refresh: str | None = None
    links: list[RawLink] = field(default_factory=list)
    scripts: int = 0  # <script> elements that run; a page without any renders as parsed
    script_srcs: tuple[str, ...] = ()  # src of each external script that runs, in document order
    script_digest: int = 0  # of every running script's src and inline text: did any script change?
    matched: list[str] = field(default_factory=list)  # names of the selectors present on the page
    ids: str = ""  # what fragments can name on the page, packed by fragments.pack_ids
    error: str = ""  # why the document was not parsed (binary data, absurd nesting)
    text: str = ""  # headings, then the start of the body text: what link suggestions compare
    # What a site model reads of the page's HTML, read from this parse: rustdoc's
    # main.js facts (crawl/rustdoc.py) on a page with a rustdoc-vars element.
    facts: Any = None


# Charsets a page may name that no browser decodes it with: UTF-16/32 can't be
# declared in ASCII bytes, UTF-7 is refused for safety, and Python's
# escape/IDNA codecs are not page encodings at all (a hostile page could name
# them to crash or confuse the crawl).
_NOT_PAGE_CHARSETS = frozenset(
    {
        "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-7",
        "idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape",
    }
)
# Browsers (WHATWG Encoding) read these labels as windows-1252, which differs
# from Latin-1 in 0x80-0x9F: curly quotes, the euro sign, dashes.
_BROWSER_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Decode HTML bytes the way a browser would, never failing.

    Order: byte-order mark, the charset the server declared, a <meta charset>
    in the first 4 KB, then UTF-8. Undecodable bytes become U+FFFD.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace")
    candidates = []
    if declared:
        candidates.append(declared)
    match = _CHARSET_RE.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    for name in candidates:
        try:
            codec = codecs.lookup(name)
        except (LookupError, ValueError):  # unknown, or a NUL in the name
            continue
        if codec.name in _NOT_PAGE_CHARSETS:
            continue
        try:
            return data.decode(_BROWSER_ALIASES.get(codec.name, codec.name), errors="replace")
        except (LookupError, UnicodeError):
            continue  # a codec that is not a text encoding (rot13, zlib, ...)
    return data.decode("utf-8", errors="replace")


# Codecs that read ASCII bytes as ASCII (codecs.lookup names). Others don't
# all: EBCDIC code pages, cp864 (its 0x25 is not "%"), ISO-2022's escapes.
_ASCII_AS_ASCII = frozenset({"utf-8", "ascii", "cp1252", "iso8859-1"})


def _reads_as_utf8(data: bytes) -> bool:
    """Whether decode_html(data) == data.decode("utf-8"), checked cheaply; False when unsure."""
    if data.startswith(codecs.BOM_UTF8):
        return False
    ascii_only = data.isascii()
    match = _CHARSET_RE.search(data[:4096])
    if match is not None:
        try:
            name = codecs.lookup(match.group(1).decode("ascii", "replace")).name
        except (LookupError, ValueError):
            return False
        if name != "utf-8" and not (ascii_only and name in _ASCII_AS_ASCII):
            return False
    if ascii_only:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# The name this crawler goes by in robots.txt, and in "name: noindex" values.
ROBOTS_AGENT = "pytest-linkrules"


def robots_tokens(*values: str) -> set[str]:
    """noindex/nofollow/none from meta robots and X-Robots-Tag values ("googlebot: noindex" too).

    Folder and URL crawls both read robots through this, so the same page
    gets the same verdict from either.
    """
    tokens = set()
    for value in values:
        for part in value.lower().split(","):
            part = part.strip()
            if ":" in part:
                agent, _, part = part.partition(":")
                if agent.strip() not in ("robots", "*", ROBOTS_AGENT, "googlebot", "bingbot"):
                    continue
            tokens.add(part.strip())
    return tokens


def _script_facts(nodes: list) -> tuple[tuple[str, ...], int]:
    """The external scripts' srcs, and a digest of every script's src and text.

    The srcs say which template a page belongs to (crawl/templates.py); the
    digest tells a re-run whether any script changed since a verdict that
    rendering changes no links.
    """
    srcs = []
    h = hashlib.blake2b(digest_size=8)
    for node in nodes:
        src = node.attrs.get("src")
        if src is not None:
            srcs.append(src.strip())
            h.update(b"src\0" + src.encode("utf-8", "surrogatepass") + b"\0")
        else:
            h.update(b"inline\0" + (node.text(deep=True, strip=False) or "").encode("utf-8", "surrogatepass") + b"\0")
    return tuple(srcs), int.from_bytes(h.digest(), "big")


def parse_refresh(content: str) -> str | None:
    """The target of a meta refresh ("0; url=/new/"), or None if it has none."""
    match = _REFRESH_URL_RE.match(content or "")
    if not match:
        return None
    target = match.group(1).strip()
    return target or None


def _text(node) -> str:
    """A link's anchor by the full definition: its text, else its alt text.

    The extraction loop reads words more cheaply and comes here only for a
    link without any, so what counts as "no text" stays exactly as before.
    """
    # Whitespace-only text nodes joined by the separator are " ", not "": split first,
    # or an image link indented on its own lines (Sphinx's logo) loses its alt text.
    text = " ".join(node.text(deep=True, separator=" ", strip=True).split())
    if not text and node.tag == "area":
        text = node.attrs.get("alt") or ""
    if not text:
        # An image link's anchor is its alt text.
        img = node.css_first("img[alt]")
        if img is not None:
            text = img.attrs.get("alt") or ""
    text = " ".join(text.split())
    return text[:MAX_ANCHOR]


def selector_problem(selector: str) -> str | None:
    """Why a CSS selector can't be used, or None: checked once, at config time."""
    try:
        LexborHTMLParser("<html></html>").css(selector)
    except Exception as exc:  # selectolax raises its own error type for bad selectors
        return str(exc) or "cannot be parsed"
    return None


def looks_binary(data: bytes) -> bool:
    """NUL bytes near the start without a UTF-16/32 byte-order mark: not a text document."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data[:1024]


def extract(html: str | bytes, selectors: Mapping[str, str] | None = None) -> RawPage:
    """Parse one document into a RawPage. Never raises on malformed markup.

    ``selectors`` maps names to CSS selectors (page roles by selector); the
    names of those present on the page are returned in ``matched``. A
    document that can't sensibly be parsed comes back with ``error`` set and
    no links, so the crawl reports it instead of stalling on it.
    """
    if isinstance(html, bytes):
        if looks_binary(html):
            return RawPage(error="binary data, not HTML (NUL bytes in the first 1,024 bytes); its links were not read")
        # Lexbor reads bytes as UTF-8: bytes that decode_html would read as
        # UTF-8 go to it as they are, saving a decode here and an encode in
        # selectolax (a tenth of the extraction).
        if not _reads_as_utf8(html):
            html = decode_html(html)
    if nested_deeper_than(html, MAX_NESTING):
        return RawPage(
            error=f"markup nested more than {MAX_NESTING:,} elements deep (unclosed tags?); not parsed, its links were not read"
        )
    tree = LexborHTMLParser(html)
    page = RawPage()
    chrome_selector = ""
    for name, selector in (selectors or {}).items():
        if name == CHROME_KEY:
            chrome_selector = selector
        elif tree.css_first(selector) is not None:
            page.matched.append(name)

    # One walk of the document for the page's metadata (each walk costs
    # about a tenth of the parse); tags tell the elements apart, and the few
    # meta elements found are matched again to tell robots from refresh.
    robots = []
    scripts = []
    firsts: set[str] = set()  # title, canonical link, base: the first one counts
    refresh_seen = False
    metas: set[int] = set()  # Lexbor lists a meta matching both selectors twice
    for node in tree.css(_HEAD_ELEMENTS):
        tag = node.tag
        if tag == "script":
            if (node.attrs.get("type") or "").strip().lower() in SCRIPT_TYPES:
                page.scripts += 1
                scripts.append(node)
        elif tag == "meta":
            if node.mem_id in metas:
                continue
            metas.add(node.mem_id)
            if node.css_matches(_ROBOTS):
                robots.append(node.attrs.get("content") or "")
            if not refresh_seen and node.css_matches(_REFRESH):
                page.refresh = parse_refresh(node.attrs.get("content") or "")
                refresh_seen = True
        elif tag not in firsts:
            firsts.add(tag)
            if tag == "title":
                page.title = " ".join(node.text(strip=True).split())[:300]
            elif tag == "link":
                page.canonical = node.attrs.get("href")
            else:
                page.base = node.attrs.get("href")
    page.robots = ",".join(robots).lower()
    if scripts:
        page.script_srcs, page.script_digest = _script_facts(scripts)

    # Two walks of their own: an attribute alone is the cheapest query
    # Lexbor has, where adding them to another walk's list costs more.
    ids = [node.id for node in tree.css("[id]")]
    chrome = _chrome_links(tree, chrome_selector)
    hint = _IGNORE_HINT_BYTES if isinstance(html, bytes) else _IGNORE_HINT
    ignored = {n.mem_id for box in tree.css(IGNORE_BOXES) for n in box.css(LINKS)} if hint.search(html) else set()
    links = page.links
    for node in tree.css(_LINK_WALK):
        # One dict of all attributes: cheaper than selectolax's attrs view,
        # where each missing attribute costs an exception inside.
        attrs = node.attributes
        href = attrs.get("href")
        if href is None:
            name = attrs.get("name")
            if name:
                ids.append(name)
            continue
        rel = attrs.get("rel")
        nofollow = rel is not None and "nofollow" in rel.lower().split()
        # Unstripped text joined by spaces splits into the same words as
        # stripped text, and skips a Python string per text node; links with
        # no words take the slow path, which decides on alt text.
        text = " ".join(node.text(True, " ").split())
        text = text[:MAX_ANCHOR] if text else _text(node)
        mem_id = node.mem_id
        if len(attrs) == 1:  # href alone: most links
            links.append(RawLink(href, text, nofollow, mem_id in chrome, bool(ignored) and mem_id in ignored))
            continue
        marked = IGNORE_MARKERS[0] in attrs or IGNORE_MARKERS[1] in attrs or mem_id in ignored
        links.append(RawLink(href, text, nofollow, mem_id in chrome, marked))
        name = attrs.get("name")
        if name:
            ids.append(name)
    page.ids = pack_ids(ids)
    page.text = page_text(tree)
    if "rustdoc-vars" in ids:
        from .rustdoc import facts_of  # rustdoc.py imports this module

        page.facts = facts_of(tree)
    return page


# Where a page's own text is, most specific first; else the whole body.
MAIN_CONTENT = "main, article, [role=main], #content, .contents"
MAX_HEADINGS_TEXT = 200
MAX_TEXT = 700  # characters kept per page: 80-100 MB at 100k pages (benchmarks/README.md), enough for TF-IDF


def page_text(tree: LexborHTMLParser) -> str:
    """The page's headings, then the start of its prose, whitespace collapsed.

    Kept for link suggestions (text similarity), so it is short: the
    headings say what a page is about, and prose paragraphs (not the nav
    lists that open most pages' markup) what it says. A page with little
    prose (an API reference, a listing) falls back to its main text.
    """
    node = tree.css_first(MAIN_CONTENT) or tree.body
    if node is None:
        return ""
    parts: list[str] = []
    size = 0
    for h in node.css("h1, h2, h3"):
        words = h.text(True, " ")
        parts.append(words)
        size += len(words)
        if size > MAX_HEADINGS_TEXT:
            break
    heads = " ".join(" ".join(parts).split())[:MAX_HEADINGS_TEXT]
    parts, size = [], 0
    for p in node.css("p, dd"):
        words = p.text(True, " ")
        parts.append(words)
        size += len(words)
        if size > 2 * MAX_TEXT:
            break
    if size < MAX_TEXT // 3:
        parts.append(node.text(True, " ")[: 4 * MAX_TEXT])
    body = " ".join(" ".join(parts).split())
    return (heads + " " + body)[:MAX_TEXT].strip()


def _chrome_links(tree: LexborHTMLParser, chrome: str = "") -> set[int]:
    """mem_ids of the links that sit in page chrome.

    One query for the chrome containers, then a query inside each: querying
    the whole document once per kind of container cost more than the parse.
    Elements with a role are all fetched and filtered here, which is cheaper
    for Lexbor than matching four attribute values on every element. The
    site's ``chrome`` selectors join that one query; a box it matches is
    chrome wherever it sits, like nav (only the few boxes that are not nav
    or aside are matched against it a second time, to tell which they are).
    """
    always: set[int] = set()  # in nav, aside, a landmark role or a chrome selector's element
    sectioning: set[int] = set()  # in a header or footer
    inner: set[int] = set()  # in a header or footer of an article, main or section
    for box in tree.css(f"{CHROME_BOXES}, {chrome}" if chrome else CHROME_BOXES):
        tag = box.tag
        is_landmark = tag in ("nav", "aside") or box.attrs.get("role") in CHROME_ROLES
        if chrome and not is_landmark:
            is_landmark = box.css_matches(chrome)
        is_section = tag in ("header", "footer") and not is_landmark
        if not (is_landmark or is_section):
            continue  # some other role
        ids = {n.mem_id for n in box.css(LINKS)}
        if not ids:
            continue
        if is_landmark:
            always |= ids
        if is_section:
            sectioning |= ids
            if _in_sectioning(box):
                inner |= ids
    return always | (sectioning - inner)


def _in_sectioning(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in ("article", "main", "section"):
            return True
        parent = parent.parent
    return False
