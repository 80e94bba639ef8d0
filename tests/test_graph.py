"""The site graph and its metrics, on graphs built by hand (graph.py)."""

from __future__ import annotations

import networkx as nx
import pytest
from helpers.graphs import chrome, content, graph, nofollow, redirect

from pytest_linkrules.graph import Inlink, SiteGraph
from pytest_linkrules.model import CONTENT, NOFOLLOW, REDIRECT

CHAIN = {"/": ["/a/"], "/a/": ["/b/"], "/b/": ["/c/"], "/c/": []}


def test_depth_and_path_along_a_chain() -> None:
    g = graph(CHAIN)
    assert [g.depth(u) for u in g.urls] == [0, 1, 2, 3]
    assert g.path_to("/c/") == ["/", "/a/", "/b/", "/c/"]
    assert g.path_to("/") == ["/"]
    assert g.max_depth == 3


def test_depth_is_the_shortest_path() -> None:
    g = graph({"/": ["/a/", "/c/"], "/a/": ["/b/"], "/b/": ["/c/"], "/c/": ["/b/"]})
    assert (g.depth("/b/"), g.depth("/c/")) == (2, 1)
    assert g.path_to("/b/") in (["/", "/a/", "/b/"], ["/", "/c/", "/b/"])


def test_several_start_pages() -> None:
    g = graph({"/": ["/a/"], "/a/": [], "/docs/": ["/docs/b/"], "/docs/b/": ["/a/"]}, starts=["/", "/docs/"])
    assert [g.depth(u) for u in g.urls] == [0, 1, 0, 1]
    assert g.path_to("/docs/b/") == ["/docs/", "/docs/b/"]


def test_orphans_and_unreachable_pages() -> None:
    # /x/ and /y/ link to each other and to /a/, but nothing reachable links to them.
    g = graph({"/": ["/a/"], "/a/": [], "/x/": ["/y/", "/a/"], "/y/": ["/x/"]})
    assert g.orphans == ["/x/", "/y/"]
    assert (g.depth("/x/"), g.is_reachable("/x/"), g.path_to("/x/")) == (None, False, [])
    assert g.is_reachable("/a/")


def test_nofollow_links_do_not_make_a_page_reachable() -> None:
    g = graph({"/": [nofollow("/a/"), chrome("/b/")], "/a/": ["/c/"], "/b/": [], "/c/": []})
    assert g.orphans == ["/a/", "/c/"]
    assert g.depth("/b/") == 1  # chrome links are followed


def test_redirect_edges_are_followed() -> None:
    g = graph({"/": ["/old/"], "/old/": [redirect("/new/")], "/new/": []})
    assert g.path_to("/new/") == ["/", "/old/", "/new/"]
    assert g.nx.edges["/old/", "/new/"] == {"content": True, "followed": True, "redirect": True}


def test_links_to_pages_that_are_not_in_the_graph_are_ignored() -> None:
    g = graph({"/": ["/a/", "/gone/"], "/a/": []})
    assert g.n_links == 1
    assert g.outlink_count("/") == 1


def test_start_pages_that_are_not_pages_are_dropped() -> None:
    g = graph({"/": [], "/a/": []}, starts=["/nope/", "/a/"])
    assert g.starts == ("/a/",)
    assert g.orphans == ["/"]


def test_no_start_page_means_everything_is_unreachable() -> None:
    g = graph({"/": ["/a/"], "/a/": []}, starts=[])
    assert g.orphans == ["/", "/a/"]
    assert g.max_depth == 0


def test_an_empty_graph() -> None:
    g = SiteGraph({}, ["/"])
    assert (g.urls, g.orphans, g.n_links, g.max_depth, len(g.pagerank)) == ([], [], 0, 0, 0)
    assert g.archive_only(lambda u: True) == []
    assert list(g.nx.nodes) == []


# ------------------------------------------------------------------ inlinks

INLINKS = {
    "/": ["/a/", "/target/", chrome("/b/"), "/orphan-linked/"],
    "/a/": ["/target/", "/target/", chrome("/target/"), "/a/"],  # parallel and self links
    "/b/": [chrome("/target/"), nofollow("/c/")],
    "/c/": [nofollow("/target/")],  # unreachable (only a nofollow link leads here)
    "/orphan/": ["/target/", "/orphan-linked/"],
    "/orphan-linked/": [],
    "/target/": [],
}


def test_unique_and_content_inlinks() -> None:
    g = graph(INLINKS)
    # Reachable, followed sources of /target/: /, /a/ (three links, one edge), /b/.
    assert g.inlink_count("/target/") == 3
    # /b/ links from chrome only; /a/ has content and chrome links: the edge is content.
    assert g.content_inlink_count("/target/") == 2
    assert g.inlink_count("/orphan-linked/") == 1  # / counts, /orphan/ does not
    assert g.inlink_count("/c/") == 0  # nofollow only
    assert g.inlink_count("/a/") == 1  # its self-link is dropped
    assert g.outlink_count("/a/") == 1
    assert g.n_links == 10  # edges: parallel links are one, self-links none


