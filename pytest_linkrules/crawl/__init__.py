"""Turn a site (a built folder, a deployed URL, WARC files) into pages with resolved links.

Every source yields what it fetched as a pipeline.Fetched record, and
pipeline.py alone turns that into a Page:

    folder.py (files)  \
    http.py (HTTP)      >  pipeline.Fetched -> pipeline.read (extract.py) -> pipeline.build_page -> Page
    warc.py (WARC)     /
    render.py (a rendered DOM) joins at pipeline.build_page, as a RawPage read from the browser.

urls.py (a folder's files) and http.OriginResolver (one origin's URLs) say
what an href names; rendering.py decides what to render; cache.py and
http_cache.py keep extractions between runs.
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

from ..config import SiteConfig, display_path
from ..model import Page
from .cache import WholeCrawl, tree_fingerprint
from ..presets import PRESETS, chrome_in_use
from .extract import CHROME_KEY
from .folder import SKIP_DIRS, FolderError, FolderParse, check_root
from .templates import nothing_to_render
from .urls import FolderResolver, normalize_path


class CrawlError(Exception):
    """The site can't be crawled at all; the message says why and what to do."""


@dataclass
class CrawlResult:
    pages: dict[str, Page]
    starts: tuple[str, ...]
    source: str  # what was crawled, for the report header
    seconds: float
    render: str = "static"
    render_reason: str = "folder of static HTML"
    notes: list[str] = field(default_factory=list)  # things skipped or worth knowing
    # URL paths listed in the site's sitemap(s), normalised like page URLs;
    # None when no sitemap was read (sitemap-consistency then says so).
    sitemap_urls: list[str] | None = None
    # Why a broken link's target is broken, where the crawl knows more than
    # "not found": an HTTP status, or the redirect chain that never ended.
    broken_reasons: dict[str, str] = field(default_factory=dict)
    # What the render budget left unrendered (the crawl item fails on it); "" when nothing.
    render_shortfall: str = ""
    # Pages with scripts that no browser could render (none was found or
    # started): the header and the job summary say so, with the command that fixes it.
    browser_missing: int = 0

    @property
    def unreadable(self) -> list[Page]:
        return [p for p in self.pages.values() if p.error]


def crawl_site(
    site: SiteConfig,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    selectors: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
) -> CrawlResult:
    """Crawl the site a config describes. Raises CrawlError when nothing can be crawled.

    ``progress(done, queued)`` is called now and then during long crawls.
    ``selectors`` (role name -> CSS selector) are tested on every page and
    recorded in ``Page.roles``. ``cache_dir`` keeps page extractions between
    runs, so unchanged pages of a folder are not parsed again, and a folder
    where no file changed at all is not crawled again (cache.WholeCrawl);
    unchanged pages of a deployed site (HTTP 304) aren't either (http_cache.py).
    """
    return StartedCrawl(site, workers=workers, selectors=selectors, cache_dir=cache_dir).result(progress)


