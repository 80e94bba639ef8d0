"""A hostile built site on disk: the crawl finishes, reads nothing outside the
folder, names every page it could not read, and still checks the rest.

The site is generated in tmp_path by the tests (the 50 MB page is a sparse
file, so it costs no disk). An audit hook records every file the crawl opens
or lists, so "never read" is checked, not assumed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl.extract import MAX_NESTING
from pytest_linkrules.crawl.folder import crawl_folder

SECRET = "SECRET-7f3a9c"  # planted outside the site; must never show up anywhere
DEFAULT_MAX = SiteConfig.max_page_bytes

# --- recording what the crawl touches ---------------------------------------------

_touched: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _touched is not None and event in ("open", "os.scandir", "os.listdir"):
        path = args[0] if args else None
        if isinstance(path, (str, bytes, os.PathLike)):
            _touched.append(os.path.abspath(os.fsdecode(path)))


sys.addaudithook(_audit)  # audit hooks can't be removed; it records only inside `touched`


class touched:
    """Context manager: the paths opened or listed inside the block."""

    def __enter__(self) -> list[str]:
        global _touched
        _touched = []
        return _touched

    def __exit__(self, *exc: object) -> None:
        global _touched
        _touched = None


# --- the site ------------------------------------------------------------------------

INDEX = """<!doctype html><title>Home</title>
<nav><a href="/a.html">A</a> <a href="/b.html">B</a></nav>
<main>
<a href="/big.html">big</a> <a href="/oneline.html">one line</a> <a href="/deep.html">deep</a>
<a href="/binary.html">binary</a> <a href="/bad-utf8.html">bad utf-8</a> <a href="/cp1252.html">cp1252</a>
<a href="file:///etc/passwd">passwd</a>
<a href="file://localhost/etc/passwd">passwd again</a>
<a href="../../outside/secret.html">up and out</a>
<a href="/leak.html">symlinked file</a> <a href="/outdir/secret.html">symlinked folder</a>
<a href="/fifo.html">fifo</a> <a href="/loop/a.html">loop</a>
<a href="data:text/html,<a href=/data-page/>x</a>">data</a>
<a href="javascript:location='/js-page/'">js</a>
<a href="//evil.example/">other host</a> <a href="http://127.0.0.1:9/">other port</a>
</main>"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """public/ full of traps, next to outside/ holding a page that must stay unread."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text(f'<title>{SECRET}</title><a href="/{SECRET}/">{SECRET}</a>')

    site = tmp_path / "public"
    site.mkdir()
    (site / "index.html").write_text(INDEX)
    (site / "a.html").write_text('<a href="/">Home</a> <a href="/b.html">B</a>')
    (site / "b.html").write_text('<a href="/">Home</a>')
    with open(site / "big.html", "wb") as f:  # 50 MB, sparse: over the default limit
        f.truncate(50 * 1024 * 1024)
    (site / "oneline.html").write_text("<p>" + "word " * 400_000 + '<a href="/b.html">end of the line</a>')
    (site / "deep.html").write_text("<div>" * 100_000 + '<a href="/a.html">deep</a>' + "</div>" * 100_000)
    (site / "binary.html").write_bytes(bytes(range(256)) * 64)
    (site / "bad-utf8.html").write_bytes(b'<a href="/a.html">caf\xc3 \xff\xfe ok</a>')
    (site / "cp1252.html").write_bytes(
        b'<meta charset="windows-1252"><a href="/a.html">\x93Caf\xe9\x94 costs \x8010</a>'
    )
    (site / "leak.html").symlink_to(outside / "secret.html")
    (site / "outdir").symlink_to(outside, target_is_directory=True)
    (site / "loop").symlink_to(site, target_is_directory=True)
    os.mkfifo(site / "fifo.html")
    return site


def test_folder_crawl_survives_every_trap(hostile: Path) -> None:
    outside = hostile.parent / "outside"
    with touched() as paths:
        pages, notes = crawl_folder(hostile, workers=1)

    # Nothing outside the folder was opened or listed, and the big page was never opened.
    leaked = [p for p in paths if p.startswith(str(outside)) or p.startswith("/etc/")]
    assert leaked == []
    assert str(hostile / "big.html") not in paths
    assert str(hostile / "fifo.html") not in paths

    errors = {url: page.error for url, page in pages.items() if page.error}
    assert errors == {
        "/big.html": f"file is {50 * 1024 * 1024:,} bytes, over the {DEFAULT_MAX:,}-byte page limit (site.max_page_bytes); its links were not read",
        "/deep.html": f"markup nested more than {MAX_NESTING:,} elements deep (unclosed tags?); not parsed, its links were not read",
        "/binary.html": "binary data, not HTML (NUL bytes in the first 1,024 bytes); its links were not read",
    }
    # Every other page was read, with its links.
    assert sorted(pages) == ["/", "/a.html", "/b.html", "/bad-utf8.html", "/big.html", "/binary.html", "/cp1252.html", "/deep.html", "/oneline.html"]
    assert [link.anchor for link in pages["/oneline.html"].links] == ["end of the line"]
    assert [link.anchor for link in pages["/cp1252.html"].links] == ["\u201cCaf\u00e9\u201d costs \u20ac10"]
    assert [(link.target, link.anchor) for link in pages["/bad-utf8.html"].links] == [("/a.html", "caf\ufffd \ufffd\ufffd ok")]

    # Links that leave the site are not pages and not broken links either ...
    index = pages["/"]
    targets = {link.target for link in index.links} | {link.target for link in index.broken}
    assert not any("passwd" in t or "data-page" in t or "js-page" in t or "evil" in t for t in targets), targets
    # ... while ../../outside climbs no higher than the root: a broken link inside the site.
    assert {link.target for link in index.broken} == {"/outside/secret.html", "/leak.html", "/outdir/secret.html", "/fifo.html", "/loop/a.html"}

    assert sorted(notes) == [
        "fifo.html (not a regular file)",
        "leak.html (symlink pointing outside the site folder)",
        "loop/ (symlink to a folder that contains it)",
        "outdir/ (symlink pointing outside the site folder)",
    ]
    assert not any(SECRET in repr(page) or SECRET in page.title for page in pages.values())


def test_hostile_site_end_to_end(pytester: pytest.Pytester, hostile: Path) -> None:
    """As a user sees it: the crawl item names each unreadable page, rules still run, exit 1."""
    (pytester.path / "linkrules.toml").write_text(
        f'[site]\nroot = "{hostile}"\nrender = "never"\n'
        "[rules.no-broken-links]\n[rules.max-depth]\nmax = 3\n"
    )
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider", "-rf")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out
    assert "Traceback" not in out
    assert SECRET not in out
    result.stdout.fnmatch_lines(
        [
            "*3 of 9 pages could not be read (crawl)*",
            "*/big.html*over the*page limit*",
        ]
    )
    assert "/deep.html  (deep.html): markup nested more than" in out
    assert "/binary.html  (binary.html): binary data, not HTML" in out
    # The rules ran over the pages that could be read.
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 2 and outcomes["passed"] == 2, outcomes  # crawl + no-broken-links[/]
    result.stdout.fnmatch_lines(["FAILED linkrules.toml::no-broken-links[[]/[]]*"])
    assert "/outside/secret.html" in out
