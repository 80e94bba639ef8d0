"""`linkrules init`: a starter linkrules.toml written from what a built site holds.

It crawls the folder once (static HTML, no browser), tells the generator
(presets.py), and proposes only what fits that site: archive globs that match
pages, a depth limit the site meets today, an inlink floor its navigation
gives every page, roles from its URL sections. Each choice is commented, and
the file is loaded and checked against the crawl before it is written, so its
first run is never a config error.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .config import ConfigError, SiteConfig, load_config
from .globs import GlobSet, compile_glob
from .presets import PRESETS, detect

# Where generators write their site, in the order init looks for one.
BUILD_FOLDERS = (
    "site",  # MkDocs
    "_build/html", "docs/_build/html", "build/html", "docs/build/html",  # Sphinx
    "public",  # Hugo
    "_site",  # Jekyll
    "build",  # Docusaurus
    "dist", "out", "docs/site",
)
# Archive pages of blogs in general, besides each preset's own.
GENERIC_ARCHIVES = ("/tag/**", "/tags/**", "/category/**", "/categories/**", "/page/*", "/archive/**", "/archives/**")
MAX_ROLES = 8


class InitError(Exception):
    """init can't write a config; the text says why and what to do."""


@dataclass
class Plan:
    """What init found and chose; ``render()`` turns it into the file's text."""

    root: str  # relative to the config file
    pages: int
    generator: str | None
    generator_how: str
    start: str
    deepest: int
    min_inlinks: int  # 0: not proposed
    fewest_inlinks: int
    archives: list[str] = field(default_factory=list)
    roles: list[tuple[str, str, int]] = field(default_factory=list)  # (name, glob, pages)
    excluded: list[str] = field(default_factory=list)  # generator pages found, left out of every rule
    orphans: list[str] = field(default_factory=list)
    broken: int = 0
    crawl: object = field(default=None, repr=False)  # the CrawlResult, reused to check the file


def find_site(folder: Path) -> Path | None:
    """The first usual build folder under ``folder`` that holds an index.html."""
    for name in BUILD_FOLDERS:
        candidate = folder / name
        if (candidate / "index.html").is_file():
            return candidate
    return None


def plan(site: Path, config_dir: Path, generator: str | None = None) -> Plan:
    """Crawl ``site`` (a built folder) and choose a starter config for it."""
    from .crawl import CrawlError, crawl_site
    from .graph import SiteGraph

    how = "given with --generator"
    if generator is None:
        generator, how = detect(site)
    site_config = SiteConfig(root=site, generator=generator or "", render="never")
    start = "/"
    try:
        crawl = crawl_site(site_config, selectors=None)
    except CrawlError as exc:
        if "site.start" not in str(exc):
            raise InitError(str(exc)) from None
        crawl = None
    if crawl is None:  # no index.html at the root: start at the shallowest page
        from .crawl.folder import crawl_folder

        pages, _ = crawl_folder(site, ())
        if not pages:
            raise InitError(f"{site}: no .html pages; build the site first")
        start = min(pages, key=lambda u: (u.count("/"), len(u), u))
        site_config = SiteConfig(root=site, generator=generator or "", render="never", start=(start,))
        crawl = crawl_site(site_config)
    graph = SiteGraph(crawl.pages, crawl.starts)
    excluded_glob = GlobSet(site_config.excluded_pages)
    content = [u for u in graph.urls if not excluded_glob(u)]
    depths = {u: graph.depth(u) for u in content}
    reachable = [u for u in content if depths[u] is not None]
    deepest = max((depths[u] or 0 for u in reachable), default=0)
    others = [u for u in reachable if u not in graph.starts]
    fewest = min((graph.inlink_count(u) for u in others), default=0)
    # Half of what the navigation gives every page today, and at least 2: a
    # new page left out of the nav (linked from one page's text) fails, a
    # smaller section doesn't. Not proposed when some page has one inlink today.
    floor = max(2, math.ceil(fewest / 2)) if fewest >= 2 else 0
    preset = PRESETS.get(generator or "")
    archives = [g for g in dict.fromkeys((preset.archives if preset else ()) + GENERIC_ARCHIVES)
                if any(compile_glob(g).match(u) for u in content)]
    return Plan(
        root=_relative(site, config_dir),
        pages=len(content),
        generator=generator,
        generator_how=how,
        start=start,
        deepest=deepest,
        min_inlinks=floor,
        fewest_inlinks=fewest,
        archives=_drop_covered(archives),
        roles=_sections(content, archives),
        excluded=[u for u in graph.urls if excluded_glob(u)],
        orphans=[u for u in content if depths[u] is None],
        broken=sum(len(p.broken) for u, p in graph.pages.items() if not excluded_glob(u)),
        crawl=crawl,
    )


