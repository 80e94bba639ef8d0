"""The plugin as a user runs it: pytest --linkrules on the blog fixture site (pytester).

tests/sites/blog/ holds the linkrules.toml from the issue, exactly as written,
and a small built site that breaks each of its five rules on one page.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

# pytester forgets the modules first imported during a run, so each run would
# import (and assertion-rewrite) numpy, scipy and networkx again: import them once here.
import networkx  # noqa: F401
import pytest_linkrules.plugin  # noqa: F401
import pytest_linkrules.report.text  # noqa: F401

SITES = Path(__file__).parent / "sites"
REPO = Path(__file__).parent.parent

ISSUE_CONFIG = """\
[site]
root = "public"        # built site folder, relative to this file
start = ["/"]          # entry pages; "/" means the folder's index.html

[rules.max-depth]      # every page is reachable within `max` clicks of a start page
max = 3

[rules.min-inlinks]    # pillar pages need enough unique pages linking to them
pages = ["/guides/*"]
min = 3

[rules.no-orphans]     # every page on disk is reachable from a start page

[rules.no-archive-only] # no page is reachable only through archive pages
archives = ["/tag/*", "/page/*", "/category/*"]

[rules.no-broken-links] # every internal link resolves to a page or file on disk
"""

FAILING = {
    "linkrules.toml::max-depth[/blog/2019/old-post/]": "/blog/2019/old-post/ is 4 clicks from the start page, max is 3 (max-depth)",
    "linkrules.toml::min-inlinks[/guides/speed/]": "/guides/speed/ has 1 inlink, needs 3 (min-inlinks)",
    "linkrules.toml::no-orphans[/drafts/forgotten/]": "/drafts/forgotten/ is not reachable from any start page (no-orphans)",
    "linkrules.toml::no-archive-only[/blog/tagged-post/]": "/blog/tagged-post/ is reachable only through archive pages (no-archive-only)",
    "linkrules.toml::no-broken-links[/blog/]": "/blog/ has 1 broken internal link: /guides/missing/ (no-broken-links)",
}
PASSING = [
    "linkrules.toml::crawl",
    "linkrules.toml::max-depth",
    "linkrules.toml::min-inlinks",
    "linkrules.toml::no-orphans",
    "linkrules.toml::no-archive-only",
    "linkrules.toml::no-broken-links",
]


@pytest.fixture(autouse=True)
def ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on CI: pytest doesn't cut the short summary to the terminal width."""
    monkeypatch.setenv("CI", "true")


@pytest.fixture
def blog(pytester: pytest.Pytester) -> Path:
    """The blog site and its linkrules.toml in pytester's folder, the rootdir."""
    shutil.copytree(SITES / "blog", pytester.path, dirs_exist_ok=True)
    return pytester.path


# Plugins that have nothing to do with ours; each in-process run would import
# them afresh (pytester forgets modules imported during a run): ~0.5 s of CPU.
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:anyio")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*QUIET, *args)


