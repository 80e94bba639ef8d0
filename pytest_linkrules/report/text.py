"""The plain-text explanation of a violation: what is wrong, the evidence, the fix.

Used by the pytest failure report and the command line, so both read the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, TypeVar

from .escape import terminal

if TYPE_CHECKING:  # the graph module imports scipy: not needed to format text
    from ..graph import SiteGraph
    from ..model import Violation
    from ..runner import Analysis

MAX_INLINKS_SHOWN = 15
MAX_SHOWN_PER_RULE = 10  # failing pages printed in full per rule; the rest are counted

T = TypeVar("T")


def click_path(graph: SiteGraph, url: str) -> str:
    path = graph.path_to(url)
    if not path:
        starts = ", ".join(graph.starts) or "(none)"
        return f"Click path: none: not reachable from the start page(s) {starts} by followed links"
    clicks = len(path) - 1
    return f"Click path ({clicks} click{'' if clicks == 1 else 's'}): " + terminal(" -> ".join(path))


def inlink_lines(graph: SiteGraph, url: str) -> list[str]:
    """One row per linking page (not per link: a page's nav and content links are one row)."""
    n_inlinks, n_sources, shown = graph.inlinks_by_source(url, MAX_INLINKS_SHOWN)
    if not n_inlinks:
        return ["Linked from: no page links to it"]
    counted = graph.inlink_count(url)
    n_links = f", {n_inlinks} links" if n_inlinks != n_sources else ""
    lines = [f"Linked from {n_sources} page(s){n_links}, {counted} counted (reachable, followed):"]
    for source, links in shown:
        n = len(links)
        content = sum([i.in_content for i in links])
        where = "content" if content else "chrome "
        notes = []
        if 0 < content < n:
            notes.append(f"{n - content} of {n} links in chrome")
        if not links[0].reachable:
            notes.append("source not reachable")
        for word, k in (("nofollow", n - sum([i.followed for i in links])), ("redirect", sum([i.redirect for i in links]))):
            if k:
                notes.append(word if k == n else f"{k} of {n} links {word}")
        note = f"  [{', '.join(notes)}]" if notes else ""
        anchors = ", ".join(f'"{a}"' if a else '"(no anchor text)"' for a in dict.fromkeys(i.anchor for i in links))
        # One escape for the row: terminal() replaces character by character and our words are printable.
        lines.append(terminal(f"  {where}  {source}  {anchors}{note}"))
    if n_sources > MAX_INLINKS_SHOWN:
        lines.append(f"  ... and {n_sources - MAX_INLINKS_SHOWN} more page(s)")
    return lines


def suggestion_lines(violation: Violation) -> list[str]:
    """The failure's link suggestions, one line each with its reasons (terminal and logs)."""
    if not violation.suggestions:
        return []
    if violation.suggestions[0].direction == "to":
        head = "Link to these members from it first (most like it):"
    else:
        head = "Add a link to it on one of these pages (best first):"
    return [head] + [f"  {terminal(s.line())}" for s in violation.suggestions]


def explain(violation: Violation, graph: SiteGraph | None) -> str:
    """Full text of a failure. The first line stands alone: summaries show only it.

    Rules put page URLs in their messages; a URL can hold a newline (a file
    name, a deployed /a%0Ab), so each line is made one line here.
    """
    lines = [terminal(violation.message)]
    lines.extend(map(terminal, violation.details))
    if graph is not None and violation.page in graph.index:
        page = graph.pages[violation.page]
        if page.source:
            lines.append(f"Page: {terminal(violation.page)}  (from {terminal(page.source)}{', title: ' + repr(page.title) if page.title else ''})")
        lines.append(click_path(graph, violation.page))
        lines.extend(inlink_lines(graph, violation.page))
    if violation.hint:
        lines.append(f"Fix: {terminal(violation.hint)}")
    lines.extend(suggestion_lines(violation))
    return "\n".join(lines)


def cap_per_rule(
    reports: Iterable[T], rule_of: Callable[[T], str | None], limit: int | None
) -> tuple[list[T], dict[str, int], dict[str, int]]:
    """Split failures into those shown in full and those only counted.

    Keeps the first ``limit`` failures of each rule (all of them when limit is
    None) and every failure ``rule_of`` maps to None (not a page breaking a
    rule: a crawl, a rule that could not run, a user's own test), in order.
    Returns the kept ones, and the failures and the hidden failures per rule.
    """
    kept: list[T] = []
    total: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for report in reports:
        rule = rule_of(report)
        if rule is None:
            kept.append(report)
            continue
        n = total[rule] = total.get(rule, 0) + 1
        if limit is None or n <= limit:
            kept.append(report)
        else:
            hidden[rule] = hidden.get(rule, 0) + 1
    return kept, total, hidden


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def causes_by_rule(analyses: Iterable[Analysis]) -> dict[str, list[str]]:
    """What many failing pages of each rule share (runner.common_causes), over every config."""
    out: dict[str, list[str]] = {}
    for analysis in analyses:
        for outcome in analysis.outcomes:
            if outcome.causes:
                out.setdefault(outcome.config.id, []).extend(outcome.causes)
    return out


def per_rule_lines(total: dict[str, int], hidden: dict[str, int], causes: dict[str, list[str]] | None = None) -> list[str]:
    """One line per rule, most failures first: "no-orphans: 30,000 pages (10 shown, 29,990 not)".

    Under a rule, what many of its failing pages share (runner.common_causes),
    indented: one missing page can fail every page of a site.
    """
    lines = []
    for rule, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0])):
        line = f"{rule}: {plural(n, 'page')}"
        if hidden.get(rule):
            line += f" ({n - hidden[rule]:,} shown, {hidden[rule]:,} not)"
        lines.append(line)
        lines.extend(f"  {terminal(cause)}" for cause in (causes or {}).get(rule, ()))
    return lines
