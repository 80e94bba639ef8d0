"""Reading links and metadata out of one HTML document (crawl/extract.py)."""

from __future__ import annotations

import pytest

from pytest_linkrules.crawl.extract import RawLink, decode_html, extract, parse_refresh


def links(html: str) -> list[tuple[str, str, bool, bool]]:
    """(href, anchor, nofollow, chrome) of every link, in document order."""
    return [(l.href, l.anchor, l.nofollow, l.chrome) for l in extract(html).links]


def test_metadata() -> None:
    page = extract(
        """<!doctype html><html><head>
        <title>  A   title
          on two lines </title>
        <base href="/docs/">
        <link rel="stylesheet" href="/style.css">
        <link rel="Canonical" href="https://www.example.com/a/">
        <meta name="Robots" content="NoIndex">
        <meta name="robots" content="nofollow">
        <meta http-equiv="REFRESH" content="3; url=/next/">
        </head><body></body></html>"""
    )
    assert page.title == "A title on two lines"
    assert page.base == "/docs/"
    assert page.canonical == "https://www.example.com/a/"
    assert page.robots == "noindex,nofollow"
    assert page.refresh == "/next/"
    assert page.links == []


def test_a_page_without_metadata() -> None:
    page = extract("<p>just text</p>")
    assert (page.title, page.base, page.canonical, page.robots, page.refresh, page.links) == ("", None, None, "", None, [])


def test_chrome_and_content() -> None:
    html = """
    <header><a href="/h">page header</a></header>
    <nav><a href="/n">nav</a></nav>
    <div role="navigation"><a href="/rn">role nav</a></div>
    <div role="banner"><a href="/rb">role banner</a></div>
    <main>
      <a href="/m">main</a>
      <article>
        <header><a href="/ah">article header</a></header>
        <p><a href="/ap">article text</a></p>
        <footer><a href="/af">article footer</a></footer>
        <nav><a href="/an">nav inside an article</a></nav>
      </article>
      <section><footer><a href="/sf">section footer</a></footer></section>
    </main>
    <aside><a href="/as">aside</a></aside>
    <div role="complementary"><a href="/rc">role complementary</a></div>
    <footer><a href="/f">page footer</a></footer>
    <div role="contentinfo"><a href="/ri">role contentinfo</a></div>
    <p><a href="/body">body text</a></p>
    """
    assert [(href, chrome) for href, _, _, chrome in links(html)] == [
        ("/h", True),
        ("/n", True),
        ("/rn", True),
        ("/rb", True),
        ("/m", False),
        ("/ah", False),
        ("/ap", False),
        ("/af", False),
        ("/an", True),
        ("/sf", False),
        ("/as", True),
        ("/rc", True),
        ("/f", True),
        ("/ri", True),
        ("/body", False),
    ]


def test_anchor_text() -> None:
    html = """
    <a href="/a">  Spread
        over   <em>lines</em> </a>
    <a href="/b"><img src="x.png" alt="Picture alt"></a>
    <a href="/c"><img src="x.png"></a>
    <a href="/d"><img src="x.png" alt="ignored"> Text wins</a>
    <img usemap="#m"><map name="m"><area href="/e" alt="Area alt"><area href="/f"></map>
    <a href="/g">&lt;script&gt;alert(1)&lt;/script&gt;</a>
    <a href="/h">
      <img src="logo.png" alt="Logo on its own line" />
    </a>
    """
    assert [(href, anchor) for href, anchor, _, _ in links(html)] == [
        ("/a", "Spread over lines"),
        ("/b", "Picture alt"),
        ("/c", ""),
        ("/d", "Text wins"),
        ("/e", "Area alt"),
        ("/f", ""),
        ("/g", "<script>alert(1)</script>"),
        ("/h", "Logo on its own line"),  # Sphinx's logo: whitespace around the image is no text
    ]


def test_long_anchor_text_is_cut() -> None:
    (link,) = extract(f'<a href="/x">{"word " * 100}</a>').links
    assert len(link.anchor) == 200
    assert link.anchor.startswith("word word")


def test_rel_nofollow() -> None:
    html = """
    <a href="/a" rel="nofollow">a</a>
    <a href="/b" rel="external NOFOLLOW noopener">b</a>
    <a href="/c" rel="follow">c</a>
    <a href="/d" rel="nofollowed">d</a>
    <a href="/e">e</a>
    """
    assert [(href, nofollow) for href, _, nofollow, _ in links(html)] == [
        ("/a", True),
        ("/b", True),
        ("/c", False),
        ("/d", False),
        ("/e", False),
    ]


def test_only_a_and_area_with_href_are_links() -> None:
    html = """
    <a name="top">no href</a>
    <a href="">empty href</a>
    <link rel="next" href="/page/2/">
    <div href="/div">not a link</div>
    <area href="/area" alt="area">
    <a href="  /spaces  ">spaces</a>
    """
    assert extract(html).links == [
        RawLink("", "empty href", False, False),
        RawLink("/area", "area", False, False),
        RawLink("  /spaces  ", "spaces", False, False),
    ]


def test_malformed_markup_does_not_raise() -> None:
    # An <a> inside an unclosed <a> closes it, as in a browser.
    page = extract('<html><body><a href="/a">unclosed <a href="/b">next</p></td><a href="/c"')
    assert [(l.href, l.anchor) for l in page.links] == [("/a", "unclosed"), ("/b", "next")]


@pytest.mark.parametrize(
    "content, target",
    [
        ("0; url=/new/", "/new/"),
        ("0;URL='/new/'", "/new/"),
        ('0; url="/new/"', "/new/"),
        ("5, url=/x", "/x"),
        ("0.5; url=/x", "/x"),
        ("0;/bare", "/bare"),
        ("  2 ;  url = /spaced/  ", "/spaced/"),
        ("30", None),
        ("", None),
        ("0; url=", None),
    ],
)
def test_parse_refresh(content: str, target: str | None) -> None:
    assert parse_refresh(content) == target


def test_decode_windows_1252_from_meta_charset() -> None:
    data = '<meta charset="windows-1252"><title>Café – “x”</title>'.encode("cp1252")
    assert decode_html(data) == '<meta charset="windows-1252"><title>Café – “x”</title>'


def test_decode_http_equiv_content_type() -> None:
    data = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">é'.encode("latin-1")
    assert decode_html(data).endswith("é")


def test_decode_order_bom_then_declared_then_meta_then_utf8() -> None:
    text = '<meta charset="windows-1252">café'
    assert decode_html(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_html(text.encode("utf-16-le").join([b"\xff\xfe", b""])) == text
    assert decode_html(text.encode("cp1252"), declared="utf-8") == text.replace("é", "\ufffd")
    assert decode_html("café".encode("utf-8")) == "café"


def test_decode_never_fails() -> None:
    assert decode_html(b"\xfe\xfd broken") == "\ufffd\ufffd broken"
    assert decode_html(b'<meta charset="no-such-codec">\xe9') == '<meta charset="no-such-codec">\ufffd'
    assert decode_html(b'<meta charset="utf-16">ok') == '<meta charset="utf-16">ok'


def test_extract_bytes_decodes_first() -> None:
    data = '<meta charset="windows-1252"><a href="/café.html">Café</a>'.encode("cp1252")
    assert extract(data).links == [RawLink("/café.html", "Café", False, False)]
