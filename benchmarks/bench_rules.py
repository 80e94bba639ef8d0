"""Time every built-in rule on a synthetic graph, without HTML or pytest.

    python benchmarks/bench_rules.py --pages 100000 --links 80

Pages get ``--links`` links each (a third in chrome, a few nofollow, noindex,
non-canonical and redirect pages sprinkled in), roles and two clusters, a
sitemap and JS-only links, so every rule has work to do. Prints seconds and
violations per rule; figures go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_linkrules.architecture import Cluster  # noqa: E402
from pytest_linkrules.config import RuleConfig  # noqa: E402
from pytest_linkrules.graph import SiteGraph  # noqa: E402
from pytest_linkrules.model import CONTENT, JS_ONLY, NOFOLLOW, REDIRECT, Link, Page  # noqa: E402
from pytest_linkrules.rules import builtin_registry  # noqa: E402
from pytest_linkrules.runner import run_rule  # noqa: E402

OPTIONS = {
    "max-depth": {"max": 4},
    "min-inlinks": {"pages": ["@pillar"], "min": 3},
    "no-orphans": {},
    "no-archive-only": {"archives": ["/tag/**"]},
    "no-broken-links": {},
    "min-content-inlinks": {"pages": ["@pillar"], "min": 3},
    "cluster-links": {},
    "link-score": {"pages": ["@pillar"], "top_percent": 10},
    "max-outlinks": {"max": 100},
    "anchor-text": {"pages": ["@pillar"]},
    "no-redirect-links": {},
    "no-nofollow-internal": {},
    "no-links-to-noindex": {},
    "no-links-to-non-canonical": {},
    "sitemap-consistency": {},
    "js-only-links": {"pages": ["@pillar"]},
}


def build(n: int, per_page: int, seed: int = 1) -> SiteGraph:
    rnd = random.Random(seed)
    urls = ["/"] + [f"/guides/g{i}/" for i in range(50)] + [f"/tag/t{i}/" for i in range(200)]
    urls += [f"/blog/p{i}/" for i in range(n - len(urls))]
    nav = [Link(u, u, "nav", 0) for u in urls[1:11]]
    pages = {}
    for i, url in enumerate(urls):
        links = list(nav)
        for _ in range(per_page - len(nav)):
            target = urls[rnd.randrange(len(urls))] if rnd.random() < 0.7 else urls[min(len(urls) - 1, i + rnd.randrange(1, 50))]
            flags = CONTENT | (NOFOLLOW if rnd.random() < 0.01 else 0) | (JS_ONLY if rnd.random() < 0.01 else 0)
            links.append(Link(target, target, "read more" if rnd.random() < 0.02 else "a topic", flags))
        if rnd.random() < 0.002:
            links.append(Link("/", "/", "(meta refresh)", CONTENT | REDIRECT))
        pages[url] = Page(
            url=url,
            source=url,
            title=url,
            noindex=rnd.random() < 0.01,
            canonical=url if rnd.random() < 0.99 else "/",
            links=tuple(links),
            rendered=True,
        )
    roles = {"pillar": frozenset(urls[1:51])}
    clusters = [Cluster(f"/guides/g{g}/", tuple(urls[251 + g * 20 : 271 + g * 20]), f"clusters[{g}]") for g in range(2)]
    sitemap = [u for u in urls if rnd.random() < 0.95]
    return SiteGraph(pages, ["/"], roles=roles, clusters=clusters, sitemap_urls=sitemap)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--links", type=int, default=60)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    graph = build(args.pages, args.links)
    print(f"graph: {len(graph.urls):,} pages, {graph.n_links:,} edges, built in {time.perf_counter() - began:.1f}s")
    graph.depths, graph.pagerank  # shared metrics, timed apart from the rules
    registry = builtin_registry()
    for rule_id, raw in OPTIONS.items():
        rule = registry[rule_id]
        values, problems = rule.parse_options(raw)
        assert not problems, problems
        t = time.perf_counter()
        outcome = run_rule(RuleConfig(rule_id, rule, values, frozenset(raw)), graph)
        took = time.perf_counter() - t
        status = outcome.error.splitlines()[0] if outcome.error else f"{len(outcome.violations):,} violations"
        print(f"{rule_id:28s} {took:7.2f}s  {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
