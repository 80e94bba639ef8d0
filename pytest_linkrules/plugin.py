"""pytest hooks: options, loading configs, the shared crawl, collection, summaries.

Nothing happens unless ``--linkrules`` is given or the ``linkrules`` ini
option is true, so installing the plugin never changes an ordinary test run.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from . import hooks
from .config import ConfigError, LinkrulesConfig, display_path, load_config, with_overrides
from .crawl.progress import TerminalProgress
from .baseline import Baseline, BaselineError, save_baseline
from .items import STATE_KEY, LinkrulesFile, LinkrulesState
from .rules import Rule, installed_registry
from .crawl.folder import page_folders
from .runner import analyze
from . import snapshot

DEFAULT_CONFIG = "linkrules.toml"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("linkrules", "internal link architecture (pytest-linkrules)")
    group.addoption(
        "--linkrules",
        action="store_true",
        default=None,
        help="crawl the site described by linkrules.toml and check its link rules",
    )
    group.addoption(
        "--no-linkrules",
        action="store_false",
        dest="linkrules",
        help="don't check link rules in this run, though the ini file turns them on (linkrules = true)",
    )
    group.addoption(
        "--linkrules-config",
        action="append",
        default=[],
        metavar="PATH",
        help="linkrules.toml to use (default: linkrules.toml in the rootdir); may be given more than once",
    )
    group.addoption("--linkrules-url", metavar="URL", default=None, help="crawl this deployed site instead of site.root / site.url (e.g. a local preview)")
    group.addoption(
        "--linkrules-render",
        choices=("auto", "always", "never"),
        default=None,
        help="render pages in Chromium: auto (default: when scripts change the links), always or never",
    )
    group.addoption(
        "--linkrules-browser-path",
        metavar="PATH",
        default=None,
        help="Chromium or Chrome executable for rendering (default: Playwright's, then chromium on PATH; env LINKRULES_BROWSER)",
    )
    group.addoption(
        "--linkrules-no-cache",
        action="store_true",
        default=False,
        help="parse every page again instead of reusing unchanged pages from the crawl cache (.pytest_cache/d/linkrules)",
    )
    group.addoption(
        "--linkrules-baseline",
        default=None,
        metavar="FILE",
        help="fail only violations that are new against this baseline (written by --linkrules-save-baseline)",
    )
    group.addoption(
        "--linkrules-save-baseline",
        default=None,
        metavar="FILE",
        help="write the graph figures and every violation to FILE (JSON), to compare later runs against",
    )
    parser.addini("linkrules", type="bool", default=False, help="turn on link rule checks as --linkrules does")
    parser.addini(
        "linkrules_config",
        type="args",
        default=[],
        help="linkrules.toml file(s) to use, relative to the rootdir",
    )


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def is_enabled(config: pytest.Config) -> bool:
    given = config.getoption("linkrules")  # None unless --linkrules or --no-linkrules (the last one wins)
    return bool(config.getini("linkrules") if given is None else given)


def config_paths(config: pytest.Config) -> list[Path]:
    """The linkrules.toml files of this run: from the command line, the ini, or the rootdir."""
    given = config.getoption("linkrules_config")
    if any(not p.strip() for p in given):
        raise pytest.UsageError("--linkrules-config: expected a path to a linkrules.toml file, got an empty value")
    # abspath, not Path.absolute: "site/../site/x.toml" must equal the path
    # pytest collects, or the file would never become items.
    if given:
        return [Path(os.path.abspath(p)) for p in given]
    from_ini = config.getini("linkrules_config")
    if from_ini:
        return [Path(os.path.abspath(config.rootpath / p)) for p in from_ini]
    found = find_config(config.invocation_params.dir, config.rootpath)
    if found is None:
        raise pytest.UsageError(f"--linkrules: {missing_config_message(config.invocation_params.dir, config.rootpath)}")
    return [found]


def find_config(here: Path, rootdir: Path) -> Path | None:
    """linkrules.toml in the folder pytest runs from or a parent of it, up to the rootdir.

    Running pytest from a subfolder of the project finds the rootdir's file;
    a site folder inside a Python project (whose pyproject.toml makes the
    rootdir its parent) finds the file beside the site.
    """
    here, rootdir = Path(os.path.abspath(here)), Path(os.path.abspath(rootdir))
    folders = [here, *here.parents] if here == rootdir or rootdir in here.parents else []
    for folder in folders[: folders.index(rootdir) + 1] if rootdir in folders else [rootdir]:
        if (folder / DEFAULT_CONFIG).is_file():
            return folder / DEFAULT_CONFIG
    return None


def missing_config_message(here: Path, rootdir: Path) -> str:
    """Say where we looked, and name a linkrules.toml one or two folders down if there is one."""
    looked = f"in {rootdir}" if Path(here) == Path(rootdir) else f"from {here} up to the rootdir {rootdir}"
    nearby = sorted(rootdir.glob(f"*/{DEFAULT_CONFIG}")) + sorted(rootdir.glob(f"*/*/{DEFAULT_CONFIG}"))
    if nearby:
        shown = os.path.relpath(nearby[0], here)
        return f"no {DEFAULT_CONFIG} {looked}; found {shown}: pass --linkrules-config={shown}"
    return f"no {DEFAULT_CONFIG} {looked}; write one with `linkrules init` or pass --linkrules-config=PATH"


def registry_for(config: pytest.Config) -> dict[str, type[Rule]]:
    """Built-in rules plus those that conftest files and plugins register."""
    offered: list[Any] = []
    for extra in config.hook.pytest_linkrules_register_rules():
        # "return MyRule" instead of "return [MyRule]" is an easy slip: accept it.
        offered.extend(extra if isinstance(extra, (list, tuple, set, frozenset)) else [extra] if extra else [])
    registry, problems = installed_registry(offered)
    if problems:
        raise pytest.UsageError("\n".join(problems))
    return registry


def pytest_configure(config: pytest.Config) -> None:
    if not is_enabled(config):
        return
    paths = config_paths(config)
    registry = registry_for(config)
    configs: list[LinkrulesConfig] = []
    problems: list[str] = []
    for path in paths:
        try:
            configs.append(_with_command_line(config, load_config(path, registry)))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise pytest.UsageError("invalid linkrules config:\n" + "\n".join(problems))
    config.stash[STATE_KEY] = LinkrulesState(registry, configs)
    _make_collected(config, paths)
    if config.getoption("htmlpath", None) and config.pluginmanager.hasplugin("html"):
        from .report.html import HtmlReport

        html = HtmlReport(lambda: config.stash[STATE_KEY].analyses, config.rootpath)
        config.pluginmanager.register(html, "linkrules-html")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is not None and state.snapshot is not None:
        snapshot.remove(state.snapshot)


def _with_command_line(config: pytest.Config, cfg: LinkrulesConfig) -> LinkrulesConfig:
    return with_overrides(
        cfg,
        url=config.getoption("linkrules_url"),
        render=config.getoption("linkrules_render"),
        browser_path=config.getoption("linkrules_browser_path"),
    )


def _progress(config: pytest.Config) -> TerminalProgress | None:
    """A progress line on a terminal; nothing under -q or when output is a file or pipe."""
    if config.getoption("verbose") < 0 or not sys.stdout.isatty():
        return None
    return TerminalProgress(sys.stdout)


def _make_collected(config: pytest.Config, paths: list[Path]) -> None:
    """Add each linkrules.toml to the collection arguments unless a given path holds it.

    With ``testpaths = tests`` a plain ``pytest --linkrules`` would otherwise
    never visit the rootdir's linkrules.toml and the gate would pass silently.
    """
    args = [Path(os.path.abspath(a.split("::")[0])) for a in config.args]
    for path in paths:
        if not any(path == a or a in path.parents for a in args):
            config.args.append(str(path))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Crawl once per config, before collection, so item ids can name the failing pages."""
    config = session.config
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    problems: list[str] = []
    cache_dir = _cache_dir(config)
    shared = getattr(config, "workerinput", {}).get("linkrules_snapshot")  # on an xdist worker
    if config.pluginmanager.hasplugin("dsession"):  # the xdist controller: crawl once for all workers
        state.snapshot = snapshot.snapshot_folder()
    sharing = state.snapshot
    for cfg in state.configs:
        crawl = snapshot.load_crawl(Path(shared), cfg.path) if shared else None
        try:
            progress = _progress(config) if crawl is None else None
            try:
                analysis = analyze(cfg, progress=progress, cache_dir=cache_dir, crawl=crawl)
            finally:
                if progress is not None:
                    progress.close()
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        state.analyses[cfg.path] = analysis
        if sharing is not None:
            snapshot.save_crawl(sharing, cfg.path, analysis.crawl)
        if cfg.site.root is not None:
            sources = (p.source for p in analysis.crawl.pages.values())
            state.site_folders |= page_folders(cfg.site.root, sources, keep=[c.path.parent for c in state.configs])
        config.hook.pytest_linkrules_graph_built(graph=analysis.graph, config=config)
    if problems:
        raise pytest.UsageError("linkrules:\n" + "\n".join(problems))
    _baselines(config, state)


