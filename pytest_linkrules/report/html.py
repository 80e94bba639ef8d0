"""Evidence in pytest-html reports: per failing page, and a summary of the site.

Registered by plugin.py only when pytest-html writes a report (``--html``).
Each failing page gets one HTML extra: the click path, the pages linking to
it, the rule's options and a picture of its neighbourhood. The summary gets
the site's figures and a click-depth histogram.

Sizes are capped so a report of a 10k-page site with thousands of failures
stays openable with ``--self-contained-html``: at most ``MAX_INLINK_ROWS``
linking pages per failure, and pictures for the first ``MAX_PICTURES_PER_RULE``
failing pages of each rule only; later ones get compact evidence (no picture,
no titles, ``COMPACT_INLINK_ROWS`` linking pages), and past
``MAX_EVIDENCE_PER_RULE`` only the row and the failure's text, which holds the
same evidence (a report of 44,000 failing pages was 227 MB).

Every string from the site is escaped with ``html.escape``; pytest-html itself
puts the test id into the page unescaped, so ``pytest_html_results_table_row``
escapes that cell too (a page URL can hold ``<``).
"""

from __future__ import annotations

import json
from collections import Counter
from html import escape
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ..graph import UNREACHABLE, SiteGraph
from ..runner import Analysis, RuleOutcome
from ..model import Violation
from .failures import ViolationIndex, is_ours, is_warning
from .text import causes_by_rule
from .svg import depth_histogram_svg, neighbourhood_svg

MAX_INLINK_ROWS = 15
MAX_PATH_ROWS = 12
MAX_PICTURES_PER_RULE = 100
# Past the first MAX_PICTURES_PER_RULE failures of a rule, evidence is compact:
# no picture, no page titles, fewer linking pages (~1 KB instead of ~5 KB).
COMPACT_INLINK_ROWS = 5
MAX_EVIDENCE_PER_RULE = 1_000

CSS = """
.linkrules-evidence{font-family:sans-serif;font-size:13px;margin:6px 0 12px;padding:8px 12px;border-left:4px solid #c62828;background:#fffafa}
.linkrules-evidence h3{font-size:14px;margin:2px 0 6px}
.linkrules-evidence h4{font-size:13px;margin:10px 0 4px}
.linkrules-evidence table,.linkrules-summary table{border-collapse:collapse;margin:2px 0 6px}
.linkrules-evidence td,.linkrules-evidence th,.linkrules-summary td,.linkrules-summary th{border:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top}
.linkrules-evidence code,.linkrules-summary code{font-size:12px}
.linkrules-evidence ol{margin:2px 0 6px;padding-left:28px}
.linkrules-summary{font-family:sans-serif;font-size:13px;margin:8px 0}
.linkrules-summary h3{font-size:15px;margin:8px 0 4px}
"""


def e(value: object) -> str:
    return escape(str(value), quote=True)


def _page_label(graph: SiteGraph, url: str, titles: bool = True) -> str:
    page = graph.pages.get(url) if titles else None
    title = f' <span style="color:#666">{e(page.title)}</span>' if page is not None and page.title else ""
    return f"<code>{e(url)}</code>{title}"


