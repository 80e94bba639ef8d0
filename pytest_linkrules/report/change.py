"""The change report: what a pull request does to the link graph, for each place a reviewer reads.

One Change (change.py) rendered four ways: a few terminal lines, a Markdown
section of the GitHub job summary, an HTML section of the pytest-html report
with a before/after picture of the pages most affected, and JSON. Site text
(URLs, anchors) goes through the escaping step of its destination: ``md``
(GitHub Markdown, report/github.py), ``e`` (HTML, report/html.py) and
``terminal`` (a terminal or CI log line, report/escape.py).
"""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .escape import terminal

if TYPE_CHECKING:
    from ..change import Change, LinkChange, PageChange
    from ..runner import Analysis

TERMINAL_ITEMS = 5  # pages or links named per line of the terminal summary
SUMMARY_ROWS = 30  # rows per table in the job summary
HTML_PAGES = 20  # pages in the HTML before/after picture

def _depth(d: int | None) -> str:
    return "unreachable" if d is None else str(d)


def _names(urls: list[str], total: int) -> str:
    shown = ", ".join(terminal(u) for u in urls[:TERMINAL_ITEMS])
    return shown + (f" and {total - TERMINAL_ITEMS:,} more" if total > TERMINAL_ITEMS else "")


# ------------------------------------------------------------------ terminal
def terminal_lines(change: "Change") -> list[str]:
    c = change.counts()
    out = [
        f"against {terminal(change.base_name or 'the base build')}: "
        f"{c['links_added']:,} links added, {c['links_removed']:,} removed; "
        f"{c['pages_added']:,} pages added, {c['pages_removed']:,} removed"
    ]
    removed = change.removed_links(TERMINAL_ITEMS)
    if removed:
        out.append("links removed: " + "; ".join(f'{terminal(x.source)} -> {terminal(x.target)} "{terminal(x.anchor)}"' for x in removed)
                   + (f" and {c['links_removed'] - len(removed):,} more" if c["links_removed"] > len(removed) else ""))
    added = change.added_links(TERMINAL_ITEMS)
    if added:
        out.append("links added: " + "; ".join(f'{terminal(x.source)} -> {terminal(x.target)} "{terminal(x.anchor)}"' for x in added)
                   + (f" and {c['links_added'] - len(added):,} more" if c["links_added"] > len(added) else ""))
    for label, idx in (
        ("new orphans", change.new_orphans),
        ("deeper", change.deeper),
        ("losing inlinks", change.lost_inlinks),
        ("losing link score", change.lost_score),
        ("orphans fixed", change.fixed_orphans),
        ("shallower", change.shallower),
    ):
        if len(idx):
            if label in ("deeper", "shallower"):
                pages = [f"{pc.url} ({_depth(pc.depth[0])}->{_depth(pc.depth[1])})" for pc in map(change.page, idx[:TERMINAL_ITEMS].tolist())]
            elif label == "losing inlinks":
                pages = [f"{pc.url} ({pc.inlinks[0]}->{pc.inlinks[1]})" for pc in map(change.page, idx[:TERMINAL_ITEMS].tolist())]
            else:
                pages = change.urls(idx, TERMINAL_ITEMS)
            out.append(f"{label} ({len(idx):,}): {_names(pages, len(idx))}")
    if len(out) == 1 and not c["links_added"] and not c["links_removed"]:
        out.append("no change to the link graph")
    return out


