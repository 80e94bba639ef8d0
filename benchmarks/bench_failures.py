"""Many failing pages: `pytest --linkrules` on a site where most pages are orphans.

Writes (once) a small-page site of ``--pages`` pages where the home page
links to the first ``--pages - --orphans`` pages only, so every other page
is an orphan (`no-orphans` fails once per orphan); each orphan links to its
neighbours, so orphans have links but no reachable inlinks, as after a
redesign that dropped a section's index. Then runs pytest on it in a fresh
process, as CI would, with pytest's default options (traceback style,
``-rfE`` short summary) plus whatever follows ``--``, and prints wall, CPU
and the crawl time the report header states: the target is wall <= crawl +
30 s.

Usage:
    python benchmarks/bench_failures.py                      # 32,000 pages, 30,000 orphans, /tmp/linkrules-orphans
    python benchmarks/bench_failures.py --repeat 3 -- --junitxml=/tmp/j.xml
    python benchmarks/bench_failures.py --pages 2000 --orphans 1500 -- --linkrules-max-shown=all
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _args import split_extra  # benchmarks/, this script's folder

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><nav><a href="/">Home</a></nav>
<main><h1>{title}</h1><p>Page {n} of a generated section.</p>
{links}
</main></body></html>
"""

CONFIG = """# Written by benchmarks/bench_failures.py: {orphans} of {pages} pages are orphans.
[site]
root = "."
start = ["/"]
render = "never"

[rules.no-orphans]

[rules.no-broken-links]
"""


def generate(out: Path, pages: int, orphans: int) -> None:
    """The site, written once: its pages are the same for the same numbers."""
    stamp = out / ".generated"
    want = f"{pages} {orphans} v2"
    if stamp.exists() and stamp.read_text() == want:
        return
    linked = pages - orphans - 1  # the home page is page 0
    assert linked >= 0, "--orphans must be smaller than --pages"
    (out / "p").mkdir(parents=True, exist_ok=True)
    home = "\n".join(f'<a href="/p/{i}.html">Page {i}</a>' for i in range(1, linked + 1))
    (out / "index.html").write_text(PAGE.format(title="Home", n=0, links=home))
    for i in range(1, pages):
        # Neighbours on the same side of the cut: no reachable page links to an orphan.
        near = [j for j in (i - 1, i + 1) if 1 <= j < pages and (j <= linked) == (i <= linked)]
        links = "\n".join(f'<a href="/p/{j}.html">Next {j}</a>' for j in near)
        (out / "p" / f"{i}.html").write_text(PAGE.format(title=f"Page {i}", n=i, links=links))
    (out / "linkrules.toml").write_text(CONFIG.format(pages=pages, orphans=orphans))
    (out / "pytest.ini").write_text("[pytest]\n")
    stamp.write_text(want)


def run_once(site: Path, extra: list[str]) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env.pop("GITHUB_ACTIONS", None)  # as on a developer's machine, unless the caller sets it in extra env
    cmd = [sys.executable, "-m", "pytest", "--linkrules", "-p", "no:randomly", "-p", "no:cacheprovider", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    proc = subprocess.run(cmd, cwd=site, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"pytest failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    crawled = re.search(r"crawled in ([0-9.]+)s", proc.stdout)
    lines = proc.stdout.strip().splitlines()
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "crawl": float(crawled.group(1)) if crawled else float("nan"),
        "summary": lines[-1] if lines else "",
        "lines": len(lines),
        "stdout": proc.stdout,
    }


def main(argv: list[str] | None = None) -> int:
    argv, extra = split_extra(argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=32_000)
    parser.add_argument("--orphans", type=int, default=30_000)
    parser.add_argument("--site", type=Path, default=Path("/tmp/linkrules-orphans"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--show", action="store_true", help="print the last run's terminal output from the summary on")
    args = parser.parse_args(argv)
    generate(args.site, args.pages, args.orphans)
    runs = []
    for k in range(args.repeat):
        r = run_once(args.site, extra)
        runs.append(r)
        print(f"run {k + 1}: wall {r['wall']:.2f}s  CPU {r['cpu']:.2f}s  crawl {r['crawl']:.2f}s  "
              f"wall - crawl {r['wall'] - r['crawl']:.2f}s  terminal lines {r['lines']:,}", flush=True)
    med = statistics.median
    print(f"\n{args.site} ({args.pages:,} pages, {args.orphans:,} orphans), pytest args: {' '.join(extra) or '(defaults)'}")
    print(f"  {runs[0]['summary']}")
    print(f"  median of {len(runs)}: wall {med(r['wall'] for r in runs):.2f}s, CPU {med(r['cpu'] for r in runs):.2f}s, "
          f"crawl {med(r['crawl'] for r in runs):.2f}s, wall - crawl {med(r['wall'] - r['crawl'] for r in runs):.2f}s "
          f"(target <= 30 s)")
    if args.show:
        out = runs[-1]["stdout"]
        at = out.find("linkrules: failing pages")
        print(out[at - 2000 if at > 2000 else 0:] if at >= 0 else out[-4000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
