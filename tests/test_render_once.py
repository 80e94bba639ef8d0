"""A URL crawl renders the bytes it read: the browser never asks the server for
a page the crawl already holds.

The crawl reads each page over HTTP (status, headers, links for js-only-links)
and hands that response to Chromium for the page's own navigation. These
pages check that the browser still builds what it would have built from the
server: scripts run, the header charset decodes the page, a CSP header still
blocks inline scripts, Set-Cookie still sets the cookie a script reads.
"""

from __future__ import annotations

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site


def adds(href: str, text: str = "added") -> str:
    """A script that adds a link once the document is parsed."""
    return (
        "<script>document.addEventListener('DOMContentLoaded', () => {"
        f"const a = document.createElement('a'); a.href = '{href}'; a.textContent = '{text}';"
        "document.body.appendChild(a); });</script>"
    )


PLAIN = "<!doctype html><title>{}</title><p>no script</p>"
GREEK = "Καλημέρα"
NAMES = ["target", "first", "second", "csp", "cookie", "framed", "selfish", "greek", "changing"]


def site(serve):
    links = "".join(f'<a href="/{n}.html">{n}</a> ' for n in NAMES)
    greek = f"<!doctype html><title>{GREEK}</title><body>{adds('/target.html', GREEK)}</body>"
    return serve(
        pages={
            "/": f"<!doctype html><title>Home</title><body>{links}{adds('/target.html')}</body>",
            "/target.html": PLAIN.format("Target"),
            "/first.html": PLAIN.format("First"),
            "/second.html": PLAIN.format("Second"),
            "/inner.html": "<!doctype html><title>Inner</title>" + adds("/second.html"),
            "/framed.html": '<!doctype html><title>Framed</title><body><iframe src="/inner.html"></iframe>' + adds("/first.html"),
            "/csp.html": "<!doctype html><title>CSP</title><body>" + adds("/second.html") + '<script src="/csp.js"></script>',
            "/cookie.html": (
                "<!doctype html><title>Cookie</title><body><script>document.addEventListener('DOMContentLoaded', () => {"
                "if (document.cookie.includes('flavour=oat')) {"
                "const a = document.createElement('a'); a.href = '/first.html'; a.textContent = 'oat';"
                "document.body.appendChild(a); } });</script>"
            ),
        },
        changing={
            # The first answer (the one the crawl reads) and what the server says after.
            "/changing.html": [
                "<!doctype html><title>Version 1</title><body>" + adds("/first.html"),
                "<!doctype html><title>Version 2</title><body>" + adds("/second.html"),
            ],
            # Embeds itself once (Chromium allows one level): that frame is the server's to answer.
            "/selfish.html": [
                '<!doctype html><title>Selfish 1</title><body><iframe src="/selfish.html"></iframe>' + adds("/first.html"),
                "<!doctype html><title>Selfish 2</title><body>" + adds("/second.html"),
            ],
        },
        files={
            # Labelled in the header only: decoded right only if the browser gets the header.
            "/greek.html": ("text/html; charset=iso-8859-7", greek.encode("iso-8859-7")),
            "/csp.js": ("text/javascript", b"const a = document.createElement('a'); a.href = '/first.html'; document.body.appendChild(a);"),
        },
        headers={
            "/csp.html": {"Content-Security-Policy": "script-src 'self'"},
            "/cookie.html": {"Set-Cookie": "flavour=oat; Path=/"},
        },
    )


def targets(page) -> set[str]:
    return {link.target for link in page.links}


def test_each_rendered_page_is_requested_once_and_rendered_from_that_response(serve):
    server = site(serve)
    result = crawl_site(SiteConfig(url=server.origin, render="always", rate_limit=0.0))
    pages = result.pages
    assert result.render == "rendered"
    scripted = ["/", "/changing.html", "/framed.html", "/csp.html", "/cookie.html", "/selfish.html", "/greek.html"]
    assert all(pages[p].rendered for p in scripted)
    # The script's link is there, so the page ran in the browser.
    assert targets(pages["/"]) >= {"/target.html"}
    # Rendered from the crawl's copy: the server's second answer was never asked for.
    assert pages["/changing.html"].title == "Version 1"
    assert targets(pages["/changing.html"]) == {"/first.html"}
    # The charset from the Content-Type header decoded the page and its script.
    assert pages["/greek.html"].title == GREEK
    assert [link.anchor for link in pages["/greek.html"].links] == [GREEK]
    # Content-Security-Policy still applies: the inline script was refused, the file ran.
    assert targets(pages["/csp.html"]) == {"/first.html"}
    # Set-Cookie still reaches the browser's cookie jar before the page's script reads it.
    assert targets(pages["/cookie.html"]) == {"/first.html"}
    # A frame is its own request, answered by the server; a page framing
    # itself gets the server's current answer there.
    assert targets(pages["/framed.html"]) == {"/first.html"}
    assert targets(pages["/selfish.html"]) == {"/first.html"}

    counts = {path: server.paths.count(path) for path in set(server.paths)}
    assert counts["/selfish.html"] == 2  # the crawl, then the frame
    once = [p for p in scripted if p != "/selfish.html"] + ["/target.html", "/first.html", "/second.html", "/csp.js", "/inner.html"]
    assert {p: counts.get(p) for p in once} == dict.fromkeys(once, 1)


def test_no_page_body_outlives_its_read(serve):
    """Every answer stays for the whole crawl (link flags, notes); the bytes handed to the browser must not."""
    import asyncio

    from pytest_linkrules.crawl.http import Secrets, _pass
    from pytest_linkrules.crawl.render import Renderer

    server = site(serve)
    config = SiteConfig(url=server.origin, render="always", rate_limit=0.0)

    async def crawl():
        async with Renderer(server.origin) as renderer:
            _, crawler = await _pass(config, Secrets(), renderer, None)
            return crawler

    crawler = asyncio.run(crawl())
    assert len(crawler.reads) == len(NAMES) + 1
    assert any(read[3] for read in crawler.reads.values())  # rendered
    held = [key for key, answer in crawler.answers.items() if answer.body is not None or answer.headers]
    assert held == []
