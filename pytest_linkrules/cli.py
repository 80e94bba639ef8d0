"""The ``linkrules`` command: the same checks as ``pytest --linkrules``, without pytest.

    linkrules check public/                      # a built site with the default rules
    linkrules check https://preview.example.com  # a deployed site
    linkrules check --config linkrules.toml      # the rules of a linkrules.toml
    linkrules graph public/ -o site.graphml      # export the link graph
    linkrules explain public/ /guides/seo/       # everything known about one page
    linkrules suggest public/ /guides/seo/       # the best pages to add a link to it on

Rules registered by conftest.py files need pytest; this command knows the
built-in rules and those installed packages offer (the pytest_linkrules.rules
entry point group).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import sys
import textwrap
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlsplit

from .quiet_numpy import import_numpy

import_numpy()  # before the modules below import numpy (quiet_numpy says why)
from .config import (  # noqa: E402
    RENDER_MODES,
    ConfigError,
    LinkrulesConfig,
    RuleConfig,
    SiteConfig,
    display_path,
    load_config,
    with_overrides,
)
from .report import export, github  # noqa: E402
from .report.escape import log_text, terminal  # noqa: E402
from .report.failures import Failure  # noqa: E402
from .report.text import click_path, explain, inlink_lines  # noqa: E402
from .rules import Rule, builtin_registry, installed_registry  # noqa: E402
from .runner import Analysis, analyze  # noqa: E402

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

EXIT_CODES = """\
exit status:
  0    every rule passes (for explain: the page passes every rule)
  1    pages break rules, pages could not be read, or a rule failed
  2    usage or configuration error: bad arguments, invalid linkrules.toml,
       a site that can't be crawled, an unknown page
  3    internal error in linkrules (a bug: please report it with the output)
  130  interrupted"""

DEFAULT_MAX_DEPTH = 4
DEFAULT_CONFIG = "linkrules.toml"


class UsageError(Exception):
    """A problem with what the user asked for; printed as one line, exit status 2."""


def _print(text: str = "", file=None) -> None:
    """Every line the command prints: page text in it must not control the terminal or the CI log."""
    print(log_text(text), file=file or sys.stdout)


def default_config(folder: Path, starts: Sequence[str], max_depth: int, *, folder_is_site: bool = True) -> LinkrulesConfig:
    """The rules used for a bare folder: no orphans, no broken links, max depth."""
    registry = builtin_registry()
    wanted = {"max-depth": {"max": max_depth}, "no-orphans": {}, "no-broken-links": {}}
    rules = []
    for line, (rule_id, raw) in enumerate(wanted.items()):
        rule = registry[rule_id]
        values, problems = rule.parse_options(raw)
        if problems:
            raise UsageError("; ".join(f"{rule_id}.{k}: {m}" for k, m in problems))
        rules.append(RuleConfig(rule_id, rule, values, frozenset(raw), line))
    site = SiteConfig(root=folder.resolve() if folder_is_site else None, start=tuple(starts) or ("/",))
    # No file holds these rules; the path only names the run in messages.
    return LinkrulesConfig(path=folder.resolve() / "(default rules)", site=site, rules=tuple(rules))


def resolve_config(args: argparse.Namespace) -> LinkrulesConfig:
    """TARGET and --config to a config, with --render and --browser-path applied."""
    config = _base_config(args)
    return with_overrides(
        config, url=args.url, render=args.render, browser_path=args.browser_path, render_endpoints=args.render_endpoint,
        dask=args.dask,
    )


def _base_config(args: argparse.Namespace) -> LinkrulesConfig:
    """A folder or URL alone gets the default rules; otherwise a linkrules.toml's."""
    args.url = None
    if args.target and re.match(r"https?://", args.target, flags=re.IGNORECASE):
        args.url, args.target = args.target, None
        if not args.config:
            return default_config(Path.cwd(), args.start, args.max_depth or DEFAULT_MAX_DEPTH, folder_is_site=False)
    target = Path(args.target) if args.target else None
    config_path = Path(args.config) if args.config else None
    if target is not None and not target.exists():
        raise UsageError(f"{args.target}: no such folder or file (expected the built site folder or a linkrules.toml)")
    if target is not None and target.is_file():
        if config_path is not None:
            raise UsageError(f"{args.target} is a file and --config was given too; give one linkrules.toml")
        config_path, target = target, None
    if config_path is None and target is None:
        if not Path(DEFAULT_CONFIG).is_file():
            raise UsageError(f"nothing to check: give the built site folder (linkrules check public/) or --config PATH; no {DEFAULT_CONFIG} here")
        config_path = Path(DEFAULT_CONFIG)
    if config_path is None:
        assert target is not None
        args.unused_config = nearby_config(target)
        return default_config(target, args.start, args.max_depth or DEFAULT_MAX_DEPTH)
    if args.max_depth is not None:
        raise UsageError("--max-depth sets the default rules for a folder; with a linkrules.toml, set [rules.max-depth] max there")
    config = load_config(config_path, rule_registry())
    site = config.site
    if target is not None:
        site = replace(site, root=target.resolve(), warc=())
    if args.start:
        site = replace(site, start=tuple(args.start))
    return replace(config, site=site)


