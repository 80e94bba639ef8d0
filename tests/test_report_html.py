"""pytest-html reports: evidence per failing page, site summary, escaping, in a real browser."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FAILING = {
    "linkrules.toml::max-depth[/blog/old/]",
    "linkrules.toml::min-inlinks[/guides/seo/]",
    "linkrules.toml::no-orphans[/lost/]",
}


def report_data(path: Path) -> dict:
    """The rows pytest-html keeps as JSON in the page's data-jsonblob attribute."""
    text = path.read_text(encoding="utf-8")
    blob = re.search(r'data-jsonblob="([^"]*)"', text)
    assert blob, "no data-jsonblob in the report"
    return json.loads(html.unescape(blob.group(1)))


def html_extras(data: dict, nodeid: str) -> list[str]:
    return [x["content"] for row in data["tests"][nodeid] for x in row["extras"] if x["format_type"] == "html"]


@pytest.fixture
def site(pytester: pytest.Pytester, sites: Path) -> Path:
    shutil.copytree(sites / "reports", pytester.path, dirs_exist_ok=True)
    return pytester.path


def test_failing_pages_carry_their_evidence(pytester: pytest.Pytester, site: Path) -> None:
    result = pytester.runpytest("--linkrules", "--html=report.html", "--self-contained-html")
    result.assert_outcomes(failed=3, passed=4)
    data = report_data(site / "report.html")
    assert {nodeid for nodeid in data["tests"] if html_extras(data, nodeid)} == FAILING

    (deep,) = html_extras(data, "linkrules.toml::max-depth[/blog/old/]")
    assert "/blog/old/ is 4 clicks from the start page, max is 3 (max-depth)" in deep
    path = re.findall(r"<li><code>([^<]*)</code>", deep)
    assert path == ["/", "/blog/", "/blog/a/", "/blog/b/", "/blog/old/"]
    assert "<tr><td><code>max</code></td><td><code>3</code></td></tr>" in deep  # the rule's options
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="linkrules-neighbourhood"' in deep
    assert "<b>Fix:</b> Link to it from a page at depth 2 or less" in deep

    (weak,) = html_extras(data, "linkrules.toml::min-inlinks[/guides/seo/]")
    inlinks, _, suggested = weak.partition("<h4>Add a link to it on one of these pages (best first)</h4>")
    rows = re.findall(r"<tr><td><code>(/[^<]*)</code>.*?</td><td>(.*?)</td><td>(\w+)", inlinks)
    assert rows == [
        ("/guides/", "&lt;img src=x onerror=alert(2)&gt;", "content"),
        ("/lost/", "SEO", "content"),
    ]
    # The orphan's title, shown beside it as a linking page, is text, not markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in weak
    # Then the pages to add a link on, with why (suggest.py).
    assert re.findall(r"<tr><td><code>(/[^<]*)</code>", suggested) and "depth " in suggested
    for extra in html_extras(data, "linkrules.toml::min-inlinks[/guides/seo/]") + html_extras(data, "linkrules.toml::no-orphans[/lost/]"):
        assert "<script" not in extra and "<img" not in extra


def test_summary_shows_site_figures_and_depth_histogram(pytester: pytest.Pytester, site: Path) -> None:
    pytester.runpytest("--linkrules", "--html=report.html")
    text = (site / "report.html").read_text(encoding="utf-8")
    summary = text[text.index('<div class="linkrules-summary">') :]
    summary = summary[: summary.index("</svg>")]
    figures = dict(re.findall(r"<tr><th>([^<]+)</th><td>(.*?)</td></tr>", summary))
    assert figures["Pages"] == "8"
    assert figures["Max click depth"] == "4"
    assert figures["Orphans (not reachable)"] == "1"
    assert figures["Render mode"].startswith("static")
    assert re.findall(r"<tr><td><code>([\w-]+)</code></td><td>(\d+)</td><td></td></tr>", summary) == [
        ("max-depth", "1"),
        ("min-inlinks", "1"),
        ("no-orphans", "1"),
    ]
    # One bar per depth 0..4 and one for unreachable pages; depth 4 is over max = 3.
    tips = re.findall(r"<title>([^<]+)</title><rect[^>]*fill=\"(#\w+)\"", summary)
    assert tips == [
        ("depth 0: 1 pages", "#1f5fa8"),
        ("depth 1: 2 pages", "#1f5fa8"),
        ("depth 2: 2 pages", "#1f5fa8"),
        ("depth 3: 1 pages", "#1f5fa8"),
        ("depth 4: 1 pages", "#c62828"),
        ("not reachable: 1 pages", "#c62828"),
    ]


def test_without_html_the_plugin_registers_no_html_hooks(pytester: pytest.Pytester, site: Path) -> None:
    pytester.makeconftest(
        "def pytest_collection_finish(session):\n"
        "    assert session.config.pluginmanager.get_plugin('linkrules-html') is None\n"
    )
    result = pytester.runpytest("--linkrules")
    result.assert_outcomes(failed=3, passed=4)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs the system Chromium at /usr/bin/chromium")
