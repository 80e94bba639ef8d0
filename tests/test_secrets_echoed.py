"""A staging site that echoes the credentials it was sent: no output may show them.

tests/test_secrets.py proves the crawl itself never writes a secret; here
the site puts the token, the cookie (percent-encoded too) and the basic-auth
header's base64 into links, anchors and titles, as session ids in URLs and
debug pages do. Every output is searched: the terminal, JUnit XML, the HTML
report, the job summary, annotations, the graph exports and the crawl cache
files. Secret values that can't be sent are refused up front, naming the
variable and never the value.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

TOKEN = "tok-5e4d3c2b1a-ECHOED"
COOKIE = "ck/9z+8y=ECHOED"  # percent-encodes to ck%2F9z%2B8y%3DECHOED
USER = "stage-user"
PASSWORD = "pw-0f9e8d-ECHOED"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
NEEDLES = (TOKEN, COOKIE, quote(COOKIE, safe=""), PASSWORD, BASIC)

CONFIG = """[site]
url = "{origin}"
render = "never"
timeout = 5
headers_from_env = {{Authorization = "LR_ECHO_AUTH"}}
cookies_from_env = {{session = "LR_ECHO_COOKIE"}}
basic_auth_from_env = ["LR_ECHO_USER", "LR_ECHO_PASSWORD"]

[rules.no-broken-links]
[rules.max-depth]
max = 1
"""

ECHO = (
    f"<title>Debug: token {TOKEN}</title>"
    f'<a href="/s/{TOKEN}/">session {TOKEN}</a>'
    f'<a href="/c/{quote(COOKIE, safe="")}/">cookie</a>'
    f'<a href="/b/{BASIC}/">auth {BASIC}</a>'
    f'<a href="/deep/">deep</a>'
)


@pytest.fixture
def echo_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"LR_ECHO_AUTH": f"Bearer {TOKEN}", "LR_ECHO_COOKIE": COOKIE, "LR_ECHO_USER": USER, "LR_ECHO_PASSWORD": PASSWORD}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
def echo_server(serve):
    return serve(
        pages={
            "/": ECHO,
            "/deep/": f'<title>deep {PASSWORD}</title><a href="/deep/er/">er</a>',
            "/deep/er/": "<title>deeper</title>",
        },
    )


def assert_clean(text: str, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, f"{where} shows a secret the site echoed ({NEEDLES.index(needle)})"


def all_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_echoed_secrets_are_masked_in_every_plugin_output(pytester: pytest.Pytester, echo_server, echo_env, monkeypatch) -> None:
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    (pytester.path / "linkrules.toml").write_text(CONFIG.format(origin=echo_server.origin))
    result = pytester.runpytest(
        "--linkrules", "-rA", "-vv", f"--html={pytester.path / 'report.html'}", f"--junitxml={pytester.path / 'junit.xml'}",
    )
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out
    assert "/s/***/" in out and "Debug: token ***" in out  # the echoes are there, masked
    assert_clean(out, "the terminal output")
    for name in ("report.html", "junit.xml", "summary.md"):
        assert_clean((pytester.path / name).read_text(errors="replace"), name)
    cache_files = all_files(pytester.path / ".pytest_cache")
    assert cache_files, "no crawl cache was written"
    for path in cache_files:
        assert_clean(path.read_bytes().decode("latin-1"), f"cache file {path.name}")


def test_echoed_secrets_are_masked_in_the_command_and_exports(tmp_path: Path, echo_server, echo_env) -> None:
    config = tmp_path / "linkrules.toml"
    config.write_text(CONFIG.format(origin=echo_server.origin))
    cache = tmp_path / "cache"
    env = {**os.environ, **echo_env}
    runs = [["check", "-c", str(config), "--cache-dir", str(cache)]] + [
        ["graph", "-c", str(config), "-o", str(tmp_path / f"graph.{ext}")] for ext in ("graphml", "json", "csv")
    ]
    for args in runs:
        done = subprocess.run([sys.executable, "-m", "pytest_linkrules.cli", *args], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        assert_clean(done.stdout + done.stderr, f"linkrules {args[0]} output")
    for ext in ("graphml", "json", "csv"):
        text = (tmp_path / f"graph.{ext}").read_text()
        assert "/deep/er/" in text  # a real export
        assert ext == "csv" or "Debug: token ***" in text  # titles are in GraphML and JSON
        assert_clean(text, f"graph.{ext}")
    assert all_files(cache), "no crawl cache was written"
    for path in all_files(cache):
        assert_clean(path.read_bytes().decode("latin-1"), f"cache file {path.name}")


@pytest.mark.parametrize(
    "var, value, expected",
    [
        ("LR_ECHO_AUTH", f"Bearer {TOKEN}\r\nX-Evil: 1", "site.headers_from_env: environment variable LR_ECHO_AUTH holds a line break (CR or LF), which can't be sent in an HTTP header"),
        ("LR_ECHO_AUTH", f"Bearer {TOKEN}é", "site.headers_from_env: environment variable LR_ECHO_AUTH holds a character that is not ASCII (at position 29); HTTP header values must be printable ASCII"),
        ("LR_ECHO_COOKIE", f"{COOKIE}; admin=1", 'site.cookies_from_env: environment variable LR_ECHO_COOKIE holds ";", which would end the cookie and start another'),
        ("LR_ECHO_PASSWORD", f"{PASSWORD}\n", "site.basic_auth_from_env: environment variable LR_ECHO_PASSWORD holds a control character (a line break?), which can't be sent"),
    ],
    ids=["header-crlf", "header-non-ascii", "cookie-semicolon", "password-newline"],
)
def test_a_secret_that_cannot_be_sent_is_one_line_naming_the_variable(
    tmp_path: Path, echo_server, echo_env, var: str, value: str, expected: str
) -> None:
    config = tmp_path / "linkrules.toml"
    config.write_text(CONFIG.format(origin=echo_server.origin))
    env = {**os.environ, **echo_env, var: value}
    done = subprocess.run(
        [sys.executable, "-m", "pytest_linkrules.cli", "check", "-c", str(config)], capture_output=True, text=True, env=env, timeout=120
    )
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert expected in out, out
    assert "Traceback" not in out and "X-Evil" not in out
    assert_clean(out, "the error")
    assert echo_server.requests == [], "nothing is sent before the secrets are checked"
