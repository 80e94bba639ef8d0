"""Malformed linkrules.toml files and bad command-line values, one table row each.

Every row runs pytest as a user would (pytester) on a tiny good site and a bad
config, and checks what a CI log shows: exit status 4 (usage error), no
traceback, and exactly ONE problem line that names the file, the key and what
was expected. The rows are the contract; the wording is asserted exactly so a
vaguer message can't slip in unnoticed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_linkrules.config import SITE_KEYS

KNOWN_SITE_KEYS = ", ".join(SITE_KEYS)  # grows with features; the message lists them all

from pytest_linkrules.rules import builtin_registry

KNOWN = ", ".join(sorted(builtin_registry()))  # the list grows with each rule
GOOD_SITE = {
    "public/index.html": '<a href="/guides/seo/">SEO</a> <a href="/about/">About</a>',
    "public/guides/seo/index.html": '<a href="/">Home</a>',
    "public/about/index.html": '<a href="/">Home</a>',
}

GOOD_RULES = "\n[rules.no-orphans]\n"
SITE = '[site]\nroot = "public"\n'


@dataclass
class Case:
    id: str
    toml: str | bytes | None  # None: the test builds the file itself
    expected: str  # the one problem line, exactly
    args: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)


CASES = [
    # --- the file itself -------------------------------------------------
    Case("empty-file", "", "linkrules.toml: is empty; expected a [site] table and at least one [rules.NAME] table"),
    Case("only-whitespace", "\n\n   \n", "linkrules.toml: is empty; expected a [site] table and at least one [rules.NAME] table"),
    Case(
        "only-comments",
        "# nothing here yet\n",
        "linkrules.toml: is empty; expected a [site] table and at least one [rules.NAME] table",
    ),
    Case(
        "not-utf8",
        b'[site]\nroot = "caf\xe9"\n',
        "linkrules.toml: is not UTF-8 text (byte 0xe9 at offset 18); TOML files must be UTF-8",
    ),
    Case(
        "utf16",
        '[site]\nroot = "public"\n'.encode("utf-16"),
        "linkrules.toml: is not UTF-8 text (byte 0xff at offset 0); TOML files must be UTF-8",
    ),
    Case("missing-file", None, "missing.toml: file not found", args=("--linkrules-config=missing.toml",)),
    Case(
        "directory",
        None,
        "conf: is a directory, expected a linkrules.toml file",
        args=("--linkrules-config=conf",),
        files={"conf/keep.txt": ""},
    ),
    # --- TOML syntax -------------------------------------------------------
    Case(
        "unclosed-table-header",
        "[site\nroot = 'public'\n",
        "linkrules.toml: invalid TOML: Expected ']' at the end of a table declaration (at line 1, column 6)",
    ),
    Case(
        "missing-value",
        "[site]\nroot =\n",
        "linkrules.toml: invalid TOML: Invalid value (at line 2, column 7)",
    ),
    Case(
        "unquoted-string",
        "[site]\nroot = public\n",
        "linkrules.toml: invalid TOML: Invalid value (at line 2, column 8)",
    ),
    Case(
        "duplicate-key",
        '[site]\nroot = "public"\nroot = "dist"\n' + GOOD_RULES,
        "linkrules.toml: invalid TOML: Cannot overwrite a value (at line 3, column 14)",
    ),
    Case(
        "duplicate-rule-table",
        SITE + "[rules.max-depth]\nmax = 3\n[rules.max-depth]\nmax = 4\n",
        "linkrules.toml: invalid TOML: Cannot declare ('rules', 'max-depth') twice (at line 5, column 17)",
    ),
    Case(
        "byte-order-mark-is-fine-but-key-is-not",
        "\ufeff" + SITE + "rot = 1\n" + GOOD_RULES,
        f'linkrules.toml: site.rot: unknown key; did you mean "root"? (expected one of: {KNOWN_SITE_KEYS})',
    ),
    # --- top level ----------------------------------------------------------
    Case(
        "unknown-top-level-key",
        SITE + GOOD_RULES + "[sites]\nroot = 'x'\n",
        'linkrules.toml: sites: unknown key; did you mean "site"? (expected one of: site, rules, roles, clusters, waivers, suggestions)',
    ),
    Case(
        "site-not-a-table",
        'site = "public"\n' + GOOD_RULES,
        'linkrules.toml: site: expected a table, got "public"',
    ),
    Case("no-rules", SITE, f"linkrules.toml: rules: no rules configured; add at least one [rules.NAME] table (known rules: {KNOWN})"),
    Case(
        "rules-empty-table",
        SITE + "[rules]\n",
        f"linkrules.toml: rules: no rules configured; add at least one [rules.NAME] table (known rules: {KNOWN})",
    ),
    Case("rules-not-a-table", 'rules = "all"\n' + SITE, 'linkrules.toml: rules: expected a table of rules, got "all"'),
    # --- [site] -----------------------------------------------------------------
    Case("root-missing", "[site]\nstart = ['/']\n" + GOOD_RULES, 'linkrules.toml: site.root: missing; expected the built site folder, e.g. root = "public" (or url = "https://..." for a deployed site)'),
    Case("root-wrong-type", "[site]\nroot = 3\n" + GOOD_RULES, "linkrules.toml: site.root: expected a folder path, got 3"),
    Case("root-empty-string", '[site]\nroot = ""\n' + GOOD_RULES, 'linkrules.toml: site.root: expected a folder path, got ""'),
    Case(
        "root-not-found",
        '[site]\nroot = "dist"\n' + GOOD_RULES,
        'linkrules.toml: site.root: folder "dist" not found (looked in dist); build the site first or fix the path',
    ),
    Case(
        "root-is-a-file",
        '[site]\nroot = "public/index.html"\n' + GOOD_RULES,
        'linkrules.toml: site.root: "public/index.html" is not a folder',
    ),
    Case(
        "site-unknown-key",
        SITE + "rot = 'x'\n" + GOOD_RULES,
        f'linkrules.toml: site.rot: unknown key; did you mean "root"? (expected one of: {KNOWN_SITE_KEYS})',
    ),
    Case(
        "start-wrong-type",
        SITE + "start = 1\n" + GOOD_RULES,
        'linkrules.toml: site.start: expected a list of URL paths starting with "/", e.g. ["/"], got 1',
    ),
    Case(
        "start-relative",
        SITE + "start = ['index.html']\n" + GOOD_RULES,
        'linkrules.toml: site.start: expected a list of URL paths starting with "/", e.g. ["/"], got ["index.html"]',
    ),
    Case(
        "start-empty-list",
        SITE + "start = []\n" + GOOD_RULES,
        'linkrules.toml: site.start: expected a list of URL paths starting with "/", e.g. ["/"], got []',
    ),
    Case(
        "start-not-a-page",
        SITE + "start = ['/nowhere/']\n" + GOOD_RULES,
        'linkrules.toml: site.start: "/nowhere/" is not a page of the site ("/" means the folder\'s index.html)',
    ),
    Case(
        "base-url-not-http",
        SITE + "base_url = 'example.com'\n" + GOOD_RULES,
        'linkrules.toml: site.base_url: expected an http(s) URL or a list of them, e.g. "https://example.com", got ["example.com"]',
    ),
    Case("max-pages-negative", SITE + "max_pages = -5\n" + GOOD_RULES, "linkrules.toml: site.max_pages: expected a positive integer up to 10,000,000, got -5"),
    Case("max-pages-zero", SITE + "max_pages = 0\n" + GOOD_RULES, "linkrules.toml: site.max_pages: expected a positive integer up to 10,000,000, got 0"),
    Case("max-pages-float", SITE + "max_pages = 1.5\n" + GOOD_RULES, "linkrules.toml: site.max_pages: expected a positive integer up to 10,000,000, got 1.5"),
    Case("max-pages-bool", SITE + "max_pages = true\n" + GOOD_RULES, "linkrules.toml: site.max_pages: expected a positive integer up to 10,000,000, got true"),
    Case(
        "max-page-bytes-string",
        SITE + "max_page_bytes = '20MB'\n" + GOOD_RULES,
        'linkrules.toml: site.max_page_bytes: expected a positive integer up to 1,073,741,824, got "20MB"',
    ),
    Case(
        "page-limits-not-a-table",
        SITE + "page_limits = 50\n" + GOOD_RULES,
        'linkrules.toml: site.page_limits: expected a table of URL globs to page counts, e.g. {"/calendar/**" = 50}, got 50',
    ),
    Case(
        "page-limit-negative",
        SITE + 'page_limits = {"/calendar/**" = -1}\n' + GOOD_RULES,
        "linkrules.toml: site.page_limits./calendar/**: expected a page count (an integer from 0 to 10,000,000), got -1",
    ),
    Case(
        "page-limit-bad-glob",
        SITE + 'page_limits = {"calendar/*" = 5}\n' + GOOD_RULES,
        'linkrules.toml: site.page_limits.calendar/*: expected a URL path starting with "/", got "calendar/*"',
    ),
    # --- [site] keys a folder crawl would not read ---------------------------------
    Case(
        "hash-routes-on-a-folder",
        SITE + "hash_routes = true\n" + GOOD_RULES,
        "linkrules.toml: site.hash_routes: applies only to a deployed site (site.url or --linkrules-url): a folder's pages "
        "are its files, and #/route pages exist only in a browser running the app; serve the built app and set "
        'url = "http://127.0.0.1:PORT" instead of root',
    ),
    Case(
        "rate-limit-on-a-folder",
        SITE + "rate_limit = 5\n" + GOOD_RULES,
        'linkrules.toml: site.rate_limit: applies only to a deployed site (site.url or --linkrules-url); this config crawls '
        'the folder "public", which would ignore it: remove the key, or crawl the site by url',
    ),
    # --- [rules.*] -----------------------------------------------------------------
    Case(
        "unknown-rule",
        SITE + "[rules.max-dept]\nmax = 3\n",
        f'linkrules.toml: rules.max-dept: unknown rule; did you mean "max-depth"? (known rules: {KNOWN})',
    ),
    Case(
        "rule-not-a-table",
        SITE + "[rules]\nno-orphans = true\n",
        "linkrules.toml: rules.no-orphans: expected a table of options, got true",
    ),
    Case(
        "unknown-option",
        SITE + "[rules.max-depth]\nmax = 3\nmaximum = 4\n",
        'linkrules.toml: rules.max-depth.maximum: unknown option; did you mean "max"? (options: max, pages, include, exclude, severity)',
    ),
    Case(
        "option-on-rule-without-options",
        SITE + "[rules.no-orphans]\nstrict = true\n",
        "linkrules.toml: rules.no-orphans.strict: unknown option (options: pages, redirects, include, exclude, severity)",
    ),
    Case(
        "required-option-missing",
        SITE + "[rules.max-depth]\n",
        "linkrules.toml: rules.max-depth.max: is required (the deepest click depth allowed, e.g. max = 3)",
    ),
    Case("option-wrong-type", SITE + "[rules.max-depth]\nmax = 'three'\n", 'linkrules.toml: rules.max-depth.max: expected a positive integer, got "three"'),
    Case("option-negative", SITE + "[rules.max-depth]\nmax = -1\n", "linkrules.toml: rules.max-depth.max: expected a positive integer, got -1"),
    Case("option-zero", SITE + "[rules.min-inlinks]\npages = ['/guides/*']\nmin = 0\n", "linkrules.toml: rules.min-inlinks.min: expected a positive integer, got 0"),
    Case(
        "glob-without-slash",
        SITE + "[rules.min-inlinks]\npages = ['guides/*']\nmin = 1\n",
        'linkrules.toml: rules.min-inlinks.pages: expected a URL path starting with "/", got "guides/*"',
    ),
    Case(
        "glob-unclosed-bracket",
        SITE + "[rules.min-inlinks]\npages = ['/guides/[a-z']\nmin = 1\n",
        'linkrules.toml: rules.min-inlinks.pages: unclosed "[" in glob "/guides/[a-z"',
    ),
    Case(
        "glob-empty-string",
        SITE + "[rules.min-inlinks]\npages = ['']\nmin = 1\n",
        "linkrules.toml: rules.min-inlinks.pages: expected a non-empty URL path glob",
    ),
    Case(
        "globs-wrong-type",
        SITE + "[rules.min-inlinks]\npages = 42\nmin = 1\n",
        'linkrules.toml: rules.min-inlinks.pages: expected a list of URL globs like ["/guides/*"], got 42',
    ),
    Case(
        "globs-list-of-numbers",
        SITE + "[rules.min-inlinks]\npages = [1, 2]\nmin = 1\n",
        'linkrules.toml: rules.min-inlinks.pages: expected a list of URL globs like ["/guides/*"], got [1, 2]',
    ),
    Case(
        "glob-matches-no-page",
        SITE + "[rules.min-inlinks]\npages = ['/guide/*']\nmin = 1\n",
        'linkrules.toml: rules.min-inlinks.pages: "/guide/*" matches no page of the 3 crawled (globs match page URLs such as /about/, /guides/seo/)',
    ),
    Case(
        "archive-globs-match-nothing",
        SITE + "[rules.no-archive-only]\narchives = ['/tag/*']\n",
        'linkrules.toml: rules.no-archive-only.archives: "/tag/*" matches no page of the 3 crawled (globs match page URLs such as /about/, /guides/seo/)',
    ),
    # --- bad command-line values ---------------------------------------------------
    Case(
        "cli-config-empty",
        SITE + GOOD_RULES,
        "--linkrules-config: expected a path to a linkrules.toml file, got an empty value",
        args=("--linkrules-config=",),
    ),
    # --- options that conflict ------------------------------------------------
    Case(
        "root-and-url-both-set",
        '[site]\nroot = "public"\nurl = "http://127.0.0.1:9/"\n' + GOOD_RULES,
        "linkrules.toml: site: root and url are both set; give root (a built folder) or url (a deployed site), not both",
    ),
    # --- [suggestions] --------------------------------------------------------
    Case(
        "suggestions-unknown-key",
        SITE + GOOD_RULES + "[suggestions]\nexhaustive = 5\n",
        'linkrules.toml: suggestions.exhaustive: unknown key; did you mean "exhaustive_pages"? '
        "(expected one of: max_pages, exhaustive_pages, per_source, text, idf_sample)",
    ),
    Case(
        "suggestions-not-a-count",
        SITE + GOOD_RULES + '[suggestions]\nper_source = "many"\n',
        'linkrules.toml: suggestions.per_source: expected a positive integer, got "many"',
    ),
]

CLI_CASES = [
    ("--linkrules-url=ftp://example.com", '--linkrules-url: expected an http(s) URL, e.g. "https://preview-123.example.com", got "ftp://example.com"'),
    ("--linkrules-url=", '--linkrules-url: expected an http(s) URL, e.g. "https://preview-123.example.com", got ""'),
    (
        "--linkrules-url=http://me:pw@127.0.0.1:9",
        "--linkrules-url: must not hold a user name or password; use basic_auth_from_env so secrets stay out of files and reports",
    ),
    (
        "--linkrules-browser-path=/no/such/chromium",
        "--linkrules-browser-path: /no/such/chromium: no such file; give the path of a Chromium or Chrome executable",
    ),
]
CASES += [Case(f"cli{n}", SITE + GOOD_RULES, expected, args=(arg,)) for n, (arg, expected) in enumerate(CLI_CASES)]

REPEATED = [c.id for c in CASES]
assert len(REPEATED) == len(set(REPEATED)), "case ids must be unique"


def _setup(pytester: pytest.Pytester, case: Case) -> None:
    for rel, text in {**GOOD_SITE, **case.files}.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if case.toml is not None:
        data = case.toml if isinstance(case.toml, bytes) else case.toml.encode("utf-8")
        (pytester.path / "linkrules.toml").write_bytes(data)


# Lines pytest or the plugin print above the problems themselves.
HEADERS = {"invalid linkrules config:", "linkrules:"}


def assert_usage_error(result: pytest.RunResult, expected: str) -> None:
    out = result.stdout.str() + "\n" + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, out
    assert "Traceback" not in out, out
    assert "site-packages" not in out and ".py:" not in out, out
    problems = [line.removeprefix("ERROR: ") for line in result.stderr.str().splitlines() if line.strip()]
    problems = [line for line in problems if line not in HEADERS]
    assert problems == [expected], out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_config_gives_one_clear_line(pytester: pytest.Pytester, case: Case) -> None:
    _setup(pytester, case)
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider", *case.args)
    assert_usage_error(result, case.expected)


def test_enough_cases() -> None:
    assert len(CASES) >= 30


def test_unreadable_file(pytester: pytest.Pytester) -> None:
    """A file the user can't read: chmod 000, or, as root (who reads anything), a
    file whose read fails at the OS level (/proc/self/mem raises EIO)."""
    _setup(pytester, Case("x", SITE + GOOD_RULES, ""))
    if os.geteuid() != 0:
        path = pytester.path / "linkrules.toml"
        path.chmod(0)
        try:
            result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
        finally:
            path.chmod(0o644)
        assert_usage_error(result, "linkrules.toml: cannot be read: Permission denied")
    else:
        result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider", "--linkrules-config=/proc/self/mem")
        assert_usage_error(result, "/proc/self/mem: cannot be read: Input/output error")


def test_symlink_loop(pytester: pytest.Pytester) -> None:
    _setup(pytester, Case("x", None, ""))
    os.symlink("loop.toml", pytester.path / "loop.toml")
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider", "--linkrules-config=loop.toml")
    assert_usage_error(result, "loop.toml: cannot be read: Too many levels of symbolic links")


def test_every_problem_is_reported_at_once(pytester: pytest.Pytester) -> None:
    """Several mistakes give several lines in one run, not one per attempt."""
    _setup(pytester, Case("x", SITE + "max_pages = 0\nrot = 1\n[rules.max-depth]\nmax = 'x'\n[rules.orphans]\n", ""))
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "Traceback" not in err
    for key in ("site.rot:", "site.max_pages:", "rules.max-depth.max:", "rules.orphans:"):
        assert f"linkrules.toml: {key}" in err, err


def test_problem_in_second_of_two_configs_names_that_file(pytester: pytest.Pytester) -> None:
    _setup(pytester, Case("x", SITE + GOOD_RULES, ""))
    (pytester.path / "other.toml").write_text(SITE + "[rules.max-depth]\nmax = 0\n")
    result = pytester.runpytest(
        "--linkrules", "-p", "no:cacheprovider", "--linkrules-config=linkrules.toml", "--linkrules-config=other.toml"
    )
    assert_usage_error(result, "other.toml: rules.max-depth.max: expected a positive integer, got 0")
