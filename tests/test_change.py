"""Graph snapshots, comparing two builds, the change rules and the change report."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers.graphs import chrome, content, graph, rule_config as rule
from pytest_linkrules.change import compare
from pytest_linkrules.graph_snapshot import GraphSnapshot, SnapshotError, load_graphs, save_graphs
from pytest_linkrules.report.change import html_section, markdown, terminal_lines
from pytest_linkrules.runner import run_rule

BASE = {
    "/": [chrome("/guides/", "Guides"), chrome("/blog/", "Blog")],
    "/guides/": ["/guides/a/", "/guides/b/"],
    "/guides/a/": ["/guides/b/"],
    "/guides/b/": [],
    "/blog/": ["/blog/x/"],
    "/blog/x/": [content("/guides/a/", "guide A")],
    "/gone/": [],
}
# The menu loses "Guides"; /blog/x/ now links to /guides/ instead of /guides/a/; /gone/ is deleted, /new/ added.
HEAD = {
    "/": [chrome("/blog/", "Blog")],
    "/guides/": ["/guides/a/", "/guides/b/"],
    "/guides/a/": ["/guides/b/"],
    "/guides/b/": [],
    "/blog/": ["/blog/x/", "/new/"],
    "/blog/x/": [content("/guides/", "all guides")],
    "/new/": [],
}


def change_of(base: dict = BASE, head: dict = HEAD):
    b, h = graph(base), graph(head)
    return compare(GraphSnapshot.from_graph(b, "folder base"), GraphSnapshot.from_graph(h), "base"), h


def test_links_added_and_removed_by_page_with_anchor_text() -> None:
    change, _ = change_of()
    removed = [(x.source, x.target, x.anchor, x.in_content) for x in change.removed_links()]
    added = [(x.source, x.target, x.anchor, x.in_content) for x in change.added_links()]
    assert removed == [("/", "/guides/", "Guides", False), ("/blog/x/", "/guides/a/", "guide A", True)]
    assert added == [("/blog/", "/new/", "to /new/", True), ("/blog/x/", "/guides/", "all guides", True)]
    assert change.removed_pages == ["/gone/"] and change.added_pages == ["/new/"]


def test_pages_deeper_losing_inlinks_and_orphans() -> None:
    change, _ = change_of()
    assert {change.head.urls[i]: change.page(i).depth for i in change.deeper} == {
        "/guides/": (1, 3),
        "/guides/a/": (2, 4),
        "/guides/b/": (2, 4),
    }
    assert [change.head.urls[i] for i in change.lost_inlinks] == ["/guides/a/"]
    assert change.urls(change.new_orphans) == []
    # /gone/ was an orphan and is deleted: neither fixed nor new.
    assert change.urls(change.fixed_orphans) == []
    assert change.counts()["pages_deeper"] == 3


def test_a_page_made_unreachable_is_a_new_orphan_and_a_relinked_one_fixed() -> None:
    base = {"/": ["/a/"], "/a/": [], "/b/": []}
    head = {"/": ["/b/"], "/a/": [], "/b/": []}
    change, _ = change_of(base, head)
    assert change.urls(change.new_orphans) == ["/a/"]
    assert change.urls(change.fixed_orphans) == ["/b/"]
    assert change.base_path("/a/") == ["/", "/a/"]
    assert [(x.source, x.target) for x in change.removed_on_path("/a/")] == [("/", "/a/")]


def test_snapshot_file_round_trip_keeps_anchors_and_metrics(tmp_path: Path) -> None:
    g = graph(BASE)
    path = tmp_path / "base.npz"
    save_graphs(path, {"linkrules.toml": GraphSnapshot.from_graph(g, "folder public")})
    loaded = load_graphs(path)["linkrules.toml"]
    assert loaded.urls == g.urls and loaded.source == "folder public" and loaded.starts == ("/",)
    assert loaded.depth.tolist() == g.depths.tolist()
    assert np.allclose(loaded.score, g.pagerank)
    change = compare(loaded, GraphSnapshot.from_graph(graph(HEAD)))
    assert [x.anchor for x in change.removed_links()] == ["Guides", "guide A"]
    assert list(loaded.titles) == [p.title for p in g.pages.values()] and loaded.titles[-1] == g.pages[g.urls[-1]].title
    # Nothing in the file is a pickle: numpy refuses object arrays with allow_pickle=False.
    with zipfile.ZipFile(path) as z:
        assert all(name.endswith(".npy") for name in z.namelist())


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"not a zip", "not a usable linkrules graph snapshot"),
        (None, "snapshot file not found"),
    ],
)
def test_a_bad_snapshot_file_is_one_clear_error(tmp_path: Path, content: bytes | None, problem: str) -> None:
    path = tmp_path / "base.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SnapshotError) as err:
        load_graphs(path)
    assert str(err.value).startswith(f"{path}: {problem}")


def test_a_snapshot_whose_arrays_disagree_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "base.npz"
    save_graphs(path, {"k": GraphSnapshot.from_graph(graph(BASE))})
    with np.load(path) as data:
        arrays = dict(data)
    arrays["c0_dst"] = arrays["c0_dst"] + 1000  # edge targets past the last page
    np.savez(path, **arrays)
    with pytest.raises(SnapshotError, match="edge numbers out of range"):
        load_graphs(path)


@pytest.mark.parametrize(
    "damage, problem",
    [
        (lambda a: a.__setitem__("c0_titles_offsets", a["c0_titles_offsets"][:-1]), "don't fit their blob"),
        (lambda a: a.__setitem__("c0_anchors", np.frombuffer(b"\xff" * len(a["c0_anchors"]), dtype=np.uint8)), "can't decode"),
        (lambda a: a.__setitem__("c0_titles", np.frombuffer("aéb".encode(), dtype=np.uint8)), "inside a UTF-8 character"),
    ],
)
def test_a_snapshot_whose_text_is_damaged_is_refused_when_loaded(tmp_path: Path, damage: Any, problem: str) -> None:
    """Titles and anchor texts are decoded only when a report reads one; the whole blob is checked at load."""
    path = tmp_path / "base.npz"
    pages = {"/": ["/a.html"], "/a.html": []}
    g = graph(pages)
    for page in g.pages.values():
        object.__setattr__(page, "title", "ab")  # "abab" at offsets 0, 2, 4; "aéb" puts offset 2 inside the é
    save_graphs(path, {"k": GraphSnapshot.from_graph(g)})
    with np.load(path) as data:
        arrays = dict(data)
    damage(arrays)
    np.savez(path, **arrays)
    with pytest.raises(SnapshotError, match=problem):
        load_graphs(path)


def test_string_offsets_count_bytes_whatever_the_blobs_dtype(tmp_path: Path) -> None:
    """A blob saved with another dtype (a hand-made file) is read as its bytes, not indexed by element."""
    path = tmp_path / "base.npz"
    save_graphs(path, {"k": GraphSnapshot.from_graph(graph({"/": ["/a.html"], "/a.html": []}))})
    with np.load(path) as data:
        arrays = dict(data)
    arrays["c0_titles"] = np.frombuffer(b"abcdefghijklmnop", dtype=np.int32)  # 4 elements, 16 bytes
    arrays["c0_titles_offsets"] = np.array([0, 8, 16])
    np.savez(path, **arrays)
    assert list(load_graphs(path)["k"].titles) == ["abcdefgh", "ijklmnop"]


def test_a_numpy_file_that_is_not_a_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, x=np.arange(3))
    with pytest.raises(SnapshotError, match="not a linkrules graph snapshot"):
        load_graphs(path)


def test_change_rules_fail_only_on_what_the_change_made_worse() -> None:
    change, head = change_of()
    head.change = change
    deeper = run_rule(rule("no-deeper-pages"), head)
    assert [v.page for v in deeper.violations] == ["/guides/", "/guides/a/", "/guides/b/"]
    assert deeper.violations[0].message == "/guides/ is 3 clicks from the start page, 2 clicks deeper than before (1) (no-deeper-pages)"
    assert 'Links removed on its old click path:' in deeper.violations[0].details
    assert '  / -> /guides/  "Guides"' in deeper.violations[0].details
    assert run_rule(rule("no-deeper-pages", max_increase=2), head).violations == []
    lost = run_rule(rule("no-lost-inlinks", pages=["/guides/**"]), head)
    assert [v.page for v in lost.violations] == ["/guides/a/"]
    assert lost.violations[0].message.startswith("/guides/a/ has 1 inlinks, 1 fewer than before (2)")
    assert run_rule(rule("no-new-orphans"), head).violations == []
    score = run_rule(rule("no-lost-link-score", pages=["/guides/**"], max_loss=0.1), head)
    assert {v.page for v in score.violations} <= {"/guides/", "/guides/a/", "/guides/b/"} and score.violations


def test_change_rules_are_skipped_without_a_base() -> None:
    outcome = run_rule(rule("no-new-orphans"), graph(HEAD))
    assert outcome.violations == [] and not outcome.error
    assert outcome.skipped.startswith("no-new-orphans compares the site with its base build: give --linkrules-compare=")


def test_new_orphans_name_the_removed_link() -> None:
    change, head = change_of({"/": ["/a/"], "/a/": []}, {"/": [], "/a/": [], "/n/": []})
    head.change = change
    found = run_rule(rule("no-new-orphans"), head).violations
    assert [(v.page, v.message) for v in found] == [
        ("/a/", "/a/ is no longer reachable from a start page; it was 1 click deep before (no-new-orphans)"),
        ("/n/", "/n/ is a new page that no reachable page links to (no-new-orphans)"),
    ]
    assert found[0].details == ("Links to it that this change removed:", '  link removed: / -> /a/  "to /a/"')


def test_a_page_moved_with_a_redirect_left_at_its_old_url_is_not_a_new_orphan() -> None:
    from helpers.graphs import redirect

    change, head = change_of(
        {"/": ["/old/"], "/old/": []},
        {"/": ["/new/"], "/new/": [], "/old/": [redirect("/new/")], "/lost/": []},
    )
    head.change = change
    assert [v.page for v in run_rule(rule("no-new-orphans"), head).violations] == ["/lost/"]
    assert [v.page for v in run_rule(rule("no-new-orphans", redirects=True), head).violations] == ["/old/", "/lost/"]


HOSTILE = '<img src=x onerror=alert(1)> | **bold** \x1b[31m'


def test_reports_escape_the_site_text() -> None:
    base = {"/": [content("/a/", HOSTILE)], "/a/": []}
    change, _ = change_of(base, {"/": [], "/a/": []})
    md = markdown(change, "linkrules.toml")
    assert "<img" not in md and "&lt;img" in md and "\\*\\*bold\\*\\*" in md and "\\|" in md
    html = html_section(change, "linkrules.toml")
    assert "<img" not in html and "&lt;img src=x" in html
    text = "\n".join(terminal_lines(change))
    assert "\x1b" not in text and "links removed: / -> /a/" in text


def test_terminal_lines_say_what_changed() -> None:
    change, _ = change_of()
    lines = terminal_lines(change)
    assert lines[0] == "against base: 2 links added, 2 removed; 1 pages added, 1 removed"
    assert 'links removed: / -> /guides/ "Guides"; /blog/x/ -> /guides/a/ "guide A"' in lines
    assert "deeper (3): /guides/ (1->3), /guides/a/ (2->4), /guides/b/ (2->4)" in lines


def test_json_lists_everything_with_counts() -> None:
    change, _ = change_of()
    data = json.loads(json.dumps(change.as_dict()))
    assert data["counts"]["links_removed"] == 2
    assert data["links_removed"][0] == {"source": "/", "target": "/guides/", "anchor": "Guides", "content": False}
    assert data["deeper"][0] == {
        "page": "/guides/",
        "depth": {"before": 1, "after": 3},
        "inlinks": {"before": 1, "after": 1},
        "content_inlinks": {"before": 0, "after": 1},
        "link_score": data["deeper"][0]["link_score"],
    }
