"""The crawl keeps glibc from handing each parsed page's memory back (crawl/allocator.py).

Measured by page faults, not time: with the default trim threshold, each
parse of a page faulted its tree back in (about 90 minor faults per page
here, half the extraction's CPU); with the threshold raised there are none.
Each check runs in a fresh interpreter, since the setting is per process and
can't be undone.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="the trim threshold is a glibc setting"
)

# Pages of ~30 KB held in memory, then parsed one after another: the pattern
# of a crawl worker, and one where glibc's default trimming faults every page.
FAULTS_PER_PAGE = """
import resource, sys
from pytest_linkrules.crawl.extract import extract

def page(i):
    nav = "".join(f'<li><a href="/section/{j}/">Section {j}</a></li>' for j in range(20))
    body = "".join(f'<p>Paragraph {k} of page {i}, <a href="/post/{i * 7 + k}/">a link</a> and text.</p>' for k in range(300))
    return f"<html><head><title>Page {i}</title></head><body><nav>{nav}</nav><main>{body}</main></body></html>".encode()

SETUP
docs = [page(i) for i in range(300)]
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for doc in docs:
    extract(doc)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / len(docs))
"""


def faults_per_page(setup: str) -> float:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    code = FAULTS_PER_PAGE.replace("SETUP", setup)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip().splitlines()[-1])


def test_parsing_does_not_fault_memory_back_in() -> None:
    setup = "from pytest_linkrules.crawl.allocator import keep_freed_memory\nassert keep_freed_memory() and keep_freed_memory()"
    assert faults_per_page(setup) < 5


def test_the_folder_crawl_sets_it_in_the_process_that_parses(tmp_path: Path) -> None:
    # A small site is crawled in this process (no worker pool), as the
    # folder crawl's own initializer sets it up.
    (tmp_path / "index.html").write_text('<a href="/a.html">a</a>')
    (tmp_path / "a.html").write_text('<a href="/">home</a>')
    setup = (
        "from pathlib import Path\nfrom pytest_linkrules.crawl.folder import crawl_folder\n"
        f"pages, _ = crawl_folder(Path({str(tmp_path)!r}), workers=1)\nassert len(pages) == 2"
    )
    assert faults_per_page(setup) < 5