# ------------------------------------------------------------------ markdown
def markdown(change: "Change", display: str) -> str:
    """A job-summary section: counts, then tables of links removed and added and pages made worse."""
    from .github import md

    c = change.counts()
    out = [
        f"### Link changes: {md(display)} against {md(change.base_name or 'the base build')}",
        "",
        "| Links added | Links removed | Pages added | Pages removed | New orphans | Deeper | Losing inlinks | Losing link score | Orphans fixed | Shallower |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {c['links_added']:,} | {c['links_removed']:,} | {c['pages_added']:,} | {c['pages_removed']:,} | {c['new_orphans']:,} "
        f"| {c['pages_deeper']:,} | {c['pages_losing_inlinks']:,} | {c['pages_losing_link_score']:,} | {c['fixed_orphans']:,} | {c['pages_shallower']:,} |",
        "",
    ]

    def link_table(title: str, links: list["LinkChange"], total: int) -> None:
        if not links:
            return
        out.extend([f"**{title}** ({total:,}, by page)", "", "| Page | Link to | Anchor text | Where |", "|---|---|---|---|"])
        for source, group in groupby(links[:SUMMARY_ROWS], key=lambda x: x.source):
            for k, x in enumerate(group):
                out.append(f"| {md(source) if k == 0 else ''} | {md(x.target)} | {md(x.anchor)} | {'content' if x.in_content else 'chrome'} |")
        if total > SUMMARY_ROWS:
            out.append(f"| … {total - SUMMARY_ROWS:,} more | | | |")
        out.append("")

    link_table("Links removed", change.removed_links(SUMMARY_ROWS), c["links_removed"])
    link_table("Links added", change.added_links(SUMMARY_ROWS), c["links_added"])
    worse = change.most_affected(SUMMARY_ROWS)
    orphans = change.urls(change.new_orphans, SUMMARY_ROWS)
    if worse or orphans:
        out += ["**Pages made worse**", "", "| Page | Depth | Inlinks | Content inlinks | Link score |", "|---|---|---|---|---|"]
        for pc in worse:
            out.append(f"| {md(pc.url)} | {_pair(pc.depth)} | {_pair(pc.inlinks)} | {_pair(pc.content_inlinks)} | {pc.score[0]:.2f} → {pc.score[1]:.2f} |")
        for url in orphans:
            if change.page_of(url) is None:
                out.append(f"| {md(url)} (new page) | unreachable | | | |")
        out.append("")
    better = [change.page(i) for i in change.improved[:SUMMARY_ROWS].tolist()]
    if better:
        out += ["**Pages improved**", "", "| Page | Depth | Inlinks | Link score |", "|---|---|---|---|"]
        out += [f"| {md(pc.url)} | {_pair(pc.depth)} | {_pair(pc.inlinks)} | {pc.score[0]:.2f} → {pc.score[1]:.2f} |" for pc in better]
        out.append("")
    return "\n".join(out) + "\n"


def _pair(pair: tuple[Any, Any]) -> str:
    a, b = pair
    a, b = ("unreachable" if a is None else a), ("unreachable" if b is None else b)
    return str(a) if a == b else f"{a} → {b}"


# ------------------------------------------------------------------ html
def html_section(change: "Change", display: str) -> str:
    """A section for the pytest-html summary: counts, a before/after picture, links removed and added."""
    from .html import e
    from .svg import change_svg

    c = change.counts()
    out = [f'<div class="linkrules-summary"><h3>Link changes: {e(display)} against {e(change.base_name or "the base build")}</h3><table>']
    for key, value in c.items():
        out.append(f"<tr><th>{e(key.replace('_', ' '))}</th><td>{value:,}</td></tr>")
    out.append("</table>")
    worse = change.most_affected(HTML_PAGES)
    if worse:
        out.append("<h4>Pages most affected: before (grey) and after (red)</h4>")
        out.append(change_svg([(pc.url, pc.depth, pc.inlinks, pc.score) for pc in worse]))
    for title, links, total in (
        ("Links removed", change.removed_links(SUMMARY_ROWS), c["links_removed"]),
        ("Links added", change.added_links(SUMMARY_ROWS), c["links_added"]),
    ):
        if not links:
            continue
        out.append(f"<h4>{title} ({total:,})</h4><table><tr><th>Page</th><th>Link to</th><th>Anchor text</th><th>Where</th></tr>")
        for x in links:
            out.append(
                f"<tr><td><code>{e(x.source)}</code></td><td><code>{e(x.target)}</code></td><td>{e(x.anchor)}</td>"
                f"<td>{'content' if x.in_content else 'chrome'}</td></tr>"
            )
        out.append("</table>")
        if total > len(links):
            out.append(f"<p>… and {total - len(links):,} more.</p>")
    out.append("</div>")
    return "".join(out)


# ------------------------------------------------------------------ json
def as_dict(analysis: "Analysis") -> dict[str, Any]:
    change = analysis.change
    out: dict[str, Any] = change.as_dict() if change is not None else {"base": None}
    suggestions = {}
    for v in analysis.violations:
        if v.suggestions:
            suggestions.setdefault(v.page, [
                {"page": s.page, "score": s.score, "reasons": list(s.reasons), "direction": s.direction} for s in v.suggestions
            ])
    out["suggestions"] = suggestions
    out["failing"] = [{"rule": v.rule, "page": v.page, "message": v.message} for v in analysis.violations]
    return out


def write_json(path: Path, analyses: Mapping[str, "Analysis"]) -> None:
    data = {"format": "pytest-linkrules change report", "version": 1, "configs": {k: as_dict(a) for k, a in sorted(analyses.items())}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