def test_inlinks_list_every_link_reachable_and_followed_first() -> None:
    g = graph(INLINKS)
    assert g.inlinks("/target/") == [
        Inlink("/", "to /target/", True, True, True),
        Inlink("/a/", "to /target/", True, True, True),
        Inlink("/a/", "to /target/", True, True, True),
        Inlink("/a/", "to /target/", False, True, True),
        Inlink("/b/", "to /target/", False, True, True),
        Inlink("/orphan/", "to /target/", True, True, False),
        Inlink("/c/", "to /target/", True, False, False),
    ]
    assert g.inlinks("/") == []


def test_edge_flags_combine_parallel_links() -> None:
    g = graph({"/": [nofollow("/a/"), chrome("/a/"), nofollow("/b/"), chrome("/c/"), chrome("/c/")], "/a/": [], "/b/": [], "/c/": []})
    assert dict(g.nx.edges) == {
        ("/", "/a/"): {"content": True, "followed": True, "redirect": False},
        ("/", "/b/"): {"content": True, "followed": False, "redirect": False},
        ("/", "/c/"): {"content": False, "followed": True, "redirect": False},
    }
    assert (g.inlink_count("/a/"), g.content_inlink_count("/a/")) == (1, 1)
    assert (g.inlink_count("/b/"), g.content_inlink_count("/b/")) == (0, 0)
    assert (g.inlink_count("/c/"), g.content_inlink_count("/c/")) == (1, 0)


# ------------------------------------------------------------- archive-only

ARCHIVES = {
    "/": ["/blog/", "/tag/seo/", "/guide/"],
    "/blog/": ["/post-1/", "/page/2/"],
    "/page/2/": ["/post-2/"],  # pagination: the only way to post-2
    "/tag/seo/": ["/post-1/", "/post-3/", "/tag/seo/page/2/"],
    "/tag/seo/page/2/": ["/post-4/"],
    "/guide/": ["/post-4/"],
    "/post-1/": [],
    "/post-2/": ["/post-5/"],  # post-5 is reached through post-2, itself archive-only
    "/post-3/": [],
    "/post-4/": [],
    "/post-5/": [],
    "/orphan/": [],
}


def is_archive(url: str) -> bool:
    return url.startswith(("/tag/", "/page/"))


def test_archive_only() -> None:
    g = graph(ARCHIVES)
    assert g.archive_only(is_archive) == ["/post-2/", "/post-3/", "/post-5/"]


def test_archive_only_without_archives() -> None:
    assert graph(ARCHIVES).archive_only(lambda url: False) == []


def test_a_nofollow_link_does_not_save_a_page_from_archive_only() -> None:
    spec = dict(ARCHIVES, **{"/guide/": ["/post-4/", nofollow("/post-3/")]})
    assert graph(spec).archive_only(is_archive) == ["/post-2/", "/post-3/", "/post-5/"]


# ---------------------------------------------------------------- pagerank

PR_SITE = {
    "/": ["/a/", "/b/", chrome("/c/")],
    "/a/": ["/", "/b/", "/a/"],
    "/b/": ["/c/", nofollow("/d/")],
    "/c/": ["/", "/a/"],
    "/d/": [],  # dangling
    "/e/": ["/"],  # orphan with an outlink
}


def followed_digraph(g: SiteGraph) -> nx.DiGraph:
    d = nx.DiGraph()
    d.add_nodes_from(g.urls)
    d.add_edges_from((s, t) for s, t, followed in g.nx.edges(data="followed") if followed)
    return d


def test_pagerank_sums_to_one_and_agrees_with_networkx() -> None:
    g = graph(PR_SITE)
    assert g.pagerank.sum() == pytest.approx(1.0, abs=1e-12)
    expected = nx.pagerank(followed_digraph(g), alpha=0.85, tol=1e-12, max_iter=1000)
    for url in g.urls:
        assert g.rank(url) == pytest.approx(expected[url], abs=1e-8), url
    assert g.rank("/") > g.rank("/e/")


def test_pagerank_of_a_graph_without_links_is_uniform() -> None:
    g = graph({"/": [], "/a/": [], "/b/": [], "/c/": []})
    assert list(g.pagerank) == pytest.approx([0.25] * 4)


# ---------------------------------------------------------------- networkx


