"""Property tests (hypothesis) for the URL core and the link extractor.

Every href on a crawled page is written by someone else; these tests feed
arbitrary and adversarial strings and bytes to the code that reads them and
check what must always hold: nothing raises, a link never names anything
outside the site root, and normalising is stable.

CI runs a few thousand examples in total (a few seconds). For a longer hunt:

    LINKRULES_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz_urls.py

(the value is examples per test). Hypothesis keeps failing examples in
.hypothesis/ and replays them first on the next run.
"""

from __future__ import annotations

import os
import posixpath
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from pytest_linkrules.crawl.extract import decode_html, extract, parse_refresh
from pytest_linkrules.crawl.urls import FolderResolver, normalize_path, page_url_for_file
from pytest_linkrules.globs import GlobError, compile_glob

EXAMPLES = int(os.environ.get("LINKRULES_FUZZ_EXAMPLES", "300"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that URL bugs are made of: dot segments in every spelling, encoded
# slashes, backslashes, other schemes and hosts, whitespace and control chars.
PIECES = [
    "/", "//", ".", "..", "%2e", "%2E%2e", ".%2e", "%2f", "%2F", "%5c", "\\", "%25", "%", "%ff", "%00",
    "?", "#", "?q=1", "#top", ":", "@", "a", "b", "é", "%C3%A9", "index.html", "a.html", " ", "\t", "\n",
    "http://site.invalid", "https://example.com", "http://127.0.0.1:1", "//evil.example",
    "javascript:", "JaVaScRiPt:", "data:text/html,", "file:///etc/passwd", "file:", "mailto:", "about:blank",
    "../../outside", "/etc/passwd", "\x00", "\u202e",
]
hrefs = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
)
SITE_FILES = [
    "index.html", "a/index.html", "a/b.html", "c.htm", "img/x.png", "é/index.html", "a%41.html",
    "deep/er/index.htm", "about.html", "about/team.html", "100%/index.html",
]
file_sets = st.sets(st.sampled_from(SITE_FILES), min_size=1)
bases = st.sampled_from(["/", "/a/", "/a/b.html", "/deep/er/", "/é/", "/about.html", "/nowhere/x/"])


def assert_clean(path: str) -> None:
    """A site path: absolute, no dot or empty segments, inside the root on disk."""
    assert path.startswith("/"), path
    segments = path.strip("/").split("/") if path != "/" else []
    assert all(s not in ("", ".", "..") for s in segments), path
    assert posixpath.normpath("/site" + path).startswith("/site"), path


@fuzz
@given(hrefs)
@example("/a/%2e%2e/%2E%2E/../etc/passwd")
@example("%2F..%2F..%2Fetc")
@example("/a/b/..")
def test_normalize_path_never_raises_and_never_climbs(raw: str) -> None:
    assert_clean(normalize_path(raw))


@fuzz
@given(hrefs)
@example("/100%25/")
@example("/a%2541")
def test_normalize_path_is_idempotent(raw: str) -> None:
    """Normalising a normalised path changes nothing.

    A page URL is decoded text, so a literal "%" in it (a file named
    "100%") is a character, not an escape: the stable form is reached by
    writing the URL back as a link (quoting it), and for URLs without "%"
    that is the same as normalising twice.
    """
    once = normalize_path(raw)
    assert normalize_path(quote(once, safe="/")) == once
    if "%" not in once:
        assert normalize_path(once) == once


@fuzz
@given(file_sets, hrefs, bases)
@example({"index.html"}, "\\\\evil.example\\x", "/")
@example({"a/index.html"}, "/a/../../../../etc/passwd", "/a/")
def test_resolve_stays_on_the_site(files: set[str], href: str, base: str) -> None:
    """Any href resolves to a page or file of the site, a clean broken path, or nothing."""
    resolver = FolderResolver(files, ["https://example.com"])
    kind, target = resolver.resolve(href, base)
    assert kind in ("page", "file", "broken", "external", "ignored")
    if kind == "page":
        assert target in {page_url_for_file(f) for f in files if f.endswith((".html", ".htm"))} | {
            t for f in files for t in (resolver.lookup(page_url_for_file(f))[1],)
        }
        assert_clean(target)
    elif kind == "file":
        assert target.lstrip("/") in files
        assert_clean(target)
    elif kind == "broken":
        assert_clean(target)
    if kind in ("page", "broken"):
        # Resolving is stable: the target, written back as a link, names itself.
        assert resolver.resolve(quote(target, safe="/"), "/") == (kind, target)


LEAVING = [
    "https://example.org/", "http://site.invalid/", "http://site.invalid.evil/", "ftp://x/", "//evil.example/",
    "http://127.0.0.1:1/", "https://example.com:8443/", "javascript:", " JaVaScRiPt:", "java\tscript:",
    "data:text/html,", "file:///etc/passwd", "file:", "mailto:", "about:blank", "blob:", "\\\\evil.example\\",
]


@fuzz
@given(
    files=st.sets(st.sampled_from(SITE_FILES + ["blog/index.html", "blog/x/index.html", "blog/y/index.html", "x/index.html"]), min_size=1),
    links=st.lists(
        st.tuples(
            st.lists(st.sampled_from(["../", "./", "..", ".", "x/", "y", "%2F", "a/", "blog/", "index.html", "?q", "#f", "%"]), max_size=6).map("".join),
            st.sampled_from(["/", "/blog/x/", "/blog/y/", "/blog/x/index.html", "/a/b.html", "/a%2Fb/", "/q?x/y/", "/deep/er/"]),
        ),
        max_size=20,
    ),
)
def test_the_resolvers_cache_never_changes_an_answer(files: set[str], links: list[tuple[str, str]]) -> None:
    """One resolver asked many links (its cache filling up) answers as a fresh one asked each."""
    shared = FolderResolver(files)
    for href, base in links:
        assert shared.resolve(href, base) == FolderResolver(files).resolve(href, base), (href, base)


@fuzz
@given(file_sets, st.sampled_from(LEAVING), hrefs)
def test_other_schemes_and_hosts_are_never_pages(files: set[str], prefix: str, rest: str) -> None:
    """javascript:, data:, file:, other hosts and ports: not a page, never followed."""
    assume(not rest.startswith(("@", ":")))  # "http://x" + "@y" is another URL
    resolver = FolderResolver(files, ["https://example.com"])
    kind, _ = resolver.resolve(prefix + rest, "/a/")
    assert kind in ("external", "ignored")


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<a href=/x>",
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "//evil.example/",
        "\\\\evil.example\\x",
        "/\\evil.example/",
        "http://127.0.0.1:9/",
        "https://example.com.evil/",
        "http://example.com@evil.example/",
    ],
)
def test_known_escapes_are_not_pages(href: str) -> None:
    """The classic ways out of a site, each checked by name."""
    resolver = FolderResolver(["index.html", "etc/passwd"], ["https://example.com"])
    kind, _ = resolver.resolve(href, "/")
    assert kind in ("external", "ignored"), href


