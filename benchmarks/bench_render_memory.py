"""Memory of a large rendered crawl in the pytest process: generated pages whose script adds a per-page link.

Generates the benchmark blog (generate_site.py), gives every page a script
that adds a link whose anchor depends on the page's URL (so no one
difference fits the template and auto must render, not infer), and runs
``pytest --linkrules`` in a fresh process with pytest.main, reporting that
process's own peak RSS (Chromium's processes are not in it), wall and CPU,
and how many pages were rendered.

Usage:
    python benchmarks/bench_render_memory.py                      # 30,000 pages, default render_budget
    python benchmarks/bench_render_memory.py --budget 30000       # render every page
    python benchmarks/bench_render_memory.py --size 5000 --budget 5000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_site import generate  # noqa: E402

# A link to the page itself whose anchor is a hash of its path: a different
# link on every page, so no one difference fits and each page is rendered.
SCRIPT = """<script>document.addEventListener('DOMContentLoaded', function () {
var h = 0, p = location.pathname; for (var i = 0; i < p.length; i++) h = (h * 31 + p.charCodeAt(i)) % 9973;
var a = document.createElement('a'); a.href = p; a.textContent = 'Picked ' + h;
document.querySelector('body').appendChild(a); });</script></head>"""

CHILD = """
import json, resource, sys, time
import pytest
t = time.perf_counter(); c = time.process_time()
code = pytest.main(sys.argv[2:])
print("RESULT " + json.dumps({"code": int(code), "wall": time.perf_counter() - t, "cpu": time.process_time() - c,
      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=30_000)
    parser.add_argument("--budget", type=int, default=None, help="site.render_budget (default: the project's default)")
    parser.add_argument("--keep", type=Path, help="build the site here and keep it (reused when present)")
    opts = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = opts.keep or Path(tmp) / "site"
        if not (root / "index.html").exists():
            t0 = time.perf_counter()
            generate(opts.size, root, seed=1)
            for path in root.rglob("*.html"):
                path.write_text(path.read_text(encoding="utf-8").replace("</head>", SCRIPT, 1), encoding="utf-8")
            print(f"site: {opts.size:,} pages with a script, built in {time.perf_counter() - t0:.0f} s")
        work = Path(tmp) / "run"
        work.mkdir()
        budget = f"render_budget = {opts.budget}\n" if opts.budget else ""
        (work / "linkrules.toml").write_text(f'[site]\nroot = "{root}"\n{budget}\n[rules.max-outlinks]\nmax = 100000\n')
        args = ["--linkrules", "-p", "no:cacheprovider", "-p", "no:randomly", "--tb=line"]
        done = subprocess.run([sys.executable, "-c", CHILD, "--", *args], cwd=work, capture_output=True, text=True)
        result = json.loads(next(line[7:] for line in done.stdout.splitlines() if line.startswith("RESULT ")))
        header = next((line for line in done.stdout.splitlines() if "render:" in line), "")
        print(f"pytest --linkrules: exit {result['code']}, {result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU in the pytest process, "
              f"{result['rss_mb']:.0f} MB peak RSS of the pytest process")
        print("  " + header[header.index("render:"):][:300] if header else "  (no header line)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