def _cache_dir(config: pytest.Config) -> Path | None:
    """Where the crawl cache lives: pytest's cache folder, so --cache-clear clears it too.

    None with --linkrules-no-cache or when pytest's cache is off (-p no:cacheprovider).
    """
    cache = getattr(config, "cache", None)
    if config.getoption("linkrules_no_cache") or cache is None:
        return None
    return Path(cache.mkdir("linkrules"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller: tell each worker where the shared crawl is."""
    state = node.config.stash.get(STATE_KEY, None)
    if state is not None and state.snapshot is not None:
        node.workerinput["linkrules_snapshot"] = str(state.snapshot)


def _baseline_key(config: pytest.Config, path: Path) -> str:
    """A config's name in baseline files: its path from the rootdir, so checkouts agree."""
    try:
        return path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return path.as_posix()


def _baselines(config: pytest.Config, state: LinkrulesState) -> None:
    keyed = {_baseline_key(config, path): a for path, a in state.analyses.items()}
    compare_with = config.getoption("linkrules_baseline")
    if compare_with:
        try:
            baseline = Baseline.load(Path(compare_with))
        except BaselineError as exc:
            raise pytest.UsageError(f"--linkrules-baseline: {exc}") from None
        state.baseline_name = compare_with
        for key, analysis in keyed.items():
            state.comparisons[analysis.config.path] = baseline.compare(key, analysis, len(keyed))
    save_to = config.getoption("linkrules_save_baseline")
    if save_to and not hasattr(config, "workerinput"):  # under xdist the controller alone writes it
        try:
            save_baseline(Path(save_to), keyed)
        except OSError as exc:
            raise pytest.UsageError(f"--linkrules-save-baseline: cannot write {save_to}: {exc.strerror or exc}") from None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Don't walk the built site looking for tests: its pages are crawled, not collected."""
    state = config.stash.get(STATE_KEY, None)
    if state is not None and str(collection_path) in state.site_folders:
        return True
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    state = parent.config.stash.get(STATE_KEY, None)
    if state is not None and file_path.absolute() in state.paths:
        # Outside the rootdir pytest would give the file an empty node id
        # ("::max-depth[/x/]"); "../site/linkrules.toml::..." can be selected.
        rootpath = parent.config.rootpath
        nodeid = None
        if rootpath not in file_path.parents:
            nodeid = os.path.relpath(file_path, rootpath).replace(os.sep, "/")
        return LinkrulesFile.from_parent(parent, path=file_path, nodeid=nodeid)
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """No silent green: every config must have produced items."""
    state = session.config.stash.get(STATE_KEY, None)
    if state is None:
        return
    collected = {item.path.absolute() for item in session.items if item.path is not None}
    missing = [c.display for c in state.configs if c.path not in collected]
    if missing and not session.config.getoption("keyword") and not session.config.getoption("markexpr"):
        raise pytest.UsageError(
            "--linkrules: " + ", ".join(missing) + " produced no test items; "
            "check that the path is inside the rootdir and not ignored"
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return []
    lines = []
    for path, analysis in state.analyses.items():
        crawl, graph = analysis.crawl, analysis.graph
        lines.append(
            f"linkrules: {display_path(path)}: {crawl.source}, {len(graph.urls):,} pages, "
            f"{graph.n_links:,} links, max depth {graph.max_depth}, "
            f"render: {crawl.render} ({crawl.render_reason}), crawled in {crawl.seconds:.2f}s"
        )
        if crawl.browser_missing:
            from .crawl.browser import browser_missing_line

            lines.append(f"linkrules: {browser_missing_line(crawl.browser_missing)}")
        for note in crawl.notes[:10]:
            lines.append(f"linkrules: note: {note}")
        if len(crawl.notes) > 10:
            lines.append(f"linkrules: note: ... and {len(crawl.notes) - 10} more notes")
    from .report.escape import log_text

    return [log_text(line) for line in lines]  # notes and reasons quote page URLs


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Failures per rule, so a broken site reads as a few lines, not a wall of ids."""
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    if os.environ.get("GITHUB_ACTIONS") == "true" and not hasattr(config, "workerinput"):
        from .report import github
        from .report.failures import ViolationIndex

        failures = ViolationIndex(state.analyses, config.rootpath).problems(terminalreporter.stats)
        github.report(terminalreporter.write_line, failures, state.analyses)
    counts: Counter[str] = Counter()
    for report in terminalreporter.stats.get("failed", []):
        rule = dict(getattr(report, "user_properties", ())).get("rule")
        if rule is not None and "[" in report.nodeid:
            counts[rule] += 1
    if counts:
        terminalreporter.section("linkrules: failing pages per rule", sep="-")
        for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            terminalreporter.line(f"{rule}: {n} page{'s' if n != 1 else ''}")
    _summarize_warnings(terminalreporter)
    _summarize_expected(terminalreporter)
    _summarize_baseline(terminalreporter, config, state)


def _summarize_warnings(terminalreporter: Any) -> None:
    """Warnings pass the gate, so this list is the only place a reader sees them."""
    lines = []
    for report in terminalreporter.stats.get("passed", []):
        if report.when != "call":
            continue
        lines += [value for key, value in report.user_properties if key == "linkrules_warning"]
    if lines:
        terminalreporter.section(f"linkrules: {len(lines)} warning{'s' if len(lines) != 1 else ''} (not failing)", sep="-")
        for line in lines:
            terminalreporter.line(f"WARNING {line}")


def _summarize_expected(terminalreporter: Any) -> None:
    waived: Counter[str] = Counter()
    known = 0
    for report in terminalreporter.stats.get("xfailed", []):
        props = dict(report.user_properties)
        if "waived" in props:
            waived[str(props.get("rule"))] += 1
        elif "baseline" in props:
            known += 1
    if waived:
        shown = ", ".join(f"{rule}: {n}" for rule, n in sorted(waived.items()))
        terminalreporter.line(f"linkrules: {sum(waived.values())} waived (xfail): {shown}")
    if known:
        terminalreporter.line(f"linkrules: {known} known violation(s) from the baseline (xfail)")


def _summarize_baseline(terminalreporter: Any, config: pytest.Config, state: LinkrulesState) -> None:
    save_to = config.getoption("linkrules_save_baseline")
    if save_to:
        total = sum(len(a.violations) for a in state.analyses.values())
        terminalreporter.line(f"linkrules: baseline saved to {save_to} ({total} violation(s))")
    for path, comparison in state.comparisons.items():
        name = display_path(path)
        if comparison.missing:
            terminalreporter.line(f"linkrules: {name}: not in baseline {state.baseline_name}; every violation counts as new")
            continue
        terminalreporter.section(f"linkrules: {name} against baseline {state.baseline_name}", sep="-")
        terminalreporter.line(
            f"{len(comparison.new)} new, {len(comparison.known)} known, {len(comparison.fixed)} fixed since the baseline"
        )
        for rule, page in comparison.new:
            terminalreporter.line(f"NEW    {rule}[{page}]")
        for rule, page, message in comparison.fixed:
            terminalreporter.line(f"FIXED  {rule}[{page}]: was: {message}")
        if comparison.changes:
            terminalreporter.line("Figures: " + ", ".join(comparison.changes))


