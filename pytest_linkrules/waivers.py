"""Waivers: known violations accepted for a while, with a reason and an end date.

A waiver lets a site adopt the gate before every old problem is fixed. A
waived page shows as an expected failure until ``expires``, then fails again;
a waiver that no longer matches any violation is reported, so it gets removed
instead of silently covering the next regression.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from .model import Violation
from .rules.base import GLOBS, OptionError, PageSet

Problem = Callable[[str, str], None]
KEYS = ("rule", "pages", "reason", "expires")


@dataclass(frozen=True)
class Waiver:
    rule: str
    pages: tuple[str, ...]
    reason: str
    expires: dt.date | None = None
    index: int = 0  # position in the file: waivers[0]

    @property
    def label(self) -> str:
        return f"waivers[{self.index}] ({self.rule}: {', '.join(self.pages)})"

    def expired(self, today: dt.date | None = None) -> bool:
        return self.expires is not None and (today or dt.date.today()) > self.expires

    def __repr__(self) -> str:
        return f"<Waiver {self.rule} {list(self.pages)} until {self.expires}>"


def load_waivers(value: Any, rule_ids: Iterable[str], problem: Problem) -> tuple[Waiver, ...]:
    """Validate ``[[waivers]]`` tables; ``rule_ids`` are the rules the file configures."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problem("waivers", 'expected [[waivers]] tables with rule, pages, reason and expires')
        return ()
    configured = list(rule_ids)
    out = []
    for i, table in enumerate(value):
        key = f"waivers[{i}]"
        ok = True
        for sub in table:
            if sub not in KEYS:
                problem(f"{key}.{sub}", f"unknown key (expected {', '.join(KEYS)})")
        rule = table.get("rule")
        if not isinstance(rule, str) or not rule:
            problem(f"{key}.rule", 'expected the id of a configured rule, e.g. rule = "no-orphans"')
            ok = False
        elif rule not in configured:
            import difflib

            close = difflib.get_close_matches(rule, configured, n=1, cutoff=0.6)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            problem(f"{key}.rule", f'"{rule}" is not a rule configured in [rules]{hint}')
            ok = False
        pages: tuple[str, ...] = ()
        if "pages" not in table:
            problem(f"{key}.pages", 'is required: the waived pages, e.g. pages = ["/legacy/*"]')
            ok = False
        else:
            try:
                pages = GLOBS(table["pages"])
            except OptionError as exc:
                problem(f"{key}.pages", str(exc))
                ok = False
        reason = table.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problem(f"{key}.reason", "is required: say why the violation is accepted (it shows in the report)")
            ok = False
        expires = table.get("expires")
        if expires is not None and (isinstance(expires, dt.datetime) or not isinstance(expires, dt.date)):
            problem(f"{key}.expires", "expected a TOML date without quotes, e.g. expires = 2027-01-31")
            ok = False
        if ok:
            out.append(Waiver(rule, pages, reason.strip(), expires, i))  # type: ignore[arg-type, union-attr]
    return tuple(out)


class WaiverBook:
    """The waivers of one config, matched against its violations."""

    def __init__(self, waivers: Iterable[Waiver], roles: Mapping[str, frozenset[str]] | None = None) -> None:
        self.waivers = tuple(waivers)
        self._sets = [PageSet(w.pages, roles) for w in self.waivers]
        self.used: set[int] = set()

    def find(self, violation: Violation) -> Waiver | None:
        """The first waiver covering this violation (recorded as used), or None."""
        for w, pages in zip(self.waivers, self._sets):
            if w.rule == violation.rule and pages(violation.page):
                self.used.add(w.index)
                return w
        return None

    @property
    def stale(self) -> list[Waiver]:
        """Waivers that matched no violation: the problem is fixed, the waiver can go."""
        return [w for w in self.waivers if w.index not in self.used]
