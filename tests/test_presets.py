"""[site] generator, chrome and exclude: validation, extraction, rendering and rules.

The presets themselves are tried on real generators' builds in test_generators.py;
here each piece is pinned down on small pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_linkrules.config import ConfigError, SiteConfig, load_config
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.crawl.extract import CHROME_KEY, extract
from pytest_linkrules.rules import builtin_registry
from pytest_linkrules.runner import analyze

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages name linkrules.toml as the user would see it


def load(tmp_path: Path, site: str, rules: str = "[rules.no-orphans]\n") -> object:
    (tmp_path / "public").mkdir(exist_ok=True)
    (tmp_path / "public" / "index.html").write_text('<a href="/a/">A</a>')
    path = tmp_path / "linkrules.toml"
    path.write_text(f'[site]\nroot = "public"\n{site}\n{rules}')
    return load_config(path, builtin_registry())


def problems(tmp_path: Path, site: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, site)
    return info.value.problems


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        ('generator = "gatsby"', 'site.generator: expected one of "mkdocs", "sphinx", "hugo", "jekyll", "docusaurus", "auto", got "gatsby"'),
        ("generator = true", 'site.generator: expected one of "mkdocs", "sphinx", "hugo", "jekyll", "docusaurus", "auto", got true'),
        ('chrome = [".ok", "div[["]', 'site.chrome: "div[[": not a CSS selector ('),
        ("chrome = [1]", 'site.chrome: expected a list of CSS selectors, e.g. [".navbar", ".sidebar"], got a list'),
        ('exclude = ["drafts/**"]', 'site.exclude: expected a URL path starting with "/", got "drafts/**"'),
        ('exclude = "/[x"', 'site.exclude: unclosed "[" in glob "/[x"'),
    ],
)
def test_bad_keys_are_one_clear_line(tmp_path: Path, site: str, expected: str) -> None:
    (line,) = problems(tmp_path, site)
    assert line.startswith("linkrules.toml: " + expected), line


def test_auto_needs_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "linkrules.toml"
    path.write_text('[site]\nurl = "https://example.com"\ngenerator = "auto"\n[rules.no-orphans]\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, builtin_registry())
    assert info.value.problems == [
        'linkrules.toml: site.generator: "auto" reads a built folder (root); for a url, name the generator, e.g. "mkdocs"'
    ]


def test_auto_resolves_at_load_and_the_preset_merges_with_the_users_keys(tmp_path: Path) -> None:
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "index.html").write_text('<meta name="generator" content="Hugo 0.111.3"><a href="/a/">A</a>')
    path = tmp_path / "linkrules.toml"
    path.write_text('[site]\nroot = "public"\ngenerator = "auto"\nchrome = ".mine"\nexclude = ["/drafts/**"]\n[rules.no-orphans]\n')
    site = load_config(path, builtin_registry()).site
    assert (site.generator, site.generator_detected) == ("hugo", '<meta name="generator" content="Hugo 0.111.3"> in index.html')
    assert site.chrome_selectors[-1] == ".mine" and ".post-tags" in site.chrome_selectors
    assert site.excluded_pages == ("/404.html", "/page/1/", "/**/page/1/", "/drafts/**")


PAGE = """
<header class="navbar"><a href="/h/">header navbar</a></header>
<div class="navbar"><a href="/n/">div navbar</a></div>
<main>
  <p><a href="/c/">content</a></p>
  <div class="related"><a href="/r/">related, inside main</a></div>
  <article><header><a href="/byline/">article header</a></header></article>
  <div role="main"><div class="navbar"><a href="/deep/">navbar in a role box</a></div></div>