def summary_lines(result: pytest.RunResult) -> list[str]:
    """The lines of the short test summary."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if "short test summary info" in line)
    return [line for line in lines[start + 1 :] if not line.startswith("=")]


def output(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


def test_the_fixture_config_is_the_issue_config_as_written() -> None:
    assert (SITES / "blog" / "linkrules.toml").read_text(encoding="utf-8") == ISSUE_CONFIG


def test_each_broken_rule_fails_one_page(pytester: pytest.Pytester, blog: Path) -> None:
    result = run(pytester, "--linkrules", "-rA")
    result.assert_outcomes(passed=6, failed=5)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "Traceback" not in output(result)
    summary = summary_lines(result)
    assert [line for line in summary if line.startswith("FAILED")] == [
        f"FAILED {nodeid} - {first}" for nodeid, first in FAILING.items()
    ]
    assert [line for line in summary if line.startswith("PASSED")] == [f"PASSED {nodeid}" for nodeid in PASSING]
    # Only the first line reaches the summary; the evidence stays in the failure section.
    assert not any("Click path" in line or "Fix:" in line for line in summary)

    lines = result.outlines
    header = [line for line in lines if line.startswith("linkrules: ")]
    assert header[0].startswith("linkrules: linkrules.toml: folder public, 14 pages, 68 links, max depth 4, ")
    assert header[1:] == ['linkrules: note: linkrules.toml: rules.no-archive-only.archives: glob "/category/*" matches no page']

    first = lines.index(FAILING["linkrules.toml::max-depth[/blog/2019/old-post/]"])
    assert lines[first - 1].strip("_ ") == "max-depth /blog/2019/old-post/"
    assert lines[first + 1 : first + 6] == [
        "Page: /blog/2019/old-post/  (from blog/2019/old-post/index.html, title: 'An old post')",
        "Click path (4 clicks): / -> /blog/ -> /blog/2020/ -> /blog/2020/archive-intro/ -> /blog/2019/old-post/",
        "Linked from 1 page(s), 1 counted (reachable, followed):",
        '  content  /blog/2020/archive-intro/  "an old post"',
        "Fix: Link to it from a page at depth 2 or less (a hub, category or the home page), "
        "or link to it from the pages listed above it in the click path.",
    ]
    for evidence in [
        '  content  /drafts/forgotten/  "speed"  [source not reachable]',
        "Click path: none: not reachable from the start page(s) / by followed links",
        "Linked from archive pages only: /tag/seo/",
        '  /guides/missing/  (href="/guides/missing/", anchor "a renamed guide")',
    ]:
        assert evidence in lines

    section = next(i for i, line in enumerate(lines) if "linkrules: failing pages per rule" in line)
    assert lines[section + 1 : section + 6] == [
        "max-depth: 1 page",
        "min-inlinks: 1 page",
        "no-archive-only: 1 page",
        "no-broken-links: 1 page",
        "no-orphans: 1 page",
    ]


def test_short_summary_outside_ci(pytester: pytest.Pytester, blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI")
    monkeypatch.delenv("BUILD_NUMBER", raising=False)
    result = run(pytester, "--linkrules")
    failed = [line for line in summary_lines(result) if line.startswith("FAILED")]
    assert [line.split(" - ")[0] for line in failed] == [f"FAILED {nodeid}" for nodeid in FAILING]
    for line, first in zip(failed, FAILING.values()):
        message = line.split(" - ", 1)[1]
        assert first.startswith(message.removesuffix("...")), line


def test_keyword_selects_a_rule(pytester: pytest.Pytester, blog: Path) -> None:
    result = run(pytester, "--linkrules", "-k", "orphan", "-rA")
    result.assert_outcomes(passed=1, failed=1, deselected=9)
    assert [line for line in summary_lines(result) if line.startswith(("PASSED", "FAILED"))] == [
        "PASSED linkrules.toml::no-orphans",
        "FAILED linkrules.toml::no-orphans[/drafts/forgotten/] - /drafts/forgotten/ is not reachable from any start page (no-orphans)",
    ]


def test_a_page_can_be_selected_by_its_id(pytester: pytest.Pytester, blog: Path) -> None:
    result = run(pytester, "--linkrules", "linkrules.toml::min-inlinks[/guides/speed/]")
    result.assert_outcomes(failed=1)


def test_collect_only_lists_the_ids(pytester: pytest.Pytester, blog: Path) -> None:
    result = run(pytester, "--linkrules", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    ids = [line for line in result.outlines if line.startswith("linkrules.toml::")]
    assert ids == [
        "linkrules.toml::crawl",
        "linkrules.toml::max-depth",
        "linkrules.toml::max-depth[/blog/2019/old-post/]",
        "linkrules.toml::min-inlinks",
        "linkrules.toml::min-inlinks[/guides/speed/]",
        "linkrules.toml::no-orphans",
        "linkrules.toml::no-orphans[/drafts/forgotten/]",
        "linkrules.toml::no-archive-only",
        "linkrules.toml::no-archive-only[/blog/tagged-post/]",
        "linkrules.toml::no-broken-links",
        "linkrules.toml::no-broken-links[/blog/]",
    ]


def test_failures_point_at_the_rules_line(pytester: pytest.Pytester, blog: Path) -> None:
    reprec = pytester.inline_run("--linkrules", *QUIET)
    reports = {r.nodeid: r for r in reprec.getreports("pytest_runtest_logreport") if r.when == "call"}
    assert reports["linkrules.toml::max-depth[/blog/2019/old-post/]"].location == (
        "linkrules.toml",
        4,  # 0-based: [rules.max-depth] is on line 5
        "max-depth /blog/2019/old-post/",
    )
    assert reports["linkrules.toml::no-broken-links"].location == (
        "linkrules.toml",
        16,
        "no-broken-links: 14 pages checked, 1 failing",
    )
    assert reports["linkrules.toml::crawl"].location[:2] == ("linkrules.toml", 0)


def test_each_config_file_is_named_in_its_own_items_locations(pytester: pytest.Pytester, blog: Path) -> None:
    shutil.copytree(SITES / "blog", pytester.path / "site")
    reprec = pytester.inline_run("--linkrules", "--linkrules-config=linkrules.toml", "--linkrules-config=site/linkrules.toml", *QUIET)
    files = {(r.nodeid.split("::")[0], r.location[0]) for r in reprec.getreports("pytest_runtest_logreport")}
    assert files == {("linkrules.toml", "linkrules.toml"), ("site/linkrules.toml", "site/linkrules.toml")}


def test_junit_xml_has_rule_and_page_properties(pytester: pytest.Pytester, blog: Path) -> None:
    result = run(pytester, "--linkrules", "--junitxml=report.xml")
    assert "PytestWarning" not in result.stdout.str()
    root = ET.parse(pytester.path / "report.xml").getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    case = cases["max-depth[/blog/2019/old-post/]"]
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties["rule"] == "max-depth"
    assert properties["page"] == "/blog/2019/old-post/"
    assert (properties["depth"], properties["max"]) == ("4", "3")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == FAILING["linkrules.toml::max-depth[/blog/2019/old-post/]"]
    rule_case = cases["no-orphans"]
    rule_properties = {p.get("name"): p.get("value") for p in rule_case.iter("property")}
    assert rule_properties == {"rule": "no-orphans", "pages_checked": "14", "violations": "1"}


def test_fixing_the_site_makes_it_pass(pytester: pytest.Pytester, blog: Path) -> None:
    public = blog / "public"
    shutil.rmtree(public / "drafts")
    home = public / "index.html"
    home.write_text(
        home.read_text().replace(
            "</main>",
            '<a href="/blog/2019/old-post/">old</a> <a href="/blog/tagged-post/">tagged</a>'
            ' <a href="/guides/speed/">speed</a></main>',
        )
    )
    about = public / "about.html"
    about.write_text(about.read_text().replace("</main>", '<a href="/guides/speed/">speed</a></main>'))
    blog_index = public / "blog" / "index.html"
    blog_index.write_text(blog_index.read_text().replace("/guides/missing/", "/guides/links/"))
    result = run(pytester, "--linkrules")
    result.assert_outcomes(passed=6)
    assert result.ret == pytest.ExitCode.OK


# ------------------------------------------------------------- finding the config


def test_config_given_on_the_command_line(pytester: pytest.Pytester) -> None:
    shutil.copytree(SITES / "blog", pytester.path / "site")
    result = run(pytester, "--linkrules", "--linkrules-config=site/linkrules.toml", "-k", "orphan")
    result.assert_outcomes(passed=1, failed=1, deselected=9)
    result.stdout.fnmatch_lines(["FAILED site/linkrules.toml::no-orphans[[]/drafts/forgotten/[]] - *"])


def test_config_path_with_dot_dot(pytester: pytest.Pytester) -> None:
    shutil.copytree(SITES / "blog", pytester.path / "site")
    pytester.mkdir("other")
    result = run(pytester, "--linkrules", "--linkrules-config=other/../site/linkrules.toml", "-k", "orphan")
    result.assert_outcomes(passed=1, failed=1, deselected=9)


def test_config_outside_the_rootdir(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SITES / "blog", pytester.path / "site")
    project = pytester.mkdir("project")
    (project / "pytest.ini").write_text("[pytest]\n")
    monkeypatch.chdir(project)
    result = run(pytester, "--linkrules", "--linkrules-config=../site/linkrules.toml", "--collect-only", "-q")
    assert [line for line in result.outlines if "::" in line][:3] == [
        "../site/linkrules.toml::crawl",
        "../site/linkrules.toml::max-depth",
        "../site/linkrules.toml::max-depth[/blog/2019/old-post/]",
    ]
    result = run(pytester, "--linkrules", "--linkrules-config=../site/linkrules.toml", "../site/linkrules.toml::no-orphans[/drafts/forgotten/]")
    result.assert_outcomes(failed=1)


def test_ini_option_turns_the_plugin_on(pytester: pytest.Pytester, blog: Path) -> None:
    pytester.makeini("[pytest]\nlinkrules = true\n")
    result = run(pytester)
    result.assert_outcomes(passed=6, failed=5)


def test_ini_option_names_the_config(pytester: pytest.Pytester) -> None:
    shutil.copytree(SITES / "blog", pytester.path / "site")
    pytester.makeini("[pytest]\nlinkrules = true\nlinkrules_config = site/linkrules.toml\n")
    result = run(pytester, "-k", "broken")
    result.assert_outcomes(passed=1, failed=1, deselected=9)


def test_testpaths_does_not_hide_the_rootdir_config(pytester: pytest.Pytester, blog: Path) -> None:
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    pytester.mkdir("tests")
    (pytester.path / "tests" / "test_unit.py").write_text("def test_unit():\n    pass\n")
    result = run(pytester, "--linkrules", "-rA")
    result.assert_outcomes(passed=7, failed=5)
    assert "PASSED tests/test_unit.py::test_unit" in result.outlines


def test_plugin_is_inert_without_the_flag(pytester: pytest.Pytester, blog: Path) -> None:
    pytester.makepyfile(test_unit="def test_unit():\n    pass\n")
    result = run(pytester, "-rA")
    result.assert_outcomes(passed=1)
    assert not any(line.startswith("linkrules") for line in result.outlines)
    collected = run(pytester, "--collect-only", "-q")
    assert not any("linkrules.toml" in line for line in collected.outlines)


def test_no_config_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_unit="def test_unit():\n    pass\n")
    result = run(pytester, "--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0] == (
        f"ERROR: --linkrules: no linkrules.toml in {pytester.path}; "
        "write one with `linkrules init` or pass --linkrules-config=PATH"
    )
    assert "Traceback" not in output(result)


# ----------------------------------------------------------------- bad input


def write_config(pytester: pytest.Pytester, text: str) -> None:
    (pytester.path / "linkrules.toml").write_text(text, encoding="utf-8")


def problems(result: pytest.RunResult) -> list[str]:
    """The problem lines a usage error shows, without pytest's ERROR: prefix and headers."""
    lines = [line.removeprefix("ERROR: ") for line in result.stderr.lines if line.strip()]
    return [line for line in lines if line not in ("invalid linkrules config:", "linkrules:")]


