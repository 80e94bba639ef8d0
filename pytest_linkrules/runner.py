"""One run of the checks, shared by the pytest plugin and the command line.

This is the expensive step (crawl, graph, rules), done once per config and
read by every test item, as pytest-mypy shares one mypy run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
import traceback

from .config import ConfigError, LinkrulesConfig, RuleConfig, unmatched_globs
from .crawl import CrawlError, CrawlResult, crawl_site
from .graph import SiteGraph
from .model import Violation
from .rules.base import Rule


@dataclass
class RuleOutcome:
    config: RuleConfig
    violations: list[Violation]
    checked: int  # pages in the rule's scope
    error: str = ""  # the rule itself failed (a bug in a custom rule, say)


@dataclass
class Analysis:
    config: LinkrulesConfig
    crawl: CrawlResult
    graph: SiteGraph
    outcomes: list[RuleOutcome]

    @property
    def violations(self) -> list[Violation]:
        return [v for o in self.outcomes for v in o.violations]


def analyze(
    config: LinkrulesConfig, *, workers: int | None = None, progress: Callable[[int, int], None] | None = None
) -> Analysis:
    """Crawl, build the graph and run every configured rule.

    Raises ConfigError for problems only visible once the site is known (a
    glob that matches no page, a start page that doesn't exist).
    """
    try:
        crawl = crawl_site(config.site, workers=workers, progress=progress)
    except CrawlError as exc:
        raise ConfigError([f"{config.display}: {exc}"]) from None
    graph = SiteGraph(crawl.pages, crawl.starts)
    problems, notes = unmatched_globs(config, graph.urls)
    if problems:
        raise ConfigError(problems)
    crawl.notes.extend(notes)
    outcomes = [run_rule(rc, graph) for rc in config.rules]
    return Analysis(config, crawl, graph, outcomes)


def run_rule(rc: RuleConfig, graph: SiteGraph) -> RuleOutcome:
    rule: Rule = rc.instantiate()
    merged: dict[str, Violation] = {}
    try:
        for v in rule.check(graph):
            # One item per page and rule: a rule yielding a page twice is merged.
            if v.page in merged:
                old = merged[v.page]
                v = Violation(old.rule, old.page, old.message, old.details + (v.message,) + v.details, old.hint, old.figures)
            merged[v.page] = v
    except Exception:
        # Shown on the rule's own item; the other rules still run.
        error = f"rule {rc.id} raised an error while checking the site ({rc.rule.__module__}.{rc.rule.__name__})\n"
        return RuleOutcome(rc, [], 0, error + traceback.format_exc())
    scope = rule.opts.get("pages")
    checked = len(graph.urls) if not scope else sum(1 for u in graph.urls if rule.globset("pages")(u))
    return RuleOutcome(rc, list(merged.values()), checked)
