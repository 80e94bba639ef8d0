"""`linkrules init`, then `pytest --linkrules`, on sites real generators built.

MkDocs and Sphinx (test extras) build their sites here, at test time, from a
`mkdocs new` / `sphinx-quickstart` project with a few pages; the Hugo site is
Hugo's own build, kept in tests/generators/hugo (its README has the command).
The first run on a fresh site must be clean: no generator page reported as an
orphan, no config error. Then the planted problems (an unlinked page, a broken
link, a page left out of the nav) must fail, and nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import networkx  # noqa: F401  (imported once: pytester forgets modules a run imports)
import pytest_linkrules.plugin  # noqa: F401
from pytest_linkrules.cli import main
from pytest_linkrules.config import load_config
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.presets import PRESETS, chrome_in_use, detect
from pytest_linkrules.rules import builtin_registry

GENERATORS = Path(__file__).parent / "generators"
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:anyio")


def build(*command: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", *command], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def init(project: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> str:
    here = os.getcwd()
    os.chdir(project)
    try:
        status = main(["init", *args])
    finally:
        os.chdir(here)
    out = capsys.readouterr()
    assert status == 0, out.err
    return out.out


def failures(result: pytest.RunResult) -> set[str]:
    return {line.split(" ")[1] for line in result.outlines if line.startswith("FAILED ")}


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    return pytester.runpytest(*QUIET, "--linkrules", "-rf")


# ------------------------------------------------------------------ MkDocs


def write_mkdocs(project: Path, planted: bool) -> None:
    docs = project / "docs"
    (docs / "guide").mkdir(exist_ok=True)
    extra = " and the [extra notes](extra.md)" if planted else ""
    (docs / "about.md").write_text(f"# About\n\nRead the [install guide](guide/install.md){extra}.\n")
    (docs / "guide" / "install.md").write_text("# Install\n\n`pip install it`, then see [usage](usage.md).\n")
    broken = " and [the old page](../missing.md)" if planted else ""
    (docs / "guide" / "usage.md").write_text(f"# Usage\n\nBack [home](../index.md){broken}.\n")
    if planted:
        (docs / "lost.md").write_text("# Lost\n\nNo page links here.\n")  # an unlinked page
        (docs / "extra.md").write_text("# Extra\n\nLeft out of the nav; only About links here.\n")
    (project / "mkdocs.yml").write_text(
        "site_name: Demo\nnav:\n  - Home: index.md\n  - About: about.md\n"
        "  - Guide:\n    - guide/install.md\n    - guide/usage.md\n"
    )


@pytest.fixture
def mkdocs_project(pytester: pytest.Pytester) -> Path:
    build("mkdocs", "new", "demo", cwd=pytester.path)
    project = pytester.path / "demo"
    for item in project.iterdir():
        shutil.move(str(item), pytester.path / item.name)
    project.rmdir()
    write_mkdocs(pytester.path, planted=False)
    build("mkdocs", "build", "-q", cwd=pytester.path)
    return pytester.path


def test_mkdocs_first_run_is_clean_and_planted_problems_fail(
    pytester: pytest.Pytester, mkdocs_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    said = init(mkdocs_project, capsys=capsys)
    assert said.startswith("linkrules init: wrote linkrules.toml: site site, 4 pages, generator mkdocs (")
    text = (mkdocs_project / "linkrules.toml").read_text()
    assert 'generator = "mkdocs"' in text and "# Left out of every rule here: /404.html" in text
    assert "[rules.min-inlinks]" in text and "[rules.no-archive-only]" not in text  # no archives on this site
    clean = run(pytester)
    assert clean.ret == 0, clean.stdout.str()
    assert failures(clean) == set()

    write_mkdocs(mkdocs_project, planted=True)
    build("mkdocs", "build", "-q", cwd=mkdocs_project)
    planted = run(pytester)
    assert failures(planted) == {
        "linkrules.toml::no-orphans[/lost/]",
        "linkrules.toml::no-broken-links[/guide/usage/]",
        "linkrules.toml::min-inlinks[/extra/]",
    }


def test_mkdocs_navbar_links_are_chrome(mkdocs_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The mkdocs theme's navbar is <div>s: without the preset every nav link counted as content."""
    init(mkdocs_project, capsys=capsys)
    config = load_config(mkdocs_project / "linkrules.toml", builtin_registry())
    about = crawl_site(config.site).pages["/about/"]
    assert {(link.target, link.anchor) for link in about.links if link.in_content} == {("/guide/install/", "install guide")}
    assert ("/guide/usage/", "Usage") in {(link.target, link.anchor) for link in about.links if not link.in_content}
    # The same site without the preset: the navbar reads as content.
    from dataclasses import replace

    bare = crawl_site(replace(config.site, generator="")).pages["/about/"]
    assert ("/guide/usage/", "Usage") in {(link.target, link.anchor) for link in bare.links if link.in_content}


# ------------------------------------------------------------------ Sphinx