def nearby_config(folder: Path) -> Path | None:
    """A linkrules.toml in the site folder, beside it, or here: not used unless -c names it."""
    for candidate in (folder / DEFAULT_CONFIG, folder.parent / DEFAULT_CONFIG, Path(DEFAULT_CONFIG)):
        if candidate.is_file():
            return candidate
    return None


def config_note(args: argparse.Namespace, config: LinkrulesConfig) -> str | None:
    """Which rules ran when no linkrules.toml did, and the one that was left unused."""
    if config.path.name != "(default rules)":
        return None
    rules = ", ".join(f"{rc.id} (max = {rc.options['max']})" if rc.id == "max-depth" else rc.id for rc in config.rules)
    note = f"no linkrules.toml used: the default rules {rules}"
    unused = getattr(args, "unused_config", None)
    if unused is not None:
        shown = os.path.normpath(unused)
        note += f"; {shown} is there but not used: pass -c {shown} for its rules"
    return note


def run_analysis(args: argparse.Namespace) -> Analysis:
    config = resolve_config(args)
    if args.command == "graph" and getattr(args, "unused_config", None) is not None:  # stdout may be the graph
        _print(f"linkrules: note: {config_note(args, config)}", file=sys.stderr)
    return analyze(config, cache_dir=cache_dir(args.cache_dir))


def cache_dir(given: str | None) -> Path | None:
    """The --cache-dir folder, made if missing; None without the option."""
    if given is None:
        return None
    path = Path(given)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--cache-dir {given}: is a file; give a folder for the crawl cache")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--cache-dir {given}: cannot be created ({exc.strerror or exc})") from None
    return path


def header(analysis: Analysis) -> str:
    crawl, graph = analysis.crawl, analysis.graph
    return (
        f"linkrules: {analysis.config.display}: {crawl.source}, {len(graph.urls):,} pages, {graph.n_links:,} links, "
        f"max depth {graph.max_depth}, render: {crawl.render}, crawled in {crawl.seconds:.2f}s"
    )


def failures_of(analysis: Analysis) -> tuple[list[Failure], int]:
    """Every problem of a run as the pytest items see them, and how many were waived.

    Pages covered by a waiver that has not expired are left out, as the plugin
    marks them xfail; a rule with severity "warning" gives Failures whose
    severity says so, which don't fail the run.
    """
    config = analysis.config
    out = []
    waived = 0
    bad = analysis.crawl.unreadable
    if bad:
        first = f"{len(bad)} of {len(analysis.crawl.pages)} pages could not be read (crawl)"
        text = "\n".join([first] + [f"  {p.url}  ({p.source}): {p.error}" for p in bad[:50]])
        out.append(Failure(f"{config.display}::crawl", first, text, config.path, 0))
    for outcome in analysis.outcomes:
        rc = outcome.config
        if outcome.error:
            first = outcome.error.splitlines()[0]
            out.append(Failure(f"{config.display}::{rc.id}", first, outcome.error, config.path, rc.line, rc.id, None, analysis, outcome))
        for v in outcome.violations:
            text = explain(v, analysis.graph)
            waiver = analysis.waived.get((v.rule, v.page))
            if waiver is not None and not waiver.expired():
                waived += 1
                continue
            if waiver is not None:
                text += f"\nWaiver: {waiver.label} expired on {waiver.expires}; fix the page, or extend the waiver's expires date."
            out.append(Failure(f"{config.display}::{v.rule}[{v.page}]", v.message, text, config.path, rc.line, v.rule, v.page, analysis, outcome, v))
    return out, waived


