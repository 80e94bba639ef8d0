"""Two installs of pytest-linkrules, run after run: which starts faster on the same site.

bench_start.py times one install at a time, and on a shared machine the
host drifts more between two of its series (a plain pytest run took 0.20 s
and 0.35 s in the same hour) than a change to the start moves them. This
script alternates the two, run by run (A B, B A, ...), each run a fresh
``pytest --linkrules`` as CI runs it (``render = "never"`` with
start-green.toml's rule, ``-p no:cacheprovider``), and prints the median of
the paired differences. Each pair also times each install's crawl alone
(its own checkout's ``benchmarks/_crawl_alone.py``) and a plain one-test
pytest run, so "beyond the crawl" is per run and the host's speed is on the
same line. "Beyond both" takes the plain run from that too: what the plugin
itself adds, which moves far less with the host's load than pytest's own
start does (0.20 s on a quiet host, 0.35 s on a busy one).

Usage (two venvs made by ``pip install`` of two checkouts):
    python benchmarks/bench_start_pairs.py /tmp/s1k --pairs 40 \\
        --a /tmp/venv-base/bin/python /tmp/base-worktree --b /tmp/venv-head/bin/python .
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _start_project import green_project  # benchmarks/, this script's folder

PYTEST = ["-m", "pytest", "-p", "no:randomly", "--tb=no", "-rN", "-p", "no:cacheprovider"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--a", nargs=2, metavar=("PYTHON", "CHECKOUT"), required=True, help="the base: a venv's python and the checkout it was installed from")
    parser.add_argument("--b", nargs=2, metavar=("PYTHON", "CHECKOUT"), required=True, help="the change, likewise")
    args = parser.parse_args()
    installs = {"A": args.a, "B": args.b}
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        env = green_project(args.site, project)
        (project / "plain").mkdir()
        (project / "plain" / "test_one.py").write_text("def test_one():\n    pass\n")

        def timed(cmd: list[str]) -> tuple[float, str]:
            began = time.perf_counter()
            done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
            if done.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
            return time.perf_counter() - began, done.stdout

        def run(name: str) -> tuple[float, float, float]:
            python, checkout = installs[name]
            wall = timed([python, *PYTEST, "--linkrules"])[0]
            alone = float(timed([python, str(Path(checkout) / "benchmarks" / "_crawl_alone.py"), "linkrules.toml"])[1])
            plain = timed([python, *PYTEST, "-p", "no:linkrules", "plain/test_one.py"])[0]
            return wall, alone, plain

        for name in installs:  # warm: .pyc files, the page cache
            run(name)
        runs: dict[str, list[tuple[float, float, float]]] = {"A": [], "B": []}
        for i in range(args.pairs):
            for name in ("A", "B") if i % 2 == 0 else ("B", "A"):
                runs[name].append(run(name))
    med = statistics.median
    for name, rows in runs.items():
        print(
            f"{name}: wall {med(r[0] for r in rows):.3f} s, crawl alone {med(r[1] for r in rows):.3f} s, "
            f"beyond it {med(r[0] - r[1] for r in rows):.3f} s (median per run), plain pytest {med(r[2] for r in rows):.3f} s; "
            f"beyond both (the plugin's own share) {med(r[0] - r[1] - r[2] for r in rows):.3f} s"
        )
    walls = [b[0] - a[0] for a, b in zip(runs["A"], runs["B"])]
    beyond = [(b[0] - b[1]) - (a[0] - a[1]) for a, b in zip(runs["A"], runs["B"])]
    print(f"B - A, paired: wall {med(walls):+.3f} s (mean {statistics.mean(walls):+.3f}), beyond the crawl alone {med(beyond):+.3f} s")
    print("B beyond the crawl alone, run by run: " + " ".join(f"{r[0] - r[1]:.2f}" for r in runs["B"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
