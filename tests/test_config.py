"""linkrules.toml into frozen dataclasses, and one exact line per problem (config.py).

These call load_config directly; tests/test_bad_config.py runs the same kind
of mistakes through pytest as a user would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_linkrules.config import ConfigError, load_config
from pytest_linkrules.rules import builtin_registry
from pytest_linkrules.runner import analyze

SITES = Path(__file__).parent / "sites"
REGISTRY = builtin_registry()
SITE = '[site]\nroot = "public"\n'


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a built site in public/; file names show relative to it."""
    shutil.copytree(SITES / "blog" / "public", tmp_path / "public")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def problems(folder: Path, text: str | bytes, name: str = "linkrules.toml") -> list[str]:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, REGISTRY)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def test_the_issue_config(folder: Path) -> None:
    shutil.copy(SITES / "blog" / "linkrules.toml", folder)
    config = load_config(folder / "linkrules.toml", REGISTRY)
    assert config.display == "linkrules.toml"
    assert config.site.root == folder / "public"
    assert config.site.start == ("/",)
    assert [(rc.id, rc.line, sorted(rc.given)) for rc in config.rules] == [
        ("max-depth", 4, ["max"]),
        ("min-inlinks", 7, ["min", "pages"]),
        ("no-orphans", 11, []),
        ("no-archive-only", 13, ["archives"]),
        ("no-broken-links", 16, []),
    ]
    options = {rc.id: rc.options for rc in config.rules}
    assert options["max-depth"]["max"] == 3
    assert options["min-inlinks"]["pages"] == ("/guides/*",)
    assert options["min-inlinks"]["min"] == 3
    assert options["no-archive-only"]["archives"] == ("/tag/*", "/page/*", "/category/*")
    assert all(rc.rule is REGISTRY[rc.id] for rc in config.rules)


def test_root_is_relative_to_the_config_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "linkrules.toml").write_text(SITE + "[rules.no-orphans]\n")
    monkeypatch.chdir(folder / "public")
    config = load_config(Path("../linkrules.toml"), REGISTRY)
    assert config.site.root == folder / "public"


def test_a_single_start_string_and_quoted_rule_names(folder: Path) -> None:
    (folder / "linkrules.toml").write_text(
        '[site]\nroot = "public"\nstart = "/blog/"\n\n["rules"."max-depth"]\nmax = 2\n'
    )
    config = load_config(folder / "linkrules.toml", REGISTRY)
    assert config.site.start == ("/blog/",)
    assert [(rc.id, rc.line) for rc in config.rules] == [("max-depth", 4)]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(SITE + "[rules.max-depth]\nmax = \"three\"\n", 'linkrules.toml: rules.max-depth.max: expected a positive integer, got "three"', id="wrong-type"),
        pytest.param(SITE + "[rules.max-depth]\nmax = 0\n", "linkrules.toml: rules.max-depth.max: expected a positive integer, got 0", id="zero"),
        pytest.param(SITE + "[rules.max-depth]\n", "linkrules.toml: rules.max-depth.max: is required (the deepest click depth allowed, e.g. max = 3)", id="required-option"),
        pytest.param(SITE + '[rules.min-inlinks]\npages = "guides/*"\nmin = 3\n', 'linkrules.toml: rules.min-inlinks.pages: expected a URL path starting with "/", got "guides/*"', id="bad-glob"),
        pytest.param('[site]\nroot = "nowhere"\n[rules.no-orphans]\n', 'linkrules.toml: site.root: folder "nowhere" not found (looked in nowhere); build the site first or fix the path', id="missing-root"),
        pytest.param('[site]\nroot = "linkrules.toml"\n[rules.no-orphans]\n', 'linkrules.toml: site.root: "linkrules.toml" is not a folder', id="root-is-a-file"),
        pytest.param("[site]\nroot = 3\n[rules.no-orphans]\n", "linkrules.toml: site.root: expected a folder path, got 3", id="root-wrong-type"),
        pytest.param("[rules.no-orphans]\n", 'linkrules.toml: site: missing; expected a [site] table with root = "FOLDER"', id="no-site"),
        pytest.param("", "linkrules.toml: is empty; expected a [site] table and at least one [rules.NAME] table", id="empty-file"),
        pytest.param("# just a comment\n", "linkrules.toml: is empty; expected a [site] table and at least one [rules.NAME] table", id="only-comments"),
        pytest.param("[site\n", "linkrules.toml: invalid TOML: Expected ']' at the end of a table declaration (at line 1, column 6)", id="invalid-toml"),
        pytest.param(b'[site]\nroot = "caf\xe9"\n', "linkrules.toml: is not UTF-8 text (byte 0xe9 at offset 18); TOML files must be UTF-8", id="not-utf8"),
    ],
)
def test_one_exact_line(folder: Path, text: str | bytes, expected: str) -> None:
    assert problems(folder, text) == [expected]


