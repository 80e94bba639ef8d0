"""Small self-contained SVG pictures for reports: a page's neighbourhood, a depth histogram.

Drawn by hand as text so reports need no plotting library and stay small (a
few KB per picture, whatever the site's size). Every string a page provides
(URL, title, anchor text) goes through ``esc`` before it reaches the markup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html import escape
from typing import Sequence

from ..graph import SiteGraph

MAX_PATH_SHOWN = 6  # path boxes drawn before the middle of a long path is elided
MAX_INLINKS_SHOWN = 8  # inlink boxes drawn; the rest are counted in one box

BOX_W = 250
BOX_H = 30
ROW = 46  # vertical distance between boxes
LEFT_X = 10
RIGHT_X = 340
LABEL_CHARS = 34

COLOURS = {
    "start": ("#d8f0d8", "#2e7d32"),
    "path": ("#dde8f8", "#1f5fa8"),
    "page": ("#fde0dc", "#c62828"),
    "inlink": ("#eeeeee", "#616161"),
    "more": ("#ffffff", "#9e9e9e"),
}


def esc(text: object) -> str:
    """Escape for XML text and attribute values alike."""
    return escape(str(text), quote=True)


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """Keep both ends of a long URL: the end usually names the page."""
    if len(text) <= limit:
        return text
    keep = limit - 1
    head = keep // 2
    return text[:head] + "…" + text[len(text) - (keep - head) :]


@dataclass
class _Box:
    x: int
    y: int
    label: str
    tooltip: str
    kind: str


def _box(b: _Box) -> str:
    fill, stroke = COLOURS[b.kind]
    weight = 2 if b.kind == "page" else 1
    return (
        f'<g class="lr-node lr-{b.kind}"><title>{esc(b.tooltip)}</title>'
        f'<rect x="{b.x}" y="{b.y}" width="{BOX_W}" height="{BOX_H}" rx="5" fill="{fill}" stroke="{stroke}" stroke-width="{weight}"/>'
        f'<text x="{b.x + 8}" y="{b.y + 19}" font-size="12" font-family="monospace" fill="#212121">{esc(shorten(b.label))}</text></g>'
    )


def _arrow(uid: str, x1: int, y1: int, x2: int, y2: int, *, dashed: bool = False, faint: bool = False) -> str:
    dash = ' stroke-dasharray="5,4"' if dashed else ""
    colour = "#bdbdbd" if faint else "#616161"
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" stroke-width="1.5"{dash} marker-end="url(#lr-arrow-{uid})"/>'


def _tooltip(graph: SiteGraph, url: str, extra: str = "") -> str:
    page = graph.pages.get(url)
    title = f"\n{page.title}" if page is not None and page.title else ""
    return f"{url}{title}{extra}"


def neighbourhood_svg(graph: SiteGraph, url: str, key: str = "") -> str:
    """The page, the click path to it from a start page, and the pages linking to it.

    Left column: the click path top to bottom, ending at the page (red). Right
    column: other pages linking to it (grey), with solid arrows for links in the
    content and dashed ones for links in nav/header/footer chrome. Sizes are
    capped, so a page with 5,000 inlinks draws the same few boxes.
    """
    # Marker ids must be unique in a report holding many pictures.
    uid = hashlib.sha1(f"{key}\n{url}".encode("utf-8", "replace")).hexdigest()[:10]
    path = graph.path_to(url)
    parts: list[str] = []
    left: list[_Box] = []
    if path:
        shown: list[str | int] = list(path[:-1])
        if len(shown) > MAX_PATH_SHOWN:
            hidden = len(shown) - (MAX_PATH_SHOWN - 1)
            shown = shown[:2] + [hidden] + shown[-(MAX_PATH_SHOWN - 3) :]
        for k, node in enumerate(shown):
            if isinstance(node, int):
                left.append(_Box(LEFT_X, 0, f"… {node} more clicks …", f"{node} pages on the path not drawn", "more"))
            else:
                kind = "start" if k == 0 else "path"
                left.append(_Box(LEFT_X, 0, node, _tooltip(graph, node, f"\ndepth {graph.depth(node)}"), kind))
    else:
        for start in graph.starts[:1]:
            left.append(_Box(LEFT_X, 0, start, _tooltip(graph, start, "\nstart page"), "start"))
    depth = graph.depth(url)
    page_note = f"\ndepth {depth}" if depth is not None else "\nnot reachable from a start page"
    page_box = _Box(LEFT_X, 0, url, _tooltip(graph, url, page_note), "page")

    gap_rows = 0 if path else 1  # room for the "no path" note under the start page
    for k, b in enumerate(left):
        b.y = 20 + k * ROW
    page_box.y = 20 + (len(left) + gap_rows) * ROW

    on_path = set(path[-2:-1])
    sources: dict[str, tuple[bool, bool]] = {}
    # The first pages only (one more than shown, and the one on the path), and how many there are.
    _, n_sources, first = graph.inlinks_by_source(url, MAX_INLINKS_SHOWN + 1 + len(on_path))
    for source, inlinks in first:
        if source in on_path:
            continue
        # "counted" as the inlink metrics count it: a followed link from a reachable page.
        sources[source] = (any(i.in_content for i in inlinks), any(i.followed and i.reachable for i in inlinks))
    items = list(sources.items())
    n_items = n_sources - len(on_path)  # the page before it on the click path links to it: it is a linking page
    right: list[tuple[_Box, bool, bool]] = []
    for source, (content, counted) in items[:MAX_INLINKS_SHOWN]:
        note = "\nlink in content" if content else "\nlink in nav/header/footer"
        if not counted:
            note += ", not counted (nofollow, or this page is not reachable)"
        right.append((_Box(RIGHT_X, 0, source, _tooltip(graph, source, note), "inlink"), content, counted))
    if n_items > MAX_INLINKS_SHOWN:
        rest = n_items - MAX_INLINKS_SHOWN
        right.append((_Box(RIGHT_X, 0, f"+ {rest} more linking pages", f"{rest} more pages link here", "more"), True, True))
    # Centre the inlink column on the page box, but never above the top.
    top = max(20, page_box.y - (len(right) - 1) * ROW // 2)
    for k, (b, _, _) in enumerate(right):
        b.y = top + k * ROW

    bottom = max([page_box.y] + [b.y for b, _, _ in right]) + BOX_H
    legend_y = bottom + 24
    height = legend_y + 48
    width = RIGHT_X + BOX_W + 10

    for upper, lower in zip(left + [page_box], (left + [page_box])[1:]):
        if upper.kind == "more" or lower.kind == "more":
            parts.append(f'<line x1="{LEFT_X + BOX_W // 2}" y1="{upper.y + BOX_H}" x2="{LEFT_X + BOX_W // 2}" y2="{lower.y}" stroke="#9e9e9e" stroke-dasharray="2,3"/>')
        elif path:
            parts.append(_arrow(uid, LEFT_X + BOX_W // 2, upper.y + BOX_H, LEFT_X + BOX_W // 2, lower.y - 2))
    if not path and left:
        mid = left[-1].y + BOX_H + (page_box.y - left[-1].y - BOX_H) // 2 + 4
        parts.append(
            f'<text x="{LEFT_X + 8}" y="{mid}" font-size="12" font-family="sans-serif" fill="#c62828">'
            "no followed path from the start page</text>"
        )
    for b, content, counted in right:
        if b.kind == "more":
            continue
        parts.append(
            _arrow(uid, b.x, b.y + BOX_H // 2, page_box.x + BOX_W + 2, page_box.y + BOX_H // 2, dashed=not content, faint=not counted)
        )
    for b in left + [page_box] + [b for b, _, _ in right]:
        parts.append(_box(b))
    parts.append(
        f'<text x="{LEFT_X}" y="{legend_y}" font-size="11" font-family="sans-serif" fill="#424242">'
        "green: start page · blue: click path · red: this page · grey: other pages linking here</text>"
        f'<text x="{LEFT_X}" y="{legend_y + 16}" font-size="11" font-family="sans-serif" fill="#424242">'
        "arrows: solid = link in the content, dashed = link in nav/header/footer</text>"
        f'<text x="{LEFT_X}" y="{legend_y + 32}" font-size="11" font-family="sans-serif" fill="#424242">'
        "faint arrow = not counted as an inlink (nofollow, or from an unreachable page)</text>"
    )
    label = f"Link neighbourhood of {url}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="linkrules-neighbourhood" role="img" '
        f'aria-label="{esc(label)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'style="max-width:100%;height:auto;background:#fff">'
        f'<defs><marker id="lr-arrow-{uid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#616161"/></marker></defs>'
        + "".join(parts)
        + "</svg>"
    )


MAX_BARS = 30  # deeper pages share the last bar


def depth_histogram_svg(depths: Sequence[int], unreachable: int, limit: int | None = None) -> str:
    """Pages per click depth as bars, unreachable pages as the last bar.

    ``depths[d]`` is the number of pages at depth d. Bars deeper than
    ``limit`` (the max-depth rule's max, when configured) are drawn red.
    """
    counts = list(depths)
    labels = [str(d) for d in range(len(counts))]
    if len(counts) > MAX_BARS:
        counts = counts[: MAX_BARS - 1] + [sum(counts[MAX_BARS - 1 :])]
        labels = labels[: MAX_BARS - 1] + [f"{MAX_BARS - 1}+"]
    bars = list(zip(labels, counts, [limit is not None and d > limit for d in range(len(counts))]))
    bars.append(("none", unreachable, unreachable > 0))
    bar_w, gap, chart_h, top = 26, 6, 110, 18
    width = max(320, 40 + len(bars) * (bar_w + gap))
    height = top + chart_h + 40
    peak = max((c for _, c, _ in bars), default=0) or 1
    parts = []
    for k, (label, count, bad) in enumerate(bars):
        x = 30 + k * (bar_w + gap)
        h = round(chart_h * count / peak)
        y = top + chart_h - h
        fill = "#c62828" if bad else "#1f5fa8"
        parts.append(
            f'<g><title>{esc(f"depth {label}: {count:,} pages" if label != "none" else f"not reachable: {count:,} pages")}</title>'
            f'<rect x="{x}" y="{y}" width="{bar_w}" height="{max(h, 1)}" fill="{fill}"/>'
            f'<text x="{x + bar_w // 2}" y="{y - 4}" font-size="10" text-anchor="middle" font-family="sans-serif">{count:,}</text>'
            f'<text x="{x + bar_w // 2}" y="{top + chart_h + 14}" font-size="11" text-anchor="middle" font-family="sans-serif">{esc(label)}</text></g>'
        )
    parts.append(
        f'<text x="30" y="{top + chart_h + 32}" font-size="11" font-family="sans-serif" fill="#424242">'
        "clicks from the start page (none: not reachable)</text>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="linkrules-depths" role="img" aria-label="Pages per click depth" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" style="max-width:100%;height:auto;background:#fff">'
        + "".join(parts)
        + "</svg>"
    )


def change_svg(rows: Sequence[tuple[str, tuple, tuple, tuple]]) -> str:
    """Before/after of the pages a change affected most: depth, inlinks and link score per page.

    One row per page; in each of the three columns a grey dot is the figure
    before, a coloured dot the figure after (red when worse, green when
    better), joined by a line. An unreachable page's depth is drawn past the
    deepest one, at the column's end, marked "none".
    """
    label_w, col_w, row_h, top = 260, 150, 22, 34
    width = label_w + 3 * (col_w + 20) + 10
    height = top + row_h * len(rows) + 16
    columns = (("depth (clicks)", 0, True), ("unique inlinks", 1, False), ("link score (x average)", 2, False))
    parts = []
    for k, (title, _, _) in enumerate(columns):
        x = label_w + k * (col_w + 20)
        parts.append(f'<text x="{x}" y="16" font-size="11" font-family="sans-serif" fill="#424242">{esc(title)}</text>')
    for k, (title, field, lower_is_better) in enumerate(columns):
        values = [v for row in rows for v in row[1 + field] if v is not None]
        peak = max(values, default=1) or 1
        if field == 0:
            peak += 1  # room for "none" (unreachable) at the end
        x0 = label_w + k * (col_w + 20)
        for r, row in enumerate(rows):
            before, after = row[1 + field]
            y = top + r * row_h + row_h // 2

            def at(v: float | None) -> float:
                return x0 + col_w * ((peak if v is None else v) / peak)

            worse = (after is None and before is not None) if field == 0 else False
            if not worse and before is not None and after is not None:
                worse = (after > before) if lower_is_better else (after < before)
            better = before != after and not worse
            colour = "#c62828" if worse else "#2e7d32" if better else "#757575"
            xb, xa = at(before), at(after)
            tip = f"{title}: {'none' if before is None else _fmt(before)} -> {'none' if after is None else _fmt(after)}"
            parts.append(
                f'<g><title>{esc(tip)}</title>'
                f'<line x1="{x0}" y1="{y}" x2="{x0 + col_w}" y2="{y}" stroke="#eeeeee"/>'
                f'<line x1="{xb:.1f}" y1="{y}" x2="{xa:.1f}" y2="{y}" stroke="{colour}" stroke-width="2"/>'
                f'<circle cx="{xb:.1f}" cy="{y}" r="4" fill="#9e9e9e"/><circle cx="{xa:.1f}" cy="{y}" r="4" fill="{colour}"/></g>'
            )
    for r, row in enumerate(rows):
        y = top + r * row_h + row_h // 2 + 4
        parts.append(
            f'<text x="6" y="{y}" font-size="11" font-family="monospace" fill="#212121"><title>{esc(row[0])}</title>{esc(shorten(row[0], 36))}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="linkrules-change" role="img" aria-label="Pages most affected, before and after" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" style="max-width:100%;height:auto;background:#fff">'
        + "".join(parts)
        + "</svg>"
    )


def _fmt(value: float) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)