def test_report_opens_in_chromium_with_no_script_run(pytester: pytest.Pytester, site: Path, tmp_path: Path) -> None:
    # A page whose very URL is markup: pytest-html puts test ids into the page unescaped.
    evil = site / "public" / "<img src=x onerror=alert(3)>.html"
    evil.write_text("<title>x</title><p>lost</p>", encoding="utf-8")
    result = pytester.runpytest("--linkrules", "--html=report.html", "--self-contained-html")
    result.assert_outcomes(failed=4, passed=4)

    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto((site / "report.html").as_uri())
            page.wait_for_selector(".linkrules-evidence")
            evidence = page.locator(".linkrules-evidence")
            assert evidence.count() == 4
            pictures = page.locator("svg.linkrules-neighbourhood")
            assert pictures.count() == 4
            for k in range(4):
                pictures.nth(k).scroll_into_view_if_needed()
                assert pictures.nth(k).is_visible()
                box = pictures.nth(k).bounding_box()
                assert box is not None and box["width"] > 300 and box["height"] > 100
            assert page.locator("svg.linkrules-depths").is_visible()
            # The escaped strings show as text.
            assert page.get_by_text("<img src=x onerror=alert(2)>", exact=True).count() == 1
            assert page.locator("td.col-testId", has_text="no-orphans[/<img src=x onerror=alert(3)>.html]").count() == 1
            assert page.locator(".linkrules-evidence img, .extraHTML script").count() == 0
            page.wait_for_timeout(300)  # let any injected handler fire
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == []
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_junitxml_carries_rule_page_and_figures(pytester: pytest.Pytester, site: Path) -> None:
    import xml.etree.ElementTree as ET

    pytester.runpytest("--linkrules", "--junitxml=junit.xml")
    root = ET.parse(site / "junit.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["max-depth[/blog/old/]"].iter("property")}
    assert props["rule"] == "max-depth" and props["page"] == "/blog/old/"
    assert props["depth"] == "4" and props["max"] == "3" and props["inlinks"] == "1"
    assert 0 < float(props["link_score"]) < 1
    orphan = {p.get("name"): p.get("value") for p in cases["no-orphans[/lost/]"].iter("property")}
    assert orphan["depth"] == "unreachable" and orphan["inlinks"] == "0"


def test_pages_breaking_a_warning_rule_get_evidence_too(pytester: pytest.Pytester, site: Path) -> None:
    toml = site / "linkrules.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[rules.no-orphans]", '[rules.no-orphans]\nseverity = "warning"'), encoding="utf-8")
    result = pytester.runpytest("--linkrules", "--html=report.html")
    result.assert_outcomes(failed=2, passed=5, warnings=1)
    data = report_data(site / "report.html")
    assert {nodeid for nodeid in data["tests"] if html_extras(data, nodeid)} == FAILING
    text = (site / "report.html").read_text(encoding="utf-8")
    # The summary counts failing pages only.
    assert re.findall(r"<tr><td><code>([\w-]+)</code></td><td>(\d+)</td><td></td></tr>", text) == [("max-depth", "1"), ("min-inlinks", "1")]


def test_past_the_picture_cap_evidence_is_compact(pytester: pytest.Pytester, site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    # The module the plugin will import (pytester's in-process runs reset sys.modules).
    html_report = importlib.import_module("pytest_linkrules.report.html")
    monkeypatch.setattr(html_report, "MAX_PICTURES_PER_RULE", 0)
    pytester.runpytest("--linkrules", "--html=report.html")
    data = report_data(site / "report.html")
    (weak,) = html_extras(data, "linkrules.toml::min-inlinks[/guides/seo/]")
    assert "<svg" not in weak and "SEO guide" not in weak  # no picture, no titles
    inlinks = weak.partition("<h4>Add a link to it on one of these pages")[0]
    assert re.findall(r"<tr><td><code>(/[^<]*)</code></td>", inlinks) == ["/guides/", "/lost/"]
    assert "<b>Fix:</b>" in weak


def test_past_the_evidence_cap_a_failure_keeps_its_row_and_text(pytester: pytest.Pytester, site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    html_report = importlib.import_module("pytest_linkrules.report.html")
    monkeypatch.setattr(html_report, "MAX_EVIDENCE_PER_RULE", 0)
    pytester.runpytest("--linkrules", "--html=report.html")
    data = report_data(site / "report.html")
    assert not any(html_extras(data, nodeid) for nodeid in FAILING)
    assert FAILING <= set(data["tests"])  # every failing page has its row, with its text in the log
    text = (site / "report.html").read_text(encoding="utf-8")
    assert "Evidence tables for the first 0 failing pages of each rule (max-depth, min-inlinks, no-orphans have more)" in text
