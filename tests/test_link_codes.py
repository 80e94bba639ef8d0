"""The graph built from the crawl's link tables equals the graph built from the Link objects.

A crawled page holds its links' numbers in the crawl's link table
(crawl/linktable.py), and the graph build reads targets and flags from those
tables as arrays instead of reading 30M Link objects at a million pages. Each
check builds the graph from such pages and from the same pages without the
numbers (the Link objects), and also replays the build as it was before
(written out below: one stable argsort of source x pages + target), on random
graphs with several worker tables, pages whose links were replaced, and on
real crawls of fixture folders, a WARC and a deployed site.
"""

from __future__ import annotations

import pickle
import random
from array import array
from dataclasses import replace
from itertools import chain, repeat
from operator import attrgetter
from pathlib import Path

import numpy as np
import pytest

from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.crawl.cache import WholeCrawl
from pytest_linkrules.crawl.folder import crawl_folder
from pytest_linkrules.crawl.linktable import LinkReceiver, LinkTable, LocalLinks, coded
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import CONTENT, FRAGMENT, IGNORED, JS_ONLY, NOFOLLOW, REDIRECT, VIA_REDIRECT, Link, Page

from helpers.sitebuilder import page, write_site

SITES = Path(__file__).parent / "sites"
ARRAYS = ("link_dst", "link_flags", "link_offsets", "edge_src", "edge_dst", "edge_content", "edge_followed", "edge_redirect")
FLAGS = (CONTENT, NOFOLLOW, REDIRECT, VIA_REDIRECT, JS_ONLY, FRAGMENT, IGNORED)