def _relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when it is beside or below it, else absolute."""
    try:
        relative = Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
    except ValueError:  # pragma: no cover - another drive on Windows
        return path.resolve().as_posix()
    return path.resolve().as_posix() if relative.startswith("../..") else relative


def _drop_covered(globs: list[str]) -> list[str]:
    """"/tags/" is covered by "/tags/**": keep the file short."""
    kept = []
    for glob in globs:
        literal = glob.rstrip("/")
        if any(other != glob and other.endswith("/**") and compile_glob(other).match(literal + "/") for other in globs):
            continue
        kept.append(glob)
    return kept


def _sections(urls: list[str], archives: list[str]) -> list[tuple[str, str, int]]:
    """Top-level URL sections with three pages or more, biggest first, as roles."""
    is_archive = GlobSet(archives) if archives else (lambda u: False)
    counts = Counter(u.split("/")[1] for u in urls if u.count("/") >= 2 and u.split("/")[1] and not is_archive(u))
    roles = []
    used = set()
    for section, n in counts.most_common():
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", section).strip("-").lower()
        if n < 3 or not name or name in used or not re.match(r"[A-Za-z0-9_]", name):
            continue
        used.add(name)
        roles.append((name, f"/{section}/**", n))
        if len(roles) == MAX_ROLES:
            break
    return roles


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_toml(v) for v in values) + "]"


def render(p: Plan) -> str:
    preset = PRESETS.get(p.generator or "")
    out = [
        "# linkrules.toml: written by `linkrules init`; run `pytest --linkrules` to check the site.",
        "# Every choice below was made from the built site as it is now; change any of them.",
        "# Keys and rules: https://github.com/OWNER/pytest-linkrules#readme and docs/rules.md",
        "",
        "[site]",
        f"root = {_toml(p.root)}        # the built site folder, relative to this file ({p.pages:,} pages)",
        f"start = [{_toml(p.start)}]" + ("          # entry page: the folder's index.html" if p.start == "/" else "   # no index.html at the root: its shallowest page"),
    ]
    if preset:
        out.append(f'generator = "{preset.name}"   # {p.generator_how}')
        out.append(f"# The {preset.title} preset: {preset.note}.")
        if p.excluded:
            shown = ", ".join(p.excluded[:5]) + (" ..." if len(p.excluded) > 5 else "")
            out.append(f"# Left out of every rule here: {shown}")
        out.append("# Links inside these selectors count as navigation, besides nav/header/footer/aside; add your theme's:")
        out.append("# chrome = [\".my-sidebar\"]")
    else:
        out.append(f"# generator: not recognised ({p.generator_how}); if one built it, name it:")
        out.append('# generator = "hugo"   # or "mkdocs", "sphinx", "jekyll", "docusaurus"')
        out.append("# Links in nav, header, footer, aside and role=navigation count as navigation; add others:")
        out.append('# chrome = [".navbar", ".sidebar"]')
    out.append('# exclude = ["/drafts/**"]   # pages no rule reports')
    if p.roles:
        out += ["", "# Sections of the site, from its URLs; use them in rules as pages = [\"@name\"].", "[roles]"]
        out += [f"{name} = [{_toml(glob)}]   # {n} pages" for name, glob, n in p.roles]
    out += [
        "",
        "[rules.max-depth]       # every page within `max` clicks of the start page",
        f"max = {max(3, p.deepest)}" + (f"                 # the deepest page is {p.deepest} clicks away today" if p.deepest > 3 else "                 # the site's deepest page is " + f"{p.deepest} click{'s' if p.deepest != 1 else ''} away today"),
        "",
        "[rules.no-orphans]      # every page is reachable by links from the start page",
    ]
    if p.orphans:
        shown = ", ".join(p.orphans[:5]) + (" ..." if len(p.orphans) > 5 else "")
        out.append(f"# {len(p.orphans)} page(s) are not reachable today and will fail: {shown}")
    out += ["", "[rules.no-broken-links] # every internal link leads to a page or file of the site"]
    if p.broken:
        out.append(f"# {p.broken} broken link(s) today; they will fail")
    if p.min_inlinks:
        out += [
            "",
            "[rules.min-inlinks]     # pages linked from enough pages: a page left out of the navigation fails",
            'pages = ["/**"]',
            f"min = {p.min_inlinks}" + f"                 # every page but the start has {p.fewest_inlinks} or more today",
            f"exclude = [{_toml(p.start)}]",
        ]
    else:
        out += [
            "",
            f"# min-inlinks: not proposed; some page has only {p.fewest_inlinks} inlink(s) today. To require more:",
            '# [rules.min-inlinks]',
            '# pages = ["/**"]',
            "# min = 2",
        ]
    if p.archives:
        out += [
            "",
            "[rules.no-archive-only] # no page reachable only through tag, category or pagination pages",
            f"archives = {_list(p.archives)}   # the archive pages this site has",
        ]
    else:
        out += ["", "# no-archive-only: not proposed; the site has no tag, category or pagination pages."]
    return "\n".join(out) + "\n"


def write_config(
    site: Path | None, output: Path, *, generator: str | None = None, force: bool = False
) -> tuple[Plan, str]:
    """Plan, render, check and write the config; returns the plan and the text written."""
    from .rules import builtin_registry
    from .runner import analyze

    output = output.absolute()
    if output.exists() and not force:
        raise InitError(f"{output.name} already exists ({output}); pass --force to replace it, or -o to write another file")
    if site is None:
        site = find_site(output.parent)
        if site is None:
            looked = ", ".join(BUILD_FOLDERS[:6]) + ", ..."
            raise InitError(f"no built site found here (looked for index.html in {looked}); give the folder: linkrules init public/")
    if not site.is_dir():
        raise InitError(f"{site}: no such folder; build the site first, then give its output folder")
    if generator is not None and generator != "auto" and generator not in PRESETS:
        raise InitError(f'--generator: expected one of {", ".join(PRESETS)} or auto, got "{generator}"')
    chosen = plan(site, output.parent, None if generator in (None, "auto") else generator)
    text = render(chosen)
    # Checked as `pytest --linkrules` would load it, before it replaces anything.
    trial = output.with_name(f".{output.name}.init-check")
    trial.write_text(text, encoding="utf-8")
    try:
        config = load_config(trial, builtin_registry())
        analyze(config, crawl=chosen.crawl)  # type: ignore[arg-type]
    except ConfigError as exc:  # a bug in init: say so rather than write a broken file
        raise InitError("the config init wrote does not load (a bug; please report it): " + "; ".join(exc.problems)) from None
    finally:
        trial.unlink(missing_ok=True)
    output.write_text(text, encoding="utf-8")
    return chosen, text
