"""Rendering with a real Chromium: folders served on 127.0.0.1 by the crawl itself."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import CrawlError, crawl_site
from pytest_linkrules.crawl.browser import BrowserError, candidates

SITES = Path(__file__).parent / "sites"


def site(name: str, **kwargs: object) -> SiteConfig:
    return SiteConfig(root=SITES / name, **kwargs)  # type: ignore[arg-type]


def targets(page) -> set[str]:
    return {link.target for link in page.links}


def test_static_read_misses_links_that_scripts_insert():
    # With /guides/ (which has a link in its HTML) as a second start page the crawl
    # goes on; with "/" alone it would stop (tests/test_no_silent_green.py).
    result = crawl_site(site("js-nav", render="never", start=("/", "/guides/")))
    assert result.render == "static"
    assert result.render_reason == 'render = "never"'
    assert targets(result.pages["/"]) == set()
    with pytest.raises(CrawlError, match="the start page / has scripts but no links in its HTML"):
        crawl_site(site("js-nav", render="never"))


def test_auto_renders_a_site_whose_nav_is_built_by_a_script():
    result = crawl_site(site("js-nav"))
    assert result.render == "rendered"
    assert result.render_reason.startswith("5 page(s) with scripts in 1 template: 5 rendered in ")
    # The home page's widget makes its links unlike the others': no one difference fits, so all are rendered.
    assert result.notes[0] == (
        "render: 5 pages like / (rendered): rendering changes links differently on the 3 sampled pages"
    )
    home = result.pages["/"]
    assert home.rendered
    assert targets(home) == {"/", "/guides/", "/blog/", "/guides/seo/"}
    by_target = {link.target: link for link in home.links}
    # Chrome versus content is decided as in the static extractor.
    assert not by_target["/guides/"].in_content and by_target["/guides/"].anchor == "Guides"
    # A widget filled 150 ms after DOMContentLoaded is waited for; nested text is joined with spaces.
    assert by_target["/guides/seo/"].in_content and by_target["/guides/seo/"].anchor == "Related: SEO guide"
    assert targets(result.pages["/blog/first.html"]) == {"/", "/guides/", "/blog/"}


def test_auto_stays_static_when_no_page_has_scripts():
    result = crawl_site(site("urls"))
    assert result.render == "static"
    assert result.render_reason == "no page has a <script>, so rendering would change nothing"


def test_pages_that_never_settle_or_never_load_do_not_stop_the_crawl():
    result = crawl_site(site("render-edge", render="always", timeout=2.0))
    assert result.render == "rendered"
    # The busy page is read once the settle period is over, and said so.
    assert targets(result.pages["/busy.html"]) == {"/ok.html"}
    assert any("kept changing" in note and "/busy.html" in note for note in result.notes)
    # A script that never returns blocks DOMContentLoaded: that page fails, alone.
    loop = result.pages["/loop.html"]
    assert loop.error == "could not load in the browser: did not reach DOMContentLoaded within 2s (site.timeout)"
    # The page rendered after it on the same pooled tab is fine.
    assert targets(result.pages["/ok.html"]) == {"/"}
    assert [p.url for p in result.unreadable] == ["/loop.html"]


def test_links_added_by_a_late_timer_or_after_a_fetch_are_waited_for_and_a_poller_is_not():
    result = crawl_site(site("render-late", render="always"))
    assert result.render == "rendered"
    # 600 ms after DOMContentLoaded: far past the quiet window, caught because the timer was pending.
    assert targets(result.pages["/timer.html"]) == {"/", "/target.html"}
    # fetch, then the body, then an animation frame: each step keeps the page busy until the next.
    assert targets(result.pages["/fetched.html"]) == {"/", "/target.html"}
    # A timer chain that never ends stops counting after two links: the page settles.
    assert result.pages["/poller.html"].rendered
    assert not any("kept changing" in note for note in result.notes)


def test_the_headless_shell_comes_before_full_chromium_on_path(tmp_path, monkeypatch):
    for name in ("chromium", "chromium-headless-shell"):
        exe = tmp_path / name
        exe.write_text("#!/bin/sh\nexit 3\n")
        exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("LINKRULES_BROWSER", raising=False)
    assert [c.path for c in candidates()] == [str(tmp_path / "chromium-headless-shell"), str(tmp_path / "chromium")]
    # An explicit choice still wins, alone.
    assert [c.path for c in candidates(str(tmp_path / "chromium"))] == [str(tmp_path / "chromium")]


def test_an_explicit_browser_path_that_does_not_exist_is_one_clear_error(tmp_path):
    with pytest.raises(BrowserError) as info:
        candidates(str(tmp_path / "no-chrome"))
    message = str(info.value)
    assert "does not exist" in message
    assert "playwright install --with-deps chromium" in message and "apt-get install chromium" in message


def test_an_explicit_browser_that_cannot_start_fails_the_crawl(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(CrawlError) as info:
        crawl_site(site("js-nav", render="always", browser_path=str(fake)))
    message = str(info.value)
    assert message.startswith('site.render = "always": no browser could be launched for rendering (--linkrules-browser-path: ')
    assert "Traceback" not in message
    # Under auto too: the user named that browser, so going on with the static
    # HTML (a note in the header) would hide their mistake.
    with pytest.raises(CrawlError) as info:
        crawl_site(site("js-nav", browser_path=str(fake)))
    assert str(info.value).startswith(
        "the browser named by --linkrules-browser-path could not be started: no browser could be launched for rendering"
    )


def test_plugin_renders_when_asked_and_says_so_in_the_header(pytester):
    shutil.copytree(SITES / "js-nav", pytester.path / "public")
    pytester.makefile(
        ".toml",
        linkrules='[site]\nroot = "public"\n\n[rules.no-orphans]\n\n[rules.max-depth]\nmax = 2\n',
    )
    # Read as HTML, the start page has no links at all: the run stops saying why
    # (it used to report every other page an orphan).
    static = pytester.runpytest("--linkrules", "--linkrules-render=never", "-p", "no:cacheprovider")
    assert static.ret == pytest.ExitCode.USAGE_ERROR
    static.stderr.fnmatch_lines(["*the start page / has scripts but no links in its HTML, and nothing was rendered*"])
    rendered = pytester.runpytest("--linkrules", "--linkrules-render=always", "-p", "no:cacheprovider")
    rendered.stdout.fnmatch_lines(['*render: rendered (render = "always": 5 rendered in *'])
    assert rendered.ret == 0


def test_a_bad_render_option_is_a_usage_error(pytester):
    pytester.makefile(".toml", linkrules='[site]\nroot = "."\nrender = "sometimes"\n\n[rules.no-orphans]\n')
    result = pytester.runpytest("--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(['*linkrules.toml: site.render: expected one of "auto", "always", "never", got "sometimes"'])


@pytest.mark.parametrize("name", ["urls", "meta"])
def test_rendering_a_page_whose_script_changes_nothing_reads_the_same_links(tmp_path, name):
    """The browser reader and the static reader agree on every link, anchor and flag."""
    root = tmp_path / name
    shutil.copytree(SITES / name, root)
    for path in root.rglob("*.htm*"):
        data = path.read_bytes()
        path.write_bytes(data + b"<script>var unused = 1;</script>")
    static = crawl_site(SiteConfig(root=root, render="never"))
    rendered = crawl_site(SiteConfig(root=root, render="always"))
    assert rendered.render == "rendered"

    def view(page):
        links = sorted((link.target, link.href, link.anchor, link.flags) for link in page.links)
        broken = sorted((link.target, link.href, link.anchor, link.flags) for link in page.broken)
        return page.title, page.canonical, page.noindex, page.nofollow, links, broken

    assert sorted(rendered.pages) == sorted(static.pages)
    for url, page in static.pages.items():
        # Meta-refresh stubs are read as HTML: the browser would follow the refresh.
        stub = any(link.is_redirect for link in page.links + page.broken)
        assert rendered.pages[url].rendered != (stub or bool(page.error)), url
        assert view(rendered.pages[url]) == view(page), url


def test_a_script_loaded_after_the_load_event_is_waited_for(serve):
    """Doxygen's nav tree: at `load`, a script inserts a <script src> whose code adds links.

    The script takes longer to arrive than the quiet window; the page is read
    only once it has run (before, a busy machine read half of Doxygen's pages
    without their tree).
    """
    from pytest_linkrules.config import SiteConfig as Site

    page = """<!doctype html><html><head><title>Tree</title><script>
