"""Rendering on browsers elsewhere (site.render_endpoints) against a local browser, on one machine.

Starts N Playwright browser servers on 127.0.0.1 (tests/helpers/browserserver.py:
``playwright launch-server`` with the crawl's own flags), then crawls the same
folder with render = "always", interleaved: a local browser, then the
endpoints. On one machine the endpoints share its cores, so this measures what
remote rendering costs (connection, per-endpoint probes, the protocol's extra
hop), not the speed-up other machines would give. CPU is summed over this
Python and every descendant (browser servers, their Chromiums, Playwright's
driver), sampled from /proc (bench_render.ProcessCPU).

Usage:
    python benchmarks/bench_render_remote.py                       # the Sphinx docs in /work/sites, 2 servers
    python benchmarks/bench_render_remote.py --root DIR --servers 1 --runs 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from bench_render import ProcessCPU  # noqa: E402
from helpers.browserserver import playwright_server  # noqa: E402

from pytest_linkrules.config import SiteConfig  # noqa: E402
from pytest_linkrules.crawl import crawl_site  # noqa: E402

SPHINX = Path("/work/sites/sphinx-doc/usr/share/doc/sphinx-doc/html")


def one(label: str, site: SiteConfig) -> tuple[float, float, int]:
    with ProcessCPU() as cpu:
        before = sum(cpu.by_kind().values())
        started = time.perf_counter()
        result = crawl_site(site)
        wall = time.perf_counter() - started
    used = sum(cpu.by_kind().values()) - before
    rendered = sum(1 for p in result.pages.values() if p.rendered)
    split = [n for n in result.notes if n.startswith("render endpoints: ")]
    print(f"{label}: {rendered} pages rendered in {wall:.1f} s wall, {used:.1f} s CPU "
          f"({used * 1000 / max(1, rendered):.0f} ms per page){'; ' + split[0] if split else ''}", flush=True)  # fmt: skip
    return wall, used, rendered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=SPHINX)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-remote-"))
    servers = []
    try:
        for i in range(args.servers):
            (work / str(i)).mkdir()
            servers.append(playwright_server(work / str(i)))
        endpoints = tuple(s.endpoint for s in servers)
        for run in range(args.runs):
            one(f"run {run + 1} local browser", SiteConfig(root=args.root, render="always"))
            one(f"run {run + 1} {len(endpoints)} endpoint(s)", SiteConfig(root=args.root, render="always", render_endpoints=endpoints))
    finally:
        for server in servers:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