def test_several_problems_at_once(pytester: pytest.Pytester, blog: Path) -> None:
    write_config(
        pytester,
        '[sites]\nroot = "public"\n\n[site]\nroot = "public"\nstrat = ["/"]\n\n'
        '[rules.max-depth]\nmax = "three"\nmx = 2\n\n[rules.no-orphan]\n',
    )
    result = run(pytester, "--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in output(result)
    # The lists in parentheses grow with each feature; their start is stable.
    lines = problems(result)
    expected = [
        'linkrules.toml: sites: unknown key; did you mean "site"? (expected one of: site, rules',
        'linkrules.toml: site.strat: unknown key; did you mean "start"? (expected one of: root, start, base_url, ',
        'linkrules.toml: rules.max-depth.mx: unknown option; did you mean "max"? (options: max, pages',
        'linkrules.toml: rules.max-depth.max: expected a positive integer, got "three"',
        'linkrules.toml: rules.no-orphan: unknown rule; did you mean "no-orphans"? (known rules: ',
    ]
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected):
        assert line.startswith(start), line
    assert lines[3] == expected[3]


def test_glob_matching_no_page(pytester: pytest.Pytester, blog: Path) -> None:
    write_config(pytester, '[site]\nroot = "public"\n\n[rules.min-inlinks]\npages = ["/guide/*"]\nmin = 3\n')
    result = run(pytester, "--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in output(result)
    assert problems(result) == [
        'linkrules.toml: rules.min-inlinks.pages: "/guide/*" matches no page of the 14 crawled '
        "(globs match page URLs such as /about.html, /blog/)"
    ]


def test_missing_root_folder(pytester: pytest.Pytester) -> None:
    write_config(pytester, '[site]\nroot = "public"\n\n[rules.no-orphans]\n')
    result = run(pytester, "--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problems(result) == [
        f'linkrules.toml: site.root: folder "public" not found (looked in public); build the site first or fix the path'
    ]


def test_root_that_is_a_file(pytester: pytest.Pytester) -> None:
    write_config(pytester, '[site]\nroot = "public"\n\n[rules.no-orphans]\n')
    (pytester.path / "public").write_text("not a folder")
    result = run(pytester, "--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problems(result) == ['linkrules.toml: site.root: "public" is not a folder']


def test_empty_site_is_not_a_silent_green(pytester: pytest.Pytester) -> None:
    write_config(pytester, '[site]\nroot = "public"\n\n[rules.no-orphans]\n')
    pytester.mkdir("public")
    (pytester.path / "public" / "robots.txt").write_text("User-agent: *\n")
    result = run(pytester, "--linkrules")
    assert result.ret != pytest.ExitCode.OK
    assert "Traceback" not in output(result)
    assert problems(result) == [
        "linkrules.toml: folder public contains no .html or .htm pages; build the site first or fix site.root"
    ]


def test_start_page_that_does_not_exist(pytester: pytest.Pytester, blog: Path) -> None:
    write_config(pytester, '[site]\nroot = "public"\nstart = ["/home/"]\n\n[rules.no-orphans]\n')
    result = run(pytester, "--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problems(result) == [
        'linkrules.toml: site.start: "/home/" is not a page of the site ("/" means the folder\'s index.html)'
    ]


def test_unreadable_page_fails_the_crawl_item(pytester: pytest.Pytester, blog: Path) -> None:
    write_config(pytester, '[site]\nroot = "public"\nmax_page_bytes = 700\n\n[rules.no-orphans]\n')
    big = blog / "public" / "guides" / "speed" / "index.html"
    big.write_text(big.read_text() + "<!--" + "x" * 1000 + "-->")
    result = run(pytester, "--linkrules", "-k", "crawl")
    result.assert_outcomes(failed=1, deselected=2)
    result.stdout.fnmatch_lines(
        [
            "1 of 14 pages could not be read (crawl)",
            "  /guides/speed/  (guides/speed/index.html): file is * bytes, over the 700-byte page limit (site.max_page_bytes); its links were not read",
        ]
    )


# ------------------------------------------------------------------ extending


CUSTOM_RULE = '''
from pytest_linkrules.rules import Option, Rule
from pytest_linkrules.rules.base import GLOBS


class NoDrafts(Rule):
    """No page under a drafts folder is published."""

    id = "no-drafts"
    options = (Option("drafts", GLOBS, default=("/drafts/**",)),)

    def check(self, graph):
        drafts = self.globset("drafts")
        for url in graph.urls:
            if drafts(url):
                yield self.violation(url, f"{url} is a draft")


def pytest_linkrules_register_rules():
    return [NoDrafts]
'''


def test_custom_rule_from_conftest(pytester: pytest.Pytester, blog: Path) -> None:
    pytester.makeconftest(CUSTOM_RULE)
    write_config(pytester, '[site]\nroot = "public"\n\n[rules.no-drafts]\n')
    result = run(pytester, "--linkrules", "-rA")
    result.assert_outcomes(passed=2, failed=1)
    assert [line for line in summary_lines(result) if line.startswith("FAILED")] == [
        "FAILED linkrules.toml::no-drafts[/drafts/forgotten/] - /drafts/forgotten/ is a draft (no-drafts)"
    ]


def test_custom_rule_options_are_validated(pytester: pytest.Pytester, blog: Path) -> None:
    pytester.makeconftest(CUSTOM_RULE)
    write_config(pytester, '[site]\nroot = "public"\n\n[rules.no-drafts]\ndrafts = 3\n')
    result = run(pytester, "--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problems(result) == [
        'linkrules.toml: rules.no-drafts.drafts: expected a list of URL globs like ["/guides/*"], got 3'
    ]


def test_graph_built_hook(pytester: pytest.Pytester, blog: Path) -> None:
    pytester.makeconftest(
        "def pytest_linkrules_graph_built(graph, config):\n"
        "    print('graph built:', len(graph.urls), 'pages,', graph.nx.number_of_edges(), 'edges')\n"
    )
    result = run(pytester, "--linkrules", "-s", "-k", "crawl")
    result.stdout.fnmatch_lines(["graph built: 14 pages, * edges"])


def test_in_a_subprocess(pytester: pytest.Pytester, blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As CI runs it: a fresh interpreter, the plugin found through its entry point."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    result = pytester.runpytest_subprocess("--linkrules", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    failed = [line for line in result.outlines if line.startswith("FAILED ")]
    assert failed == [f"FAILED {nodeid} - {first}" for nodeid, first in FAILING.items()]


@pytest.mark.parametrize(
    "returned, expected",
    [
        ("[object]", "pytest_linkrules_register_rules returned <class 'object'>: expected a Rule subclass with an id"),
        ("NoDrafts", None),  # one class instead of a list: accepted
        ("[NoDrafts, Other]", "pytest_linkrules_register_rules: rule id 'no-drafts' is already taken by conftest"),
        ("[Nameless]", "pytest_linkrules_register_rules returned <class 'conftest.Nameless'>: expected a Rule subclass with an id"),
    ],
)
def test_bad_rule_registrations(pytester: pytest.Pytester, blog: Path, returned: str, expected: str | None) -> None:
    pytester.makeconftest(
        CUSTOM_RULE.replace("return [NoDrafts]", f"return {returned}")
        + "\n\nclass Other(NoDrafts):\n    pass\n\n\nclass Nameless(Rule):\n    pass\n"
    )
    write_config(pytester, '[site]\nroot = "public"\n\n[rules.no-drafts]\n')
    result = run(pytester, "--linkrules")
    assert "Traceback" not in output(result)
    if expected is None:
        result.assert_outcomes(passed=2, failed=1)
    else:
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        assert problems(result) == [expected]