def cmd_check(args: argparse.Namespace) -> int:
    analysis = run_analysis(args)
    failures, waived = failures_of(analysis)
    used = config_note(args, analysis.config)
    if not args.quiet:
        _print(header(analysis))
        if used:
            _print(f"linkrules: note: {used}")
        for note in analysis.crawl.notes[:10]:
            _print(f"linkrules: note: {note}")
        for outcome in analysis.outcomes:
            if outcome.skipped:
                _print(f"linkrules: skipped {outcome.config.id}: {outcome.skipped}")
    elif used and getattr(args, "unused_config", None) is not None:
        _print(f"linkrules: note: {used}", file=sys.stderr)  # -q keeps stdout to failures
    for f in failures:
        level = "warning: " if f.severity == "warning" else ""
        if args.quiet:
            _print(level + f.message)
        else:
            _print()
            _print(f"{level}{f.nodeid}")
            _print(f.text)
    if github.enabled(os.environ):
        # Annotation lines are workflow commands, escaped as such by github.py: printed as they are.
        github.report(print, failures, {analysis.config.path: analysis}, kept_in=["this step's log (linkrules check prints every failure)"])
    per_rule: dict[str, int] = {}
    for f in failures:
        per_rule[f.rule or "crawl"] = per_rule.get(f.rule or "crawl", 0) + 1
    if not args.quiet:
        _print()
        for rule, n in sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0])):
            _print(f"{rule}: {n} page{'s' if n != 1 else ''}" if rule != "crawl" else f"crawl: {n} failure")
    failing = [f for f in failures if f.severity != "warning"]
    if not args.quiet:
        n_rules = len(analysis.outcomes)
        extra = [f"{len(failures) - len(failing)} warning{'s' if len(failures) - len(failing) != 1 else ''}"] if len(failing) < len(failures) else []
        extra += [f"{waived} waived"] if waived else []
        tail = f", {', '.join(extra)}" if extra else ""
        if failing:
            _print(f"{len(failing)} failure{'s' if len(failing) != 1 else ''}{tail} ({n_rules} rules on {len(analysis.graph.urls):,} pages)")
        else:
            _print(f"all {n_rules} rules pass on {len(analysis.graph.urls):,} pages{tail}")
    return EXIT_FAILURES if failing else EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    fmt = args.format or (export.format_for(args.output) if args.output and args.output != "-" else None) or "graphml"
    if args.output and args.output != "-" and Path(args.output).is_dir():
        raise UsageError(f"-o {args.output}: is a folder; give a file name such as site.{fmt}")
    analysis = run_analysis(args)
    if not args.output or args.output == "-":
        export.write(analysis.graph, fmt, sys.stdout)
        return EXIT_OK
    try:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            export.write(analysis.graph, fmt, fh)
    except OSError as exc:
        raise UsageError(f"-o {args.output}: cannot write: {exc.strerror or exc}") from None
    _print(f"{header(analysis)}\nwrote {fmt} to {args.output}", file=sys.stderr)
    return EXIT_OK


