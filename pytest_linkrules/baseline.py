"""Baselines: a saved run (graph figures and violations) that a later run is judged against.

A pull request is judged against ``main``: a violation already in main's
baseline is not the PR's doing, so only new ones fail. The file is plain JSON
(sorted, one violation per entry) so that it diffs well and can be cached as a
CI artifact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from .runner import Analysis

FORMAT = "pytest-linkrules baseline"
VERSION = 1


class BaselineError(Exception):
    """The baseline file can't be used; the message names it and says why."""


def summary(analysis: "Analysis") -> dict[str, Any]:
    graph = analysis.graph
    return {
        "pages": len(graph.urls),
        "links": graph.n_links,
        "max_depth": graph.max_depth,
        "orphans": len(graph.orphans),
        "violations": len(analysis.violations),
    }


def snapshot(analysis: "Analysis") -> dict[str, Any]:
    violations = sorted(analysis.violations, key=lambda v: (v.rule, v.page))
    return {
        "summary": summary(analysis),
        "violations": [{"rule": v.rule, "page": v.page, "message": v.message} for v in violations],
    }


def save_baseline(path: Path, analyses: Mapping[str, "Analysis"]) -> int:
    """Write the baseline for every config (keyed by its path); returns the violations saved."""
    data = {
        "format": FORMAT,
        "version": VERSION,
        "configs": {key: snapshot(a) for key, a in sorted(analyses.items())},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return sum(len(a.violations) for a in analyses.values())


@dataclass
class ConfigBaseline:
    summary: dict[str, Any]
    violations: dict[tuple[str, str], str]  # (rule, page) -> message


@dataclass
class Comparison:
    """How a run compares with its baseline, for the terminal summary."""

    known: set[tuple[str, str]] = field(default_factory=set)
    new: list[tuple[str, str]] = field(default_factory=list)
    fixed: list[tuple[str, str, str]] = field(default_factory=list)  # rule, page, old message
    changes: list[str] = field(default_factory=list)  # "max_depth 5 -> 4"
    missing: bool = False  # the baseline has no entry for this config


class Baseline:
    def __init__(self, path: Path, configs: dict[str, ConfigBaseline]) -> None:
        self.path = path
        self.configs = configs

    @classmethod
    def load(cls, path: Path) -> "Baseline":
        name = str(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{name}: baseline file not found (write one with --linkrules-save-baseline={name})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{name}: cannot be read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise BaselineError(f"{name}: not a linkrules baseline (invalid JSON: {exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("configs"), dict):
            raise BaselineError(f"{name}: not a linkrules baseline (written by --linkrules-save-baseline)")
        if data.get("version") != VERSION:
            raise BaselineError(f"{name}: baseline version {data.get('version')!r} is not supported (expected {VERSION}); save it again")
        configs = {}
        try:
            for key, entry in data["configs"].items():
                violations = {(v["rule"], v["page"]): str(v.get("message", "")) for v in entry["violations"]}
                configs[key] = ConfigBaseline(dict(entry.get("summary") or {}), violations)
        except (KeyError, TypeError, AttributeError):
            raise BaselineError(f"{name}: malformed baseline entry for {key!r}; save it again") from None
        return cls(path, configs)

    def entry(self, key: str, n_configs: int) -> ConfigBaseline | None:
        """The saved entry for a config; with one config on each side, paths needn't agree."""
        if key in self.configs:
            return self.configs[key]
        if n_configs == 1 and len(self.configs) == 1:
            return next(iter(self.configs.values()))
        return None

    def compare(self, key: str, analysis: "Analysis", n_configs: int = 1) -> Comparison:
        entry = self.entry(key, n_configs)
        if entry is None:
            return Comparison(new=[(v.rule, v.page) for v in analysis.violations], missing=True)
        now = {(v.rule, v.page) for v in analysis.violations}
        result = Comparison()
        result.known = now & set(entry.violations)
        result.new = sorted(now - result.known)
        result.fixed = sorted((r, p, entry.violations[(r, p)]) for r, p in set(entry.violations) - now)
        current = summary(analysis)
        for figure, value in current.items():
            old = entry.summary.get(figure)
            if old is not None and old != value:
                result.changes.append(f"{figure} {old} -> {value}")
        return result
