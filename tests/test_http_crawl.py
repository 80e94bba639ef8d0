"""Crawling a deployed site over HTTP: fixture sites served on 127.0.0.1 by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import CrawlError, crawl_site
from pytest_linkrules.crawl.sitemap import parse_sitemap
from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import VIA_REDIRECT

SITES = Path(__file__).parent / "sites"
DEPLOYED = SITES / "deployed"


def outbound(other: str) -> str:
    """A page that refers to another origin in every way a page can."""
    return f"""<!doctype html><html><head><title>Outbound</title>
<link rel="stylesheet" href="{other}/style.css"><script src="{other}/tracker.js"></script>
<link rel="preload" href="{other}/font.woff2" as="font"></head>
<body style="background: url({other}/bg.jpg)"><main>
<a href="{other}/page/">A page there</a> <a href="//{other.split('//')[1]}/protocol-relative/">Protocol-relative</a>
<img src="{other}/photo.jpg"><iframe src="{other}/frame.html"></iframe>
<form action="{other}/form"></form>
<script>fetch("{other}/api").catch(() => {{}}); new Image().src = "{other}/pixel.gif";
var a = document.createElement("a"); a.href = "{other}/injected/"; a.textContent = "injected"; document.body.appendChild(a);</script>
<a href="/">Home</a></main></body></html>"""


def deployed(serve, other: str = "https://www.example.com", **kwargs):
    """The deployed fixture site with its redirects, errors and headers."""
    options = dict(
        redirects={"/old/": (301, "/older/"), "/older/": (302, "/guides/seo/"), "/away/": (302, other + "/"),
                   "/loop/": (301, "/loop-2/"), "/loop-2/": (302, "/loop/")},
        statuses={"/error/": 500},
        headers={"/tagged.html": {"X-Robots-Tag": "noindex"}},
        pages={"/outbound.html": outbound(other)},
    )
    options.update(kwargs)
    return serve(DEPLOYED, **options)


def crawl(server, **kwargs):
    kwargs.setdefault("render", "never")
    kwargs.setdefault("rate_limit", 0.0)
    return crawl_site(SiteConfig(url=server.origin, **kwargs))


def by_target(page):
    return {link.target: link for link in page.links}


def test_a_deployed_site_is_crawled_with_redirects_errors_robots_and_sitemaps(serve):
    server = deployed(serve)
    result = crawl(server)
    assert result.source == f"site {server.origin}"
    assert sorted(result.pages) == ["/", "/blog/", "/guides/", "/guides/seo/", "/lonely.html", "/noindex.html", "/outbound.html", "/tagged.html"]
    home = result.pages["/"]
    links = by_target(home)
    # A link to a redirect chain is an edge to where it ends, flagged, with its href kept.
    via = links["/guides/seo/"]
    assert via.href == "/old/" and via.flags & VIA_REDIRECT
    assert any(note == "2 linked URL(s) redirect within the site (e.g. /blog -> /blog/)" for note in result.notes)
    # /blog answers 301 /blog/ like any static host: same page, flagged as a redirect.
    assert links["/blog/"].href == "/blog" and links["/blog/"].flags & VIA_REDIRECT
    # Query strings and fragments are dropped; index.html is its folder.
    assert "/guides/" in links and not links["/guides/"].flags & VIA_REDIRECT
    # 4xx and 5xx are broken links, not pages.
    assert sorted(link.target for link in home.broken) == ["/error/", "/loop/", "/missing/"]
    assert server.paths.count("/loop/") == 1  # a loop is noticed, not walked
    # A PDF is a file, another host is external, a redirect off the site is not followed.
    assert not {"/files/checklist.pdf", "/away/"} & set(links)
    assert "1 URL(s) redirect to another host, not followed (e.g. /away/ -> https://www.example.com/)" in result.notes
    # robots.txt: never requested, and said so.
    assert not any(p.startswith("/private/") for p in server.paths)
    assert any(n.startswith("robots.txt disallows 1 linked URL(s), not crawled: /private/secret.html") for n in result.notes)
    # noindex from meta robots and from the X-Robots-Tag header.
    assert result.pages["/noindex.html"].noindex and result.pages["/tagged.html"].noindex
    assert not result.pages["/guides/"].noindex
    assert home.canonical == "/"
    # The sitemap index (named in robots.txt) lists a page no link reaches: an orphan.
    graph = SiteGraph(result.pages, result.starts)
    assert graph.orphans == ["/lonely.html"]
    assert "sitemap /sitemap-pages.xml: 1 URL(s) on other hosts ignored (if they name the production site, add it to site.base_url)" in result.notes


def test_respect_robots_false_crawls_a_closed_section(serve):
    server = deployed(serve)
    result = crawl(server, respect_robots=False)
    assert "/private/secret.html" in result.pages
    assert "/private/secret.html" in server.paths


def test_a_start_page_closed_by_robots_is_a_clear_error(serve):
    server = serve(DEPLOYED, files={"/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /\n")})
    with pytest.raises(CrawlError) as info:
        crawl(server)
    assert str(info.value) == (
        f"site.start: robots.txt of {server.origin} disallows /; "
        "set respect_robots = false to crawl a site that is closed to robots (e.g. staging)"
    )
    assert server.paths == ["/robots.txt"]


def test_a_dead_start_page_is_a_clear_error(serve):
    server = serve(DEPLOYED, statuses={"/": 503})
    with pytest.raises(CrawlError) as info:
        crawl(server, timeout=2.0)
    assert str(info.value).startswith(f'site.start: "/" ({server.origin}/): HTTP 503')
    # 503 is retried: three tries in all.
    assert server.paths.count("/") == 3


def test_a_page_that_never_answers_times_out_and_the_crawl_goes_on(serve):
    server = deployed(serve, hang={"/guides/seo/"})
    result = crawl(server, timeout=0.5)
    seo = result.pages["/guides/seo/"]
    assert seo.error == "no answer within 0.5s (site.timeout) (after 3 tries)"
    assert result.pages["/blog/"].links  # everything else was read
    assert [p.url for p in result.unreadable] == ["/guides/seo/"]


def test_page_limit(serve):
    server = deployed(serve)
    result = crawl(server, max_pages=3)
    assert len(result.pages) <= 3
    assert any(n.startswith("page limit reached:") for n in result.notes)


def test_sitemaps_parse_urlsets_indexes_and_garbage():
    urlset = parse_sitemap(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://a.test/x </loc></url></urlset>')
    assert (urlset.kind, urlset.locs) == ("urlset", ["https://a.test/x"])
    index = parse_sitemap(b"<sitemapindex><sitemap><loc>/s1.xml</loc></sitemap></sitemapindex>")
    assert (index.kind, index.locs) == ("index", ["/s1.xml"])
    assert parse_sitemap(b"<html>not a sitemap</html>").error == "root element is <html>, expected <urlset> or <sitemapindex>"
    assert parse_sitemap(b"\x00\x01").kind == "invalid"
    import gzip

    assert parse_sitemap(gzip.compress(b"<urlset><url><loc>/a</loc></url></urlset>")).locs == ["/a"]


def test_no_request_leaves_the_origin_even_when_rendering(serve):
    other = serve(DEPLOYED)
    robots = (DEPLOYED / "robots.txt").read_bytes() + f"Sitemap: {other.origin}/sitemap.xml\n".encode()
    sitemap = f'<urlset><url><loc>{other.origin}/from-sitemap/</loc></url><url><loc>/lonely.html</loc></url></urlset>'
    server = deployed(
        serve,
        other=other.origin,
        files={"/robots.txt": ("text/plain", robots), "/sitemap-pages.xml": ("application/xml", sitemap.encode())},
    )
    result = crawl(server, render="always")
    assert result.render == "rendered"
    assert result.pages["/outbound.html"].rendered
    assert other.requests == []
    assert f"sitemap {other.origin}/sitemap.xml is on another host; read /sitemap.xml on {server.origin} instead" in result.notes
    # The crawl read the outbound page once; the browser was handed those bytes.
    assert server.paths.count("/outbound.html") == 1


ROBOTS_VALUES = {
    "plain.html": "noindex",
    "agent.html": "googlebot: noindex, nofollow",
    "other-agent.html": "someotherbot: noindex",
    "none.html": "None",
}


def test_a_folder_and_the_same_folder_over_http_read_meta_robots_alike(serve, tmp_path):
    """Both crawls read robots through one parser: agent-prefixed values ("googlebot: noindex") too."""
    links = "".join(f'<a href="/{name}">{name}</a>' for name in ROBOTS_VALUES)
    (tmp_path / "index.html").write_text(f"<html><body>{links}</body></html>")
    for name, content in ROBOTS_VALUES.items():
        (tmp_path / name).write_text(f'<html><head><meta name="robots" content="{content}"></head><body><a href="/">home</a></body></html>')
    folder = crawl_site(SiteConfig(root=tmp_path)).pages
    served = crawl(serve(tmp_path)).pages
    verdicts = {name: (folder[f"/{name}"].noindex, folder[f"/{name}"].nofollow) for name in ROBOTS_VALUES}
    assert verdicts == {
        "plain.html": (True, False),
        "agent.html": (True, True),
        "other-agent.html": (False, False),
        "none.html": (True, True),
    }
    assert {name: (served[f"/{name}"].noindex, served[f"/{name}"].nofollow) for name in ROBOTS_VALUES} == verdicts
