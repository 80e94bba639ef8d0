"""When to render, and rendering a built folder.

``render = "auto"`` reads every page as static HTML first (thousands of pages
a second), then renders a small sample in Chromium (about 20 a second on 2 cores) and
renders the whole site only when the sample's links differ. A page without
any ``<script>`` renders exactly as it parses, so only pages with scripts are
ever sampled or rendered; a site with no scripts never starts a browser.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable, Mapping
from urllib.parse import quote, urlsplit

from ..model import CONTENT, JS_ONLY, REDIRECT, Link, Page
from .folder import list_files, page_from_raw
from .render import Renderer, RenderOptions, Rendered, render_batch, run_async
from .serve import serve_folder
from .urls import FolderResolver, normalize_path, split_base_urls

SAMPLE_SIZE = 8
Progress = Callable[[int, int], None]  # (pages done, pages still queued)


def template_key(url: str) -> tuple[str, int]:
    """Pages of one template tend to share a first path segment and a depth."""
    parts = [p for p in url.split("/") if p]
    return (parts[0] if len(parts) > 1 else "", len(parts))


def choose_sample(pages: Mapping[str, Page], starts: Iterable[str], size: int = SAMPLE_SIZE) -> list[str]:
    """Start pages, then one page per template in turn, among pages with scripts."""
    scripted = [u for u, p in pages.items() if renderable(p)]
    sample = [s for s in starts if s in pages and renderable(pages[s])][:size]
    groups: dict[tuple[str, int], list[str]] = defaultdict(list)
    for url in sorted(scripted):
        if url not in sample:
            groups[template_key(url)].append(url)
    queues = [groups[k] for k in sorted(groups)]
    while len(sample) < size and any(queues):
        for queue in queues:
            if queue and len(sample) < size:
                sample.append(queue.pop(0))
    return sample


def renderable(page: Page) -> bool:
    """Worth rendering: scripts could change it. A meta-refresh stub is left as read:
    the browser would follow the refresh and read the next page instead."""
    return page.has_scripts and not page.error and not any(link.is_redirect for link in page.links + page.broken)


def link_targets(page: Page) -> frozenset[str]:
    return frozenset(link.target for link in page.links + page.broken)


def differences(static: Mapping[str, Page], rendered: Mapping[str, Page]) -> list[str]:
    """One line per sampled page whose rendered links differ from its HTML's."""
    lines = []
    for url, page in rendered.items():
        if page.error or url not in static:
            continue
        before, after = link_targets(static[url]), link_targets(page)
        if before != after:
            added, gone = len(after - before), len(before - after)
            what = []
            if added:
                what.append(f"{added} link{'s' if added != 1 else ''} only after rendering")
            if gone:
                what.append(f"{gone} only before")
            lines.append(f"{url}: {', '.join(what)}")
    return lines


def mark_js_only(static: Page, rendered: Page) -> Page:
    """The rendered page, with links its served HTML lacks flagged JS_ONLY.

    Roles matched by CSS selector on the served HTML are kept (js-only-links
    and roles by selector both read them).
    """
    before = link_targets(static)
    links = tuple(
        link if link.target in before else dataclasses.replace(link, flags=link.flags | JS_ONLY)
        for link in rendered.links
    )
    return dataclasses.replace(rendered, links=links, roles=rendered.roles or static.roles)


def page_from_rendered(url: str, source: str, rendered: Rendered, resolver: FolderResolver) -> Page:
    """A folder page from its rendered DOM, resolved exactly as the static crawl resolves it."""
    if rendered.raw is None:
        return Page(url=url, source=source, error=rendered.error or "could not be rendered", rendered=True, has_scripts=True)
    if rendered.final_url and _origin(rendered.final_url) != _origin(rendered.url):
        # A script sent the browser off the site (the fence refused it): like a
        # redirect to another host, that is not a link between pages.
        return Page(url=url, source=source, title=rendered.raw.title, rendered=True, has_scripts=True)
    final = normalize_path(urlsplit(rendered.final_url).path) if rendered.final_url else url
    if final != url and final.rstrip("/") != url.rstrip("/"):
        # A script sent the browser elsewhere (location.replace): that is a redirect.
        kind, target = resolver.lookup(final)
        link = Link(target, final, "(script redirect)", CONTENT | REDIRECT)
        return Page(url=url, source=source, links=(link,) if kind == "page" else (), broken=(link,) if kind != "page" else (), rendered=True, has_scripts=True)
    page = page_from_raw(url, source, rendered.raw, resolver)
    return dataclasses.replace(page, rendered=True, has_scripts=True)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def render_options(site: object) -> RenderOptions:
    """Render options from a SiteConfig (secrets are added by the caller, never stored)."""
    timeout = float(getattr(site, "timeout", 15.0))
    return RenderOptions(
        timeout=timeout,
        settle=min(3.0, timeout),
        pages=max(1, min(int(getattr(site, "concurrency", RenderOptions.pages)), 6)),
        browser_path=getattr(site, "browser_path", None),
        chrome=", ".join(getattr(site, "chrome_selectors", ())),
    )


