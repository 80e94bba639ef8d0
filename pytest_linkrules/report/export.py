"""The link graph as files other tools read: GraphML, JSON node-link, CSV edge list.

Written straight from the graph's arrays, row by row, rather than through
networkx's writers: building the networkx graph of a 100k-page site takes
longer than the crawl. All three formats load back into networkx:

* GraphML: ``nx.read_graphml(path)``
* JSON: ``nx.node_link_graph(json.load(f), edges="edges")`` (networkx >= 3.4)
* CSV: one row per link; ``csv.DictReader`` rows into ``DiGraph.add_edge``.
  Pages without any link in or out (rare) are not in an edge list. A text cell
  a spreadsheet would read as a formula (it starts with =, +, -, @, tab or CR)
  gets a leading apostrophe (OWASP's advice against CSV injection).

Page attributes: title, depth (clicks from a start page; -1 in GraphML and CSV
and null in JSON when unreachable), reachable, inlinks (unique reachable pages
linking with a followed link), content_inlinks, outlinks, link_score (internal
PageRank, summing to 1), noindex, source (the built file), roles (when
linkrules.toml defines [roles]; space-separated in GraphML and CSV). Link
attributes: content (in the page content, not nav/footer), followed (not
nofollow), redirect (meta refresh or HTTP redirect).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from typing import Any, Iterator, TextIO
from xml.sax.saxutils import escape as xml_escape, quoteattr

import numpy as np

from ..graph import UNREACHABLE, SiteGraph
from .escape import csv_cell

FORMATS = ("graphml", "json", "csv")
SUFFIXES = {".graphml": "graphml", ".xml": "graphml", ".json": "json", ".csv": "csv"}


@dataclass(frozen=True)
class _Attr:
    name: str
    graphml_type: str


NODE_ATTRS = (
    _Attr("title", "string"),
    _Attr("depth", "int"),
    _Attr("reachable", "boolean"),
    _Attr("inlinks", "int"),
    _Attr("content_inlinks", "int"),
    _Attr("outlinks", "int"),
    _Attr("link_score", "double"),
    _Attr("noindex", "boolean"),
    _Attr("source", "string"),
    _Attr("roles", "string"),
)
EDGE_ATTRS = (_Attr("content", "boolean"), _Attr("followed", "boolean"), _Attr("redirect", "boolean"))

# Characters XML 1.0 can't hold at all; a page title can contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def format_for(path: str) -> str | None:
    """The format a file name implies (site.graphml -> graphml), or None."""
    lowered = path.lower()
    return next((fmt for suffix, fmt in SUFFIXES.items() if lowered.endswith(suffix)), None)


def _page_rows(graph: SiteGraph) -> Iterator[dict[str, Any]]:
    """One dict of attributes per page, in graph order."""
    n = len(graph.urls)
    depths = graph.depths
    rank = graph.pagerank
    outlinks = np.bincount(graph.edge_src, minlength=n) if n else np.zeros(0, dtype=np.int64)
    roles_of: dict[str, list[str]] = {}
    for role, urls in sorted((getattr(graph, "roles", None) or {}).items()):
        for url in urls:
            roles_of.setdefault(url, []).append(role)
    for i, url in enumerate(graph.urls):
        page = graph.pages[url]
        d = int(depths[i])
        yield {
            "id": url,
            "title": page.title,
            "depth": None if d == UNREACHABLE else d,
            "reachable": d != UNREACHABLE,
            "inlinks": graph.inlink_count(url),
            "content_inlinks": graph.content_inlink_count(url),
            "outlinks": int(outlinks[i]),
            "link_score": float(rank[i]),
            "noindex": bool(page.noindex),
            "source": page.source,
            "roles": roles_of.get(url, []),
        }


def _edge_rows(graph: SiteGraph) -> Iterator[tuple[int, int, bool, bool, bool]]:
    yield from zip(
        graph.edge_src.tolist(),
        graph.edge_dst.tolist(),
        graph.edge_content.tolist(),
        graph.edge_followed.tolist(),
        graph.edge_redirect.tolist(),
    )


def write(graph: SiteGraph, fmt: str, out: TextIO) -> None:
    """Write the graph in one of FORMATS to a text stream."""
    if fmt == "graphml":
        write_graphml(graph, out)
    elif fmt == "json":
        write_json(graph, out)
    elif fmt == "csv":
        write_csv(graph, out)
    else:
        raise ValueError(f"unknown graph format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def _xml(text: str) -> str:
    return xml_escape(_NOT_XML.sub("\ufffd", text))


def _graphml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(value)
    if value is None:
        return "-1"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_graphml(graph: SiteGraph, out: TextIO) -> None:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    for k, attr in enumerate(NODE_ATTRS):
        out.write(f'<key id="n{k}" for="node" attr.name="{attr.name}" attr.type="{attr.graphml_type}"/>\n')
    for k, attr in enumerate(EDGE_ATTRS):
        out.write(f'<key id="e{k}" for="edge" attr.name="{attr.name}" attr.type="{attr.graphml_type}"/>\n')
    out.write('<graph id="site" edgedefault="directed">\n')
    for row in _page_rows(graph):
        data = "".join(
            f'<data key="n{k}">{_xml(_graphml_value(row[attr.name]))}</data>' for k, attr in enumerate(NODE_ATTRS)
        )
        out.write(f"<node id={quoteattr(_NOT_XML.sub(chr(0xFFFD), row['id']))}>{data}</node>\n")
    urls = [quoteattr(_NOT_XML.sub("\ufffd", u)) for u in graph.urls]
    for s, d, content, followed, redirect in _edge_rows(graph):
        out.write(
            f"<edge source={urls[s]} target={urls[d]}>"
            f'<data key="e0">{"true" if content else "false"}</data>'
            f'<data key="e1">{"true" if followed else "false"}</data>'
            f'<data key="e2">{"true" if redirect else "false"}</data></edge>\n'
        )
    out.write("</graph>\n</graphml>\n")


def write_json(graph: SiteGraph, out: TextIO) -> None:
    """networkx's node-link layout, written one node and one edge per line."""
    head = {"directed": True, "multigraph": False, "graph": {"starts": list(graph.starts)}}
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ',\n"nodes": [\n')
    for k, row in enumerate(_page_rows(graph)):
        out.write(("" if k == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
    out.write('\n],\n"edges": [\n')
    urls = graph.urls
    for k, (s, d, content, followed, redirect) in enumerate(_edge_rows(graph)):
        edge = {"source": urls[s], "target": urls[d], "content": content, "followed": followed, "redirect": redirect}
        out.write(("" if k == 0 else ",\n") + json.dumps(edge, ensure_ascii=False))
    out.write("\n]}\n")


CSV_PAGE_FIELDS = ("depth", "inlinks", "link_score", "roles")


def write_csv(graph: SiteGraph, out: TextIO) -> None:
    """An edge list: one row per link, with both pages' key figures beside it."""
    rows = list(_page_rows(graph))
    header = ["source", "target", "content", "followed", "redirect"]
    header += [f"source_{f}" for f in CSV_PAGE_FIELDS] + [f"target_{f}" for f in CSV_PAGE_FIELDS]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)

    def figures(row: dict[str, Any]) -> list[Any]:
        depth = -1 if row["depth"] is None else row["depth"]
        return [depth, row["inlinks"], repr(row["link_score"]), " ".join(row["roles"])]

    cached = [figures(r) for r in rows]
    urls = graph.urls
    for s, d, content, followed, redirect in _edge_rows(graph):
        row = [urls[s], urls[d], int(content), int(followed), int(redirect), *cached[s], *cached[d]]
        writer.writerow([csv_cell(v) for v in row])
