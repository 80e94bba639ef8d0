"""Severity, include/exclude, roles, waivers and baselines, run through pytest as a user would."""

from __future__ import annotations

import json
import textwrap

import pytest

from helpers.sitebuilder import page, write_site

NAV = '<a href="/">Home</a> <a href="/guides/seo/">SEO</a> <a href="/blog/">Blog</a>'

SITE = {
    "public/index.html": page("Home", nav=NAV, body='<a href="/blog/post-a/">Post A</a>'),
    "public/guides/seo/index.html": page("SEO", nav=NAV, body_class="pillar"),
    "public/blog/index.html": page("Blog", nav=NAV, body='<a href="/blog/post-a/">A</a> <a href="/blog/post-b/">B</a>'),
    "public/blog/post-a/index.html": page("A", nav=NAV),
    "public/blog/post-b/index.html": page("B", nav=NAV),
    "public/legacy/old/index.html": page("Old", nav=NAV),
    "public/legacy/older/index.html": page("Older", nav=NAV),
    "public/drafts/x/index.html": page("Draft", nav=NAV),
}


@pytest.fixture
def site(pytester: pytest.Pytester):
    write_site(pytester.path, SITE)

    def configure(toml: str) -> None:
        pytester.path.joinpath("linkrules.toml").write_text(
            '[site]\nroot = "public"\n\n' + textwrap.dedent(toml), encoding="utf-8"
        )

    return configure


def test_orphans_fail_one_item_each(pytester, site):
    site("[rules.no-orphans]\n")
    result = pytester.runpytest("--linkrules", "-q")
    result.assert_outcomes(passed=2, failed=3)


def test_severity_warning_passes_and_is_listed(pytester, site):
    site('[rules.no-orphans]\nseverity = "warning"\n')
    result = pytester.runpytest("--linkrules", "-rA")
    result.assert_outcomes(passed=5, warnings=3)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*linkrules: 3 warnings (not failing)*",
            "WARNING /drafts/x/ is not reachable from any start page (no-orphans)",
            "WARNING /legacy/old/ is not reachable from any start page (no-orphans)",
        ]
    )


def test_severity_must_be_error_or_warning(pytester, site):
    site('[rules.no-orphans]\nseverity = "info"\n')
    result = pytester.runpytest("--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert 'linkrules.toml: rules.no-orphans.severity: expected "error" or "warning", got "info"' in result.stderr.lines


def test_include_and_exclude_scope_any_rule(pytester, site):
    site('[rules.no-orphans]\ninclude = ["/legacy/**"]\nexclude = ["/legacy/older/"]\n')
    result = pytester.runpytest("--linkrules", "-q")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["FAILED linkrules.toml::no-orphans[[]/legacy/old/[]]*"])


def test_roles_by_glob_and_by_selector(pytester, site):
    site(
        """
        [roles]
        legacy = ["/legacy/**"]
        pillar = { selector = "body.pillar" }

        [rules.no-orphans]
        include = ["@legacy"]

        [rules.min-inlinks]
        pages = ["@pillar"]
        min = 99
        """
    )
    result = pytester.runpytest("--linkrules", "-q")
    result.stdout.fnmatch_lines(
        [
            "FAILED linkrules.toml::no-orphans[[]/legacy/old/[]]*",
            "FAILED linkrules.toml::no-orphans[[]/legacy/older/[]]*",
            "FAILED linkrules.toml::min-inlinks[[]/guides/seo/[]]*",
        ]
    )
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(["/guides/seo/ has 4 inlinks, needs 99 (min-inlinks)"])


def test_unknown_role_is_a_config_error(pytester, site):
    site('[roles]\npillar = ["/guides/*/"]\n[rules.no-orphans]\ninclude = ["@pilar"]\n')
    result = pytester.runpytest("--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        'linkrules.toml: rules.no-orphans.include: unknown role "@pilar"; did you mean "pillar"? '
        "(roles: pillar; define it in [roles])"
    ) in result.stderr.lines