def write_sphinx(project: Path, planted: bool) -> None:
    index = project / "index.rst"
    text = index.read_text()
    if "   guide\n" not in text:
        index.write_text(text.replace("   :caption: Contents:\n", "   :caption: Contents:\n\n   guide\n   usage\n"))
    extra = " and :doc:`extra`" if planted else ""
    (project / "guide.rst").write_text(f"Guide\n=====\n\nStart at :doc:`index`{extra}.\n")
    broken = " and `the old page <gone.html>`_" if planted else ""
    (project / "usage.rst").write_text(f"Usage\n=====\n\nSee :doc:`guide`{broken}.\n")
    if planted:
        (project / "lost.rst").write_text(":orphan:\n\nLost\n====\n\nNo page links here.\n")
        (project / "extra.rst").write_text(":orphan:\n\nExtra\n=====\n\nIn no toctree; only the guide links here.\n")


@pytest.fixture
def sphinx_project(pytester: pytest.Pytester) -> Path:
    build(
        "sphinx.cmd.quickstart", "-q", "-p", "Demo", "-a", "Someone", "--no-makefile", "--no-batchfile", ".",
        cwd=pytester.path,
    )  # fmt: skip
    write_sphinx(pytester.path, planted=False)
    build("sphinx", "-q", "-b", "html", ".", "_build/html", cwd=pytester.path)
    return pytester.path


def test_sphinx_first_run_is_clean_and_planted_problems_fail(
    pytester: pytest.Pytester, sphinx_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    said = init(sphinx_project, capsys=capsys)
    assert said.startswith("linkrules init: wrote linkrules.toml: site _build/html, 3 pages, generator sphinx (")
    text = (sphinx_project / "linkrules.toml").read_text()
    assert "/genindex.html" in text and "/search.html" in text  # named in the comment: left out of every rule
    clean = run(pytester)
    assert clean.ret == 0, clean.stdout.str()

    write_sphinx(sphinx_project, planted=True)
    build("sphinx", "-q", "-b", "html", ".", "_build/html", cwd=sphinx_project)
    planted = run(pytester)
    assert failures(planted) == {
        "linkrules.toml::no-orphans[/lost.html]",
        "linkrules.toml::no-broken-links[/usage.html]",
        "linkrules.toml::min-inlinks[/extra.html]",
    }


def test_sphinx_sidebar_and_related_bar_are_chrome(sphinx_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init(sphinx_project, capsys=capsys)
    config = load_config(sphinx_project / "linkrules.toml", builtin_registry())
    usage = crawl_site(config.site).pages["/usage.html"]
    content = {(link.target, link.anchor) for link in usage.links if link.in_content}
    assert content == {("/guide.html", "Guide")}  # the :doc: link; sidebar, prev/next and footer are chrome


# ------------------------------------------------------------------ Hugo


def test_hugo_build_gets_archives_and_no_false_orphans(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(GENERATORS / "hugo" / "public", pytester.path / "public")
    said = init(pytester.path, capsys=capsys)
    assert "generator hugo (<meta name=\"generator\" content=\"Hugo 0.111.3\"> in index.html)" in said
    text = (pytester.path / "linkrules.toml").read_text()
    # Tag and pagination pages exist, so they are proposed as archives; categories don't, so they aren't.
    assert 'archives = ["/tags/**", "/*/page/*"]' in text
    assert 'posts = ["/posts/**"]' in text
    result = run(pytester)
    assert result.ret == 0, result.stdout.str()  # 404.html and the page/1/ redirects are not orphans
    # Of the preset's chrome, the crawl keeps what this theme's pages show.
    assert chrome_in_use(pytester.path / "public", PRESETS["hugo"].chrome) == (".post-tags", ".pagination", ".menu")
    post = crawl_site(load_config(pytester.path / "linkrules.toml", builtin_registry()).site).pages["/posts/post-1/"]
    assert {(l.target, l.in_content) for l in post.links} == {
        ("/", False), ("/posts/", False), ("/tags/", False), ("/about/", False), ("/about/", True),
        ("/tags/t1/", False), ("/tags/common/", False),
    }  # the menu and the tag list are chrome; "See about" in the text is content


def test_detect_reads_meta_generator_markup_and_files(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<meta name="generator" content="Docusaurus v3.5.2">')
    assert detect(tmp_path) == ("docusaurus", '<meta name="generator" content="Docusaurus v3.5.2"> in index.html')
    (tmp_path / "index.html").write_text('<meta content="Jekyll v4.3.1" name="generator">')
    assert detect(tmp_path)[0] == "jekyll"
    (tmp_path / "index.html").write_text("<p>plain</p>")
    assert detect(tmp_path) == (None, "no meta generator tag or file of a known generator in the folder")
    (tmp_path / "objects.inv").write_text("")
    (tmp_path / "searchindex.js").write_text("")
    assert detect(tmp_path) == ("sphinx", "Sphinx's objects.inv and searchindex.js")


def test_init_refuses_to_overwrite_and_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(GENERATORS / "hugo" / "public", tmp_path / "public")
    (tmp_path / "linkrules.toml").write_text("# mine\n")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["init"]) == 2
        assert capsys.readouterr().err.startswith("linkrules init: error: linkrules.toml already exists (")
        assert (tmp_path / "linkrules.toml").read_text() == "# mine\n"
        os.chdir(tmp_path / "public" / "posts")
        assert main(["init"]) == 2
        assert "no built site found here (looked for index.html in site, _build/html" in capsys.readouterr().err
    finally:
        os.chdir(here)
