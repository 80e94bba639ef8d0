"""Rendering and HTTP crawl throughput: pages/s through Chromium and over HTTP.

Generates the benchmark blog (generate_site.py) and keeps scripts on the first
--scripted pages (all of them by default), adding one that inserts a link after
DOMContentLoaded; pages without scripts are read as HTML, never rendered.

First the render phase on its own: the folder served on 127.0.0.1, one
Renderer (the crawl's own code, crawl/render.py), browser launch timed apart,
then every scripted page rendered; it prints rendered pages/s and the CPU
each process spent per page (this Python, Playwright's node driver, and
Chromium's browser, renderer, GPU and utility processes, read from
/proc/<pid>/stat of our children).

Then whole crawls (crawl_site) end to end, each on a fresh browser, for the
folder and for the folder served over HTTP: render = "never" (static),
"auto" (sample, then decide; the inserted link points at "/", which every page
already links to, so the sample matches and auto stays static: this measures
the cost of deciding) and "always" (every scripted page rendered).

Usage:
    python benchmarks/bench_render.py                     # 1k pages, all rendered
    python benchmarks/bench_render.py --scripted 100 --concurrency 4
    python benchmarks/bench_render.py --browser /usr/bin/chromium --only phase
    python benchmarks/bench_render.py --only phase --handed   # pages handed over, as a URL crawl does
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from generate_site import generate  # noqa: E402

from pytest_linkrules.config import SiteConfig  # noqa: E402
from pytest_linkrules.crawl import browser, crawl_site  # noqa: E402
from pytest_linkrules.crawl.render import Renderer, RenderOptions, Served, render_batch  # noqa: E402
from pytest_linkrules.crawl.serve import serve_folder  # noqa: E402

SCRIPT = (
    "<script>document.addEventListener('DOMContentLoaded', function () {"
    "var a = document.createElement('a'); a.href = '/'; a.textContent = 'Home (script)';"
    "document.body.appendChild(a); });</script></head>"
)
TICK = os.sysconf("SC_CLK_TCK")
KINDS = ("python", "python workers", "node driver", "browser", "renderer", "gpu", "utility", "other")


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _kind(pid: int) -> str:
    if pid == os.getpid():
        return "python"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return "other"
    cmd = b" ".join(argv)
    if b"chrom" in argv[0] or b"headless" in argv[0]:
        for flag, kind in ((b"--type=renderer", "renderer"), (b"--type=gpu", "gpu"), (b"--type=utility", "utility")):
            if flag in cmd:
                return kind
        return "other" if b"--type=" in cmd else "browser"
    if b"node" in argv[0] or b"playwright" in cmd:
        return "node driver"
    if b"python" in argv[0]:
        return "python workers"
    return "other"


class ProcessCPU:
    """CPU seconds per process of this Python and its descendants, sampled every 0.2 s.

    A process's last sample stands for its total, so one that exits between
    samples loses at most 0.2 s of CPU; a long-lived browser loses nothing.
    """

    def __init__(self) -> None:
        self.seen: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        parents: dict[int, tuple[int, float]] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                st = _stat(name)
                if st is not None:
                    parents[int(name)] = st
        mine = {os.getpid()}
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _) in parents.items():
                if ppid in mine and pid not in mine:
                    mine.add(pid)
                    grew = True
        for pid in mine:
            if pid in parents:
                # Read the kind every time: a zygote's fork shows the zygote's
                # command line until it becomes a renderer.
                kind = _kind(pid)
                if kind == "other" and pid in self.seen:
                    kind = self.seen[pid][0]
                self.seen[pid] = (kind, parents[pid][1])

    def by_kind(self) -> dict[str, float]:
        totals = dict.fromkeys(KINDS, 0.0)
        for kind, secs in self.seen.values():
            totals[kind] += secs
        return totals

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def __enter__(self) -> "ProcessCPU":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def cpu_line(before: dict[str, float], after: dict[str, float], pages: int) -> str:
    parts = []
    total = 0.0
    for kind in KINDS:
        used = after[kind] - before.get(kind, 0.0)
        total += used
        if used >= 0.005:
            parts.append(f"{kind} {used * 1000 / pages:.0f}")
    return f"CPU per rendered page: {total * 1000 / pages:.0f} ms (" + ", ".join(parts) + ")"


def render_phase(root: Path, urls: list[str], options: RenderOptions, handed: bool = False) -> None:
    """Launch, render every URL, close; each timed, CPU split by process.

    handed: the browser gets each page's bytes with its request (as a URL
    crawl hands over what it read) instead of fetching it from the server.
    """

    async def run(origin: str, probe: ProcessCPU) -> tuple[float, float, dict[str, float], dict[str, float], int, str]:
        t0 = time.perf_counter()
        async with Renderer(origin, options) as renderer:
            launched = time.perf_counter() - t0
            probe.sample()
            before = probe.by_kind()
            ok = 0

            def on_result(result: object) -> None:
                nonlocal ok
                ok += getattr(result, "raw", None) is not None

            t1 = time.perf_counter()
            if handed:
                slots = asyncio.Semaphore(options.pages)
                html = (("Content-Type", "text/html; charset=utf-8"),)

                async def one(u: str) -> None:
                    async with slots:
                        body = (root / (u.lstrip("/") + ("index.html" if u.endswith("/") else ""))).read_bytes()
                        on_result(await renderer.render(origin + quote(u), Served(200, html, body)))

                await asyncio.gather(*(one(u) for u in urls))
            else:
                await render_batch(renderer, [origin + quote(u) for u in urls], on_result)
            phase = time.perf_counter() - t1
            probe.sample()
            after = probe.by_kind()
            how = renderer.browser_used.how if renderer.browser_used else "?"
        return launched, phase, before, after, ok, how

    with serve_folder(root) as origin, ProcessCPU() as probe:
        t0 = time.perf_counter()
        launched, phase, before, after, ok, how = asyncio.run(run(origin, probe))
        total = time.perf_counter() - t0
    n = len(urls)
    print(f"render phase ({how}; {options.pages} in flight, quiet {options.quiet:g} s{'; pages handed over' if handed else ''}):")
    print(
        f"  launch {launched:.2f} s; {n} pages rendered in {phase:.2f} s = {n / phase:.1f} rendered pages/s "
        f"({ok} read); with launch and close {total:.2f} s = {n / total:.1f} pages/s"
    )
    print("  " + cpu_line(before, after, n))


def timed(label: str, site: SiteConfig) -> None:
    t0 = time.perf_counter()
    with ProcessCPU() as probe:
        before = probe.by_kind()
        result = crawl_site(site)
    wall = time.perf_counter() - t0
    # Summed over our process tree: getrusage misses Chromium, which is the
    # node driver's child and never waited for by this process.
    used = sum(probe.by_kind().values()) - sum(before.values())
    rendered = sum(1 for p in result.pages.values() if p.rendered)
    counted = rendered or len(result.pages)
    print(
        f"{label:<16} {len(result.pages):>6} pages  {rendered:>5} rendered  {wall:7.2f} s wall  {used:7.2f} s CPU  "
        f"{counted / wall:7.1f} {'rendered' if rendered else 'read'} pages/s  ({result.render}: {result.render_reason[:60]})"
    )
    if rendered:
        print(f"{'':<18}" + cpu_line(before, probe.by_kind(), rendered))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--scripted", type=int, default=None, help="pages that keep a script (default: all)")
    parser.add_argument("--concurrency", type=int, default=RenderOptions.pages)
    parser.add_argument("--quiet", type=float, default=RenderOptions.quiet, help="settle: seconds without changes")
    parser.add_argument("--browser", default=None, help="browser executable (default: the crawl's own choice)")
    parser.add_argument("--only", choices=("phase", "crawl"), default=None)
    parser.add_argument("--handed", action="store_true", help="render phase: hand each page's bytes to the browser")
    parser.add_argument("--arg", action="append", default=[], help="extra Chromium flag, to try one (repeatable)")
    args = parser.parse_args(argv)
    if args.arg:
        launch = list(browser.LAUNCH_ARGS)
        for extra in args.arg:  # merged into our --disable-features list: a second list lost RenderDocument in a trial
            name, _, value = extra.partition("=")
            same = [i for i, a in enumerate(launch) if a.startswith(name + "=")] if name == "--disable-features" else []
            if same:
                launch[same[0]] += "," + value
            else:
                launch.append(extra)
        browser.LAUNCH_ARGS = tuple(launch)
        print("extra Chromium flags:", " ".join(args.arg))
    if args.browser:
        os.environ["LINKRULES_BROWSER"] = args.browser
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        generate(args.size, root, seed=1)
        files = sorted(root.rglob("*.html"))
        scripted = len(files) if args.scripted is None else min(args.scripted, len(files))
        urls = []
        for i, path in enumerate(files):
            text = path.read_text(encoding="utf-8")
            if i < scripted:
                text = text.replace("</head>", SCRIPT, 1)
                rel = path.relative_to(root).as_posix()
                urls.append("/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
            else:  # no script at all: read as HTML, never rendered
                text = re.sub(r"<script(?![^>]*application/ld\+json)[^>]*>.*?</script>", "", text, flags=re.S)
            path.write_text(text, encoding="utf-8")
        n = len(files)
        print(f"site: {n} pages, {scripted} with a script; concurrency {args.concurrency}")
        if args.only != "crawl":
            options = dataclasses.replace(RenderOptions(), pages=args.concurrency, quiet=args.quiet)
            render_phase(root, urls, options, args.handed)
        if args.only == "phase":
            return 0
        common = dict(concurrency=args.concurrency, rate_limit=0.0)
        timed("folder, never", SiteConfig(root=root, render="never", **common))
        timed("folder, auto", SiteConfig(root=root, render="auto", **common))
        timed("folder, always", SiteConfig(root=root, render="always", **common))
        with serve_folder(root) as origin:
            timed("url, never", SiteConfig(url=origin, render="never", **common))
            timed("url, auto", SiteConfig(url=origin, render="auto", **common))
            timed("url, always", SiteConfig(url=origin, render="always", **common))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