@pytest.mark.parametrize(
    "text, start",
    [
        pytest.param('[sites]\nroot = "public"\n' + SITE + "[rules.no-orphans]\n", 'linkrules.toml: sites: unknown key; did you mean "site"? (expected one of: site, rules', id="top-level-key"),
        pytest.param(SITE + "strat = ['/']\n[rules.no-orphans]\n", 'linkrules.toml: site.strat: unknown key; did you mean "start"? (expected one of: root, start, ', id="site-key"),
        pytest.param(SITE + "[rules.max-dept]\nmax = 3\n", 'linkrules.toml: rules.max-dept: unknown rule; did you mean "max-depth"? (known rules: ', id="rule"),
        pytest.param(SITE + "[rules.orphans]\n", 'linkrules.toml: rules.orphans: unknown rule; did you mean "no-orphans"? (known rules: ', id="rule-prefix"),
        pytest.param(SITE + "[rules.totally-made-up]\n", "linkrules.toml: rules.totally-made-up: unknown rule (known rules: ", id="rule-nothing-close"),
        pytest.param(SITE + "[rules.max-depth]\nmax = 3\nmaximum = 4\n", 'linkrules.toml: rules.max-depth.maximum: unknown option; did you mean "max"? (options: max, pages', id="option"),
    ],
)
def test_unknown_names_with_did_you_mean(folder: Path, text: str, start: str) -> None:
    (line,) = problems(folder, text)
    assert line.startswith(start), line
    assert line.endswith(")")


def test_a_directory_instead_of_a_file(folder: Path) -> None:
    (folder / "conf").mkdir()
    with pytest.raises(ConfigError) as info:
        load_config(folder / "conf", REGISTRY)
    assert info.value.problems == ["conf: is a directory, expected a linkrules.toml file"]


