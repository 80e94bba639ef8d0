"""Graph exports load back into networkx with the same pages, links and figures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx
import pytest

from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import CONTENT, NOFOLLOW, Link, Page
from pytest_linkrules.report.export import format_for, write


@pytest.fixture
def graph() -> SiteGraph:
    """A small site with a nofollow link, a chrome link, an orphan and awkward titles."""
    pages = {
        "/": Page("/", title="Home & <co>", source="index.html", links=(Link("/a/", anchor="A"), Link("/b,c/", flags=0))),
        "/a/": Page("/a/", title='A "quoted" \x07 title', source="a/index.html", links=(Link("/b,c/"), Link("/", flags=CONTENT | NOFOLLOW))),
        "/b,c/": Page("/b,c/", title="Ünïcode ☃", source="b,c/index.html", noindex=True),
        "/lost/": Page("/lost/", title="<script>alert(1)</script>", source="lost/index.html", links=(Link("/a/"),)),
    }
    g = SiteGraph(pages, ["/"])
    g.roles = {"pillar": frozenset({"/a/"}), "post": frozenset({"/a/", "/b,c/"})}  # as [roles] would
    return g


def exported(graph: SiteGraph, fmt: str) -> str:
    out = io.StringIO()
    write(graph, fmt, out)
    return out.getvalue()


def expected_edges(graph: SiteGraph) -> dict[tuple[str, str], tuple[bool, bool]]:
    return {(s, t): (d["content"], d["followed"]) for s, t, d in graph.nx.edges(data=True)}


def test_graphml_loads_back(graph: SiteGraph, tmp_path: Path) -> None:
    path = tmp_path / "site.graphml"
    path.write_text(exported(graph, "graphml"), encoding="utf-8")
    g = nx.read_graphml(path)
    assert g.is_directed() and set(g.nodes) == set(graph.urls)
    assert {(s, t): (d["content"], d["followed"]) for s, t, d in g.edges(data=True)} == expected_edges(graph)
    assert g.nodes["/a/"]["depth"] == 1 and g.nodes["/lost/"]["depth"] == -1
    assert g.nodes["/lost/"]["reachable"] is False
    assert g.nodes["/b,c/"]["inlinks"] == 2 and g.nodes["/b,c/"]["noindex"] is True
    assert g.nodes["/"]["title"] == "Home & <co>"
    assert g.nodes["/a/"]["title"] == 'A "quoted" \ufffd title'  # a control character XML can't hold
    assert g.nodes["/a/"]["roles"] == "pillar post"
    assert g.nodes["/a/"]["link_score"] == pytest.approx(graph.rank("/a/"))


def test_json_node_link_loads_back(graph: SiteGraph) -> None:
    g = nx.node_link_graph(json.loads(exported(graph, "json")), edges="edges")
    assert g.is_directed() and set(g.nodes) == set(graph.urls)
    assert {(s, t): (d["content"], d["followed"]) for s, t, d in g.edges(data=True)} == expected_edges(graph)
    assert g.nodes["/lost/"]["depth"] is None and g.nodes["/lost/"]["title"] == "<script>alert(1)</script>"
    assert g.nodes["/b,c/"]["roles"] == ["post"] and g.nodes["/b,c/"]["title"] == "Ünïcode ☃"
    assert sum(d["link_score"] for _, d in g.nodes(data=True)) == pytest.approx(1.0)
    assert g.graph["starts"] == ["/"]


def test_csv_edge_list_loads_back(graph: SiteGraph) -> None:
    g = nx.DiGraph()
    for row in csv.DictReader(io.StringIO(exported(graph, "csv"))):
        g.add_edge(row["source"], row["target"], content=row["content"] == "1", followed=row["followed"] == "1")
        g.nodes[row["target"]].update(depth=int(row["target_depth"]), inlinks=int(row["target_inlinks"]), roles=row["target_roles"])
        g.nodes[row["source"]].update(depth=int(row["source_depth"]), link_score=float(row["source_link_score"]))
    assert set(g.nodes) == set(graph.urls)  # every page here has a link in or out
    assert {(s, t): (d["content"], d["followed"]) for s, t, d in g.edges(data=True)} == expected_edges(graph)
    assert g.nodes["/b,c/"]["depth"] == 1 and g.nodes["/b,c/"]["roles"] == "post"
    assert g.nodes["/lost/"]["depth"] == -1
    assert g.nodes["/"]["link_score"] == pytest.approx(graph.rank("/"))


def test_formats_follow_file_names() -> None:
    assert [format_for(p) for p in ("site.graphml", "SITE.JSON", "edges.csv", "site.txt")] == ["graphml", "json", "csv", None]


def test_an_unknown_format_is_refused(graph: SiteGraph) -> None:
    with pytest.raises(ValueError, match="unknown graph format 'dot'; expected one of: graphml, json, csv"):
        write(graph, "dot", io.StringIO())
