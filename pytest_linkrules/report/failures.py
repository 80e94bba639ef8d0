"""Failing test reports mapped back to the violations behind them.

pytest's reports (which may have crossed from an xdist worker) carry the rule
and page as ``user_properties``; every report format looks the violation up
here instead of keeping its own map from node ids to pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..model import Violation
from ..runner import Analysis, RuleOutcome


@dataclass
class Failure:
    """One failed item: a page breaking a rule, or a crawl or rule that failed as a whole."""

    nodeid: str
    message: str  # the first line of the failure, which stands alone
    text: str  # the whole failure text
    config_path: Path | None = None
    line: int = 0  # 0-based line in the config file
    rule: str | None = None
    page: str | None = None
    analysis: Analysis | None = None
    outcome: RuleOutcome | None = None
    violation: Violation | None = None

    @property
    def severity(self) -> str:
        """"error" unless the rule's config says otherwise (e.g. severity = "warning")."""
        if self.outcome is None:
            return "error"
        return str(getattr(self.outcome.config, "severity", "error") or "error")


class ViolationIndex:
    """Finds the violation a report stands for, in O(1) per report."""

    def __init__(self, analyses: Mapping[Path, Analysis], rootpath: Path) -> None:
        self.analyses = analyses
        self.rootpath = rootpath
        self._by_key: dict[tuple[Path, str, str], tuple[RuleOutcome, Violation]] = {}
        self._outcomes: dict[tuple[Path, str], RuleOutcome] = {}
        self._configs: dict[str, Path | None] = {}  # config_of by the node id's file part: resolving paths costs ~0.3 ms
        for path, analysis in analyses.items():
            for outcome in analysis.outcomes:
                self._outcomes[(path, outcome.config.id)] = outcome
                for v in outcome.violations:
                    self._by_key[(path, v.rule, v.page)] = (outcome, v)

    def config_of(self, nodeid: str) -> Path | None:
        """The linkrules.toml a node id belongs to (node ids are relative to the rootdir)."""
        head = nodeid.split("::", 1)[0]
        if head not in self._configs:
            candidate = (self.rootpath / head).resolve()
            self._configs[head] = next((path for path in self.analyses if path.resolve() == candidate), None)
        return self._configs[head]

    def failure(self, report: Any) -> Failure:
        """A Failure for a failed pytest report (any item, ours or not)."""
        # Our items' reports (items.LinkrulesReport) give their text as it is,
        # without rendering it through a TerminalWriter.
        text = str(getattr(report, "longreprtext", "") or "")
        first = text.splitlines()[0] if text.strip() else report.nodeid
        props = dict(getattr(report, "user_properties", ()) or ())
        path = self.config_of(report.nodeid)
        location = getattr(report, "location", None)
        line = int(location[1]) if location and location[1] is not None else 0
        fail = Failure(report.nodeid, first, text, path, line)
        rule, page = props.get("rule"), props.get("page")
        if path is None or rule is None:
            return fail
        fail.rule = str(rule)
        fail.analysis = self.analyses[path]
        fail.outcome = self._outcomes.get((path, fail.rule))
        if page is not None:
            fail.page = str(page)
            found = self._by_key.get((path, fail.rule, fail.page))
            if found is not None:
                fail.outcome, fail.violation = found
        if fail.outcome is not None:
            fail.line = fail.outcome.config.line
        if fail.violation is not None and not text.strip():  # a warning: the item passed
            fail.message = fail.violation.message
            fail.text = fail.violation.message
        return fail

    def failures(self, reports: Iterable[Any]) -> list[Failure]:
        return [self.failure(r) for r in reports if getattr(r, "failed", False)]

    def problems(self, stats: Mapping[str, list[Any]]) -> list[Failure]:
        """Failed items, then pages that break a rule with severity "warning" (those items pass)."""
        warned = [r for r in stats.get("passed", []) if is_warning(r)]
        return self.failures(stats.get("failed", [])) + [self.failure(r) for r in warned]


def is_warning(report: Any) -> bool:
    """A passed call of a page breaking a warning-severity rule: the page still gets evidence."""
    if getattr(report, "when", None) != "call" or not getattr(report, "passed", False):
        return False
    props = dict(getattr(report, "user_properties", ()) or ())
    return props.get("severity") == "warning" and "page" in props and "waived" not in props and "baseline" not in props


def is_ours(report: Any) -> bool:
    """A report of a rule's item or a failing page's item (they carry their rule as a user property)."""
    return any(key == "rule" for key, _ in getattr(report, "user_properties", ()) or ())
