"""The plain-text explanation of a violation: what is wrong, the evidence, the fix.

Used by the pytest failure report and the command line, so both read the same.
"""

from __future__ import annotations

from ..graph import SiteGraph
from ..model import Violation
from .escape import terminal

MAX_INLINKS_SHOWN = 15


def click_path(graph: SiteGraph, url: str) -> str:
    path = graph.path_to(url)
    if not path:
        starts = ", ".join(graph.starts) or "(none)"
        return f"Click path: none: not reachable from the start page(s) {starts} by followed links"
    clicks = len(path) - 1
    return f"Click path ({clicks} click{'' if clicks == 1 else 's'}): " + " -> ".join(map(terminal, path))


def inlink_lines(graph: SiteGraph, url: str) -> list[str]:
    inlinks = graph.inlinks(url)
    if not inlinks:
        return ["Linked from: no page links to it"]
    sources = {i.source for i in inlinks}
    counted = graph.inlink_count(url)
    lines = [f"Linked from {len(sources)} page(s), {counted} counted (reachable, followed):"]
    for i in inlinks[:MAX_INLINKS_SHOWN]:
        where = "content" if i.in_content else "chrome "
        notes = []
        if not i.reachable:
            notes.append("source not reachable")
        if not i.followed:
            notes.append("nofollow")
        if i.redirect:
            notes.append("redirect")
        note = f"  [{', '.join(notes)}]" if notes else ""
        anchor = terminal(i.anchor) if i.anchor else "(no anchor text)"
        lines.append(f"  {where}  {terminal(i.source)}  \"{anchor}\"{note}")
    if len(inlinks) > MAX_INLINKS_SHOWN:
        lines.append(f"  ... and {len(inlinks) - MAX_INLINKS_SHOWN} more")
    return lines


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
    return "\n".join(lines)