def render_folder(
    root: Path,
    pages: dict[str, Page],
    starts: tuple[str, ...],
    mode: str,
    options: RenderOptions,
    progress: Progress | None = None,
    origins: tuple[str, ...] = (),
    max_bytes: int | None = None,
) -> tuple[str, str, list[str]]:
    """Apply the render mode to a statically crawled folder, updating pages in place.

    The folder is served on 127.0.0.1 for the browser; one browser session
    serves both the sample and the full render. Returns (render, reason,
    notes) for the CrawlResult.
    """
    if mode == "never":
        return "static", 'render = "never"', []
    scripted = [u for u, p in pages.items() if renderable(p)]
    if not scripted:
        return "static", "no page has a <script>, so rendering would change nothing", []
    limit = {} if max_bytes is None else {"max_bytes": max_bytes}
    with serve_folder(root, split_base_urls(origins)[1], **limit) as origin:
        return run_async(lambda: _render_folder(origin, root, pages, starts, scripted, mode, options, progress, origins))


async def _render_folder(
    origin: str,
    root: Path,
    pages: dict[str, Page],
    starts: tuple[str, ...],
    scripted: list[str],
    mode: str,
    options: RenderOptions,
    progress: Progress | None,
    origins: tuple[str, ...],
) -> tuple[str, str, list[str]]:
    # The very resolver the static crawl used: same files, same own origins.
    files, _ = list_files(root)
    resolver = FolderResolver(files, origins)
    rendered: dict[str, Page] = {}
    unsettled: list[str] = []
    safe = "/:@!$&'()*+,;=~-._"
    url_of = {origin + quote(u, safe=safe): u for u in scripted}

    def on_result(result: Rendered) -> None:
        url = url_of[result.url]
        page = page_from_rendered(url, pages[url].source, result, resolver)
        # Roles by CSS selector were matched on the HTML; they carry over.
        rendered[url] = dataclasses.replace(page, roles=pages[url].roles)
        if result.raw is not None and not result.settled:
            unsettled.append(url)
        if progress is not None and mode != "auto-sample":
            progress(len(rendered), len(scripted) - len(rendered))

    async with Renderer(origin, options) as renderer:
        how = renderer.browser_used.how if renderer.browser_used else "Chromium"
        if mode == "auto":
            sample = choose_sample(pages, starts)
            await render_batch(renderer, [origin + quote(u, safe=safe) for u in sample], on_result)
            diffs = differences(pages, rendered)
            if not diffs:
                failed = [u for u, p in rendered.items() if p.error]
                reason = f"the {len(sample) - len(failed)} sampled page(s) with scripts have the same links rendered as in their HTML"
                if failed:
                    reason += f"; {len(failed)} sample page(s) failed to render: {', '.join(failed[:3])}"
                return "static", reason, _unsettled_note(unsettled, options)
            reason = f"rendered links differ from the HTML on {len(diffs)} of {len(sample)} sampled pages ({diffs[0]})"
        else:
            reason = 'render = "always"'
        todo = [r for r, u in url_of.items() if u not in rendered]
        await render_batch(renderer, todo, on_result)
    pages.update({url: mark_js_only(pages[url], page) for url, page in rendered.items()})
    reason += f"; {len(scripted):,} page(s) with scripts rendered in {how}"
    if len(pages) > len(scripted):
        reason += f", {len(pages) - len(scripted):,} without scripts read as HTML"
    return "rendered", reason, _unsettled_note(unsettled, options)


def _unsettled_note(unsettled: list[str], options: RenderOptions) -> list[str]:
    if not unsettled:
        return []
    shown = ", ".join(sorted(unsettled)[:5]) + (" ..." if len(unsettled) > 5 else "")
    return [f"{len(unsettled)} rendered page(s) kept changing for {options.settle:g}s; their links were read then: {shown}"]
