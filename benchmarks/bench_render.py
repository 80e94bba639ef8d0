"""Rendering and HTTP crawl throughput: pages/s through Chromium and over HTTP.

Generates the benchmark blog (generate_site.py), keeps scripts on the first
--scripted pages only, adding one that inserts a link (pages without scripts are
read as HTML, never rendered), then times each mode
on a fresh browser, for the folder and for the folder served over HTTP on
127.0.0.1: render = "never" (static), "auto" (sample, then decide; the
inserted link points at "/", which every page already links to, so the sample's
link targets match and auto stays static: this measures the cost of deciding) and
"always" (every page rendered).

Usage:
    python benchmarks/bench_render.py                     # 1k pages, 100 rendered
    python benchmarks/bench_render.py --size 1000 --scripted 300 --concurrency 4
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from generate_site import generate  # noqa: E402

from pytest_linkrules.config import SiteConfig  # noqa: E402
from pytest_linkrules.crawl import crawl_site  # noqa: E402
from pytest_linkrules.crawl.serve import serve_folder  # noqa: E402

SCRIPT = (
    "<script>document.addEventListener('DOMContentLoaded', function () {"
    "var a = document.createElement('a'); a.href = '/'; a.textContent = 'Home (script)';"
    "document.body.appendChild(a); });</script></head>"
)


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(label: str, site: SiteConfig) -> None:
    c0, t0 = cpu(), time.perf_counter()
    result = crawl_site(site)
    wall, used = time.perf_counter() - t0, cpu() - c0
    rendered = sum(1 for p in result.pages.values() if p.rendered)
    counted = rendered or len(result.pages)
    print(
        f"{label:<28} {len(result.pages):>6} pages  {rendered:>5} rendered  {wall:7.2f} s wall  {used:7.2f} s CPU  "
        f"{counted / wall:7.1f} {'rendered' if rendered else 'read'} pages/s  ({result.render}: {result.render_reason[:60]})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--scripted", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        generate(args.size, root, seed=1)
        files = sorted(root.rglob("*.html"))
        for i, path in enumerate(files):
            text = path.read_text(encoding="utf-8")
            if i < args.scripted:
                text = text.replace("</head>", SCRIPT, 1)
            else:  # no script at all: read as HTML, never rendered
                text = re.sub(r"<script(?![^>]*application/ld\+json)[^>]*>.*?</script>", "", text, flags=re.S)
            path.write_text(text, encoding="utf-8")
        n = len(files)
        print(f"site: {n} pages, {min(args.scripted, n)} with a script; concurrency {args.concurrency}")
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
