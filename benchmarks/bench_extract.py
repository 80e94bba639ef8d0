"""Link extraction from a built folder: bare Lexbor, our extractor, and the whole crawl.

Prints three figures for the issue's target (>= 2,000 pages/s per core on
~50 KB pages):

  (a) bare Lexbor: parse, and parse + every a[href] read (the figure the
      target was set against), pages per CPU-second on one core;
  (b) our extraction (crawl/extract.py: parse, links, anchors, chrome or
      content, page metadata), pages per CPU-second on one core;
  (c) the whole folder crawl (list files, read, extract, resolve, number
      links, send them to the parent) with the crawl's worker processes:
      pages/s wall and pages per CPU-second (parent plus workers).

(a) and (b) run on the same pages, already in memory, interleaved round by
round so a busy machine slows both alike; each figure is the best round.
CPU seconds, not wall, because other jobs share the machine. They run with
glibc's trim threshold raised, as the crawl's workers run (crawl/allocator.py);
(b) is printed first with glibc's default too, which faults each page's parse
tree back in from the kernel.

Usage:
    python benchmarks/generate_site.py 10k --out /tmp/bench10k
    python benchmarks/bench_extract.py --site /tmp/bench10k
    python benchmarks/bench_extract.py 10k            # benchmarks/sites/10k, generated if missing
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from pytest_linkrules.config import read_toml  # noqa: E402
from pytest_linkrules.crawl.allocator import keep_freed_memory  # noqa: E402
from pytest_linkrules.crawl.extract import CHROME_KEY, extract  # noqa: E402
from pytest_linkrules.crawl.folder import crawl_folder, list_files  # noqa: E402
from pytest_linkrules.crawl.urls import is_html_file  # noqa: E402


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process, and of its finished (waited-for) children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def bare_parse(data: bytes) -> None:
    LexborHTMLParser(data)


def bare_links(data: bytes) -> None:
    for node in LexborHTMLParser(data).css("a[href]"):
        node.attrs["href"]


RUNS: dict[str, Callable[[bytes], object]] = {
    "(a) bare Lexbor parse": bare_parse,
    "(a) bare Lexbor parse + a[href]": bare_links,
    "(b) our extraction (extract.py)": extract,
}
# What a site with a generator preset pays on top of (b): the selectors the
# Sphinx preset keeps for a site in its default theme, alabaster (the preset's
# selectors that match its sample pages, presets.chrome_in_use).
_CHROME = {CHROME_KEY: ".sphinxsidebar, .related, .footer"}
RUNS["(b) ... with 3 chrome selectors (alabaster)"] = lambda data: extract(data, _CHROME)


def one_core(docs: list[bytes], rounds: int, runs: dict[str, Callable[[bytes], object]] = RUNS) -> dict[str, float]:
    """Best CPU seconds per page of each extractor over interleaved rounds, and minor page faults."""
    best = {name: float("inf") for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            began = time.process_time()
            for data in docs:
                fn(data)
            best[name] = min(best[name], (time.process_time() - began) / len(docs))
    return best


def whole_crawl(site: Path, origins: list[str], workers: int) -> tuple[int, float, float, float]:
    """Pages, wall seconds, parent CPU and worker CPU of one crawl_folder()."""
    began, (me, kids) = time.perf_counter(), cpu_seconds()
    pages, _ = crawl_folder(site, origins, workers=workers)
    wall = time.perf_counter() - began
    me2, kids2 = cpu_seconds()
    return len(pages), wall, me2 - me, kids2 - kids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", nargs="?", default="10k", help="1k, 10k or 100k when --site is not given (default 10k)")
    parser.add_argument("--site", type=Path, help="a site made by generate_site.py (default benchmarks/sites/SIZE)")
    parser.add_argument("--pages", type=int, default=2000, help="pages for the one-core figures (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds for (a) and (b) (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="whole crawls for (c); the median is printed (default 3)")
    parser.add_argument("--workers", type=int, default=0, help="crawl workers for (c) (default: as the plugin, one per core)")
    args = parser.parse_args(argv)

    site = args.site or HERE / "sites" / args.size.lower()
    if not (site / "linkrules.toml").exists():
        from generate_site import SIZES, generate

        print(f"generating {args.size} pages into {site} ...", flush=True)
        generate(SIZES.get(args.size.lower()) or int(args.size), site, 1)
    base_url = read_toml(site / "linkrules.toml").get("site", {}).get("base_url", [])
    origins = [base_url] if isinstance(base_url, str) else list(base_url)

    files, _ = list_files(site)
    html = [f for f in files if is_html_file(f)]
    step = max(1, len(html) // args.pages)
    docs = [(site / f).read_bytes() for f in html[::step][: args.pages]]
    size_kb = sum(map(len, docs)) / len(docs) / 1024
    links = sum(len(extract(d).links) for d in docs) / len(docs)
    print(f"{site}: {len(html):,} pages; one-core figures on {len(docs):,} of them "
          f"({size_kb:.1f} KB and {links:.0f} links per page), load average {os.getloadavg()[0]:.1f}")

    print("\none core, pages already in memory (best of %d interleaved rounds):" % args.rounds)
    default = {"(b) ... with glibc's default trimming": extract}
    for runs in (default, RUNS):
        if runs is RUNS:
            keep_freed_memory()
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        figures = one_core(docs, args.rounds, runs)
        faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / (len(docs) * len(runs) * args.rounds)
        for name, seconds in figures.items():
            print(f"  {name:<38}{seconds * 1e3:7.3f} ms/page  {1 / seconds:8,.0f} pages per CPU-second")
        print(f"  {'':<38}{faults:7.1f} minor page faults per page")

    workers = args.workers or min(os.cpu_count() or 1, 8)
    print(f"\n(c) whole folder crawl, {workers} workers (median of {args.repeat}):")
    runs = sorted((whole_crawl(site, origins, workers) for _ in range(args.repeat)), key=lambda r: r[1])
    for n, wall, parent, kids in runs:
        print(f"  run: {n:,} pages in {wall:.2f} s wall, CPU {parent:.2f} s parent + {kids:.2f} s workers")
    n, wall, parent, kids = runs[len(runs) // 2]
    print(f"  {n / wall:,.0f} pages/s wall, {n / (parent + kids):,.0f} pages per CPU-second "
          f"({(parent + kids) / n * 1e3:.3f} ms of CPU per page: {kids / n * 1e3:.3f} in workers, {parent / n * 1e3:.3f} in the parent)")
    print(f"load average now {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
