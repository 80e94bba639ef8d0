"""Where a green `pytest --linkrules` run spends its time besides the crawl: a timeline by hook.

bench_start.py and bench_start_pairs.py say how much a run costs beyond its
crawl; this says where. Each of ``--runs`` fresh runs (as CI runs them, the
green config of start-green.toml, ``-p no:cacheprovider``) loads a conftest
that marks pytest's hooks and wraps the steps of the plugin's start
(``StartedCrawl``, ``FolderParse.result``, numpy's import, pytest's own
``FixtureManager``) with the wall clock and the process's CPU clock. It prints,
per mark, the median time since the conftest was imported (pytest's own start
comes before that) and the main process's CPU since then, and the CPU of the
crawl's workers. The probe is written for this run only: nothing in the
package knows about it.

Usage:
    python benchmarks/bench_start_timeline.py /tmp/s1k [--runs 15] [--python VENV/bin/python]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _start_project import green_project  # benchmarks/, this script's folder


PROBE = '''
import atexit, json, os, resource, time

import pytest

marks = [("conftest imported", time.perf_counter(), time.process_time())]


def mark(name):
    marks.append((name, time.perf_counter(), time.process_time()))


def wrap(owner, name, label):
    inner = getattr(owner, name)

    def timed(*args, **kwargs):
        mark(label + " begins")
        try:
            return inner(*args, **kwargs)
        finally:
            mark(label + " ends")

    setattr(owner, name, timed)


class Probe:
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session):
        mark("session start")
        import _pytest.fixtures
        import pytest_linkrules.crawl
        import pytest_linkrules.crawl.folder
        import pytest_linkrules.quiet_numpy

        wrap(pytest_linkrules.crawl.StartedCrawl, "__init__", "crawl start")
        wrap(pytest_linkrules.crawl.folder.FolderParse, "result", "waiting for the workers")
        wrap(pytest_linkrules.quiet_numpy, "import_numpy", "numpy's import")
        wrap(_pytest.fixtures.FixtureManager, "__init__", "pytest's fixture manager")

    def pytest_linkrules_graph_built(self, graph, config):
        mark("graph built, rules run")

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session):
        mark("collection")

    def pytest_collection_finish(self, session):
        mark("collected")

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config):
        mark("unconfigured")


def pytest_configure(config):
    config.pluginmanager.register(Probe(), "timeline-probe")


def dump():
    mark("last atexit handler")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.environ["TIMELINE_OUT"], "a") as out:
        out.write(json.dumps({"marks": marks, "children": children.ru_utime + children.ru_stime}) + "\\n")


atexit.register(dump)  # registered before the plugin's own, so it runs after them
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose pytest-linkrules runs (a venv's python)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        env = green_project(args.site, project)
        (project / "conftest.py").write_text(PROBE)
        out = project / "timeline.jsonl"
        env["TIMELINE_OUT"] = str(out)
        command = [args.python, "-m", "pytest", "--linkrules", "-p", "no:cacheprovider", "-p", "no:randomly", "-q"]
        subprocess.run(command, cwd=project, env=env, capture_output=True)  # warm: .pyc files, the page cache
        out.write_text("")
        for _ in range(args.runs):
            done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        runs = [json.loads(line) for line in out.read_text().splitlines()]
    names = [m[0] for m in runs[0]["marks"]]
    if any([m[0] for m in run["marks"]] != names for run in runs):
        raise SystemExit("the runs passed different marks; run them again")
    med = statistics.median
    print(f"{args.site}: {args.runs} runs of {args.python}; median per mark, from the conftest's import")
    print(f"  {'mark':40s} {'wall':>9s} {'main CPU':>9s}")
    for i, name in enumerate(names):
        wall = med(run["marks"][i][1] - run["marks"][0][1] for run in runs)
        cpu = med(run["marks"][i][2] - run["marks"][0][2] for run in runs)
        print(f"  {name:40s} {wall * 1000:7.0f} ms {cpu * 1000:7.0f} ms")
    print(f"  main CPU before the conftest (interpreter, pytest's start): {med(run['marks'][0][2] for run in runs) * 1000:.0f} ms")
    print(f"  the workers' CPU: {med(run['children'] for run in runs) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
