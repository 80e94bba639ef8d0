"""`pytest --linkrules` end to end on a generated site: wall time and peak RSS per stage.

Runs pytest in a fresh process per repeat, as CI would, on a site made by
generate_site.py, and prints the median of each figure. Stages: extract (read
and parse every page, resolve links), graph (edge arrays, depth, inlinks),
rules (all configured rules), items (collection), run+report (running the
items and the terminal report). "peak MB" is the stage's own high-water mark
in the main process; crawl workers are reported separately.

Usage:
    python benchmarks/bench_plugin.py 10k               # generates benchmarks/sites/10k if missing
    python benchmarks/bench_plugin.py 100k --repeat 3 --site /tmp/site100k
    python benchmarks/bench_plugin.py 10k -- -n 2       # extra pytest arguments after --
    python benchmarks/bench_plugin.py 10k --warm        # re-runs on a filled crawl cache
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _args import split_extra  # benchmarks/, this script's folder

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate_site import SIZES, generate  # noqa: E402

STAGES = ("extract", "graph", "rules", "items", "run+report")


def run_once(site: Path, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        env = dict(os.environ, LINKRULES_BENCH_OUT=str(out))
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE), env.get("PYTHONPATH", "")])
        cmd = [sys.executable, "-m", "pytest", "--linkrules", "-q", "-p", "_stages", *extra]
        began = time.perf_counter()
        proc = subprocess.run(cmd, cwd=site, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - began
        if proc.returncode not in (0, 1) or not out.exists():
            sys.exit(f"pytest failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        figures = json.loads(out.read_text())
        figures["wall"] = wall
        figures["summary"] = proc.stdout.strip().splitlines()[-1]
        return figures


def main(argv: list[str] | None = None) -> int:
    argv, extra = split_extra(argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", help="1k, 10k, 100k or a number of pages")
    parser.add_argument("--site", type=Path, help="site folder (default benchmarks/sites/SIZE; generated if missing)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warm", action="store_true", help="run once untimed first, so every timed run finds the crawl cache filled")
    args = parser.parse_args(argv)
    site = args.site or HERE / "sites" / args.size.lower()
    if not (site / "linkrules.toml").exists():
        n = SIZES.get(args.size.lower()) or int(args.size)
        print(f"generating {n:,} pages into {site} ...", flush=True)
        generate(n, site, args.seed)

    if args.warm:
        print("filling the crawl cache (untimed run) ...", flush=True)
        run_once(site, extra)
    runs = []
    for k in range(args.repeat):
        figures = run_once(site, extra)
        runs.append(figures)
        stages = "  ".join(f"{s} {figures['stages'].get(s, {}).get('seconds', 0):.2f}s" for s in STAGES)
        print(f"run {k + 1}: wall {figures['wall']:.2f}s  CPU {figures['cpu']:.2f}s  peak {figures['peak_mb']:.0f} MB  {stages}",
              flush=True)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(f"\n{site}: {runs[0]['summary']}  ({runs[0]['items']} items)")
    print(f"median of {len(runs)} runs (machine shared with other jobs; treat <20 % differences as ties):")
    print(f"  {'stage':<12}{'wall s':>9}{'CPU s':>9}{'peak MB':>10}")
    for s in STAGES:
        secs = med([r["stages"].get(s, {}).get("seconds", 0.0) for r in runs])
        used = med([r["stages"].get(s, {}).get("cpu", 0.0) for r in runs])
        peak = med([r["stages"].get(s, {}).get("peak_mb", 0.0) for r in runs])
        print(f"  {s:<12}{secs:>9.2f}{used:>9.2f}{peak:>10.0f}")
    print(f"  {'total':<12}{med([r['wall'] for r in runs]):>9.2f}{med([r['cpu'] for r in runs]):>9.2f}"
          f"{med([r['peak_mb'] for r in runs]):>10.0f}   (whole pytest process; CPU includes crawl workers)")
    pages = int(runs[0].get("pages", 0))
    if pages:
        extract_cpu = med([r["stages"]["extract"]["cpu"] for r in runs])
        extract_wall = med([r["stages"]["extract"]["seconds"] for r in runs])
        print(f"  extract: {pages / extract_wall:,.0f} pages/s wall, {pages / extract_cpu:,.0f} pages/s per CPU-second")
    print(f"  crawl workers peak RSS: {med([r['workers_peak_mb'] for r in runs]):.0f} MB each at most")
    return 0


if __name__ == "__main__":
    sys.exit(main())
