"""What `pytest --linkrules` costs beyond the crawl, and linkinator 6 on the same folder.

For each site folder, interleaved, ``--repeat`` times: ``pytest --linkrules``
(fresh process, as CI runs it) and, if installed, ``npx linkinator FOLDER
--recurse --skip '^https?://(?!localhost|127\.0\.0\.1)'`` (internal links only). For pytest it prints wall, CPU (process and children: the crawl
workers) and the crawl time the report header states; "beyond crawl" is wall
minus that. The same rounds time the crawl alone (benchmarks/_crawl_alone.py:
a process that reads the config and crawls, nothing more); pytest's wall
minus that is the cost beyond the crawl that work done during the crawl's
wait can't hide. The config (written to a temporary folder, the site stays
read-only) checks no-orphans and no-broken-links from the folder's
index.html, with ``render = "never"`` (the static crawl: a site whose
scripts add links is rendered, which is another benchmark). It also prints
this process's own CPU outside the crawl (benchmarks/_startcost.py), the
steady figure on a shared machine, and the cost of loading the plugin in a plain pytest run (``-p no:linkrules`` against
the default), where --linkrules is not given.

Usage:
    python benchmarks/bench_start.py SITE [SITE ...] [--repeat 5] [--linkinator /tmp/lk] [--config TEMPLATE] [-- extra pytest args]
    python benchmarks/bench_start.py /tmp/site1k /work/sites/sphinx-doc/usr/share/doc/sphinx-doc/html
    VENV/bin/python benchmarks/bench_start.py /tmp/site1k --installed --fresh-runner   # a user's first run in CI
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _args import split_extra  # benchmarks/, this script's folder

HERE = Path(__file__).resolve().parent
# linkinator checks external links too; this run compares the internal check only.
LK_SKIP = r"^https?://(?!localhost|127\.0\.0\.1)"
REPO = HERE.parent

CONFIG = """[site]
root = "{root}"
start = ["/"]
render = "never"

[rules.no-orphans]

[rules.no-broken-links]
"""


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout + proc.stderr


def forget_rewritten(env: dict[str, str]) -> None:
    """Delete pytest's assertion-rewritten .pyc files of the pytest_linkrules the runs import."""
    where = subprocess.run(
        [sys.executable, "-c", "import pytest_linkrules, os; print(os.path.dirname(pytest_linkrules.__file__))"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    for pyc in Path(where).rglob("*-pytest-*.pyc"):
        pyc.unlink()


def main(argv: list[str] | None = None) -> int:
    argv, extra = split_extra(argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sites", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--code", type=Path, default=REPO, help="checkout whose pytest_linkrules to run (default: this one), to compare two")
    parser.add_argument(
        "--installed", action="store_true",
        help="run the pytest_linkrules installed in this interpreter (a venv made by pip install, with its .pyc "
        "files), not --code's checkout: a user's run. Compare two by running this script with two venvs' python",
    )
    parser.add_argument(
        "--fresh-runner", action="store_true",
        help="before each run delete the assertion-rewritten .pyc files pytest caches beside the installed package, "
        "and let it write them (PYTHONDONTWRITEBYTECODE unset): every run is then a first run, as on a new CI runner",
    )
    parser.add_argument("--config", type=Path, help="a linkrules.toml template to use instead ({root} is the site folder)")
    parser.add_argument("--linkinator", type=Path, default=Path("/tmp/lk"), help="folder where `npm install linkinator@6` ran")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    code = [] if args.installed else [str(args.code.resolve())]
    env["PYTHONPATH"] = os.pathsep.join([*code, str(HERE), env.get("PYTHONPATH", "")])
    if args.fresh_runner:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("GITHUB_ACTIONS", None)
    lk = args.linkinator / "node_modules" / ".bin" / "linkinator"
    med = statistics.median
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "pytest.ini").write_text("[pytest]\n")
        base = [sys.executable, "-m", "pytest", "-p", "no:randomly", "--tb=no", "-rN"]
        # The plugin's load cost when --linkrules is not given (an ordinary test run).
        (project / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
        plain = {"with plugin": [], "-p no:linkrules": []}
        for _ in range(args.repeat):
            for name, more in (("with plugin", []), ("-p no:linkrules", ["-p", "no:linkrules"])):
                plain[name].append(timed([*base, "-q", "test_nothing.py", *more, *extra], project, env)[:2])
        (project / "test_nothing.py").unlink()
        print("plain pytest run of one test (no --linkrules, the same extra arguments), median of", args.repeat)
        for name, runs in plain.items():
            print(f"  {name:<18} wall {med(w for w, _ in runs):.3f}s  CPU {med(c for _, c in runs):.3f}s")
        for site in args.sites:
            site = site.resolve()
            template = args.config.read_text() if args.config else CONFIG
            (project / "linkrules.toml").write_text(template.format(root=site.as_posix()))
            runs, lk_runs, alone = [], [], []
            for k in range(args.repeat):
                figures = project / "figures.json"
                env["LINKRULES_BENCH_OUT"] = str(figures)
                if args.fresh_runner:
                    forget_rewritten(env)
                wall, cpu, out = timed([*base, "--linkrules", "-p", "no:cacheprovider", "-p", "_startcost", *extra], project, env)
                del env["LINKRULES_BENCH_OUT"]
                own = json.loads(figures.read_text())
                m = re.search(r"(\d[\d,]*) pages, .*crawled in ([0-9.]+)s", out)
                if not m:
                    sys.exit(f"no report header in the output:\n{out[-3000:]}")
                runs.append((wall, cpu, float(m.group(2)), own["self_cpu"] - own["crawl_self_cpu"]))
                pages = m.group(1)
                crawled = subprocess.run(
                    [sys.executable, str(HERE / "_crawl_alone.py"), "linkrules.toml"], cwd=project, env=env, capture_output=True, text=True, check=True
                )
                alone.append(float(crawled.stdout))
                if lk.exists():
                    lk_wall, lk_cpu, lk_out = timed([str(lk), str(site), "--recurse", "--skip", LK_SKIP], project, env)
                    lk_runs.append((lk_wall, lk_cpu))
            wall, cpu, crawl = (med(r[i] for r in runs) for i in range(3))
            beyond = med(r[0] - r[2] for r in runs)
            print(f"\n{site}: {pages} pages, median of {len(runs)} (interleaved with linkinator)")
            print(f"  pytest --linkrules  wall {wall:.2f}s  CPU {cpu:.2f}s  crawl {crawl:.2f}s  beyond crawl {beyond:.2f}s (target <= 0.3 s)")
            print(f"  the crawl alone (a process that only crawls, _crawl_alone.py)  {med(alone):.2f}s; "
                  f"pytest's wall beyond it {wall - med(alone):.2f}s (target <= 0.3 s)")
            own_cpu = med(r[3] for r in runs)
            print(f"  this process's CPU outside the crawl: {own_cpu:.3f}s "
                  "(what the run adds to the crawl's wall time on an idle machine; steady under load)")
            floor = med(c for _, c in plain["-p no:linkrules"])
            print(f"    of which pytest's own start and exit (the plain run without the plugin): {floor:.3f}s; "
                  f"the plugin's: {own_cpu - floor:.3f}s")
            print("    runs (wall/crawl/CPU outside the crawl/crawl alone): "
                  + ", ".join(f"{w:.2f}/{c:.2f}/{o:.2f}/{a:.2f}" for (w, _, c, o), a in zip(runs, alone)))
            if lk_runs:
                print(f"  linkinator 6        wall {med(w for w, _ in lk_runs):.2f}s  CPU {med(c for _, c in lk_runs):.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