def test_bad_role_selector_is_a_config_error(pytester, site):
    site('[roles]\npillar = { selector = "body[" }\n[rules.no-orphans]\n')
    result = pytester.runpytest("--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(['*linkrules.toml: roles.pillar.selector: invalid CSS selector "body[": *'])


WAIVERS = """
[rules.no-orphans]

[[waivers]]
rule = "no-orphans"
pages = ["/legacy/*"]
reason = "old posts, redirects planned"
expires = {legacy}

[[waivers]]
rule = "no-orphans"
pages = ["/guides/*"]
reason = "nothing matches this one"
"""


def test_waived_pages_xfail_until_the_date(pytester, site):
    site(WAIVERS.format(legacy="2999-12-31"))
    result = pytester.runpytest("--linkrules", "-rxXf")
    result.assert_outcomes(passed=3, failed=1, xfailed=2, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "WARNING waivers[[]1[]] (no-orphans: /guides/[*]) matches no violation any more; remove it from linkrules.toml",
            "linkrules: 2 waived (xfail): no-orphans: 2",
            "XFAIL linkrules.toml::no-orphans[[]/legacy/old/[]] - waived until 2999-12-31: old posts, redirects planned",
            "XFAIL linkrules.toml::no-orphans[[]/legacy/older/[]] - waived until 2999-12-31: old posts, redirects planned",
            "FAILED linkrules.toml::no-orphans[[]/drafts/x/[]]*",
        ]
    )
    # The warning points at the waiver's own table in linkrules.toml.
    result.stdout.fnmatch_lines(["*linkrules.toml:13: LinkrulesWarning: waivers[[]1[]]*"])


def test_expired_waiver_fails_again(pytester, site):
    site(WAIVERS.format(legacy="2001-01-31"))
    result = pytester.runpytest("--linkrules", "-q")
    result.assert_outcomes(passed=3, failed=3, warnings=1)
    assert "/legacy/old/ is not reachable from any start page (no-orphans) [waiver expired 2001-01-31]" in result.stdout.lines
    result.stdout.fnmatch_lines(["Waiver: waivers[[]0[]] (no-orphans: /legacy/*) expired on 2001-01-31 (reason was: old posts, redirects planned)*"])


@pytest.mark.parametrize(
    "waiver, expected",
    [
        ('rule = "no-orphan"\npages = ["/x/"]\nreason = "r"', 'waivers[0].rule: "no-orphan" is not a rule configured in [rules]; did you mean "no-orphans"?'),
        ('rule = "no-orphans"\nreason = "r"', 'waivers[0].pages: is required: the waived pages, e.g. pages = ["/legacy/*"]'),
        ('rule = "no-orphans"\npages = ["/x/"]', "waivers[0].reason: is required: say why the violation is accepted (it shows in the report)"),
        ('rule = "no-orphans"\npages = ["/x/"]\nreason = "r"\nexpires = "2027-01-31"', "waivers[0].expires: expected a TOML date without quotes, e.g. expires = 2027-01-31"),
    ],
)
def test_bad_waivers_are_config_errors(pytester, site, waiver, expected):
    site(f"[rules.no-orphans]\n\n[[waivers]]\n{waiver}\n")
    result = pytester.runpytest("--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"linkrules.toml: {expected}" in result.stderr.lines


def test_baseline_fails_only_new_violations(pytester, site):
    site("[rules.no-orphans]\n[rules.max-depth]\nmax = 2\n")
    first = pytester.runpytest("--linkrules", "--linkrules-save-baseline=base.json", "-q")
    first.assert_outcomes(passed=3, failed=3)
    first.stdout.fnmatch_lines(["linkrules: baseline saved to base.json (3 violation(s))"])
    saved = json.loads(pytester.path.joinpath("base.json").read_text())
    assert [(v["rule"], v["page"]) for v in saved["configs"]["linkrules.toml"]["violations"]] == [
        ("no-orphans", "/drafts/x/"),
        ("no-orphans", "/legacy/old/"),
        ("no-orphans", "/legacy/older/"),
    ]

    # Same site: everything is known, the run passes.
    same = pytester.runpytest("--linkrules", "--linkrules-baseline=base.json", "-q")
    same.assert_outcomes(passed=3, xfailed=3)
    assert same.ret == 0

    # A PR links the draft from the blog index (fixing that orphan) but moves
    # post-b behind it, three clicks deep: exactly one new violation.
    pytester.path.joinpath("public/blog/index.html").write_text(
        page("Blog", nav=NAV, body='<a href="/blog/post-a/">A</a> <a href="/drafts/x/">Draft</a>')
    )
    pytester.path.joinpath("public/drafts/x/index.html").write_text(page("Draft", nav=NAV, body='<a href="/blog/post-b/">B</a>'))
    pr = pytester.runpytest("--linkrules", "--linkrules-baseline=base.json", "-q")
    pr.assert_outcomes(passed=3, failed=1, xfailed=2)
    assert pr.ret == pytest.ExitCode.TESTS_FAILED
    pr.stdout.fnmatch_lines(
        [
            "1 new, 2 known, 1 fixed since the baseline",
            "NEW    max-depth[[]/blog/post-b/[]]",
            "FIXED  no-orphans[[]/drafts/x/[]]: was: /drafts/x/ is not reachable from any start page (no-orphans)",
            "Figures: links 24 -> 25, max_depth 2 -> 3, orphans 3 -> 2",
        ]
    )
    failed = [line.split(" - ")[0] for line in pr.stdout.lines if line.startswith("FAILED")]
    assert failed == ["FAILED linkrules.toml::max-depth[/blog/post-b/]"]


def test_bad_baseline_file_is_a_usage_error(pytester, site):
    site("[rules.no-orphans]\n")
    pytester.path.joinpath("base.json").write_text("{not json")
    result = pytester.runpytest("--linkrules", "--linkrules-baseline=base.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--linkrules-baseline: base.json: not a linkrules baseline (invalid JSON: *"])


def test_baseline_under_xdist(pytester, site):
    """Workers judge items against the baseline; the controller alone writes and summarizes it."""
    site("[rules.no-orphans]\n")
    saved = pytester.runpytest("--linkrules", "-n", "2", "--linkrules-save-baseline=base.json", "-q")
    saved.assert_outcomes(passed=2, failed=3)
    compared = pytester.runpytest("--linkrules", "-n", "2", "--linkrules-baseline=base.json", "-q")
    compared.assert_outcomes(passed=2, xfailed=3)
    compared.stdout.fnmatch_lines(["0 new, 3 known, 0 fixed since the baseline"])
