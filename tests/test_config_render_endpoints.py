"""site.render_endpoints and site.render_serve_host: what is accepted, and one exact line for each mistake.

The endpoints themselves are exercised with real browsers in tests/test_render_remote.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_linkrules.config import ConfigError, load_config, with_overrides
from pytest_linkrules.crawl.remote import labels, shown
from pytest_linkrules.rules import builtin_registry

SITES = Path(__file__).parent / "sites"
REGISTRY = builtin_registry()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SITES / "blog" / "public", tmp_path / "public")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(folder: Path, lines: str):
    path = folder / "linkrules.toml"
    path.write_text(f'[site]\nroot = "public"\n{lines}\n[rules.no-orphans]\n', encoding="utf-8")
    return with_overrides(load_config(path, REGISTRY))


def problems(folder: Path, lines: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(folder, lines)
    return info.value.problems


def test_endpoints_of_both_kinds_and_a_serve_host(folder: Path) -> None:
    site = load(folder, 'render_endpoints = ["ws://10.0.0.7:3000/abc", "http://10.0.0.8:9222", "cdp+wss://b.example/x?token=t"]\n'
                'render_serve_host = "10.0.0.5"').site  # fmt: skip
    assert site.render_endpoints == ("ws://10.0.0.7:3000/abc", "http://10.0.0.8:9222", "cdp+wss://b.example/x?token=t")
    assert site.render_serve_host == "10.0.0.5"
    # One URL alone is a list of one, as base_url and source take it.
    assert load(folder, 'render_endpoints = "ws://10.0.0.7:3000/"').site.render_endpoints == ("ws://10.0.0.7:3000/",)


@pytest.mark.parametrize(
    "lines, expected",
    [
        pytest.param('render_endpoints = ["ftp://h/"]', 'site.render_endpoints[0]: expected ws:// or wss:// (a Playwright browser server), or http://, https://, cdp+ws:// or cdp+wss:// (a Chrome DevTools Protocol endpoint), got "ftp://h/"', id="scheme"),
        pytest.param("render_endpoints = []", 'site.render_endpoints: expected a list of browser endpoint URLs, e.g. ["ws://10.0.0.7:3000/", "http://10.0.0.8:9222"], got []', id="empty"),
        pytest.param("render_endpoints = {a = 1}", 'site.render_endpoints: expected a list of browser endpoint URLs, e.g. ["ws://10.0.0.7:3000/", "http://10.0.0.8:9222"], got a table', id="table"),
        pytest.param("render_endpoints = [3]", 'site.render_endpoints[0]: expected a URL, e.g. "ws://10.0.0.7:3000/" or "http://10.0.0.7:9222", got 3', id="number"),
        pytest.param('render_endpoints = ["ws://h:3000/", "ws://h:3000/"]', 'site.render_endpoints[1]: "ws://h:3000/" is listed twice', id="twice"),
        pytest.param('render_endpoints = ["ws://user:pw@h:1/"]', 'site.render_endpoints[0]: must not hold a user name or password; a token can go in the path or query, which reports never print, got "ws://user:pw@h:1/"', id="userinfo"),
        pytest.param('render_endpoints = ["http://h:99999"]', 'site.render_endpoints[0]: its port is not a number from 1 to 65535, got "http://h:99999"', id="port"),
        pytest.param('render_endpoints = ["ws:///x"]', 'site.render_endpoints[0]: expected a host, e.g. ws://10.0.0.7:3000/, got "ws:///x"', id="no-host"),
        pytest.param('render_endpoints = ["ws://h:1/"]\nrender_serve_host = "0.0.0.0"', 'site.render_serve_host: expected a host name or IP address of this machine, e.g. "10.0.0.5"; 0.0.0.0 means every address of this machine to a server, but names none of them to a browser, got "0.0.0.0"', id="unspecified"),
        pytest.param('render_endpoints = ["ws://h:1/"]\nrender_serve_host = "http://x:1"', 'site.render_serve_host: expected a host name or IP address of this machine, e.g. "10.0.0.5" (no scheme, port or path), got "http://x:1"', id="url-as-host"),
        pytest.param('render_endpoints = ["ws://h:1/"]\nrender_serve_host = "::1"', 'site.render_serve_host: expected a host name or IP address of this machine, e.g. "10.0.0.5"; an IPv6 address is not supported, give an IPv4 address or a host name, got "::1"', id="ipv6"),
        pytest.param('render_serve_host = "10.0.0.5"', "site.render_serve_host: only browsers elsewhere read it: set site.render_endpoints (or pass --linkrules-render-endpoint), or remove it", id="host-alone"),
    ],
)
def test_one_exact_line(folder: Path, lines: str, expected: str) -> None:
    assert problems(folder, lines) == [f"linkrules.toml: {expected}"]


def test_the_command_line_list_replaces_the_files_and_is_checked_the_same_way(folder: Path) -> None:
    config = load_config(_write(folder, 'render_endpoints = ["ws://a:1/"]\nrender_serve_host = "10.0.0.5"'), REGISTRY)
    assert with_overrides(config, render_endpoints=["ws://b:2/", "http://c:3"]).site.render_endpoints == ("ws://b:2/", "http://c:3")
    assert with_overrides(config, render_endpoints=[]).site.render_endpoints == ("ws://a:1/",)
    with pytest.raises(ConfigError) as info:
        with_overrides(config, render_endpoints=["localhost:3000"])
    assert info.value.problems == [
        "--linkrules-render-endpoint: expected ws:// or wss:// (a Playwright browser server), or http://, https://, "
        'cdp+ws:// or cdp+wss:// (a Chrome DevTools Protocol endpoint), got "localhost:3000"'
    ]
    # A serve host in the file with endpoints only on the command line is fine.
    alone = load_config(_write(folder, 'render_serve_host = "10.0.0.5"'), REGISTRY)
    assert with_overrides(alone, render_endpoints=["ws://b:2/"]).site.render_serve_host == "10.0.0.5"


def test_a_local_browser_path_with_endpoints_is_refused_not_ignored(folder: Path) -> None:
    config = load_config(_write(folder, 'render_endpoints = ["ws://a:1/"]'), REGISTRY)
    fake = folder / "chrome"
    fake.write_text("")
    with pytest.raises(ConfigError) as info:
        with_overrides(config, browser_path=str(fake))
    assert info.value.problems == [
        "--linkrules-browser-path: not used when site.render_endpoints renders on browsers elsewhere (linkrules.toml); "
        "give one or the other"
    ]


def _write(folder: Path, lines: str) -> Path:
    path = folder / "linkrules.toml"
    path.write_text(f'[site]\nroot = "public"\n{lines}\n[rules.no-orphans]\n', encoding="utf-8")
    return path


def test_reports_never_print_an_endpoints_path_or_query() -> None:
    # launchServer's path is a random token that is its password; a cloud browser's query holds an API key.
    assert shown("ws://10.0.0.7:3000/0123456789abcdef") == "ws://10.0.0.7:3000/…"
    assert shown("wss://cloud.example?token=SECRET") == "wss://cloud.example/…"
    assert shown("http://10.0.0.8:9222") == "http://10.0.0.8:9222"
    assert shown("http://10.0.0.8:9222/") == "http://10.0.0.8:9222/"
    assert labels(("ws://h:1/a", "ws://h:1/b", "ws://g:1/")) == {
        "ws://h:1/a": "ws://h:1/… (#1)", "ws://h:1/b": "ws://h:1/… (#2)", "ws://g:1/": "ws://g:1/",
    }  # fmt: skip


def test_the_command_line_option_reaches_the_crawl(pytester: pytest.Pytester) -> None:
    shutil.copytree(SITES / "blog" / "public", pytester.path / "public")
    pytester.makefile(".toml", linkrules='[site]\nroot = "public"\n[rules.no-orphans]\n')
    result = pytester.runpytest("--linkrules", "--linkrules-render-endpoint=ftp://nowhere/")
    result.stderr.fnmatch_lines(["*--linkrules-render-endpoint: expected ws:// or wss:// (a Playwright browser server)*"])
    assert result.ret != 0
