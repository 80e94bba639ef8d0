"""Every built-in rule on a million-page graph: wall, CPU and peak RSS per stage (issue 16).

The pages come from ``scale_site.py`` (Page and Link objects built in memory,
shaped like a crawled site; the crawl itself is measured by bench_plugin.py
and bench_extract.py). Two parts:

``stages`` (in this process): model objects, graph build, each metric
(click depth, inlinks, PageRank, orphans, archive-only), each built-in rule
as the runner runs it (the change rules against the base variant's snapshot),
link suggestions, then the items (collection) and the end-to-end run below.

``pytest`` (a fresh process, as CI runs it): ``pytest --linkrules`` with the
crawl replaced by the generator (``_scale_plugin.py`` stands in for
``crawl.StartedCrawl``; the report header still says what was "crawled"),
``--linkrules-compare`` against the base variant's graph saved by a first
run with ``--linkrules-save-graph``, and JUnit XML, pytest-html and the
GitHub job summary written. Stage figures come from ``_stages.py``; the
generator's time is its own line and is left out of "wall - generation".

The pytest part's folder (JUnit, HTML, the base snapshot: ~370 MB at 1M) is
kept for inspection and its path printed: delete it when done. A 1M run
peaks at ~7.4 GB (stages) and ~6.6 GB (pytest): run one at a time.

Usage:
    python benchmarks/bench_scale.py 100k                 # both parts
    python benchmarks/bench_scale.py 1m --only pytest --html
    python benchmarks/bench_scale.py 300k --only stages
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from _memory import peak_mb, reset_peak, rss_mb  # noqa: E402
from scale_site import SIZES, config_text, make_crawl  # noqa: E402


class Stages:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, float, str]] = []

    def __call__(self, name: str, fn, note=lambda out: ""):
        reset_peak()
        began, cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall, used = time.perf_counter() - began, time.process_time() - cpu
        self.rows.append((name, wall, used, peak_mb(), note(out)))
        print(f"  {name:<30}{wall:>8.2f}s wall {used:>8.2f}s CPU  peak {peak_mb():>7,.0f} MB  {self.rows[-1][4]}", flush=True)
        return out


def stages(n: int, seed: int, suggest: bool) -> None:
    from pytest_linkrules.change import compare
    from pytest_linkrules.config import load_config
    from pytest_linkrules.graph import SiteGraph
    from pytest_linkrules.graph_snapshot import GraphSnapshot
    from pytest_linkrules.runner import run_rule
    from pytest_linkrules.architecture import resolve_clusters, resolve_roles

    step = Stages()
    tmp = Path(tempfile.mkdtemp(prefix="linkrules-scale-"))
    (tmp / "linkrules.toml").write_text(config_text())
    from pytest_linkrules.rules import builtin_registry

    config = load_config(tmp / "linkrules.toml", builtin_registry())
    print(f"stages, {n:,} pages requested (seed {seed}):")
    base_site = make_crawl(n, seed, "base")
    base_graph = SiteGraph(base_site.crawl.pages, base_site.crawl.starts)
    base = GraphSnapshot.from_graph(base_graph, "base")
    base.arrays("x")  # what a saved snapshot holds: anchors per edge, read from the pages now
    base.graph = None
    del base_graph, base_site
    gc.collect()
    print(f"  (base variant built and snapshotted, not timed; RSS now {rss_mb():,.0f} MB)")
    site = step("model objects (generator)", lambda: make_crawl(n, seed, "head"),
                lambda s: f"{s.figures['pages']:,} pages, {s.figures['links']:,} links")
    crawl = site.crawl
    roles = step("roles + clusters", lambda: resolve_roles(config.roles, crawl.pages))
    clusters, _ = resolve_clusters(config.clusters, list(crawl.pages), roles)
    graph = step("graph build", lambda: SiteGraph(crawl.pages, crawl.starts, roles=roles, clusters=clusters,
                                                   sitemap_urls=crawl.sitemap_urls),
                 lambda g: f"{g.n_links:,} unique edges")
    step("click depth (BFS)", lambda: graph.depths, lambda d: f"max depth {graph.max_depth}")
    step("inlinks", lambda: graph._inlink_counts)
    step("PageRank", lambda: graph.pagerank)
    step("orphans", lambda: graph.orphans, lambda o: f"{len(o):,}")
    from pytest_linkrules.config import unmatched_globs

    step("unmatched globs", lambda: unmatched_globs(config, graph.urls, roles))
    change = step("change vs base", lambda: compare(base, GraphSnapshot.from_graph(graph, "head"), "base"))
    graph.change = change
    from pytest_linkrules.globs import GlobSet

    excluded = GlobSet(config.site.excluded_pages) if config.site.excluded_pages else None
    outcomes = []
    for rc in config.rules:
        out = step(f"rule {rc.id}", lambda rc=rc: run_rule(rc, graph, excluded),
                   lambda o: o.error.splitlines()[0][:60] if o.error else f"{len(o.violations):,} failing")
        outcomes.append(out)
    total = sum(len(o.violations) for o in outcomes)
    print(f"  failing pages in all: {total:,}")
    if suggest:
        from pytest_linkrules.suggest import attach_suggestions

        step("suggestions", lambda: attach_suggestions(outcomes, graph), lambda left: f"{left:,} left without")
    rules_wall = sum(r[1] for r in step.rows if r[0].startswith("rule "))
    rules_cpu = sum(r[2] for r in step.rows if r[0].startswith("rule "))
    print(f"  all rules: {rules_wall:.2f}s wall, {rules_cpu:.2f}s CPU")
    graph_rows = [r for r in step.rows if r[0] not in ("model objects (generator)",)]
    print(f"  everything after the generator: {sum(r[1] for r in graph_rows):.2f}s wall, "
          f"{sum(r[2] for r in graph_rows):.2f}s CPU; process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


def run_pytest(folder: Path, size: str, seed: int, variant: str, extra: list[str]) -> dict:
    out = folder / f"figures-{variant}.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE), env.get("PYTHONPATH", "")])
    env["LINKRULES_BENCH_OUT"] = str(out)
    env["LINKRULES_SCALE"] = json.dumps({"size": size, "seed": seed, "variant": variant})
    env["GITHUB_ACTIONS"] = "true"  # annotations and the job summary, as in CI
    env["GITHUB_STEP_SUMMARY"] = str(folder / f"summary-{variant}.md")
    cmd = [sys.executable, "-m", "pytest", "--linkrules", "-p", "_stages", "-p", "_scale_plugin",
           "-p", "no:randomly", "-p", "no:xdist", "-p", "no:cacheprovider", *extra]
    began = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter() - began
    if proc.returncode not in (0, 1):
        sys.exit(f"pytest failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    figures = json.loads(out.read_text())
    figures["wall"] = wall
    figures["cpu_total"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures["maxrss_mb"] = after.ru_maxrss / 1024
    lines = proc.stdout.strip().splitlines()
    figures["summary"] = lines[-1] if lines else ""
    figures["terminal_lines"] = len(lines)
    (folder / f"stdout-{variant}.txt").write_text(proc.stdout)
    return figures


def end_to_end(size: str, seed: int, html: bool, keep: Path | None, both: bool) -> None:
    folder = keep or Path(tempfile.mkdtemp(prefix="linkrules-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "linkrules.toml").write_text(config_text())
    (folder / "pytest.ini").write_text("[pytest]\n")
    base_file = folder / "base.npz"
    print(f"pytest, {size} (folder {folder}):")
    rows = []
    if not base_file.exists():  # the base branch's run, as CI would have saved it
        base = run_pytest(folder, size, seed, "base", [f"--linkrules-save-graph={base_file}", "-q", "--linkrules-no-suggestions"])
        rows.append(("base (saves the graph, no suggestions)", base))
    extra = [f"--linkrules-compare={base_file}", f"--junitxml={folder / 'junit.xml'}"]
    if html:
        extra += [f"--html={folder / 'report.html'}", "--self-contained-html"]
    for suggest in (False, True) if both else (True,):
        head = run_pytest(folder, size, seed, "head", extra + ([] if suggest else ["--linkrules-no-suggestions"]))
        rows.append((f"head (compare, JUnit{', HTML' if html else ''}, job summary{'' if suggest else ', no suggestions'})", head))
    for name, f in rows:
        gen = f.get("generator_seconds", 0.0)
        print(f"\n  {name}: {f['summary']}")
        print(f"    pages {f.get('pages', 0):,}, edges {f.get('edges', 0):,}, items {f.get('items', 0):,}, terminal lines {f['terminal_lines']:,}")
        for stage, s in f["stages"].items():
            print(f"    {stage:<14}{s['seconds']:>8.2f}s wall {s['cpu']:>8.2f}s CPU  peak {s['peak_mb']:>7,.0f} MB")
        print(f"    process: wall {f['wall']:.2f}s, CPU {f['cpu_total']:.2f}s, peak RSS {f['maxrss_mb']:,.0f} MB; "
              f"generator {gen:.2f}s wall / {f.get('generator_cpu', 0.0):.2f}s CPU; "
              f"wall - generation {f['wall'] - gen:.2f}s, CPU - generation {f['cpu_total'] - f.get('generator_cpu', 0.0):.2f}s")
    for name in ("junit.xml", "report.html", "summary-head.md", "base.npz"):
        p = folder / name
        if p.exists():
            print(f"  {name}: {p.stat().st_size / 1e6:,.1f} MB")
    junit = folder / "junit.xml"
    if junit.exists():
        with open(junit, "rb") as fh:
            failures = sum(chunk.count(b"<failure") for chunk in iter(lambda: fh.read(1 << 24), b""))
        print(f"  <failure> elements in junit.xml: {failures:,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", help="10k, 100k, 300k, 1m or a number of pages")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("stages", "pytest"))
    parser.add_argument("--no-suggestions", action="store_true", help="leave link suggestions out of the stages")
    parser.add_argument("--html", action="store_true", help="also write pytest-html's report in the pytest part")
    parser.add_argument("--without-suggestions", action="store_true", help="pytest part: run the head once more with --linkrules-no-suggestions (first)")
    parser.add_argument("--folder", type=Path, help="where the pytest part works (default: a new temporary folder)")
    args = parser.parse_args(argv)
    n = SIZES.get(args.size.lower()) or int(args.size)
    if args.only != "pytest":
        stages(n, args.seed, not args.no_suggestions)
    if args.only != "stages":
        end_to_end(str(n), args.seed, args.html, args.folder, args.without_suggestions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