def _option_value(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError:
        return repr(value)


def rule_html(analysis: Analysis, outcome: RuleOutcome) -> str:
    """The rule's heading and options table, the same for each of its failing pages."""
    rc = outcome.config
    out = [f"<h4>Rule <code>{e(rc.id)}</code> (line {rc.line + 1} of {e(analysis.config.display)})</h4><table>"]
    for key, value in rc.options.items():
        given = "" if key in rc.given else ' <span style="color:#888">(default)</span>'
        out.append(f"<tr><td><code>{e(key)}</code></td><td><code>{e(_option_value(value))}</code>{given}</td></tr>")
    out.append("</table>")
    return "".join(out)


def evidence_html(
    analysis: Analysis, outcome: RuleOutcome, violation: Violation, *, picture: bool = True, rule: str | None = None
) -> str:
    """The HTML extra of one failing page; without the picture, compact.

    ``rule``: rule_html(analysis, outcome), when the caller keeps it for the
    rule's many failing pages.
    """
    graph = analysis.graph
    rows = MAX_INLINK_ROWS if picture else COMPACT_INLINK_ROWS
    url = violation.page
    out = [f'<div class="linkrules-evidence"><h3>{e(violation.message)}</h3>']
    if violation.details:
        out.append("<ul>" + "".join(f"<li>{e(d)}</li>" for d in violation.details[:20]) + "</ul>")
    if url in graph.index:
        path = graph.path_to(url)
        if path:
            out.append(f"<h4>Click path ({len(path) - 1} clicks from the start page)</h4><ol start=\"0\">")
            shown = path if len(path) <= MAX_PATH_ROWS else path[:3] + [None] + path[-(MAX_PATH_ROWS - 4) :]
            for node in shown:
                out.append("<li>…</li>" if node is None else f"<li>{_page_label(graph, node, picture)}</li>")
            out.append("</ol>")
        else:
            starts = ", ".join(f"<code>{e(s)}</code>" for s in graph.starts) or "(none)"
            out.append(f"<h4>Click path</h4><p>None: not reachable from the start page(s) {starts} by followed links.</p>")
        n_inlinks, sources = graph.inlink_totals(url)
        inlinks = graph.inlinks(url, rows)
        counted = graph.inlink_count(url)
        n_links = f", {n_inlinks} links" if n_inlinks != sources else ""  # rows are links
        out.append(f"<h4>Linked from {sources} page(s){n_links}, {counted} counted (reachable, followed)</h4>")
        if n_inlinks:
            out.append("<table><tr><th>Linking page</th><th>Anchor text</th><th>Where (chrome: nav, header, footer, aside)</th><th>Notes</th></tr>")
            for i in inlinks:
                notes = [n for n, on in (("source not reachable", not i.reachable), ("nofollow", not i.followed), ("redirect", i.redirect)) if on]
                where = "content" if i.in_content else "chrome"
                anchor = e(i.anchor) if i.anchor else '<i style="color:#888">no anchor text</i>'
                out.append(
                    f"<tr><td>{_page_label(graph, i.source, picture)}</td><td>{anchor}</td><td>{where}</td><td>{e(', '.join(notes))}</td></tr>"
                )
            out.append("</table>")
            if n_inlinks > rows:
                out.append(f"<p>… and {n_inlinks - rows} more links.</p>")
        else:
            out.append("<p>No page links to it.</p>")
    out.append(rule_html(analysis, outcome) if rule is None else rule)
    if picture and url in graph.index:
        out.append("<h4>Neighbourhood</h4>")
        out.append(neighbourhood_svg(graph, url, key=violation.rule))
    if violation.hint:
        out.append(f"<p><b>Fix:</b> {e(violation.hint)}</p>")
    if violation.suggestions:
        to = violation.suggestions[0].direction == "to"
        out.append(f"<h4>{'Link to these members from it first' if to else 'Add a link to it on one of these pages'} (best first)</h4>")
        out.append("<table><tr><th>Page</th><th>Why</th></tr>")
        for s in violation.suggestions:
            out.append(f"<tr><td>{_page_label(graph, s.page, picture)}</td><td>{e('; '.join(s.reasons))}</td></tr>")
        out.append("</table>")
    out.append("</div>")
    return "".join(out)


def depth_counts(graph: SiteGraph) -> tuple[list[int], int]:
    """Pages per click depth, and the number of unreachable pages."""
    depths = graph.depths
    reachable = depths[depths != UNREACHABLE]
    counts = np.bincount(reachable).tolist() if len(reachable) else []
    return [int(c) for c in counts], int(len(depths) - len(reachable))


def summary_html(analysis: Analysis, failing: Mapping[str, int]) -> str:
    """The site's figures and click-depth histogram, for one linkrules.toml."""
    crawl, graph = analysis.crawl, analysis.graph
    counts, unreachable = depth_counts(graph)
    limit = next((o.config.options.get("max") for o in analysis.outcomes if o.config.id == "max-depth"), None)
    rows = [
        ("Site", e(crawl.source)),
        ("Pages", f"{len(graph.urls):,}"),
        ("Links (unique page to page)", f"{graph.n_links:,}"),
        ("Start page(s)", ", ".join(f"<code>{e(s)}</code>" for s in graph.starts)),
        ("Max click depth", str(graph.max_depth)),
        ("Orphans (not reachable)", f"{len(graph.orphans):,}"),
        ("Render mode", f"{e(crawl.render)} ({e(crawl.render_reason)})"),
        ("Crawl time", f"{crawl.seconds:.2f} s"),
    ]
    out = [f'<div class="linkrules-summary"><h3>linkrules: {e(analysis.config.display)}</h3><table>']
    out += [f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows]
    out.append("</table>")
    if failing:
        causes = causes_by_rule([analysis])
        out.append("<table><tr><th>Rule</th><th>Failing pages</th><th>Shared by many</th></tr>")
        for rule, n in sorted(failing.items(), key=lambda kv: (-kv[1], kv[0])):
            shared = "<br>".join(e(c) for c in causes.get(rule, ()))
            out.append(f"<tr><td><code>{e(rule)}</code></td><td>{n:,}</td><td>{shared}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No failing pages.</p>")
    out.append("<h4>Pages per click depth</h4>")
    out.append(depth_histogram_svg(counts, unreachable, limit if isinstance(limit, int) else None))
    out.append("</div>")
    return "".join(out)


def _form(rank: int) -> str:
    """The evidence of a rule's rank-th failure: "P" with a picture, "C" compact, "" none (past the caps)."""
    if rank > MAX_EVIDENCE_PER_RULE:
        return ""
    return "P" if rank <= MAX_PICTURES_PER_RULE else "C"


class HtmlReport:
    """The pytest-html hooks, as a plugin object registered when --html is given.

    Plain methods named like hooks: pluggy needs no decorator for them, and
    this module stays free of pytest imports.
    """

    def __init__(self, analyses: Callable[[], Mapping[Path, Analysis]], rootpath: Path) -> None:
        self._analyses = analyses
        self._rootpath = rootpath
        self._index: ViolationIndex | None = None
        self.pictures: Counter[str] = Counter()
        self.rules: dict[int, str] = {}  # rule_html by id(outcome): outcomes live as long as the session
        self.failing: dict[Path, Counter[str]] = {}
        # A failure's evidence_ahead() written by report.ahead's child, or None.
        self.written_ahead: Callable[[Violation], str | None] | None = None

    @property
    def index(self) -> ViolationIndex:
        if self._index is None:
            self._index = ViolationIndex(self._analyses(), self._rootpath)
        return self._index

    def pytest_runtest_logreport(self, report: Any) -> None:
        # Runs before pytest-html's own (trylast) logreport, which reads report.extras.
        if report.when != "call" or not (report.failed or is_warning(report)):
            return
        failure = self.index.failure(report)
        if report.failed and failure.config_path is not None and failure.rule is not None and failure.page is not None:
            self.failing.setdefault(failure.config_path, Counter())[failure.rule] += 1
        if failure.violation is None or failure.outcome is None or failure.analysis is None:
            return
        from pytest_html import extras

        self.pictures[failure.rule or ""] += 1
        rank = self.pictures[failure.rule or ""]
        form = _form(rank)
        if not form:
            return
        written = self.written_ahead(failure.violation) if self.written_ahead is not None else None
        if not written or written[0] != form:  # not written ahead, or for another place in the rule
            written = self.evidence_ahead(failure.analysis, failure.outcome, failure.violation, rank)
        report.extras = list(getattr(report, "extras", None) or []) + [extras.html(written[1:])]

    def _rule_html(self, analysis: Analysis, outcome: RuleOutcome) -> str:
        rule = self.rules.get(id(outcome))
        if rule is None:
            rule = self.rules[id(outcome)] = rule_html(analysis, outcome)
        return rule

    def evidence_ahead(self, analysis: Analysis, outcome: RuleOutcome, violation: Violation, rank: int) -> str:
        """The evidence pytest_runtest_logreport adds for the rank-th failure of its rule, behind its _form letter; "" for none.

        Also written ahead by report.ahead's child, which knows the order the items run in.
        """
        form = _form(rank)
        if not form:
            return ""
        return form + evidence_html(analysis, outcome, violation, picture=form == "P", rule=self._rule_html(analysis, outcome))

    def pytest_html_results_table_row(self, report: Any, cells: list[Any]) -> None:
        if report.when != "call" and report.passed and not report.sections and is_ours(report):
            # pytest-html shows no row for a passed setup or teardown (and adds
            # only their teardown sections, which our items never have), yet
            # renders their logs first; an empty row list ends that early
            # (~0.1 ms per item; the report is the same).
            cells.clear()
            return
        for k, cell in enumerate(cells):
            prefix = '<td class="col-testId">'
            if isinstance(cell, str) and cell.startswith(prefix) and cell.endswith("</td>"):
                inner = cell[len(prefix) : -len("</td>")]
                if "<" in inner or ">" in inner:  # not escaped yet: a later pytest-html may do it
                    cells[k] = prefix + e(inner) + "</td>"

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str], session: Any) -> None:
        analyses = self._analyses()
        if not analyses:
            return
        prefix.append(f"<style>{CSS}</style>")
        for path, analysis in analyses.items():
            prefix.append(summary_html(analysis, self.failing.get(path, Counter())))
            if analysis.change is not None:
                from .change import html_section

                prefix.append(html_section(analysis.change, analysis.config.display))
        capped = sorted(rule for rule, n in self.pictures.items() if n > MAX_EVIDENCE_PER_RULE)
        if capped:
            prefix.append(
                f'<p class="linkrules-summary">Evidence tables for the first {MAX_EVIDENCE_PER_RULE:,} failing pages of each rule '
                f"({', '.join(e(r) for r in capped)} have more): the others show their failure text, which holds the same evidence.</p>"
            )