def find_page(analysis: Analysis, given: str) -> str:
    """The page URL a user means: /guides/seo, guides/seo/index.html, https://site/guides/seo/."""
    graph = analysis.graph
    text = given.strip()
    if re.match(r"https?://", text):
        text = urlsplit(text).path or "/"
    from .crawl.urls import FolderResolver, normalize_path

    path = normalize_path(text)
    for candidate in (path, path.rstrip("/") + "/", re.sub(r"index\.html?$", "", path)):
        if candidate in graph.index:
            return candidate
    kind, url = FolderResolver(p.source for p in graph.pages.values() if p.source).lookup(path)
    if kind == "page" and url in graph.index:
        return url
    close = difflib.get_close_matches(path, graph.urls, n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    raise UsageError(f'"{given}" is not a page of the site ({len(graph.urls):,} pages){hint}')


def cmd_explain(args: argparse.Namespace) -> int:
    analysis = run_analysis(args)
    graph = analysis.graph
    url = find_page(analysis, args.page)
    page = graph.pages[url]
    n = len(graph.urls)
    depth = graph.depth(url)
    rank = graph.rank(url)
    position = 1 + sum(1 for r in graph.pagerank if r > rank)
    _print(f"{url}" + (f"  {page.title!r}" if page.title else ""))
    if page.source:
        _print(f"  built file:  {page.source}")
    src = github.source_file(analysis.config, page)
    if src is not None:
        _print(f"  source file: {display_path(src)}")
    _print(f"  click depth: {depth if depth is not None else 'not reachable'} (deepest page on the site: {graph.max_depth})")
    _print("  " + click_path(graph, url))
    _print(f"  inlinks:     {graph.inlink_count(url)} counted (reachable pages, followed links), {graph.content_inlink_count(url)} from page content")
    for line in inlink_lines(graph, url):
        _print("  " + line)
    _print(f"  outlinks:    {graph.outlink_count(url)} pages")
    _print(f"  link score:  {rank:.4g} (internal PageRank; rank {position:,} of {n:,}, {rank * n:.2f}x the average page)")
    roles = sorted(name for name, urls in (getattr(graph, "roles", None) or {}).items() if url in urls)
    if roles:
        _print(f"  roles:       {', '.join(roles)}")
    if page.noindex:
        _print("  noindex:     yes (meta robots)")
    _print()
    _print(f"rules ({analysis.config.display}):")
    used = config_note(args, analysis.config)
    if used:
        _print(f"  ({used})")
    failing = 0
    for outcome in analysis.outcomes:
        rc = outcome.config
        hits = [v for v in outcome.violations if v.page == url]
        if outcome.error:
            _print(f"  ERROR {rc.id}: the rule itself failed: {outcome.error.splitlines()[0]}")
            continue
        if hits:
            for v in hits:
                waiver = analysis.waived.get((v.rule, v.page))
                if waiver is not None and not waiver.expired():
                    until = f" until {waiver.expires}" if waiver.expires else ""
                    _print(f"  waived {rc.id}: {v.message} ({waiver.label}{until}: {waiver.reason})")
                    continue
                if outcome.severity == "warning":
                    _print(f"  WARN  {rc.id}: {v.message}")
                else:
                    failing += 1
                    _print(f"  FAIL  {rc.id}: {v.message}")
                for d in v.details:
                    _print(f"          {d}")
                if v.hint:
                    _print(f"          Fix: {v.hint}")
            continue
        rule = rc.instantiate()
        pages, include, exclude = (rule.select(name, graph) for name in ("pages", "include", "exclude"))
        if pages and not pages(url):
            _print(f"  -     {rc.id}: not checked (the page is outside its pages = {list(rc.options.get('pages') or ())})")
        elif (include and not include(url)) or (exclude and exclude(url)):
            _print(f"  -     {rc.id}: not checked (include/exclude leave the page out)")
        else:
            _print(f"  pass  {rc.id}")
    return EXIT_FAILURES if failing else EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from .init import InitError, write_config

    output = Path(args.output)
    try:
        plan, _ = write_config(Path(args.site) if args.site else None, output, generator=args.generator, force=args.force)
    except InitError as exc:
        raise UsageError(str(exc)) from None
    preset = f"generator {plan.generator} ({plan.generator_how})" if plan.generator else f"no generator preset ({plan.generator_how})"
    _print(f"linkrules init: wrote {display_path(output.absolute())}: site {plan.root}, {plan.pages:,} pages, {preset}")
    rules = ["max-depth", "no-orphans", "no-broken-links"] + ["min-inlinks"] * bool(plan.min_inlinks) + ["no-archive-only"] * bool(plan.archives)
    _print(f"  rules: {', '.join(rules)}; roles: {', '.join(r[0] for r in plan.roles) or 'none'}")
    if plan.orphans or plan.broken:
        _print(f"  today: {len(plan.orphans)} unreachable page(s), {plan.broken} broken link(s); they will fail")
    _print("next: pytest --linkrules   (or: linkrules check)")
    return EXIT_OK


def cmd_suggest(args: argparse.Namespace) -> int:
    config = resolve_config(args)
    analysis = analyze(config, cache_dir=cache_dir(args.cache_dir), suggest=False)
    graph = analysis.graph
    url = find_page(analysis, args.page)
    from .report.escape import terminal
    from .suggest import Need, Suggester, budget_from

    depth = graph.depth(url)
    need = Need(url, max_source_depth=args.max_source_depth, content_only=True)
    suggester = Suggester(graph, budget_from(dict(config.suggestions)))
    found = suggester.suggest([need], k=args.count).get(need, [])
    where = f"depth {depth}" if depth is not None else "not reachable"
    _print(f"{terminal(url)}: {where}, {graph.inlink_count(url)} inlinks, {graph.content_inlink_count(url)} from page content")
    if suggester.bounded:
        b = suggester.budget
        _print(f"note: {suggester.n:,} pages, more than {b.exhaustive_pages:,} ([suggestions] exhaustive_pages): {b.describe()}")
    if not found:
        _print("no candidate pages: every reachable page that could link to it already does from its content")
        return EXIT_OK
    _print(f"add a link to it from the content of (best first):")
    for k, s in enumerate(found, 1):
        title = graph.pages[s.page].title
        _print(f"  {k}. {terminal(s.page)}" + (f"  {terminal(repr(title))}" if title else ""))
        _print(f"     {terminal('; '.join(s.reasons))}")
    return EXIT_OK


def rule_registry() -> dict[str, type[Rule]]:
    """Built-in rules and installed packages' (entry points); a broken package is a usage error."""
    registry, problems = installed_registry()
    if problems:
        raise UsageError("; ".join(problems))
    return registry


def cmd_rules(args: argparse.Namespace) -> int:
    for rule_id, rule in sorted(rule_registry().items()):
        _print(f"{rule_id}: {rule.summary()}")
        for opt in rule.options:
            req = "required" if opt.required else f"default {opt.default!r}"
            _print(f"    {opt.name} ({req}){': ' + opt.help if opt.help else ''}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkrules",
        description="Check a website's internal link architecture: click depth, orphans, inlinks, broken links.",
        epilog=EXIT_CODES + "\n\nDocs: README.md; the same checks run in pytest with `pytest --linkrules`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("pytest-linkrules")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ver = "unknown"
    parser.add_argument("--version", action="version", version=f"linkrules {ver}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def site_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "target",
            nargs="?",
            metavar="SITE",
            help="the built site folder or a deployed site's URL (the default rules unless --config is given), "
            f"or a linkrules.toml; default: ./{DEFAULT_CONFIG}",
        )
        p.add_argument("-c", "--config", metavar="PATH", help="linkrules.toml with the rules (its [site] root is replaced by SITE if given)")
        p.add_argument("--start", action="append", default=[], metavar="PATH", help='start page, e.g. "/" (repeatable; default: the config\'s, or "/")')
        p.add_argument(
            "--max-depth",
            type=_positive,
            metavar="N",
            help=f"max click depth of the default rules, used for a folder without --config (default: {DEFAULT_MAX_DEPTH})",
        )
        p.add_argument(
            "--render",
            choices=RENDER_MODES,
            help="render pages in Chromium: auto (when scripts change the links), always or never (default: the config's, else auto)",
        )
        p.add_argument("--browser-path", metavar="PATH", help="Chromium or Chrome executable for rendering (env LINKRULES_BROWSER)")
        p.add_argument(
            "--render-endpoint",
            action="append",
            default=[],
            metavar="URL",
            help="render on a browser already running elsewhere (ws://: a Playwright browser server; http:// or "
            "cdp+ws://: a CDP endpoint); may be given more than once (replaces site.render_endpoints)",
        )
        p.add_argument(
            "--dask",
            metavar="ADDRESS",
            help="parse a folder's or WARC's pages on the Dask cluster at ADDRESS (tcp://host:8786), or 'local' for a LocalCluster here",
        )
        p.add_argument(
            "--cache-dir",
            metavar="DIR",
            help="keep the crawl cache in DIR, so a re-run parses only the pages that changed (default: no cache; "
            "pytest --linkrules keeps its own in .pytest_cache/d/linkrules, which DIR may name to share it)",
        )

    default_rules = (
        f"With only a folder or URL, the default rules are: max-depth (max = {DEFAULT_MAX_DEPTH}), no-orphans, no-broken-links."
    )
    check = sub.add_parser(
        "check",
        help="crawl the site and check its rules",
        description=_wrap("Crawl the site and check every rule; print each failing page with its evidence and a fix. " + default_rules),
        epilog=EXIT_CODES + "\n\nexamples:\n  linkrules check public/\n  linkrules check --config linkrules.toml\n  linkrules check public/ -c linkrules.toml -q",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    site_args(check)
    check.add_argument("-q", "--quiet", action="store_true", help="print only one line per failure")
    check.set_defaults(func=cmd_check)

    graph = sub.add_parser(
        "graph",
        help="export the link graph (GraphML, JSON node-link, CSV edge list)",
        description=_wrap(
            "Crawl the site and write its link graph with page attributes: depth, inlinks, "
            "content_inlinks, outlinks, link_score (internal PageRank), noindex, source, roles. "
            "GraphML loads with networkx.read_graphml, JSON with networkx.node_link_graph(data, edges=\"edges\"), "
            "CSV is one row per link."
        ),
        epilog=EXIT_CODES + "\n\nexamples:\n  linkrules graph public/ --format graphml -o site.graphml\n  linkrules graph public/ --format csv > links.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    site_args(graph)
    graph.add_argument("--format", choices=export.FORMATS, help="output format (default: from the -o file name, else graphml)")
    graph.add_argument("-o", "--output", metavar="FILE", help="file to write (default: standard output)")
    graph.set_defaults(func=cmd_graph)

    explain_p = sub.add_parser(
        "explain",
        help="everything known about one page: depth, path, inlinks, link score, rules",
        description=_wrap(
            "Crawl the site and explain one page: its click depth and path, the pages linking to it "
            "(anchor text, content or nav), its link score, and which rules it fails and why. " + default_rules
        ),
        epilog=EXIT_CODES + "\n\nexamples:\n  linkrules explain public/ /guides/seo/\n  linkrules explain -c linkrules.toml /guides/seo/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    site_args(explain_p)
    explain_p.add_argument("page", metavar="PAGE", help="the page's URL path (/guides/seo/), file (guides/seo/index.html) or full URL")
    explain_p.set_defaults(func=cmd_explain)

    init = sub.add_parser(
        "init",
        help="write a starter linkrules.toml for a built site",
        description=_wrap(
            "Crawl a built site and write a starter linkrules.toml that fits it: the generator's preset "
            "(detected from its pages), the start page, archive globs where such pages exist, a depth limit and an "
            "inlink floor the site meets today, roles from its URL sections; each choice is commented. "
            "The file is checked against the site before it is written."
        ),
        epilog="examples:\n  linkrules init            # finds site/, _build/html, public/, _site/, build/ ...\n"
        "  linkrules init public/ -o linkrules.toml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("site", nargs="?", metavar="SITE", help="the built site folder (default: the first of site/, _build/html/, public/, _site/, build/ ... here)")
    init.add_argument("-o", "--output", default=DEFAULT_CONFIG, metavar="FILE", help=f"the file to write (default: {DEFAULT_CONFIG}); root is written relative to it")
    init.add_argument("--generator", metavar="NAME", help="mkdocs, sphinx, hugo, jekyll, docusaurus, or auto (default: detected)")
    init.add_argument("--force", action="store_true", help="replace the file if it exists")
    init.set_defaults(func=cmd_init)

    suggest_p = sub.add_parser(
        "suggest",
        help="the best existing pages to add a link to a page on, with the reasons",
        description=_wrap(
            "Crawl the site and rank the pages that could link to PAGE from their content: similar text "
            "(TF-IDF of titles, headings and prose), links back from PAGE, shared outlinks, the same folder, "
            "a shallow depth, the same cluster or role. Pages that already link to it from their content, and "
            "pages no start page reaches, are left out."
        ),
        epilog=EXIT_CODES + "\n\nexamples:\n  linkrules suggest public/ /guides/seo/\n  linkrules suggest -c linkrules.toml /guides/seo/ -n 10 --max-source-depth 2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    site_args(suggest_p)
    suggest_p.add_argument("page", metavar="PAGE", help="the page's URL path (/guides/seo/), file (guides/seo/index.html) or full URL")
    suggest_p.add_argument("-n", "--count", type=_positive, default=5, metavar="N", help="how many pages to suggest (default 5)")
    suggest_p.add_argument(
        "--max-source-depth", type=_non_negative, metavar="D", help="only pages at most D clicks deep (to bring PAGE within D+1 clicks)"
    )
    suggest_p.set_defaults(func=cmd_suggest)

    rules = sub.add_parser("rules", help="list the built-in rules and their options", description="List the built-in rules and their options.")
    rules.set_defaults(func=cmd_rules)
    return parser


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=min(100, shutil.get_terminal_size().columns - 2))


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {number}")
    return number


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {number}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except UsageError as exc:
        _print(f"linkrules {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        for problem in exc.problems:
            _print(f"linkrules {args.command}: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        _print("linkrules: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `linkrules graph ... | head`
        sys.stderr.close()
        return EXIT_OK
    except Exception:
        _print("linkrules: internal error (a bug in pytest-linkrules); please report this with the output below", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
