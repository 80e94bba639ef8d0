"""A crawl begun before its result is wanted (crawl.StartedCrawl, folder.FolderParse), and numpy kept out of its way.

pytest-linkrules begins the first config's crawl before it imports numpy and
the modules that build the graph, so a folder's parse workers run while those
imports do; these tests hold what that must not change: the same pages, errors
where crawl_site raised them, no worker left behind, and the same "<" count
with or without numpy.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers.sitebuilder import chain_with_faults
from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import CrawlError, StartedCrawl, crawl_site
from pytest_linkrules.crawl import extract, folder, nesting

REPO = Path(__file__).resolve().parent.parent


def many_pages(root: Path, n: int) -> Path:
    """n pages in a ring, each linking to the next and to a missing page now and then."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        gone = f'<a href="/gone-{i}.html">gone</a>' if i % 50 == 0 else ""
        (root / f"p{i}.html").write_text(f'<title>p{i}</title><a href="p{(i + 1) % n}.html">next</a>{gone}')
    (root / "index.html").write_text('<a href="p0.html">start</a>')
    return root


def python(code: str, **env: str) -> str:
    """code run by a fresh interpreter, where nothing has imported numpy yet; its standard output."""
    run_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT", "GOTO_THREAD_TIMEOUT")}
    run_env.update(env, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=run_env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("pages", [30, folder.PARALLEL_THRESHOLD + 20])  # parsed here, and by worker processes
def test_a_started_crawl_gives_what_crawl_site_gives(tmp_path: Path, pages: int) -> None:
    site = SiteConfig(root=many_pages(tmp_path / "site", pages), render="never")
    started = StartedCrawl(site)
    result = started.result()
    fresh = crawl_site(site)
    assert len(result.pages) == pages + 1
    assert result.pages == fresh.pages
    assert (result.starts, result.source, result.render, result.notes) == (fresh.starts, fresh.source, fresh.render, fresh.notes)
    started.close()  # after result(): nothing left to stop
    assert multiprocessing.active_children() == []


def test_the_whole_crawl_cache_is_looked_up_when_the_crawl_begins(tmp_path: Path) -> None:
    site = SiteConfig(root=chain_with_faults(tmp_path / "site"), render="never")
    cache = tmp_path / "cache"
    first = StartedCrawl(site, cache_dir=cache).result()
    again = StartedCrawl(site, cache_dir=cache).result()
    assert again.pages == first.pages
    assert any("reused whole" in note for note in again.notes)


def test_errors_are_raised_by_result_not_when_the_crawl_begins(tmp_path: Path) -> None:
    missing = StartedCrawl(SiteConfig(root=tmp_path / "nowhere", render="never"))
    with pytest.raises(CrawlError, match="nowhere"):
        missing.result()
    (tmp_path / "empty").mkdir()
    with pytest.raises(CrawlError, match="contains no .html or .htm pages"):
        StartedCrawl(SiteConfig(root=tmp_path / "empty", render="never")).result()


def test_closing_a_crawl_never_taken_stops_its_workers(tmp_path: Path) -> None:
    """A run that ends between the start and the result (an error, an interrupt) leaves no process behind."""
    root = many_pages(tmp_path / "site", folder.PARALLEL_THRESHOLD * 3)
    started = StartedCrawl(SiteConfig(root=root, render="never"))
    assert multiprocessing.active_children() != []  # the workers are parsing
    started.close()
    assert multiprocessing.active_children() == []


def test_a_small_folder_is_parsed_before_numpy_is_imported_a_large_one_after(tmp_path: Path) -> None:
    """The workers start at once on a small folder; on a large one they inherit numpy, to count with it."""
    many_pages(tmp_path / "small", folder.PARALLEL_THRESHOLD + 20)
    many_pages(tmp_path / "large", 700)
    out = python(
        f"""
        import json, sys
        from pathlib import Path
        from pytest_linkrules.config import SiteConfig
        from pytest_linkrules.crawl import StartedCrawl, folder
        folder.NUMPY_BEFORE_WORKERS = 600
        seen = {{}}
        for name in ("small", "large"):
            started = StartedCrawl(SiteConfig(root=Path({str(tmp_path)!r}) / name, render="never"))
            seen[name] = "numpy" in sys.modules
            seen[name + " pages"] = len(started.result().pages)
        print(json.dumps(seen))
        """
    )
    assert json.loads(out) == {"small": False, "small pages": folder.PARALLEL_THRESHOLD + 21, "large": True, "large pages": 701}


@pytest.mark.parametrize("tags", [0, 1, extract.MAX_NESTING - 1, extract.MAX_NESTING, extract.MAX_NESTING + 1, 3 * extract.MAX_NESTING])
def test_the_tag_count_is_the_same_with_and_without_numpy(monkeypatch: pytest.MonkeyPatch, tags: int) -> None:
    data = ("<p>é" * tags + "x" * 5000).encode()
    with_numpy = nesting.tags_at_most(data, extract.MAX_NESTING)
    monkeypatch.delitem(sys.modules, "numpy")  # as in a worker forked before numpy was imported
    without = nesting.tags_at_most(data, extract.MAX_NESTING)
    assert with_numpy == without == (tags <= extract.MAX_NESTING)


SPY = """
import os, sys
seen = []

class Spy:  # notes what the environment says when numpy is being imported
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            seen.append(os.environ.get("OPENBLAS_THREAD_TIMEOUT"))
        return None

sys.meta_path.insert(0, Spy())
"""


def test_numpy_is_imported_with_a_short_openblas_spin_and_the_environment_put_back() -> None:
    out = python(
        SPY
        + """
from pytest_linkrules.quiet_numpy import SPIN, import_numpy
np = import_numpy()
print(seen == [SPIN], "OPENBLAS_THREAD_TIMEOUT" in os.environ, np is sys.modules["numpy"])
"""
    )
    assert out.split() == ["True", "False", "True"]


@pytest.mark.parametrize("name", ["OPENBLAS_THREAD_TIMEOUT", "GOTO_THREAD_TIMEOUT"])
def test_a_spin_the_user_set_is_left_alone(name: str) -> None:
    out = python(
        SPY
        + f"""
from pytest_linkrules.quiet_numpy import import_numpy
import_numpy()
print(seen, os.environ[{name!r}])
""",
        **{name: "12"},
    )
    expected = "['12'] 12" if name == "OPENBLAS_THREAD_TIMEOUT" else "[None] 12"
    assert out.strip() == expected


def test_a_linkrules_run_leaves_no_openblas_setting_to_the_tests_it_runs(pytester: pytest.Pytester) -> None:
    """The user's own tests in the same session (and what they start) see the environment they had."""
    many_pages(pytester.path / "public", 20)
    pytester.makefile(".toml", linkrules='[site]\nroot = "public"\nstart = ["/"]\nrender = "never"\n\n[rules.no-orphans]\n')
    pytester.makepyfile(
        test_env=(
            "import os, sys\n"
            "def test_env():\n"
            "    assert 'numpy' in sys.modules\n"
            "    assert 'OPENBLAS_THREAD_TIMEOUT' not in os.environ\n"
        )
    )
    env_before = os.environ.pop("OPENBLAS_THREAD_TIMEOUT", None)
    try:
        result = pytester.runpytest_subprocess("--linkrules", "-p", "no:randomly", "-p", "no:cacheprovider")
    finally:
        if env_before is not None:
            os.environ["OPENBLAS_THREAD_TIMEOUT"] = env_before
    result.assert_outcomes(passed=3)  # the crawl, no-orphans, test_env


SESSION_ORDER = '''
import pytest

seen = []


def pytest_sessionstart(session):
    # An ordinary session-start hook, as pytest's own fixture manager has: it
    # runs after the crawl began and before the crawl is taken.
    state = session.config.stash[__import__("pytest_linkrules.stash").stash.STATE_KEY]
    seen.append((state.started is not None, len(state.analyses)))


def pytest_report_header(config):
    state = config.stash[__import__("pytest_linkrules.stash").stash.STATE_KEY]
    return [f"seen at session start: {seen}; analysed by the header: {len(state.analyses)}"]
'''


def test_the_crawl_runs_through_pytests_session_set_up_and_is_taken_before_the_header(pytester: pytest.Pytester) -> None:
    """Begun in the first session-start hook, taken in the last but the terminal's: the header still reports it."""
    many_pages(pytester.path / "public", folder.PARALLEL_THRESHOLD + 20)
    pytester.makefile(".toml", linkrules='[site]\nroot = "public"\nstart = ["/"]\nrender = "never"\n\n[rules.no-orphans]\n')
    pytester.makeconftest(SESSION_ORDER)
    result = pytester.runpytest_subprocess("--linkrules", "-p", "no:randomly", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["seen at session start: [(True, 0)]; analysed by the header: 1"])
    result.stdout.fnmatch_lines(["linkrules: linkrules.toml: folder public, 421 pages*"])
    result.assert_outcomes(passed=2)  # the crawl and no-orphans


def test_a_session_start_that_fails_after_the_crawl_began_stops_its_workers(pytester: pytest.Pytester) -> None:
    """Another plugin's session start fails between the crawl's start and its taking: the workers go with the session."""
    many_pages(pytester.path / "public", folder.PARALLEL_THRESHOLD + 20)
    pytester.makefile(".toml", linkrules='[site]\nroot = "public"\nstart = ["/"]\nrender = "never"\n\n[rules.no-orphans]\n')
    pytester.makeconftest("def pytest_sessionstart(session):\n    raise RuntimeError('a plugin failed at session start')\n")
    before = multiprocessing.active_children()
    result = pytester.runpytest_inprocess("--linkrules", "-p", "no:randomly", "-p", "no:cacheprovider")
    assert result.ret != 0
    assert "a plugin failed at session start" in result.stdout.str() + result.stderr.str()
    assert multiprocessing.active_children() == before
