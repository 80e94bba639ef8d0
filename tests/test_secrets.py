"""Credentials from the environment never reach an output.

A token is planted in the environment variables a config names for a header,
a cookie and basic auth; the site is crawled (statically and rendered in
Chromium) and every output is grepped for it: the terminal, the HTML report,
JUnit XML, the GitHub summary and annotations, and the graph exports of the
``linkrules`` command. The server checks the credentials were really sent,
so a test that leaks nothing because it sent nothing can't pass.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

TOKEN = "tok-9f8e7d6c5b4a-PLANTED"
USER = "staging-user"
PASSWORD = "pw-1a2b3c4d-PLANTED"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
NEEDLES = (TOKEN, PASSWORD, BASIC)

CONFIG = """[site]
url = "{origin}"
render = "{render}"
timeout = 3
headers_from_env = {{Authorization = "LR_TEST_TOKEN", "X-Api-Key" = "LR_TEST_TOKEN"}}
cookies_from_env = {{session = "LR_TEST_TOKEN"}}
basic_auth_from_env = ["LR_TEST_USER", "LR_TEST_PASSWORD"]

[rules.no-broken-links]
[rules.no-orphans]
[rules.max-depth]
max = 1
"""


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"LR_TEST_TOKEN": TOKEN, "LR_TEST_USER": USER, "LR_TEST_PASSWORD": PASSWORD}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
def site_server(serve, tmp_path: Path):
    """A small site with something to report: a broken link, a deep page, a 500, a script."""
    root = tmp_path / "www"
    (root / "a").mkdir(parents=True)
    (root / "index.html").write_text('<title>Home</title><a href="/a/">A</a> <a href="/gone/">gone</a> <a href="/err">err</a><script>var x=1;</script>')
    (root / "a" / "index.html").write_text('<title>A</title><a href="/a/deep.html">deep</a>')
    (root / "a" / "deep.html").write_text("<title>Deep</title>")
    return serve(root, statuses={"/err": 500})


def assert_clean(text: str, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, f"{where} contains a planted secret"


def assert_sent(server) -> None:
    sent = [r.headers for r in server.requests]
    assert sent, "the site was never asked"
    assert all(h.get("Authorization") == TOKEN or h.get("Authorization") == f"Basic {BASIC}" for h in sent), sent[:1]
    assert any(TOKEN in h.get("Cookie", "") for h in sent) and any(h.get("X-Api-Key") == TOKEN for h in sent)


@pytest.mark.parametrize("render", ["never", "always"])
def test_no_output_of_the_plugin_holds_a_secret(pytester: pytest.Pytester, site_server, secret_env, render: str, monkeypatch) -> None:
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    (pytester.path / "linkrules.toml").write_text(CONFIG.format(origin=site_server.origin, render=render))
    result = pytester.runpytest(
        "--linkrules", "-p", "no:cacheprovider", "-rA", "-vv",
        f"--html={pytester.path / 'report.html'}", f"--junitxml={pytester.path / 'junit.xml'}",
    )
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out  # something was reported
    assert "/gone/" in out
    assert_sent(site_server)
    assert_clean(out, "the terminal output")
    for name in ("report.html", "junit.xml", "summary.md"):
        path = pytester.path / name
        assert path.exists(), name
        assert_clean(path.read_text(errors="replace"), name)


def test_no_output_of_the_command_holds_a_secret(tmp_path: Path, site_server, secret_env) -> None:
    config = tmp_path / "linkrules.toml"
    config.write_text(CONFIG.format(origin=site_server.origin, render="never"))
    env = {**os.environ, **secret_env}
    runs = [["check", "-c", str(config)]] + [
        ["graph", "-c", str(config), "-o", str(tmp_path / f"graph.{ext}")] for ext in ("graphml", "json", "csv")
    ]
    for args in runs:
        done = subprocess.run(
            [sys.executable, "-m", "pytest_linkrules.cli", *args], capture_output=True, text=True, env=env, timeout=120
        )
        assert_clean(done.stdout + done.stderr, f"linkrules {args[0]} output")
    assert_sent(site_server)
    for ext in ("graphml", "json", "csv"):
        text = (tmp_path / f"graph.{ext}").read_text()
        assert "/a/deep.html" in text  # a real export, not an empty file
        assert_clean(text, f"graph.{ext}")