def test_networkx_view() -> None:
    g = graph(
        {"/": ["/a/", chrome("/b/")], "/a/": ["/b/", nofollow("/c/")], "/b/": [], "/c/": [], "/x/": ["/b/"]},
    )
    d = g.nx
    assert isinstance(d, nx.DiGraph)
    assert g.nx is d  # built once
    assert list(d.nodes) == ["/", "/a/", "/b/", "/c/", "/x/"]
    assert {k: v for k, v in d.nodes["/b/"].items() if k != "pagerank"} == {
        "title": "Title of /b/",
        "depth": 1,
        "inlinks": 2,
        "content_inlinks": 1,
        "noindex": False,
        "canonical": None,
        "source": "b/index.html",
    }
    assert d.nodes["/c/"]["depth"] is None
    assert d.nodes["/x/"]["inlinks"] == 0
    assert sum(pr for _, pr in d.nodes(data="pagerank")) == pytest.approx(1.0)
    assert sorted(d.edges) == [("/", "/a/"), ("/", "/b/"), ("/a/", "/b/"), ("/a/", "/c/"), ("/x/", "/b/")]
    assert d.edges["/", "/b/"] == {"content": False, "followed": True, "redirect": False}
    assert d.edges["/a/", "/c/"] == {"content": True, "followed": False, "redirect": False}
    # The networkx view agrees with the graph's own metrics.
    assert nx.shortest_path_length(followed_digraph(g), "/", "/b/") == g.depth("/b/")


def test_broken_links_are_listed_with_their_page() -> None:
    g = graph({"/": [], "/a/": []}, broken={"/a/": ["/gone/", "/gone-too/"]})
    assert [(url, link.target) for url, link in g.broken_links()] == [("/a/", "/gone/"), ("/a/", "/gone-too/")]
    assert g.n_links == 0


@pytest.mark.parametrize("chunk", [1, 3, 17, 1 << 22])  # links read at once: a page at a time, a few pages, a round at once
def test_depths_and_click_paths_equal_a_queue_breadth_first_search(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The vectorised BFS gives the tree scipy's csgraph.breadth_first_order gave (depths and predecessors)."""
    import random

    import pytest_linkrules.graph

    monkeypatch.setattr(pytest_linkrules.graph, "BLOCK", chunk)

    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    rng = random.Random(12)
    for _ in range(500):
        n = rng.randint(1, 50)
        urls = [f"/{i}/" for i in range(n)]
        m = rng.randint(0, n * 4)
        src = np.array([rng.randrange(n) for _ in range(m)], dtype=np.int64)
        dst = np.array([rng.randrange(n) for _ in range(m)], dtype=np.int64)
        flags = np.array([rng.choice([0, 0, 0, NOFOLLOW]) for _ in range(m)], dtype=np.uint8)
        starts = [urls[rng.randrange(n)] for _ in range(rng.randint(1, 3))]
        g = SiteGraph.from_edges(urls, src, dst, flags, starts)
        matrix = g._follow_matrix
        # The reference: one BFS from a virtual root (row n) linking to the start pages.
        first = np.array([g.index[s] for s in starts], dtype=np.int64)
        indptr = np.append(matrix.indptr.astype(np.int64), matrix.indptr[-1] + len(first))
        big = sparse.csr_matrix((np.ones(len(matrix.indices) + len(first)), np.concatenate([matrix.indices, first]), indptr), shape=(n + 1, n + 1))
        order, preds = csgraph.breadth_first_order(big, n, directed=True, return_predecessors=True)
        want_pred = np.where(preds[:n] == n, -1, preds[:n])
        want_pred[preds[:n] < 0] = -1
        want_depth = np.full(n, -1)
        for i in order[1:]:
            want_depth[i] = 0 if preds[i] == n else want_depth[preds[i]] + 1
        depth, pred = g._depth_pred
        assert depth.tolist() == want_depth.tolist()
        assert pred.tolist() == want_pred.tolist()




@pytest.mark.parametrize("block", [1, 2, 5, 1 << 22])  # runs of parallel links cut by block edges, or not
@pytest.mark.parametrize("high_bit", [0, 128])  # flags past 7 bits take the sort by (source, target) instead of packed keys
def test_parallel_links_become_one_edge_with_their_flags_combined(block: int, high_bit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    import numpy as np

    import pytest_linkrules.graph

    monkeypatch.setattr(pytest_linkrules.graph, "BLOCK", block)
    rng = random.Random(block + high_bit)
    for _ in range(100):
        n = rng.randint(1, 12)
        m = rng.randint(0, 60)
        src = [rng.randrange(n) for _ in range(m)]
        dst = [rng.randrange(-1, n) for _ in range(m)]
        flags = [rng.choice([0, CONTENT, NOFOLLOW, REDIRECT, CONTENT | NOFOLLOW]) | high_bit for _ in range(m)]
        urls = [f"/{i}/" for i in range(n)]
        g = SiteGraph.from_edges(urls, np.array(src), np.array(dst), np.array(flags, dtype=np.uint8), ["/0/"])
        want: dict[tuple[int, int], list[int]] = {}
        for s, d, f in zip(src, dst, flags):
            if d >= 0 and d != s:
                want.setdefault((s, d), []).append(f)
        got = {
            (s, d): (c, fo, r)
            for s, d, c, fo, r in zip(g.edge_src.tolist(), g.edge_dst.tolist(), g.edge_content.tolist(), g.edge_followed.tolist(), g.edge_redirect.tolist())
        }
        assert list(got) == sorted(want)
        assert got == {
            k: (any(f & CONTENT for f in fs), any(not f & NOFOLLOW for f in fs), any(f & REDIRECT for f in fs)) for k, fs in want.items()
        }
