"""A folder published below a path: base_url = "https://user.github.io/docs/" (GitHub Pages project sites).

The site's own links then name its pages as /docs/guide/; the folder's root is
/docs/, and root-relative links outside it go to another site on the same host.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.crawl.urls import FolderResolver

BASE = ("https://user.github.io/docs",)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_links_below_the_published_path_name_the_folders_pages() -> None:
    resolver = FolderResolver(["index.html", "guide/index.html", "faq.html"], BASE)
    assert resolver.resolve("/docs/guide/", "/") == ("page", "/guide/")
    assert resolver.resolve("/docs/", "/guide/") == ("page", "/")
    assert resolver.resolve("/docs", "/guide/") == ("page", "/")
    assert resolver.resolve("https://user.github.io/docs/faq.html#a", "/") == ("page", "/faq.html")
    assert resolver.resolve("//user.github.io/docs/faq", "/") == ("page", "/faq.html")
    assert resolver.resolve("../faq.html", "/guide/") == ("page", "/faq.html")  # relative: against the page
    assert resolver.resolve("/docs/missing/", "/") == ("broken", "/missing/")
    # Outside /docs/ is another site on the host: external, not a broken link.
    assert resolver.resolve("/other-project/", "/") == ("external", "/other-project/")
    assert resolver.resolve("/docs-old/x", "/") == ("external", "/docs-old/x")
    assert resolver.resolve("/docs/../other/", "/") == ("external", "/docs/../other/")
    assert resolver.resolve("https://user.github.io/", "/") == ("external", "https://user.github.io/")
    # Without a path in base_url nothing changes: /docs/ is just a folder.
    plain = FolderResolver(["docs/index.html", "index.html"], ("https://user.github.io",))
    assert plain.resolve("/docs/", "/") == ("page", "/docs/")


def test_a_published_folder_is_crawled_with_its_sitemap_and_base(tmp_path: Path) -> None:
    site = write(
        tmp_path,
        {
            "index.html": '<title>Home</title><a href="/docs/guide/">Guide</a><a href="/docs/gone/">Gone</a>'
            '<a href="/blog/">the user site</a><a href="https://user.github.io/docs/faq.html">FAQ</a>',
            "guide/index.html": '<title>Guide</title><base href="/docs/guide/"><a href="../">Home</a><a href="setup.html">Setup</a>',
            "guide/setup.html": "<title>Setup</title>",
            "faq.html": '<title>FAQ</title><a href="/docs/">Home</a>',
            "sitemap.xml": '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            "<url><loc>https://user.github.io/docs/guide/</loc></url>"
            "<url><loc>https://user.github.io/elsewhere/</loc></url></urlset>",
        },
    )
    result = crawl_site(SiteConfig(root=site, base_url=BASE, render="never"))
    pages = result.pages
    assert sorted(pages) == ["/", "/faq.html", "/guide/", "/guide/setup.html"]
    assert [link.target for link in pages["/"].links] == ["/guide/", "/faq.html"]
    assert [link.target for link in pages["/"].broken] == ["/gone/"]
    assert [link.target for link in pages["/guide/"].links] == ["/", "/guide/setup.html"]
    assert [link.target for link in pages["/faq.html"].links] == ["/"]
    assert result.sitemap_urls == ["/guide/"]
    assert 'sitemap: 1 URL(s) outside the path of site.base_url ("/docs/") ignored' in result.notes


def test_a_rendered_page_fetches_what_it_asks_for_by_its_published_address(tmp_path: Path) -> None:
    # The page's script asks for /docs/links.json, as it would on GitHub Pages;
    # the folder is served so that this answers.
    site = write(
        tmp_path,
        {
            "index.html": "<title>Home</title><nav id=nav></nav><script>"
            "fetch('/docs/links.json').then(r => r.json()).then(hrefs => { for (const h of hrefs) {"
            " const a = document.createElement('a'); a.href = h; a.textContent = h; document.getElementById('nav').append(a); } });"
            "</script>",
            "links.json": '["/docs/guide/", "/docs/faq.html"]',
            "guide/index.html": "<title>Guide</title>",
            "faq.html": "<title>FAQ</title>",
        },
    )
    result = crawl_site(SiteConfig(root=site, base_url=BASE, render="always"))
    assert result.render == "rendered"
    assert [link.target for link in result.pages["/"].links] == ["/guide/", "/faq.html"]
    assert result.pages["/"].broken == ()


@pytest.mark.parametrize(
    "base_url, message",
    [
        (
            '["https://user.github.io/docs/", "https://docs.example.com/"]',
            'site.base_url: expected every URL to have the same path (where the site folder is published), got "/", "/docs"',
        ),
    ],
)
def test_base_urls_must_agree_on_the_path(pytester: pytest.Pytester, base_url: str, message: str) -> None:
    pytester.makefile(".toml", linkrules=f'[site]\nroot = "public"\nbase_url = {base_url}\n[rules.no-orphans]\n')
    (pytester.path / "public").mkdir()
    (pytester.path / "public" / "index.html").write_text("<title>x</title>")
    result = pytester.runpytest("--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*linkrules.toml: {message}*"])
