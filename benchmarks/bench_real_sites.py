"""Real built sites under the defaults: what was rendered, wall, CPU, peak RSS, against linkinator 6.

Each measurement runs in a fresh Python process (imports, browser start and
all), so figures are what a CI job pays:

- ``crawl``: ``crawl_site`` with the site's defaults (``render = "auto"``),
  which prints pages, links, what was rendered, inferred and read as HTML;
- ``pytest``: ``pytest --linkrules`` on a linkrules.toml with three rules
  (no-orphans, max-depth, no-broken-links), end to end;
- ``full``: with ``--full``, ``render = "always"`` and no budget, then every
  page whose links differ from the default crawl is listed (the proof that an
  inferred crawl equals a full render, or the list of where it does not);
- ``sample``: with ``--sample N``, N random inferred pages rendered and each
  compared with the default crawl's (the check for a site too large to render whole);
- ``linkinator``: ``linkinator FOLDER --recurse`` (npm's linkinator 6) on the
  same folder in the same run, since the machine is shared and times drift;
  links off its local server are skipped (we check internal links only, and
  the network is closed here).

CPU is summed over the whole process tree (Chromium and Playwright's node
driver included); peak RSS is the Python process's own (the pytest process's,
for ``pytest``), and the largest of linkinator's node process.

Usage:
    python benchmarks/bench_real_sites.py libstdc++=/path/to/html [cppreference=/path/html@/en/ ...]
    python benchmarks/bench_real_sites.py --full --linkinator /work/tools/lk/node_modules/.bin/linkinator NAME=DIR
    python benchmarks/bench_real_sites.py --sample 1000 rust-doc=DIR   # a site too large to render whole
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

RULES = """
[rules.no-orphans]

[rules.max-depth]
max = 6

