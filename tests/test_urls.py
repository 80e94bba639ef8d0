"""URL rules: how an href on a page becomes a page of the site (crawl/urls.py)."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_linkrules.crawl.urls import FolderResolver, base_for_page, normalize_path, page_url_for_file

FILES = [
    "index.html",
    "about.html",
    "team/index.html",
    "docs/index.htm",
    "docs/intro.html",
    "blog/index.html",
    "blog/2024/post.html",
    "café/index.html",
    "both.html",
    "both/index.html",
    "files/report.pdf",
    "img/logo.png",
]


@pytest.fixture
def resolver() -> FolderResolver:
    return FolderResolver(FILES, ["https://www.example.com"])


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/", "/"),
        ("", "/"),
        ("about", "/about"),
        ("/a//b/", "/a/b/"),
        ("/a/./b", "/a/b"),
        ("/a/b/..", "/a/"),
        ("/a/b/.", "/a/b/"),
        ("/../../x", "/x"),
        ("/..", "/"),
        ("/caf%C3%A9/", "/café/"),
        ("/a%20b.html", "/a b.html"),
        ("/bad%ZZ", "/bad%ZZ"),
        ("/broken%C3", "/broken\ufffd"),
    ],
)
def test_normalize_path(path: str, expected: str) -> None:
    assert normalize_path(path) == expected


@pytest.mark.parametrize(
    "relpath, url",
    [
        ("index.html", "/"),
        ("INDEX.HTML", "/"),
        ("index.htm", "/"),
        ("about.html", "/about.html"),
        ("team/index.html", "/team/"),
        ("docs/index.htm", "/docs/"),
        ("blog/2024/post.html", "/blog/2024/post.html"),
        ("café/index.html", "/café/"),
        # "\\" separates folders only on Windows; on POSIX it is part of a file name
        ("win\\dows\\index.html", "/win/dows/" if os.sep == "\\" else "/win\\dows\\index.html"),
    ],
)
def test_page_url_for_file(relpath: str, url: str) -> None:
    assert page_url_for_file(relpath) == url


@pytest.mark.parametrize(
    "href, base, expected",
    [
        # relative and root-relative
        ("about.html", "/", ("page", "/about.html")),
        ("/about.html", "/blog/2024/post.html", ("page", "/about.html")),
        ("../", "/blog/2024/post.html", ("page", "/blog/")),
        ("../../about.html", "/blog/2024/post.html", ("page", "/about.html")),
        ("post.html", "/blog/2024/post.html", ("page", "/blog/2024/post.html")),
        ("2024/post.html", "/blog/", ("page", "/blog/2024/post.html")),
        ("2024/post.html", "/blog", ("broken", "/2024/post.html")),  # /blog names a document
        # pretty URLs
        ("/about", "/", ("page", "/about.html")),
        ("/about/", "/", ("page", "/about.html")),
        ("/team", "/", ("page", "/team/")),
        ("/team/", "/", ("page", "/team/")),
        ("/team/index.html", "/", ("page", "/team/")),
        ("/docs/", "/", ("page", "/docs/")),
        ("/docs", "/", ("page", "/docs/")),
        ("/docs/index.htm", "/", ("page", "/docs/")),
        ("/docs/intro", "/", ("page", "/docs/intro.html")),
        # a folder index wins over a same-named file for the pretty URL
        ("/both", "/", ("page", "/both/")),
        ("/both/", "/", ("page", "/both/")),
        ("/both.html", "/", ("page", "/both.html")),
        # fragments and queries
        ("/docs/intro.html#part-2", "/", ("page", "/docs/intro.html")),
        ("/blog/?page=2", "/", ("page", "/blog/")),
        ("/blog/?page=2#x", "/", ("page", "/blog/")),
        ("?page=2", "/blog/", ("page", "/blog/")),
        ("#top", "/", ("ignored", "#top")),
        ("", "/", ("ignored", "")),
        ("   ", "/", ("ignored", "")),
        # encoded and non-ASCII paths
        ("/caf%C3%A9/", "/", ("page", "/café/")),
        ("/café/", "/", ("page", "/café/")),
        ("caf%c3%a9", "/", ("page", "/café/")),
        # never above the root
        ("../../../about.html", "/team/", ("page", "/about.html")),
        ("../../outside.html", "/", ("broken", "/outside.html")),
        # files and broken links
        ("/files/report.pdf", "/", ("file", "/files/report.pdf")),
        ("img/logo.png", "/", ("file", "/img/logo.png")),
        ("/files/gone.pdf", "/", ("broken", "/files/gone.pdf")),
        ("/missing/", "/", ("broken", "/missing/")),
        ("/missing", "/", ("broken", "/missing")),
        ("/files/", "/", ("broken", "/files/")),
        # the site's own origin is internal, whatever the scheme
        ("https://www.example.com/about", "/", ("page", "/about.html")),
        ("http://WWW.EXAMPLE.COM/team/", "/", ("page", "/team/")),
        ("//www.example.com/team/", "/", ("page", "/team/")),
        ("https://www.example.com", "/", ("page", "/")),
        ("https://www.example.com/nope/", "/", ("broken", "/nope/")),
        # not pages
        ("https://other.example/about", "/", ("external", "https://other.example/about")),
        ("//cdn.example/lib.js", "/", ("external", "//cdn.example/lib.js")),
        ("HTTPS://other.example/", "/", ("external", "HTTPS://other.example/")),
        ("javascript:void(0)", "/", ("ignored", "javascript:void(0)")),
        ("JavaScript:alert(1)", "/", ("ignored", "JavaScript:alert(1)")),
        ("mailto:team@example.com", "/", ("ignored", "mailto:team@example.com")),
        ("tel:+15550100", "/", ("ignored", "tel:+15550100")),
        ("data:text/html,hello", "/", ("ignored", "data:text/html,hello")),
        ("ftp://example.com/x", "/", ("ignored", "ftp://example.com/x")),
        ("http://[::1", "/", ("external", "http://[::1")),  # malformed, still not a page
    ],
)
def test_resolve(resolver: FolderResolver, href: str, base: str, expected: tuple[str, str]) -> None:
    assert resolver.resolve(href, base) == expected


def test_an_uppercase_index_file_is_its_folders_page_for_links_too() -> None:
    # page_url_for_file makes about/INDEX.HTML the page /about/; links to it must agree.
    resolver = FolderResolver(["INDEX.HTML", "about/Index.Htm", "team/index.html", "contact.html"])
    assert resolver.resolve("/", "/contact.html") == ("page", "/")
    assert resolver.resolve("/about/", "/") == ("page", "/about/")
    assert resolver.resolve("/about", "/") == ("page", "/about/")
    assert resolver.resolve("/about/Index.Htm", "/") == ("page", "/about/")
    assert resolver.resolve("/team", "/") == ("page", "/team/")
    assert resolver.resolve("/contact/", "/") == ("page", "/contact.html")
    assert resolver.resolve("/nothing/", "/") == ("broken", "/nothing/")


def test_without_base_url_the_sites_own_domain_is_external() -> None:
    resolver = FolderResolver(FILES)
    assert resolver.resolve("https://www.example.com/about", "/") == ("external", "https://www.example.com/about")


def test_resolve_is_cached_per_base_and_href(resolver: FolderResolver) -> None:
    first = resolver.resolve("../", "/blog/2024/post.html")
    assert resolver.resolve("../", "/blog/2024/post.html") is first
    assert resolver.resolve("../", "/team/") == ("page", "/")


@pytest.mark.parametrize(
    "page, base_href, expected",
    [
        ("/based/", None, "/based/"),
        ("/based/", "", "/based/"),
        ("/based/", "/docs/", "/docs/"),
        ("/based/", "../docs/", "/docs/"),
        ("/a/b.html", "sub/", "/a/sub/"),
        ("/based/", "/docs/intro.html", "/docs/intro.html"),
        ("/based/", "https://www.example.com/docs/", "/docs/"),
        ("/based/", "https://cdn.example/", None),
    ],
)
def test_base_for_page(resolver: FolderResolver, page: str, base_href: str | None, expected: str | None) -> None:
    assert base_for_page(page, base_href, resolver) == expected


def test_a_base_naming_a_document_resolves_against_its_folder(resolver: FolderResolver) -> None:
    base = base_for_page("/", "/docs/intro.html", resolver)
    assert base is not None
    assert resolver.resolve("index.htm", base) == ("page", "/docs/")


# Any string at all, but mostly the characters that matter in paths.
_paths = st.lists(st.sampled_from(list("/.a%2Eé?#\\") + ["..", "%2e%2e", "%2F", "http://", "//"]), max_size=20).map("".join)


@settings(max_examples=200, deadline=None)
@given(_paths)
def test_normalize_path_is_clean_and_idempotent(path: str) -> None:
    clean = normalize_path(path)
    assert clean.startswith("/")
    assert "//" not in clean
    assert ".." not in clean.split("/") and "." not in clean.split("/")
    assert normalize_path(clean.replace("%", "%25")) == clean


@settings(max_examples=200, deadline=None)
@given(href=_paths, base=st.sampled_from(["/", "/blog/2024/post.html", "/team/", "/a/b/c/"]))
def test_resolve_never_leaves_the_site(href: str, base: str) -> None:
    kind, value = FolderResolver(FILES, ["https://www.example.com"]).resolve(href, base)
    assert kind in ("page", "file", "broken", "external", "ignored")
    if kind in ("page", "file", "broken"):
        assert value.startswith("/") and ".." not in value.split("/")
    if kind == "page":
        assert value in {page_url_for_file(f) for f in FILES if f.endswith((".html", ".htm"))}