</main>
<div role="note"><a href="/note/">a note</a></div>
"""


def test_chrome_selectors_mark_their_links_as_navigation_wherever_they_sit() -> None:
    bare = {l.href: l.chrome for l in extract(PAGE).links}
    assert bare == {"/h/": True, "/n/": False, "/c/": False, "/r/": False, "/byline/": False, "/deep/": False, "/note/": False}
    given = {l.href: l.chrome for l in extract(PAGE, {CHROME_KEY: ".navbar, .related"}).links}
    assert given == {"/h/": True, "/n/": True, "/c/": False, "/r/": True, "/byline/": False, "/deep/": True, "/note/": False}


def test_chrome_selectors_do_not_disturb_role_selectors() -> None:
    page = extract(PAGE, {"hub": "main", CHROME_KEY: ".navbar", "none": ".absent"})
    assert page.matched == ["hub"]


def test_excluded_pages_are_left_out_of_every_rule(tmp_path: Path) -> None:
    (tmp_path / "public" / "drafts").mkdir(parents=True)
    (tmp_path / "public" / "index.html").write_text('<a href="/gone/">x</a>')
    (tmp_path / "public" / "404.html").write_text('<a href="/">home</a>')
    (tmp_path / "public" / "drafts" / "index.html").write_text("draft")
    path = tmp_path / "linkrules.toml"
    rules = "[rules.no-orphans]\n[rules.no-broken-links]\n"
    path.write_text(f'[site]\nroot = "public"\n{rules}')
    before = analyze(load_config(path, builtin_registry()))
    assert {(v.rule, v.page) for v in before.violations} == {
        ("no-orphans", "/404.html"), ("no-orphans", "/drafts/"), ("no-broken-links", "/"),
    }  # fmt: skip
    path.write_text(f'[site]\nroot = "public"\ngenerator = "mkdocs"\nexclude = ["/drafts/**"]\n{rules}')
    after = analyze(load_config(path, builtin_registry()))
    assert {(v.rule, v.page) for v in after.violations} == {("no-broken-links", "/")}
    assert [o.checked for o in after.outcomes] == [1, 1]  # the excluded pages are not counted as checked


def test_a_folder_made_by_a_known_generator_without_site_generator_gets_a_note_naming_the_preset(tmp_path: Path) -> None:
    """A first run on MkDocs output reports its 404 page as an orphan: the note says which preset leaves it out."""
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "index.html").write_text('<!-- MkDocs version : 1.6.1 --><a href="/a/">A</a>')
    (tmp_path / "public" / "404.html").write_text('<a href="/">home</a>')
    path = tmp_path / "linkrules.toml"
    path.write_text('[site]\nroot = "public"\n[rules.no-orphans]\n')
    config = load_config(path, builtin_registry())
    assert (config.site.generator, config.site.generator_suggested) == ("", "mkdocs")  # nothing applied unasked
    analysis = analyze(config)
    assert ("no-orphans", "/404.html") in {(v.rule, v.page) for v in analysis.violations}
    assert (
        'linkrules.toml: the folder looks like MkDocs output (MkDocs markup in index.html); site.generator = "mkdocs" '
        '(or "auto") would apply its preset: 404 and search pages are not reported; the themes\' navbars and sidebars '
        "count as navigation"
    ) in analysis.crawl.notes
    path.write_text('[site]\nroot = "public"\ngenerator = "mkdocs"\n[rules.no-orphans]\n')
    assert not any("looks like" in n for n in analyze(load_config(path, builtin_registry())).crawl.notes)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium (scripts/install.sh installs it)")
def test_rendered_pages_read_chrome_as_the_static_extraction_does(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(PAGE + "<script>var x = 1;</script>")
    for name in ("h", "n", "c", "r", "byline", "deep", "note"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text('<a href="/">home</a>')
    site = SiteConfig(root=tmp_path, chrome=(".navbar", ".related"), browser_path=str(CHROMIUM))
    static = crawl_site(SiteConfig(root=tmp_path, chrome=site.chrome, render="never")).pages["/"]
    rendered = crawl_site(SiteConfig(root=tmp_path, chrome=site.chrome, render="always", browser_path=str(CHROMIUM))).pages["/"]
    assert rendered.rendered
    flags = lambda page: sorted((l.href, l.in_content) for l in page.links)  # noqa: E731
    assert flags(rendered) == flags(static)
    assert ("/n/", False) in flags(rendered) and ("/c/", True) in flags(rendered) and ("/deep/", False) in flags(rendered)