class StartedCrawl:
    """A crawl begun before its result is wanted: crawl_site() in two halves.

    Construction does what needs no one waiting: for a folder, it checks the
    root, looks up the whole-crawl cache and starts the parse's workers
    (folder.FolderParse). result() waits for them and does the rest: rendering,
    start pages, the sitemap. A URL or WARC source is crawled in result()
    alone. Errors are raised by result(), where a caller of crawl_site expects
    them, never by construction. close() stops the workers of a crawl whose
    result is never taken.
    """

    def __init__(
        self,
        site: SiteConfig,
        *,
        workers: int | None = None,
        selectors: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.began = time.perf_counter()
        if site.generator and site.root is not None and site.root.is_dir():
            # The preset's selectors this site's theme uses (presets.chrome_in_use),
            # then the user's: from here on the crawl, its renderer and its cache
            # keys see only those.
            preset = PRESETS[site.generator]
            site = replace(site, generator="", chrome=tuple(dict.fromkeys(chrome_in_use(site.root, preset.chrome) + site.chrome)))
        if site.chrome_selectors:
            selectors = {**(selectors or {}), CHROME_KEY: ", ".join(site.chrome_selectors)}
        self.site, self.selectors, self.workers, self.cache_dir = site, selectors, workers, cache_dir
        self._error: CrawlError | None = None
        self._whole: WholeCrawl | None = None
        self._reused: CrawlResult | None = None
        self._parse: FolderParse | None = None
        if site.warc or site.url:
            return
        if site.root is None:  # pragma: no cover - config validation requires it
            self._error = CrawlError("site.root is not set")
            return
        try:
            check_root(site.root)  # before anything walks it, the cache's fingerprint included
            self._whole = _whole_crawl(site, selectors, cache_dir)
            found = self._whole.load() if self._whole is not None else None
            if isinstance(found, CrawlResult):
                self._reused = found
                return
            self._parse = FolderParse(
                site.root,
                site.base_url,
                workers=workers,
                max_bytes=site.max_page_bytes,
                max_pages=site.max_pages,
                selectors=selectors,
                cache_dir=cache_dir,
                dask=site.dask,
            )
        except FolderError as exc:
            self._error = CrawlError(str(exc))

    def close(self) -> None:
        """Stop the parse's workers, if result() was never called."""
        if self._parse is not None:
            self._parse.close()

    def result(self, progress: Callable[[int, int], None] | None = None) -> CrawlResult:
        """The crawl: waits for the parse, then renders what needs it. Once only."""
        site, selectors, cache_dir = self.site, self.selectors, self.cache_dir
        if self._error is not None:
            raise self._error
        if site.warc:
            from .warc import crawl_warc

            return crawl_warc(site, selectors=selectors, workers=self.workers, dask=site.dask)
        if site.url:
            from .http import crawl_url

            return refuse_silent_green(crawl_url(site, progress=progress, selectors=selectors, cache_dir=cache_dir), site)
        assert site.root is not None
        whole = self._whole
        if self._reused is not None:
            found = self._reused
            found.seconds = time.perf_counter() - self.began
            n = sum(1 for p in found.pages.values() if p.source)
            assert whole is not None
            found.notes.append(
                f"crawl cache: 0 of {n:,} pages parsed; no file changed since the last run, "
                f"so its crawl was reused whole ({display_path(whole.path)})"
            )
            return refuse_silent_green(found, site)
        assert self._parse is not None
        try:
            pages, notes = self._parse.result()
        except FolderError as exc:
            raise CrawlError(str(exc)) from None
        source = f"folder {display_path(site.root)}"
        if not pages:
            raise CrawlError(f"{source} contains no .html or .htm pages; build the site first or fix site.root")
        starts = resolve_starts(site.start, pages)
        render, reason, render_notes, shortfall, browserless = _render_folder(site, pages, starts, progress, cache_dir)
        notes.extend(render_notes)
        resolver = FolderResolver((p.source for p in pages.values() if p.source), site.base_url)
        from .folder_sitemap import read_folder_sitemap  # here: the workers need not wait for its import

        sitemap_urls, sitemap_notes = read_folder_sitemap(site.root, site.sitemap, site.base_url, resolver)
        notes.extend(sitemap_notes)
        if whole is not None:
            # Only a crawl that is a function of the files alone is kept whole: a
            # page that couldn't be read may be readable next time, rendered links
            # come from a browser, and a browser missing today may be there tomorrow
            # (README, "Re-runs and the crawl cache").
            if render == "static" and not browserless and not any(p.error for p in pages.values()):
                # What this run's cache and browsers did is not what a reuse does.
                kept = [n for n in notes if not n.startswith(("crawl cache:", "render endpoint"))]
                whole.save(CrawlResult(pages, starts, source, 0.0, render, reason, kept, sitemap_urls))
            else:
                whole.forget()
        result = CrawlResult(
            pages, starts, source, time.perf_counter() - self.began, render, reason, notes, sitemap_urls, render_shortfall=shortfall
        )
        result.browser_missing = sum(1 for p in pages.values() if p.has_scripts) if browserless else 0
        return refuse_silent_green(result, site)


def refuse_silent_green(result: CrawlResult, site: SiteConfig) -> CrawlResult:
    """CrawlError when the start pages have scripts, no links, and nothing was rendered.

    That is a site whose links scripts make (a single-page app), read as
    HTML: it would pass with one page and zero links, checking nothing.
    """
    unrendered = site.render == "never" or result.browser_missing > 0
    if not unrendered or result.render == "rendered":
        return result
    starts = [result.pages[s] for s in result.starts if s in result.pages]
    if not starts or not all(p.has_scripts and not p.error and not p.links and not p.broken for p in starts):
        return result
    from .browser import FIX_COMMAND

    if site.render == "never":
        fix = 'set site.render = "auto" (or pass --linkrules-render=auto) so a browser reads the links its scripts make'
    else:
        fix = f"no browser could be started to render it; install one: {FIX_COMMAND}"
    names = ", ".join(p.url for p in starts)
    raise CrawlError(
        f"the start page {names} has scripts but no links in its HTML, and nothing was rendered, so the crawl would "
        f"check one page and pass; {fix}"
    )


def _whole_crawl(
    site: SiteConfig, selectors: Mapping[str, str] | None, cache_dir: Path | None
) -> WholeCrawl | None:
    """The whole-crawl cache entry for the folder as it is now; None without a cache or with symlinks."""
    if cache_dir is None or site.root is None or not site.root.is_dir():
        return None
    # pytest's cache (.pytest_cache, of which cache_dir is d/linkrules) changes on
    # every run: when the site folder holds it, it is left out of the fingerprint.
    pytest_cache = cache_dir.parent.parent if cache_dir.parent.name == "d" else cache_dir
    fingerprint = tree_fingerprint(site.root, SKIP_DIRS, frozenset({str(pytest_cache), str(cache_dir)}))
    if fingerprint is None:
        return None
    settings = repr((site, sorted((selectors or {}).items())))
    return WholeCrawl.for_site(cache_dir, site.root, settings, fingerprint)


def _render_folder(
    site: SiteConfig,
    pages: dict[str, Page],
    starts: tuple[str, ...],
    progress: Callable[[int, int], None] | None,
    cache_dir: Path | None,
) -> tuple[str, str, list[str], str, bool]:
    """Apply site.render to a folder crawl; a missing browser only fails render = "always".

    Returns (render, reason, notes, shortfall, browserless): shortfall says what
    the render budget left unrendered; browserless is True when pages had
    scripts but no browser could be started.
    """
    nothing = nothing_to_render(site.render, pages)  # before importing rendering's modules
    if nothing is not None:
        return "static", nothing, [], "", False
    from .browser import BrowserError, given_by
    from .rendering import render_folder, render_options

    assert site.root is not None
    try:
        options = render_options(site)
        folder = render_folder(
            site.root, pages, starts, site.render, options, progress, site.base_url, site.max_page_bytes, cache_dir
        )
        return (*folder, False)
    except BrowserError as exc:
        from .remote import EndpointError

        if isinstance(exc, EndpointError):  # browsers the user named: never a silent fallback
            raise CrawlError(str(exc)) from None
        if site.render == "always":
            raise CrawlError(f'site.render = "always": {exc}') from None
        if given_by(site.browser_path):
            raise CrawlError(f"the browser named by {given_by(site.browser_path)} could not be started: {exc}") from None
        return "static", f"pages have scripts but no browser could be started to check them ({exc})", [], "", True


def resolve_starts(start: tuple[str, ...], pages: dict[str, Page]) -> tuple[str, ...]:
    """Map each configured start path to a page URL; CrawlError names any that isn't a page."""
    resolver = FolderResolver(p.source for p in pages.values() if p.source)
    resolved, missing = [], []
    for path in start:
        kind, url = resolver.lookup(normalize_path(path))
        if kind == "page" and url in pages:
            resolved.append(url)
        else:
            missing.append(path)
    if missing:
        names = ", ".join(f'"{m}"' for m in missing)
        raise CrawlError(f"site.start: {names} is not a page of the site (\"/\" means the folder's index.html)")
    return tuple(dict.fromkeys(resolved))


__all__ = ["CrawlError", "CrawlResult", "StartedCrawl", "crawl_site"]
