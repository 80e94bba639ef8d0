"""The plugin on deployed sites: same verdicts as the folder, --linkrules-url, secrets."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from pytest_linkrules.config import load_config, with_overrides
from pytest_linkrules.rules import builtin_registry
from pytest_linkrules.runner import analyze

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "example-rules" / "blog"
DEPLOYED = Path(__file__).parent / "sites" / "deployed"


def sitemap_for(folder: Path, origin: str) -> bytes:
    """The sitemap a static site generator would write: every page of the build."""
    urls = []
    for path in sorted(folder.rglob("*.html")):
        rel = path.relative_to(folder).as_posix()
        url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        urls.append(f"<url><loc>{origin}{url}</loc></url>")
    return ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(urls) + "</urlset>").encode()


def verdicts(analysis) -> set[tuple[str, str]]:
    return {(v.rule, v.page) for v in analysis.violations}


def test_the_same_config_gives_the_same_verdicts_for_a_folder_and_its_deployment(serve):
    config = load_config(EXAMPLE / "linkrules.toml", builtin_registry())
    folder = analyze(config)
    server = serve(EXAMPLE / "public")
    server.files["/sitemap.xml"] = ("application/xml", sitemap_for(EXAMPLE / "public", server.origin))
    deployed = analyze(with_overrides(config, url=server.origin))
    assert deployed.crawl.source == f"site {server.origin}"
    assert sorted(deployed.graph.urls) == sorted(folder.graph.urls)
    assert verdicts(deployed) == verdicts(folder)
    assert len(verdicts(folder)) == 6
    assert [o.checked for o in deployed.outcomes] == [o.checked for o in folder.outcomes]


TOML = """\
[site]
url = "http://127.0.0.1:9"   # replaced by --linkrules-url
headers_from_env = {Authorization = "LR_TEST_TOKEN"}
cookies_from_env = {session = "LR_TEST_COOKIE"}
basic_auth_from_env = ["LR_TEST_USER", "LR_TEST_PASS"]

[rules.no-orphans]

[rules.no-broken-links]
"""

SECRETS = {
    "LR_TEST_TOKEN": "Bearer tok-5ecret-4711",
    "LR_TEST_COOKIE": "cookie-5ecret-0815",
    "LR_TEST_USER": "staging-user",
    "LR_TEST_PASS": "pa55-5ecret-1234",
}


def test_staging_auth_is_sent_and_never_printed(pytester, serve, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    scripted = "<title>Scripted</title><script>document.title = 'Scripted';</script><a href='/'>Home</a>"
    server = serve(DEPLOYED, statuses={"/error/": 500}, pages={"/outbound.html": scripted})
    pytester.makefile(".toml", linkrules=TOML)
    result = pytester.runpytest(
        "--linkrules", f"--linkrules-url={server.origin}", "-v", "-rA", "--junitxml=junit.xml", "-p", "no:cacheprovider"
    )
    result.stdout.fnmatch_lines([f"linkrules: linkrules.toml: site {server.origin}, * pages, *"])
    # The secrets reached the server, from the HTTP client...
    assert server.requests
    basic = "Basic " + base64.b64encode(b"staging-user:pa55-5ecret-1234").decode()
    for request in server.requests:
        assert request.headers["Authorization"] in (SECRETS["LR_TEST_TOKEN"], basic)
        assert "session=cookie-5ecret-0815" in request.headers.get("Cookie", "")
    # (the browser that rendered the scripted page sent them too)
    assert any("sec-ch-ua" in r.headers for r in server.requests)
    # ...and appear nowhere in what the run wrote.
    written = "\n".join(result.outlines + result.errlines) + (pytester.path / "junit.xml").read_text()
    for value in SECRETS.values():
        assert value not in written
    assert "5ecret" not in written and base64.b64encode(b"staging-user:pa55").decode()[:12] not in written


def test_a_missing_secret_names_the_variable_not_the_value(pytester, serve, monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LR_TEST_USER", "staging-user")
    server = serve(DEPLOYED)
    pytester.makefile(".toml", linkrules=TOML)
    result = pytester.runpytest("--linkrules", f"--linkrules-url={server.origin}", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*linkrules.toml: site.headers_from_env: environment variable LR_TEST_TOKEN is not set; "
            "site.cookies_from_env: environment variable LR_TEST_COOKIE is not set; "
            "site.basic_auth_from_env: environment variable LR_TEST_PASS is not set"
        ]
    )
    assert "staging-user" not in "\n".join(result.outlines + result.errlines)
    assert server.requests == []


def test_url_config_errors_are_clear(pytester):
    pytester.makefile(
        ".toml",
        linkrules='[site]\nurl = "ftp://example.com"\nroot = "."\ntimeout = 0\nheaders_from_env = {X = "not a var"}\n\n[rules.no-orphans]\n',
    )
    result = pytester.runpytest("--linkrules")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*invalid linkrules config:",
            "linkrules.toml: site: root and url are both set; give root (a built folder) or url (a deployed site), not both",
            'linkrules.toml: site.url: expected an http(s) URL, e.g. "https://preview-123.example.com", got "ftp://example.com"',
            "linkrules.toml: site.timeout: expected a number of seconds from 0.1 to 600, got 0",
            'linkrules.toml: site.headers_from_env: expected a table of header names to environment variable names, e.g. {Authorization = "STAGING_TOKEN"}, got a table',
        ]
    )
    pytester.makefile(".toml", linkrules='[site]\nroot = "."\n\n[rules.no-orphans]\n')
    bad_url = pytester.runpytest("--linkrules", "--linkrules-url=preview.example.com")
    assert bad_url.ret == pytest.ExitCode.USAGE_ERROR
    bad_url.stderr.fnmatch_lines(['*--linkrules-url: expected an http(s) URL, e.g. "https://preview-123.example.com", got "preview.example.com"'])
