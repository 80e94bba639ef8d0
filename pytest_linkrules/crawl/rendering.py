"""When to render, and rendering a built folder.

``render = "auto"`` reads every page as static HTML first (thousands of pages
a second), then renders a small sample in Chromium (about 20 a second on 2 cores) and
renders the whole site only when the sample's links differ. A page without
any ``<script>`` renders exactly as it parses, so only pages with scripts are
ever sampled or rendered; a site with no scripts never starts a browser.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections import Counter
from pathlib import Path
from typing import Callable, Mapping, Sequence
from urllib.parse import quote, urlsplit

from ..model import CONTENT, NOFOLLOW, REDIRECT, Link, Page
from .extract import RawLink, RawPage
from .folder import list_files
from .linktable import carry_codes
from .pipeline import page_with_links
from .templates import (
    MIN_AGREEING, Group, choose_group_sample, group_pages, largest_first, learn_delta, nothing_to_render, renderable, same_page,
    with_html_facts, with_js_only,
)
from .remote import open_renderer
from .render import RenderOptions, Rendered, render_batch, run_async
from .serve import serve_folder
from .urls import FolderResolver, normalize_path, split_base_urls

Progress = Callable[[int, int], None]  # (pages done, pages still queued)


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


def page_from_rendered(
    url: str, source: str, rendered: Rendered, resolver: FolderResolver, link: Callable[[str, str, str, int], Link] = Link
) -> Page:
    """A folder page from its rendered DOM, resolved exactly as the static crawl resolves it.

    ``link`` makes its Link objects: the crawl passes one that shares equal
    links between pages, so a rendered crawl's memory is that of its distinct
    links, as a static crawl's is (crawl/linktable.py).
    """
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
    return page_with_links(url, source, rendered.raw, resolver, link=link, rendered=True, has_scripts=True)


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
        budget=int(getattr(site, "render_budget", RenderOptions.budget)),
        endpoints=tuple(getattr(site, "render_endpoints", ())),
        serve_host=getattr(site, "render_serve_host", None) or RenderOptions.serve_host,
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
    cache_dir: Path | None = None,
) -> tuple[str, str, list[str], str]:
    """Apply the render mode to a statically crawled folder, updating pages in place.

    The folder is served on 127.0.0.1 for the browser; one browser session
    serves both the sample and the full render. Returns (render, reason,
    notes, shortfall) for the CrawlResult; shortfall says what the render
    budget left unrendered, or is "".

    With ``cache_dir``, an auto verdict that rendering changes no link is
    kept, and a later run whose scripts are all unchanged reuses it without
    starting a browser (CI with pytest's cache restored).
    """
    nothing = nothing_to_render(mode, pages)
    if nothing is not None:
        return "static", nothing, [], ""
    scripted = [u for u, p in pages.items() if renderable(p)]
    files, _ = list_files(root)  # once, for the verdict's key and the render's resolver
    verdict = StaticVerdict(cache_dir, root, files, pages, scripted, options, origins) if mode == "auto" and cache_dir else None
    if verdict is not None:
        reason = verdict.load()
        if reason is not None:
            return "static", reason + "; no script changed since an earlier run found that, so no browser was started", [], ""
    limit = {} if max_bytes is None else {"max_bytes": max_bytes}
    # Browsers elsewhere load the folder from serve_host; a local one from 127.0.0.1 only.
    host = options.serve_host if options.endpoints else "127.0.0.1"
    if options.endpoints:
        from .remote import can_listen

        can_listen(host)  # a clear line for an address that isn't this machine's, not an OSError
    with serve_folder(root, split_base_urls(origins)[1], host=host, **limit) as origin:
        render, reason, notes, shortfall, certain = run_async(
            lambda: _render_folder(origin, root, files, pages, starts, scripted, mode, options, progress, origins)
        )
    if verdict is not None:
        if render == "static" and certain:
            verdict.save(reason)
        else:
            verdict.forget()
    return render, reason, notes, shortfall


class StaticVerdict:
    """auto's finding that rendering changes no link, kept while no script changes.

    The key covers every script a page runs (each page's script srcs and inline
    text, as Page.script_digest), every .js file in the folder (size and
    times), the render settings and this code: a new template, an edited
    inline script or a rebuilt bundle is sampled again.
    """

    NAME = "render-verdict.json"

    def __init__(
        self,
        cache_dir: Path,
        root: Path,
        files: list[str],
        pages: Mapping[str, Page],
        scripted: list[str],
        options: RenderOptions,
        origins: tuple[str, ...],
    ) -> None:
        import hashlib
        import os

        from .cache import code_fingerprint, site_folder

        self.path = site_folder(cache_dir, root) / self.NAME
        h = hashlib.sha256(f"{code_fingerprint()}\n{options!r}\n{origins!r}\n".encode())
        for pair in sorted({(pages[u].template, pages[u].script_digest) for u in scripted}):
            h.update(repr(pair).encode())
        for name in sorted(f for f in files if f.lower().endswith((".js", ".mjs"))):
            try:
                st = os.stat(root / name)
            except OSError:
                continue
            h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\n".encode("utf-8", "surrogatepass"))
        self.key = h.hexdigest()

    def load(self) -> str | None:
        import json

        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data.get("reason") if isinstance(data, dict) and data.get("key") == self.key else None

    def save(self, reason: str) -> None:
        import json

        from .cache import write_atomic

        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps({"key": self.key, "reason": reason}).encode())

    def forget(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass


async def _render_folder(
    origin: str,
    root: Path,
    files: list[str],
    pages: dict[str, Page],
    starts: tuple[str, ...],
    scripted: list[str],
    mode: str,
    options: RenderOptions,
    progress: Progress | None,
    origins: tuple[str, ...],
) -> tuple[str, str, list[str], str, bool]:
    """render_folder's work with a browser; the last value is True when every sampled page rendered and settled."""
    # The very resolver the static crawl used: same files, same own origins.
    resolver = FolderResolver(files, origins)
    rendered: dict[str, Page] = {}
    unsettled: list[str] = []
    safe = "/:@!$&'()*+,;=~-._"
    address = {u: origin + quote(u, safe=safe) for u in scripted}
    url_of = {a: u for u, a in address.items()}
    expected = [0]  # pages this render phase will render, for progress

    shared: dict[tuple[str, str, str, int], Link] = {}

    def link(target: str, href: str, anchor: str, flags: int) -> Link:
        key = (target, href, anchor, flags)
        made = shared.get(key)
        if made is None:
            made = shared[key] = Link(target, href, anchor, flags)
        return made

    def on_result(result: Rendered) -> None:
        url = url_of[result.url]
        for known in pages[url].links + pages[url].broken:  # the HTML's links, shared with it
            shared.setdefault((known.target, known.href, known.anchor, known.flags), known)
        page = page_from_rendered(url, pages[url].source, result, resolver, link)
        # Roles by CSS selector were matched on the HTML; they carry over.
        rendered[url] = dataclasses.replace(page, roles=pages[url].roles)
        if result.raw is not None and not result.settled:
            unsettled.append(url)
        if progress is not None:
            progress(len(rendered), max(0, expected[0] - len(rendered)))

    async def render(urls: list[str]) -> None:
        expected[0] = len(rendered) + len(urls)
        await render_batch(renderer, [address[u] for u in urls], on_result)

    async with open_renderer(origin, options) as renderer:
        how = renderer.browser_used.how if renderer.browser_used else "Chromium"
        plan = RenderPlan(root, pages, scripted, starts, options.budget, resolver)
        if mode == "auto":
            more = plan.sample()
            while more:  # a family its model did not reproduce is sampled again, template by template
                await render(more)
                plan.decide(rendered)
                more = plan.sample_more(rendered)
        else:
            plan.render_all()
        await render(plan.to_render(rendered))
    plan.finish(rendered)
    notes = plan.notes(how) + _unsettled_note(unsettled, options) + renderer.notes()
    certain = not unsettled and all(url in rendered and not rendered[url].error for g in plan.groups for url in g.sample)
    return plan.render, plan.reason(how), notes, plan.shortfall(), certain


def sample_groups(groups: list[Group], starts: Sequence[str], budget: int, done: Mapping[str, object] = {}) -> list[str]:
    """Each group's sample (start pages first, then spread), largest groups first, as far as the budget goes.

    A group whose sample doesn't fit gets none (judge_sample says so); a
    family comes with its sample chosen. Pages in ``done`` (rendered
    already) cost nothing.
    """
    urls: list[str] = []
    for group in groups:
        group.sample = group.sample or choose_group_sample(group, starts)
        new = [u for u in group.sample if u not in done]
        if len(urls) + len(new) > budget:
            group.sample = []
            continue
        urls.extend(new)
    return urls


def template_note(group: Group) -> str:
    """The report's note on one template: what was decided and why."""
    n = len(group.urls)
    return f"render: {n:,} page{'s' if n != 1 else ''} like {group.example} ({group.verdict}): {group.how}"


def unchanged_reason(groups: list[Group], scripted: int) -> str:
    """The header's reason when rendering changed no link on any template's sample."""
    return (
        f"rendering changed no link on the sampled pages of {len(groups)} template{'s' if len(groups) != 1 else ''} "
        f"({sum(len(g.sample) for g in groups)} sampled); {scripted:,} page(s) with scripts read as HTML"
    )


def judge_sample(
    group: Group, pages: Mapping[str, Page], rendered: Mapping[str, Page], complete: bool = True
) -> dict[str, Page] | None:
    """Set the group's verdict from its rendered sample, or return the sample's rendered pages
    when rendering changed their links (the caller infers or renders the group).

    ``complete``: the group holds all its pages (a folder), so a sample of all
    of them is the group rendered; a URL crawl finds more pages as it renders.
    """
    if not group.sample:
        group.verdict, group.how = "render", "not sampled: the render budget was spent on larger templates"
        return None
    ok = {u: rendered[u] for u in group.sample if u in rendered and not rendered[u].error}
    if complete and len(group.sample) == len(group.urls):
        group.verdict, group.how = "rendered", "every page of it was in the sample"
    elif len(ok) < min(MIN_AGREEING, len(group.sample)):
        group.verdict, group.how = "render", f"only {len(ok)} of {len(group.sample)} sampled pages rendered"
    elif all(same_page(pages[u], ok[u]) for u in ok):
        group.verdict = "static"
        group.how = f"rendering changed no link on {len(ok)} sampled page{'s' if len(ok) != 1 else ''}"
        failed = [u for u in group.sample if u not in ok]
        if failed:
            group.how += f"; {len(failed)} sampled page(s) failed to render: {', '.join(failed[:3])}"
    else:
        return ok
    return None


class RenderPlan:
    """Which pages with scripts are rendered, inferred or read as HTML, and why.

    ``sample()`` names the pages to render first; ``decide(rendered)`` reads
    them, group by group (crawl/templates.py); ``to_render`` lists what must
    still be rendered within the budget; ``finish`` writes the outcome into
    the crawl's pages.
    """

    def __init__(
        self,
        root: Path,
        pages: dict[str, Page],
        scripted: list[str],
        starts: tuple[str, ...],
        budget: int,
        resolver: FolderResolver,
    ) -> None:
        self.root = root
        self.pages = pages
        self.scripted = scripted
        self.budget = budget
        self.resolver = resolver
        self.groups = group_pages(pages, scripted)
        self.starts = starts
        self.predicted: dict[str, Page] = {}
        self.flagged: set[str] = set()  # predicted pages whose model flagged their JS_ONLY links already
        self.over_budget: list[Group] = []
        self.failed_families: list[str] = []  # why a family's model was not used (the report's notes)
        self.spent = 0
        self.sampled = False

    def sample(self) -> list[str]:
        """Each group's sample, largest groups first, as far as the budget goes."""
        self.sampled = True
        self._join_families()
        urls = sample_groups(self.groups, self.starts, self.budget)
        self.spent = len(urls)
        return urls

    def sample_more(self, rendered: Mapping[str, Page]) -> list[str]:
        """Samples for the templates of a family whose model failed (decide put them back), within the budget."""
        fresh = [g for g in self.groups if not g.verdict and not g.sample]
        urls = sample_groups(fresh, self.starts, self.budget - self.spent, rendered)
        self.spent += len(urls)
        for group in fresh:
            if not group.sample:
                group.verdict, group.how = "render", "not sampled: the render budget was spent on larger templates"
        return urls

    def _join_families(self) -> None:
        """Templates whose pages run one script a site model knows become one group, sampled together.

        rustdoc gives each folder and each trait page a template of its own
        (their data files differ, the code is the same), so sampling each took
        1,958 renders on the Rust docs; one family needs a sample that covers
        its kinds of page (crawl/rustdoc.py).
        """
        from .rustdoc import RustdocSidebar

        fits: dict[str, bool] = {}
        by_main: dict[str, list[Group]] = {}
        for group in self.groups:
            main = RustdocSidebar.main_of(self.root, self.pages[group.example], fits)
            if main is not None:
                by_main.setdefault(main, []).append(group)
        for main, members in by_main.items():
            if len(members) < 2:
                continue  # one template: site_model() finds the model for it as for any template
            model = RustdocSidebar(self.root, self.resolver, main)
            family = Group(members[0].template, sorted(u for g in members for u in g.urls), model=model, members=members)
            family.sample = model.choose_sample(family, self.pages, self.starts)
            joined = {id(g) for g in members}
            self.groups = [g for g in self.groups if id(g) not in joined] + [family]
        self.groups.sort(key=largest_first)

    def render_all(self) -> None:
        for group in self.groups:
            group.sample = []
            group.verdict = "render"

    def decide(self, rendered: Mapping[str, Page]) -> None:
        """A verdict for each group sampled and not yet decided."""
        for group in list(self.groups):
            if group.verdict or not group.sample:
                continue
            ok = judge_sample(group, self.pages, rendered)
            if ok is not None:
                self._infer(group, {u: self.pages[u] for u in ok}, ok)
            if group.members and group.verdict != "inferred":
                self._leave_family(group, rendered)

    def _leave_family(self, family: Group, rendered: Mapping[str, Page]) -> None:
        """A family its model did not reproduce: its templates go back, each to be sampled and judged alone."""
        self.groups.remove(family)
        self.failed_families.append(f"{family.model.name}: {family.how}")
        for member in family.members:
            member.sample = []  # sample_more() chooses one; what was rendered for the family counts towards it
            self.groups.append(member)
        self.groups.sort(key=largest_first)

    def _infer(self, group: Group, static: Mapping[str, Page], ok: Mapping[str, Page]) -> None:
        model = None
        learned = None if group.model is not None else learn_delta(static, ok, self._resolve_added)
        if learned is not None:
            predict, delta = learned
            how = f"rendering {delta.describe()} on all {len(ok)} sampled pages"
        else:
            from .sitemodels import site_model

            model = group.model
            if model is not None:
                model.learn_chrome(ok)
            else:
                model = site_model(self.root, self.resolver, group, ok)
            learned = learn_delta(static, ok, self._resolve_added, model.predict) if model is not None else None
            if learned is None:
                group.verdict = "render"
                group.how = f"rendering changes links differently on the {len(ok)} sampled pages"
                if model is not None:
                    group.how += f" ({model.name} did not reproduce them)"
                return
            assert model is not None
            predict, delta = learned
            how = f"{model.name} reproduced all {len(ok)} sampled pages' rendered links exactly"
            if group.members:
                how += f" ({len(group.members):,} templates that run the same {posixpath.basename(model.main_js)})"
            if not delta.empty:
                how += f", with the rest of rendering, which {delta.describe()}"
        misses = []
        # A model may flag what its HTML lacks itself (crawl/rustdoc.py: with 70M
        # links, once per folder instead of once per link), unless a delta adds more.
        flagged = model is not None and delta.empty and getattr(model, "flags_js_only", False)
        for url in group.urls:
            if url in group.sample:
                continue
            guess = predict(self.pages[url])
            if guess is None:
                misses.append(url)
            else:
                self.predicted[url] = guess
                if flagged:
                    self.flagged.add(url)
        group.verdict, group.how = "inferred", how
        if misses:
            group.how += f"; {len(misses)} page(s) it does not fit are rendered"
            group.misses = misses

    def _resolve_added(self, page: Page, links: list[Link]) -> tuple[list[Link], list[Link]]:
        """Added links of a delta by href, resolved from this page as the static crawl would."""
        raw = RawPage(links=[RawLink(l.href, l.anchor, bool(l.flags & NOFOLLOW), not l.flags & CONTENT) for l in links])
        built = page_with_links(page.url, page.source, raw, self.resolver)
        return list(built.links), list(built.broken)

    def to_render(self, rendered: Mapping[str, Page]) -> list[str]:
        """Pages still to render: groups that need it whole, within the budget; the rest is over budget."""
        todo: list[str] = []
        spent = self.spent
        needing = [g for g in self.groups if g.verdict == "render" or g.misses]
        # Start pages' templates first, then small templates before large ones:
        # as many templates as the budget allows are rendered whole.
        needing.sort(key=lambda g: (not any(s in g.urls for s in self.starts), len(g.urls)))
        for group in needing:
            urls = group.misses or [u for u in group.urls if u not in rendered]
            if spent + len(urls) > self.budget:
                if group.verdict == "inferred":  # only its misfits go unrendered
                    group.how += " (over the render budget: read as HTML)"
                else:
                    group.verdict = "over budget"
                self.over_budget.append(group)
                continue
            spent += len(urls)
            todo.extend(urls)
            if group.verdict == "render":
                group.verdict = "rendered"
        self.spent = spent
        return todo

    def finish(self, rendered: Mapping[str, Page]) -> None:
        """Rendered pages replace their HTML reading, inferred ones get their predicted links."""
        static_groups = {u for g in self.groups if g.verdict == "static" for u in g.urls}
        shared: dict[Link, Link] = {}
        for url, page in rendered.items():
            if url not in static_groups:
                self.pages[url] = with_js_only(self.pages[url], page, shared)
        for url, guess in self.predicted.items():
            if url in rendered:
                continue
            if url in self.flagged:  # links final, and numbered for the graph build (crawl/rustdoc.py)
                self.pages[url] = carry_codes(guess, with_html_facts(self.pages[url], dataclasses.replace(guess, inferred=True)))
            else:
                self.pages[url] = with_js_only(self.pages[url], dataclasses.replace(guess, inferred=True), shared)

    @property
    def counts(self) -> Counter[str]:
        """Pages with scripts by what became of them: rendered, inferred, static, over budget."""
        out: Counter[str] = Counter()
        for group in self.groups:
            n, sampled = len(group.urls), len(group.sample)
            if group.verdict == "inferred":
                unrendered = len(group.misses) if group in self.over_budget else 0
                out["rendered"] += sampled + len(group.misses) - unrendered
                out["over budget"] += unrendered
                out["inferred"] += n - sampled - len(group.misses)
            elif group.verdict == "over budget":
                out["rendered"] += sampled
                out["over budget"] += n - sampled
            else:
                out[group.verdict] += n
        return out

    @property
    def render(self) -> str:
        counts = self.counts
        return "rendered" if counts["rendered"] or counts["inferred"] else "static"

    def reason(self, how: str) -> str:
        counts, n = self.counts, len(self.scripted)
        templates = sum(len(g.members) or 1 for g in self.groups)
        if not self.sampled:
            head = 'render = "always"'
        elif counts["static"] == n:
            return unchanged_reason(self.groups, n)
        else:
            head = f"{n:,} page(s) with scripts in {templates} template{'s' if templates != 1 else ''}"
        parts = []
        for key, label in (("rendered", f"rendered in {how}"), ("inferred", "inferred from their template's rendered sample"),
                           ("static", "read as HTML (rendering changes none of their links)"),
                           ("over budget", "NOT rendered: over site.render_budget")):
            if counts[key]:
                parts.append(f"{counts[key]:,} {label}")
        text = head + ": " + ", ".join(parts)
        rest = len(self.pages) - n
        if rest:
            text += f"; {rest:,} without scripts read as HTML"
        return text

    def shortfall(self) -> str:
        """Why the graph is not what a full render gives, when the budget stopped rendering; else ""."""
        if not self.over_budget:
            return ""
        left = self.counts["over budget"]
        examples = ", ".join(g.example for g in self.over_budget[:3])
        return (
            f"{left:,} page(s) with scripts needed rendering past site.render_budget = {self.budget:,} "
            f"(templates like {examples}); their links were read from the HTML, so the graph may lack links "
            "their scripts add"
        )

    def notes(self, how: str) -> list[str]:
        """One line per template, largest first: what was decided and why."""
        if not self.sampled and not self.over_budget:
            return []
        lines = [template_note(group) for group in self.groups]
        lines[:0] = [f"render: {why}; its templates were sampled one by one" for why in self.failed_families]
        if self.over_budget:
            lines.insert(0, f"render budget: {self.shortfall()}")
        return lines


def _unsettled_note(unsettled: list[str], options: RenderOptions) -> list[str]:
    if not unsettled:
        return []
    shown = ", ".join(sorted(unsettled)[:5]) + (" ..." if len(unsettled) > 5 else "")
    return [f"{len(unsettled)} rendered page(s) kept changing for {options.settle:g}s; their links were read then: {shown}"]