@fuzz
@given(st.binary(max_size=4096))
@example(b"<meta charset=zlib><a href=/x>x</a>")
@example(b"<meta charset=idna><a href=/x>\xff</a>")
@example(b"\xff\xfe<\x00a\x00")
@example(b"<a href='" + b"\x00" * 100 + b"'>")
def test_extract_never_raises_on_bytes(data: bytes) -> None:
    page = extract(data)
    for link in page.links:
        assert isinstance(link.href, str) and len(link.anchor) <= 200


CHARSETS = ["utf-8", "windows-1252", "latin1", "utf-16", "utf-7", "rot13", "zlib", "hex", "idna", "punycode", "x-nope", ""]
html_docs = st.lists(
    st.one_of(
        st.builds(lambda h, t: f'<a href="{h}">{t}</a>', hrefs, st.text(max_size=20)),
        st.builds(lambda c: f'<meta charset="{c}">', st.sampled_from(CHARSETS)),
        st.builds(lambda h: f'<base href="{h}">', hrefs),
        st.builds(lambda h: f'<meta http-equiv="refresh" content="0; url={h}">', hrefs),
        st.builds(lambda h: f'<link rel="canonical" href="{h}">', hrefs),
        st.sampled_from(["<nav>", "</nav>", "<header>", "<article>", "<footer>", "<area href=/m alt=m>", "<!--", "<![CDATA[", "<svg><a href=/s>", "<template>", "<title>"]),
        st.text(max_size=20),
    ),
    max_size=30,
).map("".join)


@fuzz
@given(html_docs, st.sampled_from(["utf-8", "cp1252", "utf-16-le"]))
def test_extract_never_raises_on_html_like_input(doc: str, encoding: str) -> None:
    extract(doc)
    extract(doc.encode(encoding, errors="replace"))


@fuzz
@given(st.binary(max_size=512), st.one_of(st.none(), st.text(max_size=20), st.sampled_from(CHARSETS)))
def test_decode_html_never_raises(data: bytes, declared: str | None) -> None:
    assert isinstance(decode_html(data, declared), str)


@fuzz
@given(st.text(max_size=80))
def test_parse_refresh_never_raises(content: str) -> None:
    target = parse_refresh(content)
    assert target is None or isinstance(target, str)


@fuzz
@given(st.one_of(st.text(max_size=30), st.lists(st.sampled_from(["/", "*", "**", "?", "[", "]", "!", "a-z", "z-a", "\\", "(", ")", "{", "|", "$", ":alpha:", "[["]), max_size=10).map("".join)))
def test_glob_compiles_or_says_why(glob: str) -> None:
    """A glob from linkrules.toml either works or gives a GlobError message, never re.error."""
    try:
        compile_glob(glob)
    except GlobError as exc:
        assert str(exc)
