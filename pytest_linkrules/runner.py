"""One run of the checks, shared by the pytest plugin and the command line.

This is the expensive step (crawl, graph, rules), done once per config and
read by every test item, as pytest-mypy shares one mypy run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable
import traceback
from pathlib import Path

from .architecture import resolve_clusters, resolve_roles
from .globs import GlobSet
from .config import ConfigError, LinkrulesConfig, RuleConfig, unmatched_globs
from .crawl import CrawlError, CrawlResult, StartedCrawl, crawl_site
from .graph import SiteGraph
from .model import Violation
from .presets import PRESETS
from .rules.base import Rule, RuleCannotRun, RuleSkipped
from .waivers import Waiver, WaiverBook


@dataclass
class RuleOutcome:
    config: RuleConfig
    violations: list[Violation]
    checked: int  # pages in the rule's scope
    error: str = ""  # the rule could not run (missing data, a bug in a custom rule)
    skipped: str = ""  # the rule does not apply to this run (a change rule without a base), and why
    causes: list[str] = field(default_factory=list)  # what many of its failing pages share (common_causes)

    @property
    def severity(self) -> str:
        return self.config.severity


@dataclass
class Analysis:
    config: LinkrulesConfig
    crawl: CrawlResult
    graph: SiteGraph
    outcomes: list[RuleOutcome]
    # (rule, page) -> the waiver covering that violation; waivers matching none.
    waived: dict[tuple[str, str], Waiver] = field(default_factory=dict)
    stale_waivers: list[Waiver] = field(default_factory=list)
    # What changed since the base build (change.Change), with --linkrules-compare.
    change: Any = None

    @property
    def violations(self) -> list[Violation]:
        return [v for o in self.outcomes for v in o.violations]

    def release(self) -> None:
        """Let go of the crawl, the graph and the comparison: the process is exiting (plugin._release_at_exit)."""
        graph = self.__dict__.pop("graph", None)
        if graph is not None:
            graph.__dict__.pop("change", None)  # its head snapshot holds the graph: a cycle
        for name in ("crawl", "change"):
            self.__dict__.pop(name, None)


def analyze(
    config: LinkrulesConfig,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache_dir: Path | None = None,
    crawl: CrawlResult | None = None,
    base: Any = None,
    suggest: bool = True,
    crawled: Callable[[CrawlResult], object] | None = None,
    started: StartedCrawl | None = None,
) -> Analysis:
    """Crawl, build the graph and run every configured rule.

    Raises ConfigError for problems only visible once the site is known (a
    glob that matches no page, a start page that doesn't exist). ``crawl``
    skips the crawl: pytest-xdist workers get the controller's. ``base``
    (a graph_snapshot.GraphSnapshot, or a callable giving one once this site
    is known) is what the change rules and the change report compare with;
    ``suggest`` adds link suggestions to the failures that a link would fix.
    ``crawled`` is called with the crawl before anything is built from it.
    ``started`` is this config's crawl, begun before the caller's imports (plugin.pytest_sessionstart).
    """
    try:
        if crawl is None:
            started = started or StartedCrawl(config.site, workers=workers, selectors=config.selectors, cache_dir=cache_dir)
            crawl = started.result(progress)
    except CrawlError as exc:
        raise ConfigError([f"{config.display}: {exc}"]) from None
    if crawled is not None:
        crawled(crawl)
    roles = resolve_roles(config.roles, crawl.pages)
    clusters, cluster_problems = resolve_clusters(config.clusters, list(crawl.pages), roles)
    graph = SiteGraph(
        crawl.pages,
        crawl.starts,
        roles=roles,
        clusters=clusters,
        sitemap_urls=crawl.sitemap_urls,
        broken_reasons=crawl.broken_reasons,
    )
    problems, notes = unmatched_globs(config, graph.urls, roles)
    problems += [f"{config.display}: {key}: {message}" for key, message in cluster_problems]
    if problems:
        raise ConfigError(problems)
    crawl.notes.extend(notes)
    suggested = PRESETS.get(config.site.generator_suggested)
    if suggested is not None:  # generator not set, and the folder is a known generator's output
        crawl.notes.append(
            f"{config.display}: the folder looks like {suggested.title} output ({config.site.generator_detected}); "
            f'site.generator = "{suggested.name}" (or "auto") would apply its preset: {suggested.note}'
        )
    elif config.site.generator_detected:  # generator = "auto": say what it found
        found = f'the {config.site.generator} preset' if config.site.generator else "no preset"
        crawl.notes.append(f'{config.display}: site.generator = "auto": {found} ({config.site.generator_detected})')
    crawl.notes.extend(f"{config.display}: roles.{name}: matches no page" for name, urls in roles.items() if not urls)
    change = None
    if callable(base):
        base = base(crawl)
    if base is not None:
        from .change import compare
        from .graph_snapshot import GraphSnapshot

        change = compare(base, GraphSnapshot.from_graph(graph, crawl.source), base.source)
        graph.change = change
    # The generator's own pages (404, search, indexes: [site] exclude and the
    # preset) are left out of every rule, as if each rule excluded them.
    excluded = GlobSet(config.site.excluded_pages) if config.site.excluded_pages else None
    outcomes = [run_rule(rc, graph, excluded) for rc in config.rules]
    for o in outcomes:
        o.causes = common_causes(o)
        crawl.notes.extend(f"{o.config.id}: {cause}" for cause in o.causes)
    if suggest and any(o.violations for o in outcomes):
        from .suggest import MAX_SUGGESTED_PAGES, attach_suggestions, budget_from

        given = dict(config.suggestions)
        left = attach_suggestions(outcomes, graph, given.get("max_pages", MAX_SUGGESTED_PAGES), notes=crawl.notes, budget=budget_from(given))
        if left:
            crawl.notes.append(
                f"link suggestions were made for the first {given.get('max_pages', MAX_SUGGESTED_PAGES):,} failing pages only; "
                f"{left:,} more got none ([suggestions] max_pages)"
            )
    book = WaiverBook(config.waivers, roles)
    waived = {}
    for v in (v for o in outcomes for v in o.violations):
        waiver = book.find(v)
        if waiver is not None:
            waived[(v.rule, v.page)] = waiver
    return Analysis(config, crawl, graph, outcomes, waived, book.stale, change)


def base_graph(config: LinkrulesConfig, folder: Path, cache_dir: Path | None = None) -> Any:
    """The base build in ``folder`` crawled with this config's site settings, as a GraphSnapshot.

    ConfigError names the folder when it can't be crawled.
    """
    from dataclasses import replace

    from .graph_snapshot import GraphSnapshot

    site = replace(config.site, root=folder.resolve(), url=None, warc=())
    try:
        crawl = crawl_site(site, cache_dir=cache_dir)
    except CrawlError as exc:
        raise ConfigError([f"--linkrules-compare={folder}: {exc}"]) from None
    return GraphSnapshot.from_graph(SiteGraph(crawl.pages, crawl.starts), crawl.source)


def run_rule(rc: RuleConfig, graph: SiteGraph, excluded: Callable[[str], bool] | None = None) -> RuleOutcome:
    rule: Rule = rc.instantiate()
    merged: dict[str, Violation] = {}
    include, exclude = rule.select("include", graph), rule.select("exclude", graph)

    def in_scope(url: str) -> bool:
        return (not include or include(url)) and not (exclude and exclude(url)) and not (excluded and excluded(url))

    try:
        for v in rule.check(graph):
            if not in_scope(v.page):
                continue
            # One item per page and rule: a rule yielding a page twice is merged.
            if v.page in merged:
                old = merged[v.page]
                v = Violation(
                    old.rule, old.page, old.message, old.details + (v.message,) + v.details, old.hint, old.figures,
                    causes=old.causes + tuple(c for c in v.causes if c not in old.causes),
                )
            merged[v.page] = v
    except RuleCannotRun as exc:
        return RuleOutcome(rc, [], 0, f"{rc.id}: {exc}")
    except RuleSkipped as exc:
        return RuleOutcome(rc, [], 0, skipped=str(exc))
    except Exception:
        # Shown on the rule's own item; the other rules still run.
        error = f"rule {rc.id} raised an error while checking the site ({rc.rule.__module__}.{rc.rule.__name__})\n"
        return RuleOutcome(rc, [], 0, error + traceback.format_exc())
    return RuleOutcome(rc, list(merged.values()), _count_in_scope(rule, graph, include, exclude, excluded))


# A cause is named when it is behind at least this many failing pages of a
# rule and this share of them; at most MAX_CAUSES per rule.
CAUSE_MIN_PAGES = 10
CAUSE_MIN_SHARE = 0.1
MAX_CAUSES = 3


def common_causes(outcome: RuleOutcome) -> list[str]:
    """What many failing pages of a rule share: "10,138 of 10,138 failing pages link to /legal/copyright.html ...".

    A first run on a real site can fail every page for one reason (Debian's
    JDK docs: a footer link to a copyright page the package leaves out): the
    fix is one page or one template, and the run says so at the top.
    """
    if len(outcome.violations) < CAUSE_MIN_PAGES:
        return []
    counts = Counter(c for v in outcome.violations for c in v.causes)
    need = max(CAUSE_MIN_PAGES, CAUSE_MIN_SHARE * len(outcome.violations))
    return [f"{n:,} of {len(outcome.violations):,} failing pages {cause}" for cause, n in counts.most_common(MAX_CAUSES) if n >= need]


def _count_in_scope(rule: Rule, graph: SiteGraph, include: Any, exclude: Any, excluded: Callable[[str], bool] | None) -> int:
    """Pages in the rule's scope (its pages, include and exclude, and [site] exclude), counted on arrays."""
    import numpy as np

    pages = rule.select("pages", graph)
    scope = np.ones(len(graph.urls), dtype=bool)
    if pages:
        scope &= pages.mask(graph)
    if include:
        scope &= include.mask(graph)
    if exclude:
        scope &= ~exclude.mask(graph)
    if excluded is not None:
        if isinstance(excluded, GlobSet):
            cache = graph.__dict__.setdefault("_page_masks", {})
            key = ("site.exclude", excluded.globs)
            if key not in cache:
                cache[key] = excluded.mask(graph.urls)
            scope &= ~cache[key]
        else:
            scope &= ~np.fromiter(map(excluded, graph.urls), dtype=bool, count=len(graph.urls))
    return int(np.count_nonzero(scope))
