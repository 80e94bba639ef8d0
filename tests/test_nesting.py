"""How deep a document nests (crawl/nesting.py): the same answer from numpy's arrays and from Python's walk."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy  # noqa: F401  (loaded: nested_deeper_than takes the array path)
import pytest

from pytest_linkrules.crawl import nesting
from pytest_linkrules.crawl.extract import extract
from pytest_linkrules.crawl.nesting import nested_deeper_than

SITES = Path(__file__).parent / "sites"

# (document, nests deeper than 3), with a limit of 3.
CASES = [
    ("<div>" * 3, False),
    ("<div>" * 4, True),
    ("<Div><DIV><dIv><div>", True),
    ("<div></div>" * 10, False),
    ("<li>" * 10, False),  # implied end tags: siblings
    ("<LI>" * 10 + "<P>" * 10 + "<br>" * 10, False),
    ("</div>" * 5 + "<div>" * 3, False),  # never below zero
    ("</div>" * 5 + "<div>" * 4, True),
    ("<div>" * 3 + "</span>" + "<div>" * 2, True),  # an end tag closes whatever is innermost
    ("<colgroup>" * 10 + "<optgroup>" * 10, False),  # the longest flat names, 8 bytes
    ("<colgroups>" * 4, True),  # a ninth byte: another element
    ("<cols>" * 4, True),
    ("<p-x>" * 4, True),  # a custom element is not <p>
    ("<td-><p1>" * 2, True),
    ("< div>" * 10 + "<1div>" * 10 + "</ div>" * 10 + "<>" * 10, False),  # not tags
    ("<div/>" * 4, True),  # "/>" closes nothing but void elements
    ("<é>" * 10, False),
    ("<divé>" * 4, True),  # the name ends at the first byte that is not a name's
    ("<div>" * 3 + "<d", True),  # a tag at the very end
    ("<div>" * 3 + "<", False),
    ("<div>" * 3 + "</", False),
]


@pytest.fixture(params=["numpy", "python"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "python":
        monkeypatch.delitem(sys.modules, "numpy")  # as in a worker forked before numpy was imported
    return request.param


@pytest.mark.parametrize("document, deeper", CASES)
def test_what_counts_as_nesting(path: str, document: str, deeper: bool) -> None:
    assert nested_deeper_than(document, 3) is deeper
    assert nested_deeper_than(document.encode(), 3) is deeper


def test_the_limit_itself_is_not_too_deep(path: str) -> None:
    limit = nesting.MAX_NESTING
    assert not nested_deeper_than("<div>" * limit)
    assert nested_deeper_than("<div>" * (limit + 1))
    assert not nested_deeper_than("<li>x" * 10 * limit + "</div>" * limit)


def random_document(rng: random.Random) -> str:
    names = ["div", "DIV", "p", "Li", "colgroup", "colgroups", "col", "br", "a", "x-1", "tbody", "span", "h1", "é", "caption"]
    parts = []
    for _ in range(rng.randrange(0, 80)):
        if rng.random() < 0.1:
            parts.append(rng.choice(["<", "</", "< div", "<!--", "<1", "text", "<<", "</>", "&lt;div>"]))
        else:
            parts.append(("</" if rng.random() < 0.4 else "<") + rng.choice(names) + rng.choice([">", " id=x>", "/>", "", "\n"]))
    return "".join(parts)


def test_arrays_and_the_walk_agree_on_random_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(12)
    documents = [random_document(rng) for _ in range(1500)]
    limits = [rng.randrange(1, 12) for _ in documents]
    with_numpy = [nested_deeper_than(d, n) for d, n in zip(documents, limits)]
    monkeypatch.delitem(sys.modules, "numpy")
    walked = [nested_deeper_than(d, n) for d, n in zip(documents, limits)]
    assert with_numpy == walked
    assert 300 < sum(walked) < 1200  # both answers are well represented


def test_real_pages_read_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture sites' real pages (Doxygen, rustdoc, Sphinx-like), at limits around their actual depth."""
    pages = sorted(p for p in SITES.rglob("*.html") if p.is_file())
    assert len(pages) > 30
    docs = [p.read_bytes() for p in pages]
    with_numpy = [[nested_deeper_than(d, n) for n in (4, 8, 16, 32)] for d in docs]
    monkeypatch.delitem(sys.modules, "numpy")
    assert with_numpy == [[nested_deeper_than(d, n) for n in (4, 8, 16, 32)] for d in docs]


def test_a_deep_page_is_refused_before_parsing_and_a_large_shallow_one_is_read(path: str) -> None:
    deep = extract(("<html><body>" + "<div>" * 5000 + "<a href='/x'>x</a>").encode())
    assert deep.error.startswith("markup nested more than 4,096 elements deep") and deep.links == []
    table = "<table>" + "<tr><td><a href='/r'>r</a></td></tr>" * 3000 + "</table>"  # 12,000 tags, depth 2
    wide = extract(("<html><body><main>" + table + "</main></body></html>").encode())
    assert wide.error == "" and len(wide.links) == 3000