def test_a_missing_file(folder: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(folder / "gone.toml", REGISTRY)
    assert info.value.problems == ["gone.toml: file not found"]


def test_every_problem_at_once(folder: Path) -> None:
    lines = problems(
        folder,
        '[site]\nroot = "nowhere"\nmax_pages = -1\n\n'
        '[rules.max-depth]\nmax = "three"\n\n'
        '[rules.min-inlinks]\nmin = 0\n\n'
        "[rules.no-orphanz]\n",
    )
    assert lines == [
        'linkrules.toml: site.root: folder "nowhere" not found (looked in nowhere); build the site first or fix the path',
        "linkrules.toml: site.max_pages: expected a positive integer up to 10,000,000, got -1",
        'linkrules.toml: rules.max-depth.max: expected a positive integer, got "three"',
        'linkrules.toml: rules.min-inlinks.pages: is required (which pages to check, e.g. pages = ["/guides/*"])',
        "linkrules.toml: rules.min-inlinks.min: expected a positive integer, got 0",
        lines[5],
    ]
    assert lines[5].startswith('linkrules.toml: rules.no-orphanz: unknown rule; did you mean "no-orphans"?')


def test_file_name_as_the_user_sees_it(folder: Path) -> None:
    (folder / "site").mkdir()
    (line,) = problems(folder / "site", "[rules.no-orphans]\n")
    assert line == 'site/linkrules.toml: site: missing; expected a [site] table with root = "FOLDER"'


# ------------------------------------------------------------ after the crawl


def test_a_glob_matching_no_page_is_an_error_after_the_crawl(folder: Path) -> None:
    (folder / "linkrules.toml").write_text(SITE + '[rules.min-inlinks]\npages = ["/guide/*", "/guide"]\nmin = 2\n')
    config = load_config(folder / "linkrules.toml", REGISTRY)
    with pytest.raises(ConfigError) as info:
        analyze(config)
    assert info.value.problems == [
        'linkrules.toml: rules.min-inlinks.pages: "/guide/*", "/guide" match no page of the 14 crawled '
        "(globs match page URLs such as /about.html, /blog/)"
    ]


def test_one_glob_of_several_matching_nothing_is_a_note(folder: Path) -> None:
    shutil.copy(SITES / "blog" / "linkrules.toml", folder)
    analysis = analyze(load_config(folder / "linkrules.toml", REGISTRY))
    assert 'linkrules.toml: rules.no-archive-only.archives: glob "/category/*" matches no page' in analysis.crawl.notes
    assert sorted(v.page for v in analysis.violations) == [
        "/blog/",
        "/blog/2019/old-post/",
        "/blog/tagged-post/",
        "/drafts/forgotten/",
        "/guides/speed/",
    ]


def test_default_globs_are_not_checked(folder: Path) -> None:
    """pages defaults to /**; only globs the user wrote must match."""
    (folder / "linkrules.toml").write_text(SITE + "[rules.no-orphans]\n")
    analysis = analyze(load_config(folder / "linkrules.toml", REGISTRY))
    assert [v.page for v in analysis.violations] == ["/drafts/forgotten/"]


def test_a_start_page_that_is_not_a_page(folder: Path) -> None:
    (folder / "linkrules.toml").write_text('[site]\nroot = "public"\nstart = ["/", "/home/"]\n[rules.no-orphans]\n')
    with pytest.raises(ConfigError) as info:
        analyze(load_config(folder / "linkrules.toml", REGISTRY))
    assert info.value.problems == [
        'linkrules.toml: site.start: "/home/" is not a page of the site ("/" means the folder\'s index.html)'
    ]


@pytest.mark.parametrize("key, value", [
    ("respect_robots", "false"), ("rate_limit", "5"), ("page_limits", '{"/calendar/**" = 5}'),
    ("headers_from_env", '{Authorization = "TOKEN"}'), ("cookies_from_env", '{session = "SESSION"}'),
    ("basic_auth_from_env", '["USER", "PASSWORD"]'), ("hash_routes", "true"),
])
def test_a_key_only_a_url_crawl_reads_is_an_error_on_a_folder_and_fine_with_a_url(folder: Path, key: str, value: str) -> None:
    from pytest_linkrules.config import URL_ONLY_KEYS, with_overrides

    assert key in URL_ONLY_KEYS
    path = folder / "linkrules.toml"
    path.write_text(f'[site]\nroot = "public"\n{key} = {value}\n\n[rules.no-orphans]\n')
    config = load_config(path, REGISTRY)
    with pytest.raises(ConfigError) as info:
        with_overrides(config)
    assert len(info.value.problems) == 1 and f": site.{key}: applies only to a deployed site" in info.value.problems[0]
    # The same config pointed at a deployed site on the command line reads the key.
    assert with_overrides(config, url="https://staging.example.com").site.url == "https://staging.example.com"


def test_hash_routes_false_on_a_folder_is_what_the_folder_crawl_does(folder: Path) -> None:
    from pytest_linkrules.config import with_overrides

    path = folder / "linkrules.toml"
    path.write_text('[site]\nroot = "public"\nhash_routes = false\n\n[rules.no-orphans]\n')
    assert with_overrides(load_config(path, REGISTRY)).site.hash_routes is False