[rules.no-broken-links]
"""


def child_crawl(root: str, mode: str, out: str, start: str, detail: str) -> None:
    """In a fresh process: one crawl, its figures written to ``out`` as JSON.

    ``detail``: "links" adds every page's links and depth (for --full's
    comparison: too much for a site of 75M links), "sample:N" renders N of
    the inferred pages afterwards and compares each with the crawl's (--sample).
    """
    from bench_render import ProcessCPU

    t0 = time.perf_counter()
    with ProcessCPU() as probe:
        from pytest_linkrules.config import SiteConfig
        from pytest_linkrules.crawl import crawl_site
        from pytest_linkrules.graph import SiteGraph

        extra = {"render_budget": 10_000_000} if mode == "always" else {}
        site = SiteConfig(root=Path(root), render=mode, start=(start,), **extra)
        result = crawl_site(site)
        graph = SiteGraph(result.pages, result.starts)
    wall = time.perf_counter() - t0
    figures = {
        "pages": len(result.pages),
        "links": graph.n_links,
        "rendered": sum(p.rendered for p in result.pages.values()),
        "inferred": sum(p.inferred for p in result.pages.values()),
        "errors": sum(bool(p.error) for p in result.pages.values()),
        "render": result.render,
        "reason": result.render_reason,
        "notes": [n for n in result.notes if n.startswith("render")][:4],
        "wall": wall,
        "cpu": sum(probe.by_kind().values()),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "page_errors": {u: p.error for u, p in result.pages.items() if p.error},
    }
    if detail == "links":
        figures["depths"] = {u: graph.depth(u) for u in result.pages}
        figures["page_links"] = {
            url: sorted([l.target, l.anchor, l.flags & ~16] for l in p.links) + [["broken"]] + sorted([l.target, l.anchor, l.flags] for l in p.broken)
            for url, p in result.pages.items()
        }
    elif detail.startswith("sample:"):
        figures["sample"] = render_and_compare(Path(root), result.pages, int(detail.split(":")[1]))
    Path(out).write_text(json.dumps(figures))


def render_and_compare(root: Path, pages: dict, n: int) -> dict:
    """Render n of the inferred pages (a seeded random pick) and compare each with the crawl's page.

    Compared: links (target, href, anchor, flags with JS_ONLY), broken links
    and ids. The proof for a site too large to render whole: 1,000 pages of
    the Rust docs take minutes, all 21,921 hours.
    """
    import random
    from collections import Counter
    from urllib.parse import quote

    from pytest_linkrules.crawl.folder import crawl_folder, list_files
    from pytest_linkrules.crawl.remote import open_renderer
    from pytest_linkrules.crawl.render import RenderOptions, render_batch, run_async
    from pytest_linkrules.crawl.rendering import page_from_rendered
    from pytest_linkrules.crawl.serve import serve_folder
    from pytest_linkrules.crawl.templates import with_js_only
    from pytest_linkrules.crawl.urls import FolderResolver

    inferred = sorted(u for u, p in pages.items() if p.inferred)
    urls = random.Random(1).sample(inferred, min(n, len(inferred)))
    static, _ = crawl_folder(root)
    resolver = FolderResolver(list_files(root)[0], ())
    rendered: dict = {}

    async def render(origin: str) -> None:
        async with open_renderer(origin, RenderOptions()) as renderer:
            address = {origin + quote(u, safe="/:@!$&'()*+,;=~-._"): u for u in urls}

            def keep(result) -> None:
                url = address[result.url]
                rendered[url] = with_js_only(static[url], page_from_rendered(url, static[url].source, result, resolver), {})

            await render_batch(renderer, list(address), keep)

    with serve_folder(root) as origin:
        run_async(lambda: render(origin))

    def links(of) -> Counter:
        return Counter((l.target, l.href, l.anchor, l.flags) for l in of)

    differ = []
    for url in urls:
        got, want = pages[url], rendered[url]
        if want.error:
            differ.append(f"{url}: not rendered ({want.error})")
        elif links(got.links) != links(want.links) or links(got.broken) != links(want.broken):
            extra, missing = links(got.links) - links(want.links), links(want.links) - links(got.links)
            differ.append(f"{url}: {sum(extra.values())} link(s) only inferred, {sum(missing.values())} only rendered")
        elif set(got.ids.split()) != set(want.ids.split()):
            differ.append(f"{url}: ids differ")
    return {"checked": len(urls), "differ": differ}


def run_crawl(root: Path, mode: str, start: str, detail: str = "") -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([sys.executable, __file__, "--child", mode, str(root), f.name, start, detail], check=True)
        return json.loads(Path(f.name).read_text())


# Runs a command in its own Python, so RUSAGE_CHILDREN there is that command's alone
# (in this process it would be the largest of every command run so far).
_MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter(); done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps([time.perf_counter() - t, r.ru_utime + r.ru_stime, r.ru_maxrss / 1024, done.stdout + done.stderr]))\n"
)


def timed_process(argv: list[str], cwd: Path | None = None) -> tuple[float, float, float, str]:
    """(wall, CPU of the process tree it waited for, its largest process's peak RSS in MB, output)."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *argv], cwd=cwd, capture_output=True, text=True, check=True)
    wall, cpu, rss, out = json.loads(done.stdout)
    return wall, cpu, rss, out


def run_pytest(root: Path, start: str) -> tuple[float, float, float, str]:
    """pytest --linkrules end to end; CPU and RSS of the pytest process and what it waited for."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "linkrules.toml"
        config.write_text(f'[site]\nroot = "{root}"\nstart = ["{start}"]\n' + RULES)
        wall, cpu, rss, out = timed_process(
            [sys.executable, "-m", "pytest", "--linkrules", "-p", "no:cacheprovider", "-q", "-p", "no:randomly"], cwd=Path(tmp)
        )
    tail = [line for line in out.splitlines() if line.startswith(("=", "linkrules: linkrules.toml"))][-1:]
    return wall, cpu, rss, " ".join(tail)


def compare(auto: dict, full: dict) -> list[str]:
    """Every page where the default crawl's links or depth differ from the full render's."""
    lines = []
    for url in sorted(set(auto["page_links"]) | set(full["page_links"])):
        a, f = auto["page_links"].get(url), full["page_links"].get(url)
        if a != f:
            why = full["page_errors"].get(url) or auto["page_errors"].get(url) or ""
            lines.append(f"    {url}: links differ ({len(a or [])} by default, {len(f or [])} fully rendered) {why}".rstrip())
        elif auto["depths"].get(url) != full["depths"].get(url):
            lines.append(f"    {url}: depth {auto['depths'].get(url)} by default, {full['depths'].get(url)} fully rendered")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if args[:1] == ["--child"]:
        child_crawl(args[2], args[1], args[3], args[4], args[5])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", nargs="+", help="NAME=FOLDER[@START] of a built site (start page default /)")
    parser.add_argument("--full", action="store_true", help="also render every page and compare")
    parser.add_argument("--sample", type=int, default=0, metavar="N", help="render N random inferred pages and compare each with the default crawl's")
    parser.add_argument("--linkinator", help="the linkinator command (npm install linkinator@6)")
    parser.add_argument("--no-pytest", action="store_true")
    opts = parser.parse_args(args)
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start")
    for spec in opts.sites:
        name, _, folder = spec.partition("=")
        folder, _, start = folder.partition("@")
        start = start or "/"
        root = Path(folder).resolve()
        print(f"\n== {name}: {root}")
        auto = run_crawl(root, "auto", start, "links" if opts.full else f"sample:{opts.sample}" if opts.sample else "")
        print(
            f"  crawl (defaults): {auto['pages']:,} pages, {auto['links']:,} links; rendered {auto['rendered']:,}, "
            f"inferred {auto['inferred']:,}, errors {auto['errors']}; {auto['wall']:.1f} s wall, {auto['cpu']:.1f} s CPU, "
            f"{auto['rss_mb']:.0f} MB peak RSS"
        )
        print(f"    render: {auto['render']} ({auto['reason']})")
        for note in auto["notes"]:
            print(f"    note: {note}")
        if "sample" in auto:
            sample = auto["sample"]
            print(f"  {sample['checked']:,} random inferred pages rendered: {sample['checked'] - len(sample['differ']):,} equal to the crawl's "
                  "(links with hrefs, anchors and flags, JS_ONLY included; broken links; ids)")
            for line in sample["differ"]:
                print(f"    {line}")
        if not opts.no_pytest:
            wall, cpu, rss, tail = run_pytest(root, start)
            print(f"  pytest --linkrules: {wall:.1f} s wall, {cpu:.1f} s CPU (pytest and what it waited for), {rss:.0f} MB peak RSS; {tail}")
        if opts.linkinator:
            # Internal links only, as we check: the network is closed here, and
            # each external link would wait for its timeout.
            argv = [opts.linkinator, str(root), "--recurse", "--format", "json", "--skip", "^(?!http://localhost)"]
            wall, cpu, rss, out = timed_process(argv)
            try:
                n = len(json.loads(out[out.index("{"):])["links"])
            except (ValueError, KeyError):
                n = -1
            print(f"  linkinator 6: {wall:.1f} s wall, {cpu:.1f} s CPU, {rss:.0f} MB peak RSS, {n:,} links checked")
        if opts.full:
            full = run_crawl(root, "always", start, "links")
            print(
                f"  full render: {full['rendered']:,} rendered, errors {full['errors']}; {full['wall']:.1f} s wall, "
                f"{full['cpu']:.1f} s CPU, {full['rss_mb']:.0f} MB peak RSS"
            )
            diffs = compare(auto, full)
            print(f"  default crawl versus full render: {len(diffs)} page(s) differ" + (":" if diffs else " (pages, links, anchors, flags, depths)"))
            for line in diffs:
                print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
