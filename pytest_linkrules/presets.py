"""What linkrules knows about static-site generators: `[site] generator` presets.

A preset names a generator's own pages that are not content (a 404 page, a
search page, a generated index: no rule reports them), its themes' chrome (the
elements whose links are navigation though they are not ``nav``, ``header``,
``footer`` or ``aside``), and its archive pages (tag, category and pagination
indexes), which ``linkrules init`` proposes to ``no-archive-only`` where they
exist. ``detect`` tells the generator from a built folder.

Selectors were read off sites built by each generator's current release and
its common themes (tests/test_presets.py builds MkDocs, Sphinx and Hugo sites).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Preset:
    name: str
    title: str  # how messages and comments name it
    chrome: tuple[str, ...]  # CSS selectors of theme navigation that isn't nav/header/footer/aside
    exclude: tuple[str, ...]  # URL globs of the generator's own pages, not content
    archives: tuple[str, ...]  # URL globs of tag, category and pagination indexes
    note: str = ""  # what init's comment says about the preset


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "mkdocs",
            "MkDocs",
            chrome=(
                ".navbar",  # theme "mkdocs": the top bar and its dropdowns are <div>s
                ".rst-versions",  # theme "readthedocs": the version/prev/next badge
                ".md-sidebar",  # Material: navigation and table-of-contents sidebars
                ".md-tabs",
                ".md-header",
            ),
            exclude=("/404.html", "/search.html", "/search/"),
            archives=("/blog/archive/**", "/blog/category/**", "/blog/page/*", "/tags/", "/tags/**"),
            note="404 and search pages are not reported; the themes' navbars and sidebars count as navigation",
        ),
        Preset(
            "sphinx",
            "Sphinx",
            chrome=(
                ".sphinxsidebar",  # alabaster, classic, nature...: the sidebar
                ".related",  # the prev/next/index bar
                ".footer",
                ".wy-nav-side",  # sphinx_rtd_theme
                ".wy-breadcrumbs",
                ".rst-footer-buttons",
                ".rst-versions",
                ".sidebar-drawer",  # furo
                ".toc-drawer",
                ".related-pages",
                ".bd-header",  # pydata-sphinx-theme, sphinx-book-theme
                ".bd-sidebar-primary",
                ".bd-sidebar-secondary",
                ".prev-next-area",
            ),
            exclude=(
                "/genindex.html", "/genindex-*.html", "/search.html", "/py-modindex.html", "/*-modindex.html",
                "/genindex/", "/search/", "/py-modindex/",  # the dirhtml builder
            ),
            archives=("/blog/tag/**", "/blog/category/**", "/blog/archive/**"),  # ABlog
            note="the general index, module index and search page are not reported; sidebars and the related bar count as navigation",
        ),
        Preset(
            "hugo",
            "Hugo",
            chrome=(".breadcrumbs", ".post-tags", ".paginav", ".pagination", ".menu", ".toc"),
            # Hugo writes /page/1/ of every paginated list as a redirect to the list itself.
            exclude=("/404.html", "/page/1/", "/**/page/1/"),
            archives=("/tags/**", "/categories/**", "/series/**", "/page/*", "/*/page/*"),
            note="the 404 page and page/1/ redirects are not reported; breadcrumbs, tag lists, menus and pagination count as navigation",
        ),
        Preset(
            "jekyll",
            "Jekyll",
            chrome=(".site-nav", ".pagination", ".post-nav", ".pager"),
            exclude=("/404.html",),
            archives=("/tag/**", "/tags/**", "/category/**", "/categories/**", "/page[0-9]*", "/blog/page[0-9]*"),
            note="the 404 page is not reported; the site nav and pagination count as navigation",
        ),
        Preset(
            "docusaurus",
            "Docusaurus",
            chrome=(
                ".navbar",
                ".theme-doc-sidebar-container",
                ".theme-doc-toc-desktop",
                ".theme-doc-toc-mobile",
                ".theme-doc-breadcrumbs",
                ".pagination-nav",
                ".footer",
            ),
            exclude=("/404.html", "/search/", "/search.html"),
            archives=("/blog/tags/**", "/blog/page/*", "/blog/archive/", "/docs/tags/**", "/tags/**"),
            note="404 and search pages are not reported; navbar, doc sidebar, table of contents and pagination count as navigation",
        ),
    )
}
GENERATORS = (*PRESETS, "auto")

_META_GENERATOR = re.compile(rb"""<meta\s[^>]*name\s*=\s*["']?generator["']?[^>]*>""", re.I)
_CONTENT = re.compile(rb"""content\s*=\s*["']([^"']*)""", re.I)
# Markup each generator leaves in its pages when no meta generator says so.
_MARKERS = (
    ("mkdocs", re.compile(rb"<!--\s*MkDocs version\s*:|mkdocs_page_|data-md-component", re.I)),
    ("sphinx", re.compile(rb"_static/documentation_options\.js|Created using <a href=\"https?://www\.sphinx-doc\.org", re.I)),
    ("docusaurus", re.compile(rb"__docusaurus|docusaurus-", re.I)),
)
# Files each generator writes into the folder.
_FILES = (
    ("sphinx", ("objects.inv", "searchindex.js")),
    ("mkdocs", ("search/search_index.json",)),
)


def detect(root: Path) -> tuple[str | None, str]:
    """The generator that built ``root`` and how it was told, or (None, why not)."""
    samples = [root / name for name in ("index.html", "404.html", "index.htm")]
    for path in samples:
        try:
            with path.open("rb") as handle:
                head = handle.read(256 * 1024)
        except OSError:
            continue
        for tag in _META_GENERATOR.findall(head):
            content = _CONTENT.search(tag)
            value = content.group(1).decode("utf-8", "replace").strip() if content else ""
            name = _generator_named(value)
            if name:
                return name, f'<meta name="generator" content="{value[:60]}"> in {path.name}'
        for name, marker in _MARKERS:
            if marker.search(head):
                return name, f"{PRESETS[name].title} markup in {path.name}"
    for name, files in _FILES:
        if all((root / f).is_file() for f in files):
            return name, f"{PRESETS[name].title}'s {' and '.join(files)}"
    return None, "no meta generator tag or file of a known generator in the folder"


SAMPLE_PAGES = 12


def sample_pages(root: Path, limit: int = SAMPLE_PAGES) -> list[Path]:
    """A few pages of a built folder, the same every run: the root's, then each section's.

    Bounded work on any site: one listing of the root, then at most three
    entries from each top-level folder, never a walk of the tree.
    """
    def listing(folder: Path) -> list[os.DirEntry]:
        try:
            with os.scandir(folder) as entries:
                return sorted(entries, key=lambda e: e.name)
        except OSError:
            return []

    top = listing(root)
    found = [root / "index.html"] if (root / "index.html").is_file() else []
    found += [Path(e.path) for e in top if e.name.endswith((".html", ".htm")) and e.name != "index.html" and e.is_file()][:3]
    folders = [Path(e.path) for e in top if e.is_dir(follow_symlinks=False) and not e.name.startswith((".", "_"))]
    found += [f / "index.html" for f in folders if (f / "index.html").is_file()]
    for folder in folders:
        if len(found) >= limit:
            break
        pages = [e for e in listing(folder) if e.is_dir(follow_symlinks=False) or e.name.endswith(".html")]
        for entry in pages[:3]:
            path = Path(entry.path) / "index.html" if entry.is_dir(follow_symlinks=False) else Path(entry.path)
            if path.is_file() and path not in found:
                found.append(path)
    return found[:limit]


def chrome_in_use(root: Path, selectors: tuple[str, ...]) -> tuple[str, ...]:
    """The preset selectors that match an element on a sample of the folder's pages.

    A preset lists the chrome of every common theme of its generator, and each
    selector in the extraction's one query costs every page some matching
    (14 selectors: about a fifth more CPU per page); a site uses one theme, so
    only the selectors its pages show are kept.
    """
    from selectolax.lexbor import LexborHTMLParser

    left = list(selectors)
    used: set[str] = set()
    for path in sample_pages(root):
        try:
            tree = LexborHTMLParser(path.read_bytes()[: 4 * 1024 * 1024])
        except (OSError, ValueError):
            continue
        for selector in list(left):
            if tree.css_first(selector) is not None:
                used.add(selector)
                left.remove(selector)
        if not left:
            break
    return tuple(s for s in selectors if s in used)


def _generator_named(value: str) -> str | None:
    lowered = value.lower()
    for name in PRESETS:
        if lowered.startswith(name) or re.match(rf"{name}\b", lowered):
            return name
    return None


def load_site_keys(table: dict, root: Path | None, problem) -> dict:
    """The [site] keys generator, chrome and exclude, validated (SiteConfig fields)."""
    from .crawl.extract import selector_problem
    from .globs import GlobError, compile_glob

    out: dict = {}
    if "generator" in table:
        value = table["generator"]
        if value not in GENERATORS:
            shown = ", ".join(f'"{g}"' for g in GENERATORS)
            problem("site.generator", f"expected one of {shown}, got {_show(value)}")
        elif value == "auto":
            if root is None:
                if table.get("url") is not None:
                    problem("site.generator", '"auto" reads a built folder (root); for a url, name the generator, e.g. "mkdocs"')
                elif table.get("warc") is not None:
                    problem("site.generator", '"auto" reads a built folder (root); for a warc, name the generator, e.g. "mkdocs"')
            elif root.is_dir():
                name, how = detect(root)
                out["generator"] = name or ""
                out["generator_detected"] = how
        else:
            out["generator"] = value
    elif root is not None and root.is_dir():
        # Not set: a first run on a generator's output would report its 404 and
        # search pages, so say which preset fits (three files read at most).
        name, how = detect(root)
        if name:
            out["generator_detected"] = how
            out["generator_suggested"] = name
    for key, what in (("chrome", "CSS selectors"), ("exclude", "URL globs")):
        if key not in table:
            continue
        value = table[key]
        if isinstance(value, str):
            value = [value]
        example = '[".navbar", ".sidebar"]' if key == "chrome" else '["/404.html", "/drafts/**"]'
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problem(f"site.{key}", f"expected a list of {what}, e.g. {example}, got {_show(table[key])}")
            continue
        good = []
        for item in value:
            if key == "chrome":
                why = selector_problem(item)
                if why:
                    problem(f"site.{key}", f'"{item}": not a CSS selector ({why})')
                    continue
            else:
                try:
                    compile_glob(item)
                except GlobError as exc:
                    problem(f"site.{key}", str(exc))
                    continue
            good.append(item)
        out[key] = tuple(good)
    return out


def _show(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