window.addEventListener('load', () => {
  const s = document.createElement('script'); s.src = '/tree-data.js'; document.head.appendChild(s);
});</script></head><body><main><div id="tree"></div><a href="/">Home</a></main></body></html>"""
    data = "const a = document.createElement('a'); a.href = '/b.html'; a.textContent = 'B';" \
           "document.getElementById('tree').appendChild(a);"
    server = serve(
        pages={"/": page, "/b.html": "<title>B</title><a href='/'>Home</a>"},
        files={"/tree-data.js": ("text/javascript", data.encode())},
        delays={"/tree-data.js": 0.4},
    )
    result = crawl_site(Site(url=server.origin, render="always", rate_limit=0.0))
    home = result.pages["/"]
    assert home.rendered
    assert targets(home) == {"/", "/b.html"}
    assert not result.notes or not any("kept changing" in n for n in result.notes)


def test_a_site_on_an_ipv6_origin_renders_and_stays_fenced(serve, spy):
    """Chromium's request blocking parses URLPattern syntax, where an IPv6 host's colons must be escaped.

    Unescaped, http://[::1]:PORT/* failed to parse and the crawl ended in a traceback.
    """
    from pytest_linkrules.config import SiteConfig as Site

    page = f"""<!doctype html><html><head><title>Home</title><script>
