"""Crawling a built site folder into pages with resolved links (crawl/folder.py, crawl/__init__.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import CrawlError, crawl_site
from pytest_linkrules.crawl.folder import FolderError, crawl_folder, list_files
from pytest_linkrules.model import CONTENT, FRAGMENT, NOFOLLOW, REDIRECT, Link, Page

SITES = Path(__file__).parent / "sites"
ORIGIN = ["https://www.example.com"]


def hrefs(links: tuple[Link, ...]) -> list[tuple[str, str]]:
    return [(link.target, link.href) for link in links]


@pytest.fixture(scope="module")
def urls_site() -> dict[str, Page]:
    pages, notes = crawl_folder(SITES / "urls", ORIGIN)
    assert notes == []
    return pages


@pytest.fixture(scope="module")
def meta_site() -> dict[str, Page]:
    pages, notes = crawl_folder(SITES / "meta", ORIGIN)
    assert notes == []
    return pages


def test_every_html_and_htm_file_is_a_page(urls_site: dict[str, Page]) -> None:
    assert sorted((p.url, p.source) for p in urls_site.values()) == [
        ("/", "index.html"),
        ("/about.html", "about.html"),
        ("/based/", "based/index.html"),
        ("/based/moved.html", "based/moved.html"),
        ("/blog/", "blog/index.html"),
        ("/blog/2024/post.html", "blog/2024/post.html"),
        ("/café/", "café/index.html"),
        ("/docs/", "docs/index.htm"),
        ("/docs/intro.html", "docs/intro.html"),
        ("/elsewhere.html", "elsewhere.html"),
        ("/team/", "team/index.html"),
    ]


def test_links_from_the_home_page(urls_site: dict[str, Page]) -> None:
    home = urls_site["/"]
    assert hrefs(home.links) == [
        ("/about.html", "about"),
        ("/about.html", "/about/"),
        ("/team/", "/team"),
        ("/team/", "team/index.html"),
        ("/docs/", "/docs/"),
        ("/docs/intro.html", "docs/intro.html#part-2"),
        ("/blog/", "/blog/?page=2"),
        ("/about.html", "./blog/../about.html"),
        ("/blog/2024/post.html", "https://www.example.com/blog/2024/post.html"),
        ("/team/", "//www.example.com/team/"),
        ("/café/", "/caf%C3%A9/"),
        ("/café/", "café/"),
    ]
    # ../../outside.html is clamped at the root; files that exist are not broken.
    assert hrefs(home.broken) == [
        ("/outside.html", "../../outside.html"),
        ("/missing/", "/missing/"),
        ("/files/gone.pdf", "/files/gone.pdf"),
    ]
    assert home.title == "Home"
    # A link with a #fragment is flagged for no-broken-links to check against its target's ids.
    assert all(link.flags == (CONTENT | FRAGMENT if "#" in link.href else CONTENT) for link in home.links + home.broken)


def test_relative_links_from_a_nested_page(urls_site: dict[str, Page]) -> None:
    assert hrefs(urls_site["/blog/2024/post.html"].links) == [
        ("/blog/", "../"),
        ("/about.html", "../../about"),
        ("/blog/2024/post.html", "post.html"),  # kept on the page; the graph drops self-links
        ("/based/", "../../based/"),
    ]
    assert hrefs(urls_site["/docs/intro.html"].links) == [("/docs/", "./"), ("/docs/", "index.htm")]


def test_base_href(urls_site: dict[str, Page]) -> None:
    assert hrefs(urls_site["/based/"].links) == [
        ("/docs/intro.html", "intro.html"),
        ("/about.html", "/about"),
        ("/team/", "../team/"),
    ]


def test_base_href_also_applies_to_meta_refresh_and_canonical(urls_site: dict[str, Page]) -> None:
    moved = urls_site["/based/moved.html"]
    assert [(l.target, l.href, l.flags) for l in moved.links] == [
        ("/docs/", "./", CONTENT),
        ("/docs/intro.html", "intro.html", CONTENT | REDIRECT),
    ]
    assert moved.canonical == "/docs/intro.html"


def test_base_href_on_another_host_takes_relative_links_off_the_site(urls_site: dict[str, Page]) -> None:
    page = urls_site["/elsewhere.html"]
    # Only an absolute link to the site's own origin is still internal.
    assert hrefs(page.links) == [("/team/", "https://www.example.com/team/")]
    assert page.broken == ()


def test_non_ascii_folder(urls_site: dict[str, Page]) -> None:
    assert hrefs(urls_site["/café/"].links) == [("/", "/")]
    assert urls_site["/café/"].title == "Café"


def test_chrome_content_and_anchors(meta_site: dict[str, Page]) -> None:
    home = meta_site["/"]
    assert [(l.target, l.anchor, l.flags) for l in home.links] == [
        ("/", "Logo", 0),
        ("/guide/", "Guide", 0),
        ("/old.html", "Old address", 0),
        ("/guide/", "Byline link", CONTENT),
        ("/guide/", "the guide", CONTENT | NOFOLLOW),
        ("/new/", "the new page", CONTENT),
        ("/new/", "New page picture", CONTENT),
        ("/guide/", "", CONTENT),
        ("/noindex.html", "Map area", CONTENT),
        ("/latin.html", "Related: latin", CONTENT),
        ("/new/", "Aside link", 0),
        ("/noindex.html", "Footer link", 0),
    ]
    assert home.title == "Home of the meta site"
    assert home.broken == ()


def test_canonical(meta_site: dict[str, Page]) -> None:
    assert meta_site["/"].canonical == "/"  # https://www.example.com/ is the site's own origin
    assert meta_site["/old.html"].canonical == "/new/"
    assert meta_site["/new/"].canonical == "/new/"  # /new/index.html names the page /new/
    assert meta_site["/guide/"].canonical is None


def test_canonical_on_another_host_is_kept_as_written() -> None:
    pages, _ = crawl_folder(SITES / "meta")  # no base_url: www.example.com is another site
    assert pages["/"].canonical == "https://www.example.com/"


def test_meta_refresh_is_a_redirect_edge(meta_site: dict[str, Page]) -> None:
    old = meta_site["/old.html"]
    assert old.links == (
        Link("/new/", "/new/", "the new page", CONTENT),
        Link("/new/", "/new/", "(meta refresh)", CONTENT | REDIRECT),
    )
    # A refresh without a URL only reloads the page.
    assert hrefs(meta_site["/guide/"].links) == [("/", "/")]


def test_meta_robots(meta_site: dict[str, Page]) -> None:
    hidden = meta_site["/noindex.html"]
    assert (hidden.noindex, hidden.nofollow) == (True, True)
    assert [(l.target, l.flags) for l in hidden.links] == [("/guide/", CONTENT | NOFOLLOW)]
    home = meta_site["/"]
    assert (home.noindex, home.nofollow) == (False, False)


def test_robots_none_and_broken_refresh(meta_site: dict[str, Page]) -> None:
    cafe = meta_site["/café.html"]
    assert (cafe.noindex, cafe.nofollow) == (True, True)
    assert [(l.target, l.flags) for l in cafe.links] == [("/latin.html", CONTENT | NOFOLLOW)]
    assert [(l.target, l.anchor, l.flags) for l in cafe.broken] == [
        ("/gone/", "Gone", CONTENT | NOFOLLOW),
        ("/vanished/", "(meta refresh)", CONTENT | REDIRECT),
    ]


def test_rel_nofollow_on_one_link(meta_site: dict[str, Page]) -> None:
    assert [(l.target, l.flags) for l in meta_site["/guide/"].links] == [("/", CONTENT | NOFOLLOW)]


def test_windows_1252_page(meta_site: dict[str, Page]) -> None:
    latin = meta_site["/latin.html"]
    assert latin.title == "Café – “quoted”"
    assert [(l.target, l.anchor) for l in latin.links] == [("/café.html", "Café page"), ("/", "Naïve €")]


# ------------------------------------------------------------------ the folder on disk


def make_site(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_symlink_pointing_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    outside = make_site(tmp_path / "outside", {"secret.html": "<title>Secret</title>", "dir/index.html": "x"})
    site = make_site(tmp_path / "site", {"index.html": '<a href="/secret.html">s</a> <a href="/dir/">d</a>'})
    (site / "secret.html").symlink_to(outside / "secret.html")
    (site / "dir").symlink_to(outside / "dir", target_is_directory=True)
    pages, notes = crawl_folder(site)
    assert list(pages) == ["/"]
    assert hrefs(pages["/"].broken) == [("/secret.html", "/secret.html"), ("/dir/", "/dir/")]
    assert notes == [
        "dir/ (symlink pointing outside the site folder)",
        "secret.html (symlink pointing outside the site folder)",
    ]


def test_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {"index.html": '<a href="/alias/">a</a>', "real/index.html": "<title>Real</title>"})
    (site / "alias").symlink_to(site / "real", target_is_directory=True)
    pages, notes = crawl_folder(site)
    assert sorted(pages) == ["/", "/alias/", "/real/"]
    assert hrefs(pages["/"].links) == [("/alias/", "/alias/")]
    assert notes == []


def test_symlink_loops_are_skipped(tmp_path: Path) -> None:
    """Two loops would list 2**40 paths before the OS gives up: each is cut at once."""
    site = make_site(
        tmp_path / "site",
        {"index.html": "home", "a/index.html": "a", "b/index.html": "b", "b/c/index.html": "c"},
    )
    (site / "a" / "up").symlink_to(site, target_is_directory=True)
    (site / "b" / "c" / "up").symlink_to(site / "b", target_is_directory=True)
    (site / "a" / "to-b").symlink_to(site / "b", target_is_directory=True)
    (site / "b" / "to-a").symlink_to(site / "a", target_is_directory=True)
    pages, notes = crawl_folder(site)
    assert sorted(pages) == ["/", "/a/", "/a/to-b/", "/a/to-b/c/", "/b/", "/b/c/", "/b/to-a/"]
    assert sorted(notes) == [
        "a/to-b/c/up/ (symlink to a folder that contains it)",
        "a/to-b/to-a/ (symlink to a folder that contains it)",
        "a/up/ (symlink to a folder that contains it)",
        "b/c/up/ (symlink to a folder that contains it)",
        "b/to-a/to-b/ (symlink to a folder that contains it)",
        "b/to-a/up/ (symlink to a folder that contains it)",
    ]


def test_skipped_folders(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {"index.html": "home", ".git/x.html": "x", "node_modules/pkg/readme.html": "x", "__pycache__/y.html": "y"},
    )
    pages, _ = crawl_folder(site)
    assert list(pages) == ["/"]


def test_missing_folder() -> None:
    with pytest.raises(FolderError, match="is not a directory"):
        list_files(SITES / "no-such-site")


def test_two_files_with_one_url_keep_the_first(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"index.html": "<title>html</title>", "index.htm": "<title>htm</title>"})
    pages, notes = crawl_folder(site)
    assert [(p.url, p.source) for p in pages.values()] == [("/", "index.htm")]
    assert notes == ["index.html has the same URL as index.htm (/); ignored"]


def test_page_over_the_size_limit_is_an_error_page(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"index.html": '<a href="/big.html">big</a>', "big.html": "x" * 2000})
    pages, _ = crawl_folder(site, max_bytes=1000)
    assert pages["/big.html"].error == "file is 2,000 bytes, over the 1,000-byte page limit (site.max_page_bytes); its links were not read"
    assert pages["/"].error == ""


def test_max_pages(tmp_path: Path) -> None:
    site = make_site(tmp_path, {f"p{i}.html": "x" for i in range(5)})
    pages, notes = crawl_folder(site, max_pages=3)
    assert len(pages) == 3
    assert notes == ["5 HTML files found; only the first 3 were read (site.max_pages)"]


def test_process_pool_gives_the_same_pages(tmp_path: Path) -> None:
    """Large sites are read in worker processes; the result must not change."""
    n = 450
    files = {"index.html": "".join(f'<a href="/p/{i}/">{i}</a>' for i in range(0, n, 7))}
    for i in range(n):
        files[f"p/{i}/index.html"] = f'<title>P{i}</title><nav><a href="/">home</a></nav><a href="../{(i + 1) % n}/">next</a>'
    site = make_site(tmp_path, files)
    serial, _ = crawl_folder(site, workers=1)
    parallel, _ = crawl_folder(site, workers=2)
    assert len(serial) == n + 1
    assert parallel == serial


# ------------------------------------------------------------------ crawl_site


def test_crawl_site_resolves_start_pages() -> None:
    site = SiteConfig(root=SITES / "urls", start=("/", "/about", "/team/index.html", "/"))
    result = crawl_site(site)
    assert result.starts == ("/", "/about.html", "/team/")
    assert result.source.startswith("folder ")
    assert len(result.pages) == 11
    assert result.unreadable == []


def test_crawl_site_start_that_is_not_a_page() -> None:
    site = SiteConfig(root=SITES / "urls", start=("/", "/nope/", "/files/report.pdf"))
    with pytest.raises(CrawlError) as info:
        crawl_site(site)
    assert str(info.value) == (
        'site.start: "/nope/", "/files/report.pdf" is not a page of the site ("/" means the folder\'s index.html)'
    )


def test_crawl_site_on_a_folder_without_pages(tmp_path: Path) -> None:
    (tmp_path / "style.css").write_text("body{}")
    with pytest.raises(CrawlError, match=r"contains no \.html or \.htm pages; build the site first or fix site.root$"):
        crawl_site(SiteConfig(root=tmp_path))


def test_crawl_site_on_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CrawlError, match="is not a directory"):
        crawl_site(SiteConfig(root=tmp_path / "gone"))



def test_a_folder_whose_index_file_is_uppercase_is_one_page_for_crawl_links_and_server(tmp_path: Path) -> None:
    from pytest_linkrules.crawl.serve import find_file

    (tmp_path / "about").mkdir()
    (tmp_path / "INDEX.HTML").write_text('<title>Home</title><a href="/about/">About</a><a href="/about">About</a>')
    (tmp_path / "about" / "Index.Html").write_text('<title>About</title><a href="/">Home</a>')
    pages, notes = crawl_folder(tmp_path)
    assert notes == []
    assert sorted(pages) == ["/", "/about/"]
    assert [link.target for link in pages["/"].links] == ["/about/", "/about/"]
    assert pages["/"].broken == ()
    # The server a folder is rendered from answers the same URLs.
    assert find_file(tmp_path, "/about/") == (200, tmp_path / "about" / "Index.Html")
    assert find_file(tmp_path, "/") == (200, tmp_path / "INDEX.HTML")
    assert find_file(tmp_path, "/nothing/")[0] == 404


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_paused_for_the_crawl_is_left_as_it_was(tmp_path: Path, workers: int, enabled: bool) -> None:
    """crawl_folder pauses the cyclic collector while it takes pages in; the caller's setting comes back."""
    import gc

    from pytest_linkrules.crawl import folder

    for i in range(folder.PARALLEL_THRESHOLD + 10):  # enough pages for the worker processes
        (tmp_path / f"p{i}.html").write_text(f'<a href="p{(i + 1) % 500}.html">next</a>')
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        pages, _ = crawl_folder(tmp_path, workers=workers)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert len(pages) == folder.PARALLEL_THRESHOLD + 10
    assert [link.target for link in pages["/p3.html"].links] == ["/p4.html"]


