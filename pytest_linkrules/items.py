"""The collector for linkrules.toml and its test items.

The scheme, chosen to stay fast on 100k-page sites (pytest costs ~1 ms per
item): one ``crawl`` item, one item per configured rule that passes when the
rule ran, and one failing item per page that breaks a rule, e.g.
``linkrules.toml::max-depth[/blog/2019/old-post/]``. Pages that pass are not
items; the rule item says how many pages it checked.

A violation item does not always fail: a waived page, or one already in the
baseline, is an expected failure (xfail); a rule with ``severity = "warning"``
passes and records a LinkrulesWarning that the terminal summary lists.

A site with tens of thousands of failing pages makes as many items, and pytest's
own protocol (setup, call and teardown hooks, each wrapped by capture, logging
and other plugins) is most of their cost. A violation item has no fixtures,
prints nothing and logs nothing, so ``run_lean`` runs it as the default
protocol does minus those three hooks: ``runtest()`` is called directly, and
the same three reports (setup, call, teardown) go through
pytest_runtest_makereport and pytest_runtest_logreport to every plugin that
reads them (JUnit XML, pytest-html, --lf's cache, the terminal, xfail
handling). It applies only between two items of the same linkrules.toml, so
pytest's setup state stays as the default protocol leaves it.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections import Counter
from functools import cached_property
from types import SimpleNamespace
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

from .model import Violation
from .stash import STATE_KEY
from .report.escape import log_text, terminal
from .report.text import explain

if TYPE_CHECKING:  # the runner imports the crawl and the graph (numpy, scipy): not on pytest's start path
    from .baseline import Comparison
    from .config import LinkrulesConfig
    from .crawl import StartedCrawl
    from .report.ahead import TextsAhead
    from .rules.base import Rule
    from .runner import Analysis, RuleOutcome


@dataclass
class LinkrulesState:
    """What the plugin knows in one session: the rules, the configs, their analyses."""

    registry: dict[str, type[Rule]]
    configs: list[LinkrulesConfig]
    analyses: dict[Path, Analysis] = field(default_factory=dict)
    site_folders: set[str] = field(default_factory=set)  # folders of built sites, not searched for tests
    snapshot: Path | None = None  # xdist controller: folder of the crawls shared with workers
    # Set when --linkrules-baseline is given: how each config compares with it.
    baseline_name: str = ""
    comparisons: dict[Path, Comparison] = field(default_factory=dict)
    # --linkrules-compare: a snapshot file's key for each config's graph and a
    # function waiting for its graphs (read on a thread), or a base build's folder.
    compare_graphs: tuple[dict[Path, str], Callable[[], dict[str, Any]]] | None = None
    compare_folder: Path | None = None
    # The terminal summary: failing pages shown in full per rule (None: all), and
    # while pytest's own summary runs, every failed report (plugin.FailureCap).
    max_shown: int | None = 10
    all_failed: list[Any] | None = None
    failed_per_rule: dict[str, int] = field(default_factory=dict)
    hidden_per_rule: dict[str, int] = field(default_factory=dict)
    lean_protocol: bool = True  # off with --pdb and --setup-show/-only/-plan (run_lean)
    frozen: bool = False  # gc.freeze() was called after collection (plugin.pytest_collection_finish)
    lean_runs: int = 0
    summary_left: int | None = None  # failures the GitHub job summary could not list (None: none written)
    ahead: TextsAhead | None = None  # failure texts a forked child writes (start_texts_ahead)
    started: StartedCrawl | None = None  # the first config's crawl, from session start until LateAnalysis takes it

    @property
    def paths(self) -> set[Path]:
        return {c.path for c in self.configs}




class LinkrulesWarning(UserWarning):
    """A rule with severity "warning" found a problem: reported, not failing the run."""


class LinkrulesFailure(Exception):
    """Raised by an item to fail with plain text instead of a traceback.

    ``text`` may be a function writing the text, with ``first`` its first line.
    """

    def __init__(self, text: str | Callable[[], str], first: str | None = None) -> None:
        # Page text in it must not control the terminal or the CI log.
        if callable(text):
            make = text
            text = lambda: log_text(make())  # noqa: E731
            first = log_text(first or "")
        else:
            text = log_text(text)
        super().__init__(first if callable(text) else text)
        self.text = text
        self.first = first


class TextRepr:
    """A failure shown as plain text whose first line is the summary line.

    ``reprcrash.message`` is what pytest's short summary prints, so it is only
    the first line, not the whole evidence. ``text`` may be a function: the
    evidence of a failing page is then written only when a report reads it
    (JUnit, pytest-html, the terminal's FAILURES section), not for each of
    30,000 pages the terminal only counts.
    """

    def __init__(self, text: str | Callable[[], str], first: str | None = None) -> None:
        if callable(text):
            self._make = text
        else:
            self.text = text
        if first is None:
            first = self.text.splitlines()[0] if self.text else ""
        self.reprcrash = SimpleNamespace(message=first)
        self.sections: list[tuple[str, str, str]] = []

    @cached_property
    def text(self) -> str:
        return self._make()

    def toterminal(self, tw: Any) -> None:
        # The evidence in one write, not a write per line: the same output
        # (log_text left no line break but "\n" in it). The terminal's FAILURES
        # section calls this; report.longreprtext reads the text itself (LinkrulesReport).
        first, _, rest = self.text.partition("\n")
        tw.line(first, red=True, bold=True)
        if rest:
            tw.write(rest if rest.endswith("\n") else rest + "\n")

    def __str__(self) -> str:
        return self.text


class LinkrulesReport(pytest.TestReport):
    """The report of a linkrules item: its failure text is read without a terminal writer.

    pytest's ``longreprtext`` renders the report to a fresh TerminalWriter on
    each read, and pytest-html reads it two or three times per report, the
    passing setup and teardown reports included: ~1.9 s of a 30,000-failure
    run. A TextRepr is plain text already, so it is read as it is: the same
    string (a test compares it with pytest's own).
    """

    @property
    def longreprtext(self) -> str:
        longrepr = self.longrepr
        if longrepr is None:
            return ""
        if type(longrepr) is TextRepr and not hasattr(self, "node"):  # xdist's "node" adds a worker line
            return longrepr.text.strip()
        return super().longreprtext


def page_figures(analysis: Analysis, violation: Violation) -> list[tuple[str, object]]:
    """Depth, inlinks and link score of the page, for --junitxml and other reports."""
    graph = analysis.graph
    if violation.page not in graph.index:
        return []
    own = {key for key, _ in violation.figures}
    depth = graph.depth(violation.page)
    figures = [
        ("depth", "unreachable" if depth is None else depth),
        ("inlinks", graph.inlink_count(violation.page)),
        ("link_score", f"{graph.rank(violation.page):.6g}"),
    ]
    return [(k, v) for k, v in figures if k not in own]


class LinkrulesFile(pytest.File):
    """A linkrules.toml file; its items come from one shared crawl."""

    item_relpath: str | None = None  # this file as its items' locations name it (LinkrulesItem.location)

    def collect(self) -> Iterator[pytest.Item]:
        state = self.config.stash[STATE_KEY]
        analysis = state.analyses[self.path]
        yield CrawlItem.from_parent(self, name="crawl", analysis=analysis)
        for outcome in analysis.outcomes:
            yield RuleItem.from_parent(self, name=outcome.config.id, analysis=analysis, outcome=outcome)
            for violation in outcome.violations:
                name = f"{violation.rule}[{terminal(violation.page)}]"
                yield ViolationItem.from_parent(
                    self,
                    name=name,
                    # Given as a string, pytest (9.2+) reads "[page]" as the id's
                    # parameter part, as it does when it reads the ids of last
                    # run's failures back; built from the name alone, the two
                    # differ and --lf would rerun everything.
                    nodeid=f"{self.nodeid}::{name}",
                    analysis=analysis,
                    outcome=outcome,
                    violation=violation,
                )
        if analysis.config.waivers:
            yield WaiversItem.from_parent(self, name="waivers", analysis=analysis)


class LinkrulesItem(pytest.Item):
    def __init__(self, *, analysis: Analysis, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.analysis = analysis

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, LinkrulesFailure):
            return TextRepr(excinfo.value.text, excinfo.value.first)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, 0, self.name

    @cached_property
    def location(self) -> tuple[str, int | None, str]:
        """pytest's location, with the file's path from the rootdir worked out once per file.

        Every item reports its linkrules.toml; pytest's own property makes a
        Path and looks it up for each item (~1.2 s of 44,000 failing pages).
        """
        path, line, name = self.reportinfo()
        parent = self.parent
        if path != self.path or not isinstance(parent, LinkrulesFile):
            return super().location
        if parent.item_relpath is None:
            parent.item_relpath = super().location[0]
        return parent.item_relpath, line, name

    def warn(self, text: str, line: int = 0) -> None:
        """Pass with a warning that points at linkrules.toml and shows in the summary."""
        text = log_text(text)
        first = text.splitlines()[0] if text else ""
        self.user_properties.append(("linkrules_warning", first))
        warnings.warn_explicit(LinkrulesWarning(text), LinkrulesWarning, str(self.path), line + 1)


class CrawlItem(LinkrulesItem):
    """Fails when pages could not be read: their links, and so the graph, are unknown."""

    def runtest(self) -> None:
        crawl = self.analysis.crawl
        shortfall = getattr(crawl, "render_shortfall", "")
        if shortfall:
            raise LinkrulesFailure(
                f"render budget reached: {shortfall}\n"
                "Fix: raise site.render_budget (each rendered page costs about 0.1-0.2 s of CPU), "
                'or set site.render = "never" to check the links in the HTML alone.'
            )
        bad = crawl.unreadable
        if bad:
            lines = [f"{len(bad)} of {len(crawl.pages)} pages could not be read (crawl)"]
            lines += [f"  {p.url}  ({p.source}): {p.error}" for p in bad[:50]]
            if len(bad) > 50:
                lines.append(f"  ... and {len(bad) - 50} more")
            lines.append("Fix: make these pages readable, or exclude them from the build.")
            raise LinkrulesFailure("\n".join(lines))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, 0, f"crawl of {self.analysis.crawl.source}"


class RuleItem(LinkrulesItem):
    """Stands for the rule itself: passes once it has run over the site."""

    def __init__(self, *, outcome: RuleOutcome, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outcome = outcome
        self.user_properties.append(("rule", outcome.config.id))
        self.user_properties.append(("pages_checked", outcome.checked))
        self.user_properties.append(("violations", len(outcome.violations)))

    def runtest(self) -> None:
        if self.outcome.skipped:
            pytest.skip(self.outcome.skipped)
        if self.outcome.error:
            if self.outcome.severity == "warning":
                self.warn(self.outcome.error, self.outcome.config.line)
                return
            raise LinkrulesFailure(self.outcome.error)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        n = len(self.outcome.violations)
        return self.path, self.outcome.config.line, f"{self.name}: {self.outcome.checked} pages checked, {n} failing"


class ViolationItem(LinkrulesItem):
    """One page breaking one rule: always fails, with the evidence."""

    def __init__(self, *, outcome: RuleOutcome, violation: Violation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outcome = outcome
        self.violation = violation
        self.user_properties.append(("rule", violation.rule))
        self.user_properties.append(("page", violation.page))
        self.user_properties.append(("severity", outcome.severity))
        for key, value in violation.figures:
            self.user_properties.append((key, value))
        self.user_properties.extend(page_figures(self.analysis, violation))

    ahead_number: int | None = None  # this item's text in the state's TextsAhead (start_texts_ahead)

    def expected(self) -> tuple[tuple[str, str], str] | None:
        """Why this page's failure is expected: a waiver not yet expired, or the baseline knows it.

        The user property its report gets and the xfail reason; None when
        runtest writes the failure text (start_texts_ahead asks too).
        """
        v, analysis = self.violation, self.analysis
        waiver = analysis.waived.get((v.rule, v.page))
        if waiver is not None:
            if waiver.expired():
                return None
            until = f" until {waiver.expires.isoformat()}" if waiver.expires else ""
            return ("waived", waiver.reason), f"waived{until}: {waiver.reason}"
        state = self.config.stash[STATE_KEY]
        comparison = state.comparisons.get(analysis.config.path)
        if comparison is not None and (v.rule, v.page) in comparison.known:
            return ("baseline", "known"), f"known violation, in baseline {state.baseline_name}"
        return None

    def explained(self) -> str:
        """explain() of this page's violation, taken from the texts written ahead if it is there."""
        ahead = self.config.stash[STATE_KEY].ahead
        if ahead is not None and self.ahead_number is not None:
            text = ahead.take(self.ahead_number)
            if text is not None:
                return text
        return explain(self.violation, self.analysis.graph)

    def runtest(self) -> None:
        # No local for the graph: pytest keeps the last failure's frames
        # (sys.last_traceback), and plugin._release_at_exit lets the graph go.
        v, analysis = self.violation, self.analysis
        expected = self.expected()
        if expected is not None:
            self.user_properties.append(expected[0])
            pytest.xfail(expected[1])
        waiver = analysis.waived.get((v.rule, v.page))
        if waiver is not None:  # expired
            assert waiver.expires is not None
            first, _, rest = self.explained().partition("\n")
            text = (
                f"{first} [waiver expired {waiver.expires.isoformat()}]\n{rest}\n"
                f"Waiver: {waiver.label} expired on {waiver.expires.isoformat()} (reason was: {waiver.reason}); "
                "fix the page, or extend the waiver's expires date."
            )
        else:
            if self.outcome.severity != "warning":
                # Reports keep this function: it reads the graph only when called.
                raise LinkrulesFailure(self.explained, v.message.splitlines()[0] if v.message else "")
            text = self.explained()
        if self.outcome.severity == "warning":
            self.warn(text, self.outcome.config.line)
            return
        raise LinkrulesFailure(text)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, self.outcome.config.line, f"{self.violation.rule} {self.violation.page}"


def start_texts_ahead(session: pytest.Session, state: LinkrulesState) -> None:
    """Have a forked child write the failure texts of the items about to run, in their order (report.ahead).

    The parent writes the first text of each rule itself, before the fork:
    that builds the graph's lazy indexes the rule's texts read once, for both.
    """
    from .report.ahead import texts_ahead

    config = session.config
    if hasattr(config, "workerinput") or config.pluginmanager.hasplugin("dsession") or config.option.collectonly:
        return  # the items run in xdist's workers, or not at all
    if not _every_text_read(config, state):
        return  # the terminal reads only the few it shows: writing the rest would be wasted
    writing = [item for item in session.items if type(item) is ViolationItem and item.expected() is None]
    rank: list[int] = []  # each item's place among the rule's failures, as the HTML report counts them
    seen: Counter[str] = Counter()
    for k, item in enumerate(writing):
        item.ahead_number = k
        seen[item.violation.rule] += 1
        rank.append(seen[item.violation.rule])
    first = [k for k, r in enumerate(rank) if r == 1]
    html = config.pluginmanager.get_plugin("linkrules-html")  # report.html.HtmlReport, with --html

    def write(k: int) -> tuple[str, ...]:
        item = writing[k]
        text = explain(item.violation, item.analysis.graph)
        if html is None:
            return (text,)
        return (text, html.evidence_ahead(item.analysis, item.outcome, item.violation, rank[k]))

    state.ahead = texts_ahead(len(writing), write, first)
    if state.ahead is not None:
        config.add_cleanup(state.ahead.close)
        if html is not None:
            numbers = {id(item.violation): k for k, item in enumerate(writing)}
            ahead = state.ahead
            html.written_ahead = lambda violation: ahead.take(numbers.get(id(violation), -1), 1)


def _every_text_read(config: pytest.Config, state: LinkrulesState) -> bool:
    """Whether a report reads every failure's text: JUnit, pytest-html, GitHub's job summary, --report-log or no cap."""
    from .report import github

    return bool(
        config.getoption("xmlpath", None)
        or config.getoption("htmlpath", None)
        or config.getoption("reportlog", None)
        or github.enabled(os.environ)
        or state.max_shown is None
    )


class WaiversItem(LinkrulesItem):
    """Passes, warning about waivers that match no violation: they should be removed."""

    def runtest(self) -> None:
        text = self.analysis.config.path.read_text(encoding="utf-8")
        headers = [n for n, line in enumerate(text.splitlines()) if line.strip().replace(" ", "") == "[[waivers]]"]
        for w in self.analysis.stale_waivers:
            self.warn(
                f"{w.label} matches no violation any more; remove it from {self.analysis.config.display}\n"
                f"Its reason was: {w.reason}",
                headers[w.index] if w.index < len(headers) else 0,
            )

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, 0, f"waivers: {len(self.analysis.config.waivers)} configured"


# What lives until the session ends (graph, items, reports) is moved out of
# the cyclic collector's sight with gc.freeze() after collection and every
# FREEZE_EVERY items: on 30,000 failing pages its full collections cost ~9 of
# ~31 CPU seconds, each rescanning a million objects; the young garbage of each
# item (an exception and its frames) is still collected as usual. plugin.py
# unfreezes when pytest has cleaned up.
FREEZE_EVERY = 2_000


def _nothing() -> None:
    return None


def run_lean(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """pytest_runtest_protocol for a violation item followed by an item of the same file; None otherwise.

    The default protocol minus the pytest_runtest_setup, _call and _teardown
    hooks (see the module docstring): ~0.45 ms of CPU saved per item, half of
    pytest's cost for a failing item. pytest's setup state stays as the
    previous item's teardown left it (the common ancestors of this item and
    the next), and the next item's setup and teardown work from there. Items
    with markers (a conftest may add skip or xfail) and runs with --pdb or
    --setup-show/-only/-plan take the default protocol; so does the last item
    of each file, whose teardown is the default one.
    """
    if (
        type(item) is not ViolationItem
        or not isinstance(nextitem, LinkrulesItem)
        or nextitem.parent is not item.parent
        or item.own_markers
    ):
        return None
    state = item.config.stash.get(STATE_KEY, None)
    session = item.session
    if state is None or not state.lean_protocol or session.shouldfail or session.shouldstop:
        return None
    ihook = item.ihook
    nodeid, location = item.nodeid, item.location
    ihook.pytest_runtest_logstart(nodeid=nodeid, location=location)
    for when in ("setup", "call", "teardown"):
        run = item.runtest if when == "call" else _nothing
        call = pytest.CallInfo.from_call(run, when=when, reraise=(pytest.exit.Exception, KeyboardInterrupt))  # type: ignore[arg-type]
        report = ihook.pytest_runtest_makereport(item=item, call=call)
        ihook.pytest_runtest_logreport(report=report)
        if call.excinfo is not None and not hasattr(report, "wasxfail") and not isinstance(call.excinfo.value, pytest.skip.Exception):
            ihook.pytest_exception_interact(node=item, call=call, report=report)
    ihook.pytest_runtest_logfinish(nodeid=nodeid, location=location)
    state.lean_runs += 1
    if state.frozen and state.lean_runs % FREEZE_EVERY == 0:
        gc.collect(1)
        gc.freeze()
    return True