document.addEventListener('DOMContentLoaded', () => {{
  const a = document.createElement('a'); a.href = '/js.html'; a.textContent = 'JS'; document.body.appendChild(a);
  fetch('{spy.origin}/leak').catch(() => {{}});
}});</script></head><body><a href="/a.html">A</a><img src="{spy.origin}/pixel.gif"></body></html>"""
    server = serve(host="::1", pages={"/": page, "/a.html": "<title>A</title><a href='/'>Home</a>",
                                      "/js.html": "<title>JS</title><a href='/'>Home</a>"})
    assert server.origin.startswith("http://[::1]:")
    result = crawl_site(Site(url=server.origin, render="always", rate_limit=0.0))
    assert result.pages["/"].rendered
    assert targets(result.pages["/"]) == {"/a.html", "/js.html"}
    assert set(result.pages) == {"/", "/a.html", "/js.html"}
    assert spy.connections == []


def _render_one(server, path: str, settle: float):
    """One page through the renderer itself, with a settle budget longer than the crawl's 3 s."""
    import asyncio

    from pytest_linkrules.crawl.render import Renderer, RenderOptions

    async def render():
        async with Renderer(server.origin, RenderOptions(settle=settle)) as renderer:
            return await renderer.render(server.origin + path)

    return asyncio.run(render())


TREE_PAGE = """<!doctype html><html><head><title>Tree</title><script>
window.addEventListener('load', () => {{ {insert} }});</script></head>
<body><main><div id="tree"></div><a href="/">Home</a></main></body></html>"""
TREE_DATA = b"const a = document.createElement('a'); a.href = '/b.html'; a.textContent = 'B'; document.getElementById('tree').appendChild(a);"


def test_a_script_that_a_script_inserts_is_waited_for_however_slow(serve):
    """A starved renderer or a slow server delays Doxygen's tree data past 2 s: the page is still read after it ran.

    On libstdc++'s docs, a page rendered beside inherits.html (918 SVG frames)
    waited 3-7 s for its tree's data; counting each script at most 2 s read it
    "settled" without the tree (24 of its links missing). A script a script
    inserted is counted until it loads or fails; the settle budget bounds the wait.
    """
    insert = "const s = document.createElement('script'); s.src = '/tree-data.js'; document.head.appendChild(s);"
    server = serve(
        pages={"/": TREE_PAGE.format(insert=insert)},
        files={"/tree-data.js": ("text/javascript", TREE_DATA)},
        delays={"/tree-data.js": 2.6},
    )
    rendered = _render_one(server, "/", settle=10)
    assert not rendered.error and rendered.settled
    assert {link.href for link in rendered.raw.links} == {"/", "/b.html"}


def test_a_script_that_innerhtml_inserts_never_runs_and_is_not_waited_for(serve):
    """innerHTML makes a <script src> the browser never fetches: it must not hold the page to the settle budget."""
    insert = "document.getElementById('tree').innerHTML = '<script src=\"/tree-data.js\"><' + '/script>';"
    server = serve(
        pages={"/": TREE_PAGE.format(insert=insert)},
        files={"/tree-data.js": ("text/javascript", TREE_DATA)},
    )
    rendered = _render_one(server, "/", settle=10)
    assert not rendered.error and rendered.settled  # quiet within 2 s, far inside the 10 s budget
    assert {link.href for link in rendered.raw.links} == {"/"}
    assert "/tree-data.js" not in server.paths  # never fetched, so never run


def test_a_script_that_never_arrives_ends_the_wait_as_unsettled(serve):
    """A script a script inserted whose server never answers: the page is read when the settle budget runs out, and says so."""
    insert = "const s = document.createElement('script'); s.src = '/tree-data.js'; document.head.appendChild(s);"
    server = serve(pages={"/": TREE_PAGE.format(insert=insert)}, hang={"/tree-data.js"})
    rendered = _render_one(server, "/", settle=2.5)
    assert not rendered.error
    assert rendered.settled is False
    assert {link.href for link in rendered.raw.links} == {"/"}
