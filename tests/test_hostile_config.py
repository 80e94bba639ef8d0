"""Config files and values that crashed or hung the run: each is now one clear line.

Nesting bombs (tomllib recurses, and takes quadratic time on long dotted
keys), a config path that is a FIFO or a device, URL values urlsplit or the
port parser would raise on later, and numbers that make a run endless or
meaningless. The plugin exits 4 (usage error) with the line, quickly.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pytest_linkrules.config import ConfigError, load_config
from pytest_linkrules.rules import builtin_registry

RULES = "[rules.no-orphans]\n"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, builtin_registry())
    return info.value.problems


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "index.html").write_text("<title>Home</title>")
    return tmp_path


@pytest.mark.parametrize(
    "body, expected",
    [
        ("x = " + "[" * 5000 + "]" * 5000, "arrays or tables are nested more than 32 levels deep"),
        ("x = " + "[" * 200 + "]" * 200, "arrays or tables are nested more than 32 levels deep"),  # parses, then too deep
        ("x = " + "{a = " * 3000 + "1" + "}" * 3000, "arrays or tables are nested more than 32 levels deep"),
        ("a." * 50_000 + "b = 1", "a key has more than 64 dotted parts"),
    ],
    ids=["array-5000", "array-200", "inline-table-3000", "dotted-key-50000"],
)
def test_nesting_bombs_are_one_line(site_dir: Path, body: str, expected: str) -> None:
    path = site_dir / "linkrules.toml"
    path.write_text(f'[site]\nroot = "public"\n{RULES}[other]\n{body}\n')
    began = time.process_time()
    problems = problems_of(path)
    assert time.process_time() - began < 2
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].endswith(f"linkrules.toml: {expected}; expected a linkrules.toml file"), problems


def test_a_nesting_bomb_through_the_plugin_exits_4(pytester: pytest.Pytester) -> None:
    (pytester.path / "public").mkdir()
    (pytester.path / "public" / "index.html").write_text("<title>Home</title>")
    (pytester.path / "linkrules.toml").write_text('[site]\nroot = "public"\n' + RULES + "x = " + "[" * 5000 + "]" * 5000 + "\n")
    result = pytester.runpytest("--linkrules", "-p", "no:cacheprovider")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, out
    assert "nested more than 32 levels deep" in out
    assert "RecursionError" not in out and "INTERNALERROR" not in out and "Traceback" not in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_config_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "linkrules.toml"
    os.mkfifo(fifo)
    began = time.monotonic()
    problems = problems_of(fifo)
    assert time.monotonic() - began < 5
    assert len(problems) == 1, problems
    assert problems[0].endswith("linkrules.toml: is not a regular file (a pipe, device or socket); expected a linkrules.toml file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_as_config_is_refused() -> None:
    problems = problems_of(Path("/dev/zero"))
    assert problems == ["/dev/zero: is not a regular file (a pipe, device or socket); expected a linkrules.toml file"]


def test_a_huge_config_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "linkrules.toml"
    with open(path, "wb") as fh:
        fh.truncate(5 * 1024 * 1024)  # sparse: no disk used
    problems = problems_of(path)
    assert len(problems) == 1 and problems[0].endswith("is larger than 4 MB; expected a linkrules.toml file")


URL_CASES = [
    ('url = "http://[::1"', 'site.url: expected an http(s) URL, e.g. "https://preview-123.example.com", got "http://[::1": Invalid IPv6 URL'),
    ('url = "http://127.0.0.1:99999"', "site.url: expected an http(s) URL", ),
    ('url = "http://127.0.0.1:-1"', "site.url: expected an http(s) URL"),
    ('url = "http://a..b/"', "site.url: expected an http(s) URL"),
    ('url = "https://example.com/#frag"', "site.url: expected an http(s) URL, e.g. \"https://preview-123.example.com\", got \"https://example.com/#frag\": it holds a fragment, which the crawl would drop"),
    ('root = "public"\nbase_url = "https://?x"', 'site.base_url: expected an http(s) URL or a list of them, e.g. "https://example.com", got ["https://?x"]'),
    ('root = "public"\nbase_url = "http://#frag"', 'site.base_url: expected an http(s) URL or a list of them, e.g. "https://example.com", got ["http://#frag"]'),
    ('root = "public"\nbase_url = "https://example.com:70000/"', "site.base_url: expected an http(s) URL or a list of them"),
    ('url = "http://127.0.0.1:8000"\nsitemap = "http://[x/sitemap.xml"', 'site.sitemap: expected the path of the sitemap on the site, e.g. "/sitemap.xml", got "http://[x/sitemap.xml"'),
    ('url = "http://127.0.0.1:8000"\nsitemap = "http://127.0.0.1:123456/s.xml"', "site.sitemap: expected the path of the sitemap on the site"),
]


@pytest.mark.parametrize("site, expected", URL_CASES, ids=[c[0].split("\n")[-1] for c in URL_CASES])
def test_every_url_key_is_validated_the_same_way(site_dir: Path, site: str, expected: str) -> None:
    path = site_dir / "linkrules.toml"
    path.write_text(f"[site]\n{site}\n{RULES}")
    problems = problems_of(path)
    assert len(problems) == 1, problems
    assert problems[0].split(": ", 1)[1].startswith(expected), problems


NUMBER_CASES = [
    ("rate_limit = 0.001", "site.rate_limit: expected a number of requests per second from 0.1 to 10,000 (0: no limit), got 0.001"),
    ("rate_limit = 1e-300", "site.rate_limit: expected a number of requests per second from 0.1 to 10,000 (0: no limit), got 1e-300"),
    ("rate_limit = nan", "site.rate_limit: expected a number of requests per second from 0.1 to 10,000 (0: no limit), got nan"),
    ("rate_limit = inf", "site.rate_limit: expected a number of requests per second from 0.1 to 10,000 (0: no limit), got inf"),
    ("timeout = nan", "site.timeout: expected a number of seconds from 0.1 to 600, got nan"),
    ("max_pages = 100000000000", "site.max_pages: expected a positive integer up to 10,000,000, got 100000000000"),
    ("max_page_bytes = 10000000000000", "site.max_page_bytes: expected a positive integer up to 1,073,741,824, got 10000000000000"),
    ('page_limits = {"/a/**" = 100000000000}', "site.page_limits./a/**: expected a page count (an integer from 0 to 10,000,000), got 100000000000"),
]


@pytest.mark.parametrize("line, expected", NUMBER_CASES, ids=[c[0] for c in NUMBER_CASES])
def test_numbers_have_sane_ranges(site_dir: Path, line: str, expected: str) -> None:
    path = site_dir / "linkrules.toml"
    path.write_text(f'[site]\nurl = "http://127.0.0.1:8000"\n{line}\n{RULES}')
    assert [p.split(": ", 1)[1] for p in problems_of(path)] == [expected]


def test_a_rule_number_option_refuses_nan(site_dir: Path) -> None:
    path = site_dir / "linkrules.toml"
    path.write_text('[site]\nroot = "public"\n[rules.no-orphans]\n[rules.max-depth]\nmax = 3\n')
    registry = builtin_registry()
    number_options = [
        (rule_id, opt.name)
        for rule_id, rule in registry.items()
        for opt in rule.all_options()
        if (getattr(opt.convert, "schema", None) or {}).get("type") == "number"
    ]
    assert number_options, "no rule takes a number option: nothing to check"
    rule_id, name = number_options[0]
    path.write_text(f'[site]\nroot = "public"\n[rules.{rule_id}]\n{name} = nan\n')
    problems = problems_of(path)
    assert any(f"rules.{rule_id}.{name}: expected a number, got nan" in p for p in problems), problems
