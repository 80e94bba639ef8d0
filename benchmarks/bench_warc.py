"""WARC parse throughput: the local process pool against 1 and 2 Dask workers.

For a WARC (benchmarks/generate_warc.py writes one) and its linkrules.toml:

  index   pass 1 alone (crawl/warc.py build_index: every record's headers, in this process)
  pool    the whole WARC crawl (index, then pages parsed by the fork process pool of --workers)
  dask-k  the same with its pages parsed on a distributed.LocalCluster of k single-threaded
          workers (started before the clock; its start-up is printed apart)

Each prints wall seconds, pages/s, and CPU seconds: this process, pool children
(waited for) and Dask worker processes (asked for their process_time). CPU, not
wall, is the figure to compare on a shared machine. The pages of every run must
be equal; the script checks it.

Usage:
    python benchmarks/generate_warc.py 100000 --out /tmp/w100k/site.warc.gz
    python benchmarks/bench_warc.py /tmp/w100k/linkrules.toml --workers 2 --dask 1 2
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pytest_linkrules.config import load_config, with_overrides  # noqa: E402
from pytest_linkrules.crawl import crawl_site  # noqa: E402
from pytest_linkrules.crawl.http import OriginResolver  # noqa: E402
from pytest_linkrules.crawl.warc import build_index, streams_of  # noqa: E402
from pytest_linkrules.rules import builtin_registry  # noqa: E402


def cpu() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def line(name: str, pages: int, wall: float, parent: float, workers: float) -> None:
    total = parent + workers
    print(
        f"  {name:<8} {pages:>9,} pages  {wall:7.1f} s wall  {pages / wall:8,.0f} pages/s  "
        f"CPU {parent:6.1f} s here + {workers:6.1f} s workers = {total / pages * 1e3:.3f} ms/page"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dask", type=int, nargs="*", default=[1, 2], help="Dask worker counts to run")
    args = ap.parse_args()
    config = load_config(args.config, builtin_registry())
    site = config.site
    print(f"{', '.join(str(p) for p in site.warc)}: {sum(p.stat().st_size for p in site.warc) / 1e6:,.1f} MB")

    c0, t0 = cpu(), time.perf_counter()
    index = build_index(streams_of(site.warc), OriginResolver(site.base_url[0], False, site.base_url))
    c1, t1 = cpu(), time.perf_counter()
    line("index", len(index.captures), t1 - t0, c1[0] - c0[0], 0.0)

    c0, t0 = cpu(), time.perf_counter()
    baseline = crawl_site(site, workers=args.workers)
    c1, t1 = cpu(), time.perf_counter()
    line("pool", len(baseline.pages), t1 - t0, c1[0] - c0[0], c1[1] - c0[1])

    from distributed import Client, LocalCluster

    for k in args.dask:
        s0 = time.perf_counter()
        with LocalCluster(n_workers=k, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50) as lc, Client(lc) as client:
            started = time.perf_counter() - s0
            before = sum(client.run(time.process_time).values())
            c0, t0 = cpu(), time.perf_counter()
            result = crawl_site(with_overrides(config, dask=lc.scheduler_address).site)
            c1, t1 = cpu(), time.perf_counter()
            spent = sum(client.run(time.process_time).values()) - before
        line(f"dask-{k}", len(result.pages), t1 - t0, c1[0] - c0[0], spent)
        print(f"           (LocalCluster of {k} started in {started:.1f} s, not counted)")
        assert result.pages == baseline.pages, "a Dask run built other pages than the local one"


if __name__ == "__main__":
    main()