def old_edges(pages: dict[str, Page]) -> dict[str, np.ndarray]:
    """The graph build before the link tables and the packed sort, as it was."""
    urls = list(pages)
    index = {u: i for i, u in enumerate(urls)}
    n = len(urls)
    counts = np.fromiter((len(p.links) for p in pages.values()), dtype=np.int64, count=n)
    links = list(chain.from_iterable(p.links for p in pages.values()))
    src = np.repeat(np.arange(n, dtype=np.int64), counts)
    dst = np.fromiter(map(index.get, map(attrgetter("target"), links), repeat(-1)), dtype=np.int64, count=len(links))
    flags = np.fromiter(map(attrgetter("flags"), links), dtype=np.uint8, count=len(links))
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    out = {"link_dst": dst.astype(np.int32), "link_flags": flags, "link_offsets": offsets}
    keep = (dst >= 0) & (dst != src)
    src, dst, flags = src[keep], dst[keep], flags[keep]
    key = src * max(n, 1) + dst
    order = np.argsort(key, kind="stable")
    key, flags = key[order], flags[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    key = key[first]
    src = key // max(n, 1)
    out["edge_dst"] = (key - src * max(n, 1)).astype(np.int32)  # page numbers are int32 in the graph
    out["edge_src"] = src.astype(np.int32)
    if len(starts):
        out["edge_content"] = np.logical_or.reduceat((flags & CONTENT) != 0, starts)
        out["edge_followed"] = np.logical_or.reduceat((flags & NOFOLLOW) == 0, starts)
        out["edge_redirect"] = np.logical_or.reduceat((flags & REDIRECT) != 0, starts)
    else:
        out["edge_content"] = out["edge_followed"] = out["edge_redirect"] = np.zeros(0, dtype=bool)
    fragments = [(urls[s], links[k]) for k, s in enumerate(np.repeat(np.arange(n), counts).tolist()) if links[k].flags & FRAGMENT]
    out["fragments"] = fragments  # type: ignore[assignment]
    return out


def without_codes(pages: dict[str, Page]) -> dict[str, Page]:
    return {u: replace(p) for u, p in pages.items()}


def assert_same_graph(pages: dict[str, Page], starts: tuple[str, ...] = ("/",)) -> SiteGraph:
    g = SiteGraph(pages, starts)
    plain = SiteGraph(without_codes(pages), starts)
    old = old_edges(pages)
    for name in ARRAYS:
        assert np.array_equal(getattr(g, name), getattr(plain, name)), name
        assert np.array_equal(getattr(g, name), old[name]), name
        assert getattr(g, name).dtype == old[name].dtype, name
    assert g.fragment_links() == plain.fragment_links() == old["fragments"]
    assert np.array_equal(g.depths, plain.depths)
    return g


def random_crawl(seed: int, n: int = 60) -> dict[str, Page]:
    """Pages packed by several workers' LinkTables and unpacked by one LinkReceiver, as crawl_folder does."""
    rnd = random.Random(seed)
    urls = ["/"] + [f"/p{i}/" for i in range(n - 1)]
    receiver = LinkReceiver()
    tables = {w: LinkTable() for w in range(rnd.randrange(1, 4))}
    pages: dict[str, Page] = {}
    for url in urls:
        worker = rnd.choice(list(tables))
        table = tables[worker]
        numbers, broken = array("I"), array("I")
        for _ in range(rnd.randrange(0, 9)):
            target = rnd.choice(urls + ["/elsewhere/", url, url])  # targets off the graph, self links
            flags = 0
            for bit in FLAGS:
                if rnd.random() < 0.3:
                    flags |= bit
            numbers.append(table.number(target, target + rnd.choice(["", "#x", "?q"]), rnd.choice(["a", "b", ""]), flags))
        if rnd.random() < 0.1:
            broken.append(table.number("/missing/", "/missing/", "m", CONTENT))
        receiver.receive(worker, table.new_links())
        pages[url] = receiver.unpack(worker, (Page(url=url, title=url), numbers, broken))
    for url in rnd.sample(urls, n // 6):  # pages whose links were replaced (a render): read as objects
        pages[url] = replace(pages[url], links=pages[url].links[::-1] + (Link("/", "/", "home", CONTENT),))
    return pages


@pytest.mark.parametrize("seed", range(40))
def test_a_graph_from_link_tables_equals_the_object_walk(seed: int) -> None:
    pages = random_crawl(seed)
    assert any(coded(p) for p in pages.values())
    assert_same_graph(pages, ("/",) if seed % 5 else ())


def test_every_page_coded_or_none_and_an_empty_site() -> None:
    pages = random_crawl(3)
    assert_same_graph({u: p for u, p in pages.items() if coded(p)})
    assert_same_graph(without_codes(pages))
    assert_same_graph({})
    assert_same_graph({"/": Page(url="/")})


def test_codes_never_outlive_their_links() -> None:
    pages = random_crawl(7)
    p = next(p for p in pages.values() if coded(p) and p.links)
    assert coded(replace(p, links=p.links[1:])) is None  # a new page: the numbers described the old links
    assert coded(replace(p)) is None
    back = pickle.loads(pickle.dumps(p))  # the table stays behind: only the page's fields travel
    assert back == p and coded(back) is None and "_link_codes" not in back.__dict__


def test_a_table_still_receiving_after_a_graph_was_built() -> None:
    table, receiver = LinkTable(), LinkReceiver()
    first = array("I", [table.number("/a/", "/a/", "a", CONTENT), table.number("/", "/", "h", 0)])
    receiver.receive(0, table.new_links())
    pages = {"/": receiver.unpack(0, (Page(url="/"), first, array("I")))}
    pages["/a/"] = Page(url="/a/")
    assert_same_graph(pages)
    more = array("I", [table.number("/b/", "/b/", "b", CONTENT)])
    receiver.receive(0, table.new_links())  # the table's arrays were read: they can still grow
    pages["/b/"] = Page(url="/b/")
    pages["/a/"] = receiver.unpack(0, (Page(url="/a/"), more, array("I")))
    g = assert_same_graph(pages)
    assert g.depths.tolist() == [0, 1, 2]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("site", ["urls", "meta", "blog", "fragments", "reports"])
def test_a_folder_crawl_gives_pages_the_graph_reads_as_arrays(site: str, workers: int) -> None:
    pages, _ = crawl_folder(SITES / site, ("https://www.example.com",), workers=workers)
    assert [u for u, p in pages.items() if p.links and coded(p) is None] == []
    assert_same_graph(pages, tuple(pages)[:1])


def test_a_large_folder_crawled_by_two_workers(tmp_path: Path) -> None:
    rnd = random.Random(1)
    n = 900  # over the folder crawl's threshold for a process pool
    files = {}
    for i in range(n):
        nav = "".join(f'<a href="/p{k}/">nav {k}</a>' for k in range(5))
        body = "".join(f'<a href="/p{rnd.randrange(n + 20)}/{rnd.choice(["", "#top"])}">x{rnd.randrange(3)}</a>' for _ in range(rnd.randrange(8)))
        if i % 13 == 0:
            body += f'<a rel="nofollow" href="/p{i}/">me</a><a href="https://elsewhere.example/">out</a>'
        files[f"p{i}/index.html"] = page(f"p{i}", nav=nav, body=body)
    write_site(tmp_path, files)
    pages, _ = crawl_folder(tmp_path, workers=2)
    assert len(pages) == n and all(coded(p) for p in pages.values() if p.links)
    tables = {id(coded(p)[0]) for p in pages.values() if p.links}  # type: ignore[index]
    assert len(tables) == 2  # one per worker process
    assert_same_graph(pages, ("/p0/",))


def test_a_whole_crawl_cache_hit_gives_coded_pages(tmp_path: Path) -> None:
    from pytest_linkrules.config import load_config
    from pytest_linkrules.rules import builtin_registry

    site = tmp_path / "site"
    write_site(site, {"index.html": page("home", nav='<a href="/a/">a</a>', body='<a href="/b/#x">b</a>'),
                      "a/index.html": page("a", nav='<a href="/">home</a><a href="/b/">b</a>'),
                      "b/index.html": page("b", body='<a href="/a/" rel="nofollow">a</a><a href="/gone/">gone</a>')})
    (tmp_path / "linkrules.toml").write_text('[site]\nroot = "site"\nrender = "never"\n[rules.no-orphans]\n')
    config = load_config(tmp_path / "linkrules.toml", builtin_registry())
    first = crawl_site(config.site, workers=1, cache_dir=tmp_path / "cache")
    assert (tmp_path / "cache").exists() and any((tmp_path / "cache").rglob(WholeCrawl.NAME))
    again = crawl_site(config.site, workers=1, cache_dir=tmp_path / "cache")
    assert any("reused whole" in note for note in again.notes)
    assert again.pages == first.pages
    assert all(coded(p) for p in again.pages.values() if p.links)
    assert_same_graph(again.pages)


def test_pages_built_in_one_process_share_links_and_keep_their_numbers() -> None:
    from pytest_linkrules.crawl.extract import extract
    from pytest_linkrules.crawl.pipeline import page_with_links
    from pytest_linkrules.crawl.urls import FolderResolver

    resolver = FolderResolver(["index.html", "a/index.html", "b.html"], ())
    local = LocalLinks()
    html = page("x", nav='<a href="/a/">a</a><a href="/b.html">b</a>', body='<a href="/nowhere/">n</a>')
    one = page_with_links("/", "index.html", extract(html), resolver, local=local)
    two = page_with_links("/a/", "a/index.html", extract(html), resolver, local=local)
    plain = page_with_links("/", "index.html", extract(html), resolver)
    assert one == plain and coded(one) and coded(two)
    assert one.links[0] is two.links[0]  # one Link object per distinct link
    assert_same_graph({"/": one, "/a/": two, "/b.html": Page(url="/b.html")})


def test_a_deployed_site_crawled_over_http_gives_coded_pages(serve) -> None:
    from pytest_linkrules.config import SiteConfig

    from test_http_crawl import deployed

    server = deployed(serve)
    result = crawl_site(SiteConfig(url=server.origin, render="never", rate_limit=0.0))
    assert len(result.pages) > 5
    assert [u for u, p in result.pages.items() if p.links and coded(p) is None] == []
    assert_same_graph(result.pages, result.starts)


def test_a_warc_gives_coded_pages(tmp_path: Path) -> None:
    from pytest_linkrules.config import load_config
    from pytest_linkrules.rules import builtin_registry

    from test_warc import RECORDS, warc_site, write_warc

    (tmp_path / "crawl").mkdir()
    write_warc(tmp_path / "crawl" / "site.warc.gz", RECORDS)
    result = crawl_site(load_config(warc_site(tmp_path), builtin_registry()).site)
    assert [u for u, p in result.pages.items() if p.links and coded(p) is None] == []
    assert any(p.links for p in result.pages.values())
    assert_same_graph(result.pages, result.starts)


@pytest.mark.parametrize("seed", range(20))
def test_link_numbers_name_each_link_and_anchor_text_reads_them(seed: int) -> None:
    from test_link_arrays import run, shown

    pages = random_crawl(seed)
    g, plain = SiteGraph(pages, ("/",)), SiteGraph(without_codes(pages), ("/",))
    numbered = g.link_numbers()
    assert numbered is not None and plain.link_numbers() is None
    links, numbers = numbered
    every = list(chain.from_iterable(p.links for p in pages.values()))
    assert len(numbers) == len(every) and all(links[k] is link for k, link in zip(numbers.tolist(), every))
    for options in ({"pages": ["/**"]}, {"pages": ["/p1*/", "/"]}, {"pages": ["/**"], "generic": ["a", "b"]}):
        a, b = run("anchor-text", options, g), run("anchor-text", options, plain)
        assert shown(a.violations) == shown(b.violations)


def old_linking_pages(g: SiteGraph, targets, skip_flags: int = 0, reachable: bool = False) -> dict[str, np.ndarray]:
    """SiteGraph.linking_pages before the stable sort by target (np.unique, then a lexsort), as it was."""
    wanted = [g.index[t] for t in targets if t in g.index]
    if not wanted:
        return {}
    pos = g.links_into(np.asarray(wanted, dtype=np.int64))
    if not len(pos):
        return {}
    dst, src = g.link_dst[pos], g.link_src[pos]
    distinct, first = np.unique(dst, return_index=True)
    order = distinct[np.argsort(first, kind="stable")]
    keep = np.ones(len(pos), dtype=bool)
    if skip_flags:
        keep &= (g.link_flags[pos] & skip_flags) == 0
    if reachable:
        keep &= g.depths[src] != -1
    dst, src = dst[keep], src[keep]
    by = np.lexsort((src, dst))
    dst, src = dst[by], src[by]
    lo = np.searchsorted(dst, order, side="left")
    hi = np.searchsorted(dst, order, side="right")
    return {g.urls[t]: np.unique(src[a:b]) for t, a, b in zip(order.tolist(), lo.tolist(), hi.tolist())}


@pytest.mark.parametrize("seed", range(30))
def test_linking_pages_match_the_unique_and_lexsort_it_replaced(seed: int) -> None:
    rnd = random.Random(seed)
    g = SiteGraph(random_crawl(seed), ("/",))
    for _ in range(4):
        targets = rnd.sample(g.urls, rnd.randrange(1, len(g.urls))) + ["/not-a-page/"]
        for skip, reach in ((0, False), (REDIRECT, True), (NOFOLLOW | JS_ONLY, False)):
            new, old = g.linking_pages(targets, skip_flags=skip, reachable=reach), old_linking_pages(g, targets, skip, reach)
            assert list(new) == list(old)
            assert all(np.array_equal(new[k], old[k]) and new[k].dtype == old[k].dtype for k in new)
