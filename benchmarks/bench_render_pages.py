"""CPU per rendered page on a real built site: the crawl's renderer against a bare page load.

Both render the same pages of the folder, served on 127.0.0.1 by the crawl's
own server, in the same browser build, 4 pages in flight:

- ``bare``: Playwright's ``page.goto(url, wait_until="load")`` and one
  ``evaluate`` counting links; images, media and fonts blocked as ours are.
  No init script, no fence, no settle wait: the floor, one page load's cost
  up to the ``load`` event.
- ``bare, network idle``: the same with ``wait_until="networkidle"`` (no
  request for 500 ms): one page load with the scripts that run after
  ``load`` (Doxygen's navigation tree loads its data then), which a renderer
  that reads script-made links has to let run too.
- ``ours``: crawl/render.py's Renderer (init script counting pending work,
  the fence, document interception, the settle wait and the link read).

CPU is split by process (this Python, Playwright's node driver, Chromium's
browser, renderer, GPU and utility processes), so the gap says where it goes.

Usage:
    python benchmarks/bench_render_pages.py FOLDER [--pages 100] [--browser PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_render import ProcessCPU, cpu_line, render_phase  # noqa: E402

from pytest_linkrules.crawl.browser import LAUNCH_ARGS, candidates  # noqa: E402
from pytest_linkrules.crawl.render import BLOCKED_EXTENSIONS, RenderOptions  # noqa: E402
from pytest_linkrules.crawl.serve import serve_folder  # noqa: E402


def bare(root: Path, urls: list[str], executable: str, in_flight: int, until: str = "load") -> None:
    from playwright.async_api import async_playwright

    async def run(origin: str, probe: ProcessCPU) -> None:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=executable, args=list(LAUNCH_ARGS))
            context = await browser.new_context()
            tabs = []
            for _ in range(in_flight):
                page = await context.new_page()
                cdp = await context.new_cdp_session(page)
                await cdp.send("Network.enable")
                patterns = [{"urlPattern": f"*://*:*/*.{ext}", "block": True} for ext in BLOCKED_EXTENSIONS]
                await cdp.send("Network.setBlockedURLs", {"urlPatterns": patterns})
                tabs.append(page)
            probe.sample()
            before = probe.by_kind()
            queue = list(urls)
            t0 = time.perf_counter()

            async def work(page: object) -> None:
                while queue:
                    url = queue.pop()
                    try:
                        await page.goto(origin + quote(url), wait_until=until, timeout=20_000)  # type: ignore[attr-defined]
                        await page.evaluate("document.querySelectorAll('a[href]').length")  # type: ignore[attr-defined]
                    except Exception:
                        pass

            await asyncio.gather(*(work(t) for t in tabs))
            wall = time.perf_counter() - t0
            probe.sample()
            print(f"bare page load to {until!r} ({in_flight} in flight): {len(urls)} pages in {wall:.1f} s = {len(urls) / wall:.1f} pages/s")
            print("  " + cpu_line(before, probe.by_kind(), len(urls)))
            await browser.close()

    with serve_folder(root) as origin, ProcessCPU() as probe:
        asyncio.run(run(origin, probe))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pages", type=int, default=100, help="pages sampled at random (seed 2)")
    parser.add_argument("--browser", help="browser executable (default: the crawl's own first choice)")
    opts = parser.parse_args(argv)
    root = opts.folder.resolve()
    urls = sorted("/" + p.relative_to(root).as_posix() for p in root.rglob("*.html") if "<script" in p.read_text("utf-8", "replace"))
    random.seed(2)
    urls = random.sample(urls, min(opts.pages, len(urls)))
    executable = opts.browser or next(c.path for c in candidates(None) if c.path)
    os.environ["LINKRULES_BROWSER"] = executable
    print(f"{root}: {len(urls)} pages with scripts; {executable}; load {os.getloadavg()[0]:.1f}")
    bare(root, urls, executable, RenderOptions.pages)
    bare(root, urls, executable, RenderOptions.pages, until="networkidle")
    render_phase(root, urls, RenderOptions())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
