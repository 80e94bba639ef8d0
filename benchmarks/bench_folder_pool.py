"""A folder's static crawl alone, parsed here or by worker processes, in chunks of a given size, or by other installs.

Each measurement is ``crawl_site`` (``render = "never"``) in a fresh Python
process, timed around the call (imports and interpreter start excluded), as
``_crawl_alone.py`` times it for bench_start.py. Modes and installs are
interleaved, round after round, and the median of each is printed:

- ``default``: the crawl as the installed code decides it;
- ``seq``: parsed in the crawling process, whatever the site's size;
- ``pool`` or ``pool:N``: by the worker pool, in chunks of N pages if given.

``--python`` names the interpreters to compare (each with its own install of
the package, e.g. two venvs); the modes run under each.

Usage:
    python benchmarks/bench_folder_pool.py SITE [SITE ...] [--repeat 9] [--modes seq,pool:16]
    python benchmarks/bench_folder_pool.py SITE --python /tmp/venv-a/bin/python --python /tmp/venv-b/bin/python
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = """
import sys, time
from pathlib import Path
from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site, folder
mode = sys.argv[2]
if mode != "default":
    parallel = mode.startswith("pool")
    folder.PARALLEL_THRESHOLD = 0 if parallel else 10**9
    folder.PARALLEL_BYTES = 0 if parallel else 10**15
    if ":" in mode:
        folder._chunk_size = lambda pages, workers: int(mode.split(":")[1])
        folder.CHUNK = int(mode.split(":")[1])
began = time.perf_counter()
crawl_site(SiteConfig(root=Path(sys.argv[1]), render="never"))
print(f"{time.perf_counter() - began:.4f}")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--modes", default="default", help="comma-separated: default, seq, pool, pool:N")
    parser.add_argument("--python", action="append", help="an interpreter with the package installed (repeat to compare)")
    opts = parser.parse_args()
    pythons = opts.python or [sys.executable]
    modes = opts.modes.split(",")
    # Not PYTHONDONTWRITEBYTECODE (every import would compile again), nor a
    # PYTHONPATH that would put a checkout before the install.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    for site in opts.sites:
        runs: dict[tuple[str, str], list[float]] = {(py, m): [] for py in pythons for m in modes}
        for _ in range(opts.repeat):
            for key in runs:
                py, mode = key
                done = subprocess.run([py, "-c", CHILD, str(site.resolve()), mode], capture_output=True, text=True, env=env, cwd="/")
                if done.returncode != 0:
                    print(f"{site}: {py} {mode}: {done.stderr.strip().splitlines()[-1]}", file=sys.stderr)
                    return 1
                runs[key].append(float(done.stdout))
        shown = "  ".join(
            f"{mode}{'' if len(pythons) == 1 else f' ({py})'} {statistics.median(times):.3f} s" for (py, mode), times in runs.items()
        )
        print(f"{site}: median of {opts.repeat}: {shown}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
