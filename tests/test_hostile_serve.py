"""The throwaway server a folder is rendered through streams files and applies site.max_page_bytes.

A 4 GB sparse file in the site used to be read whole into memory when the
browser (or a page's script) asked for it. The server runs in a child process
that reports how much serving raised its own peak RSS (the imports before it
vary with what the package loads), so the figure is the server's alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Peak RSS as VmHWM, this process's own: ru_maxrss keeps the test worker's peak across exec.
CHILD = """
import json, re, sys, urllib.request, urllib.error
from pathlib import Path
from pytest_linkrules.crawl.serve import serve_folder

def peak_mb():
    return int(re.search(r"VmHWM:\\s*(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024

out = {}
before = peak_mb()  # after the imports, whatever they cost
with serve_folder(Path(sys.argv[1]), max_bytes=int(sys.argv[2])) as origin:
    for name in ("huge.html", "big.js", "ok.js"):
        try:
            with urllib.request.urlopen(origin + "/" + name, timeout=30) as answer:
                out[name] = [answer.status, len(answer.read())]
        except urllib.error.HTTPError as exc:
            out[name] = [exc.code, 0]
out["rss_mb"] = peak_mb() - before
print(json.dumps(out))
"""


def test_large_files_are_refused_and_others_streamed(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text("<script src='/big.js'></script>")
    with open(root / "huge.html", "wb") as fh:
        fh.truncate(4 * 1024**3)  # sparse: 4 GB that cost no disk
    (root / "big.js").write_bytes(b"/" * (3 * 1024 * 1024))
    (root / "ok.js").write_bytes(b"x" * (900 * 1024))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(1024 * 1024)], capture_output=True, text=True, timeout=120, env=os.environ.copy()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["huge.html"] == [413, 0], out
    assert out["big.js"] == [413, 0], out
    assert out["ok.js"] == [200, 900 * 1024], out  # under the limit: served whole, in chunks
    # What serving added to the peak: a file read whole would add its 4 GB (or the 3 MB one its size).
    assert out["rss_mb"] < 100, out