def _pages_of(root: Path, n: int, filler: int) -> Path:
    """n pages in a ring, each with ``filler`` bytes of text besides its links."""
    root.mkdir(parents=True, exist_ok=True)
    text = "<p>" + "word " * (filler // 5) + "</p>"
    for i in range(n):
        (root / f"p{i}.html").write_text(f'<title>p{i}</title><a href="p{(i + 1) % n}.html">next</a>{text}<a href="#top">top</a>')
    return root


@pytest.mark.parametrize("filler, pooled", [(100, False), (150_000, True)])
def test_a_small_site_of_large_pages_is_parsed_by_workers(tmp_path: Path, filler: int, pooled: bool) -> None:
    """Few pages: parsed in this process, unless they add up to PARALLEL_BYTES; either way the pages are the same."""
    import multiprocessing

    from pytest_linkrules.crawl import folder

    root = _pages_of(tmp_path / "site", 30, filler)
    parse = folder.FolderParse(root)
    assert (multiprocessing.active_children() != []) is pooled
    pages, _ = parse.result()
    assert multiprocessing.active_children() == []
    alone, _ = crawl_folder(root, workers=1)  # this process, whatever the size
    assert pages == alone
    assert len(pages) == 30 and [link.target for link in pages["/p29.html"].links] == ["/p0.html"]


@pytest.mark.parametrize("workers", [2, 3, 8])
def test_chunks_keep_every_worker_busy_to_the_end(workers: int) -> None:
    """Every page in one chunk, at most CHUNK a chunk, and none over a half of a worker's share: no worker idles long."""
    from pytest_linkrules.crawl import folder

    for pages in (1, 7, 137, 400, 600, 1_000, 3_906, 100_000):
        files = [f"p{i}.html" for i in range(pages)]
        chunks = list(folder._chunks(files, folder._chunk_size(pages, workers)))
        assert [f for chunk in chunks for f in chunk] == files
        sizes = [len(chunk) for chunk in chunks]
        assert max(sizes) <= folder.CHUNK
        assert max(sizes) <= -(-pages // min(pages, 2 * workers)), (pages, sizes)
