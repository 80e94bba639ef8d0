"""A re-run where no file of the site changed loads the last crawl whole; any change crawls again.

``--lf`` and ``-k`` re-runs are the common case: the site is as it was, only
the selection of items differs. They must not read every page again, and they
must never show a stale crawl after a page was added, deleted, touched or
edited, or after the site settings changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.crawlcount import COUNT_CRAWLS
from helpers.crawlcount import crawls as count_crawls
from helpers.sitebuilder import chain_with_faults

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site

RULES = '[site]\nroot = "{root}"\nstart = ["/"]\n[rules.no-orphans]\n[rules.no-broken-links]\n'


WHOLE = "*crawl cache: 0 of {n} pages parsed; no file changed since the last run, so its crawl was reused whole*"


def setup(pytester, root: str = "public") -> Path:
    base = chain_with_faults(pytester.path / root if root != "." else pytester.path)
    pytester.makefile(".toml", linkrules=RULES.format(root=root))
    pytester.makeconftest(COUNT_CRAWLS)
    return base


def crawls(pytester) -> int:
    return len(count_crawls(pytester))


def test_lf_and_k_reruns_load_the_crawl_whole_and_give_the_same_items(pytester):
    setup(pytester)
    first = pytester.runpytest("--linkrules", "-v")
    first.assert_outcomes(failed=7, passed=3)
    assert crawls(pytester) == 1
    ids = sorted(line.split()[0] for line in first.stdout.lines if line.startswith("linkrules.toml::"))

    again = pytester.runpytest("--linkrules", "-v")
    again.stdout.fnmatch_lines([WHOLE.format(n=8)])
    assert crawls(pytester) == 0
    assert sorted(line.split()[0] for line in again.stdout.lines if line.startswith("linkrules.toml::")) == ids

    lf = pytester.runpytest("--linkrules", "--lf")
    lf.stdout.fnmatch_lines([WHOLE.format(n=8)])
    lf.assert_outcomes(failed=7, passed=0)  # only the failures ran
    k = pytester.runpytest("--linkrules", "-k", "orphans")
    k.assert_outcomes(failed=1, passed=1, deselected=8)
    assert crawls(pytester) == 0


def test_added_deleted_touched_and_edited_pages_are_never_served_stale(pytester):
    public = setup(pytester)
    pytester.runpytest("--linkrules").assert_outcomes(failed=7, passed=3)

    (public / "p" / "6").mkdir()
    (public / "p" / "6" / "index.html").write_text('<a href="/">home</a>')  # p/5 linked to it: no longer broken
    result = pytester.runpytest("--linkrules")
    result.stdout.fnmatch_lines(["*crawl cache: 1 of 9 pages parsed, the rest unchanged*"])
    result.stdout.fnmatch_lines(["FAILED linkrules.toml::no-broken-links?/p/5/? - /p/5/ has 1 broken*"])

    (public / "lonely.html").unlink()
    result = pytester.runpytest("--linkrules")
    result.stdout.fnmatch_lines(["*crawl cache: 0 of 8 pages parsed, the rest unchanged*"])
    result.assert_outcomes(failed=6, passed=3)  # no orphan left

    # Same bytes, new mtime (a rebuild): crawled again, parsed from nothing.
    page = public / "p" / "3" / "index.html"
    os.utime(page, ns=(10**18, 10**18))
    pytester.runpytest("--linkrules").stdout.fnmatch_lines(["*crawl cache: 0 of 8 pages parsed, the rest unchanged*"])

    page.write_text(page.read_text().replace("/gone-1/", "/p/0/00"))
    result = pytester.runpytest("--linkrules", "-v")
    result.stdout.fnmatch_lines(["*crawl cache: 1 of 8 pages parsed*"])
    result.stdout.fnmatch_lines(["*no-broken-links?/p/3/?*FAILED*"])
    assert "/p/0/00" in result.stdout.str()

    assert crawls(pytester) == 5  # the first run and one per change
    pytester.runpytest("--linkrules").stdout.fnmatch_lines([WHOLE.format(n=8)])
    assert crawls(pytester) == 0


def test_changed_site_settings_crawl_again_but_changed_rules_do_not(pytester):
    setup(pytester)
    pytester.runpytest("--linkrules")
    assert crawls(pytester) == 1
    config = pytester.path / "linkrules.toml"
    config.write_text(config.read_text().replace("[rules.no-broken-links]", ""))
    result = pytester.runpytest("--linkrules")
    result.stdout.fnmatch_lines([WHOLE.format(n=8)])
    result.assert_outcomes(failed=1, passed=2)
    config.write_text(config.read_text().replace('start = ["/"]', 'start = ["/", "/lonely.html"]'))
    result = pytester.runpytest("--linkrules")
    result.assert_outcomes(passed=2)  # lonely.html is a start page now: not an orphan
    assert crawls(pytester) == 1


def test_site_at_the_rootdir_reuses_its_crawl_although_pytest_writes_its_cache_there(pytester):
    setup(pytester, ".")
    pytester.runpytest("--linkrules").assert_outcomes(failed=7, passed=3)
    result = pytester.runpytest("--linkrules")
    result.stdout.fnmatch_lines([WHOLE.format(n=8)])
    result.assert_outcomes(failed=7, passed=3)
    assert crawls(pytester) == 1


def test_no_cache_option_and_cache_clear(pytester):
    setup(pytester)
    pytester.runpytest("--linkrules")
    pytester.runpytest("--linkrules", "--linkrules-no-cache").assert_outcomes(failed=7, passed=3)
    pytester.runpytest("--linkrules", "--cache-clear").stdout.fnmatch_lines(["*crawl cache: 8 of 8 pages parsed*"])
    assert crawls(pytester) == 3


def pages_of(root: Path, cache: Path | None) -> tuple[dict, list[str]]:
    result = crawl_site(SiteConfig(root=root, render="never"), cache_dir=cache)
    return result.pages, [n for n in result.notes if n.startswith("crawl cache:")]


def test_whole_crawl_equals_a_fresh_crawl_and_a_damaged_one_is_ignored(tmp_path):
    root, cache = tmp_path / "site", tmp_path / "cache"
    chain_with_faults(root)
    fresh, _ = pages_of(root, None)
    assert pages_of(root, cache)[0] == fresh
    whole, notes = pages_of(root, cache)
    assert whole == fresh and "reused whole" in notes[0]
    [stored] = cache.rglob("crawl.pickle")
    data = stored.read_bytes()
    for damaged in (data[: len(data) // 2], data[:64] + os.urandom(200), b"", os.urandom(len(data))):
        stored.write_bytes(damaged)
        pages, notes = pages_of(root, cache)
        assert pages == fresh and "reused whole" not in notes[0]
    assert "reused whole" in pages_of(root, cache)[1][0]  # and it was written afresh


def test_folders_with_symlinks_or_unreadable_pages_are_not_kept_whole(tmp_path):
    root, cache = tmp_path / "site", tmp_path / "cache"
    chain_with_faults(root)
    (root / "again.html").symlink_to(root / "lonely.html")
    for _ in range(2):
        pages, notes = pages_of(root, cache)
        assert "/again.html" in pages and "reused whole" not in notes[0]
    (root / "again.html").unlink()
    (root / "big.html").write_text("x" * 2000)
    config = SiteConfig(root=root, render="never", max_page_bytes=1000)
    for _ in range(2):
        result = crawl_site(config, cache_dir=cache)
        assert result.pages["/big.html"].error
        assert not any("reused whole" in n for n in result.notes)
    assert not list(cache.rglob("crawl.pickle"))


def test_a_crawl_that_lacked_a_browser_is_not_kept_whole(tmp_path, monkeypatch):
    # Installing the browser changes no file of the site, yet the next run must render.
    root, cache = tmp_path / "site", tmp_path / "cache"
    chain_with_faults(root)
    (root / "index.html").write_text('<a href="/p/0/">start</a><script>var analytics = 1;</script>')
    # No browser anywhere: none on PATH, no Playwright download, none named
    # (a browser the user names must start: that is an error, not this case).
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-browsers"))
    monkeypatch.delenv("LINKRULES_BROWSER", raising=False)
    config = SiteConfig(root=root)
    for _ in range(2):
        result = crawl_site(config, cache_dir=cache)
        assert result.render_reason.startswith("pages have scripts but no browser could be started")
        assert not any("reused whole" in n for n in result.notes)
    assert not list(cache.rglob("crawl.pickle"))
