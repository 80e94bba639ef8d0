"""Ctrl-C (SIGINT) or a CI runner's SIGTERM in the middle of a rendered crawl
leaves no Chromium behind.

pytest runs in a subprocess on a site whose pages never settle, so the crawl is
certainly still rendering when the signal arrives; the browser's processes
are found by walking /proc from the pytest process, and must all be gone
shortly after it exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.browsers import needs_browser

pytestmark = [
    needs_browser,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds child processes through /proc (Linux)"),
]

BUSY = (
    "<script>let n = 0; setInterval(() => { document.body.dataset.n = n++;"
    ' document.body.appendChild(document.createElement("i")); }, 20);</script>'
)


def _parents() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def descendants(pid: int) -> list[int]:
    kids, out, todo = _parents(), [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


@pytest.mark.timeout(180)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_no_browser_survives_an_interrupted_crawl(tmp_path: Path, sig: signal.Signals) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(40)) + BUSY)
    for i in range(40):
        (site / f"p{i}.html").write_text(f'<a href="/">home</a>{BUSY}')
    (tmp_path / "linkrules.toml").write_text('[site]\nroot = "site"\nrender = "always"\ntimeout = 5\n[rules.no-orphans]\n')

    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--linkrules", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        browser: list[int] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(browser) < 3:
            time.sleep(0.2)
            browser = [p for p in descendants(proc.pid) if "chrom" in name(p)]
        assert len(browser) >= 3, "Chromium never started"
        time.sleep(1.5)  # pages are rendering now
        family = descendants(proc.pid)
        assert proc.poll() is None, "the crawl ended before the signal"
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(p) for p in family):
            time.sleep(0.2)
        left = [(p, name(p)) for p in family if alive(p)]
        assert left == [], f"processes left after {sig.name}: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
