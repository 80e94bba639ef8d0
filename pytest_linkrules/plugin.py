"""pytest hooks: options, loading configs, the shared crawl, collection, summaries.

Nothing happens unless ``--linkrules`` is given or the ``linkrules`` ini
option is true, so installing the plugin never changes an ordinary test run.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import weakref
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest


def _import_without_assert_rewriting(package: str = __package__) -> None:
    """Let the rest of this package import as plain modules, not through pytest's assertion rewriter.

    pytest marks every module of a plugin's distribution for assertion rewriting, so that asserts
    in fixtures and helpers report well. This package holds no test code, and rewriting costs
    every run without pytest's own cached ``.pyc`` files (a fresh CI runner, or
    ``PYTHONDONTWRITEBYTECODE``) a parse, a rewrite and a compile of each module it imports: about
    0.2 s of a run on a 1,000-page site (benchmarks/README.md, "A fast start"), where the installed
    ``.pyc`` files load in milliseconds. The hook offers no public way to unmark a package, so
    this reads its attributes and does nothing on a pytest whose hook has none of them.
    """
    for finder in sys.meta_path:
        marked, cache = getattr(finder, "_must_rewrite", None), getattr(finder, "_marked_for_rewrite_cache", None)
        if isinstance(marked, set) and isinstance(cache, dict):
            marked.discard(package)
            for name in [n for n in cache if n == package or n.startswith(package + ".")]:
                del cache[name]


_import_without_assert_rewriting()

# Each import below comes after the rewriter lets the package go. An ordinary test run (no
# --linkrules) imports only these; config, rules and items wait for the hooks that use them.
from . import hooks  # noqa: E402
from .report.text import MAX_SHOWN_PER_RULE, cap_per_rule, causes_by_rule, per_rule_lines, plural  # noqa: E402
from .stash import STATE_KEY  # noqa: E402

if TYPE_CHECKING:
    from .config import LinkrulesConfig
    from .items import LinkrulesState
    from .rules import Rule

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
        "--linkrules-render-endpoint",
        action="append",
        default=[],
        metavar="URL",
        help="render on a browser already running elsewhere (ws://: a Playwright browser server; http:// or cdp+ws://: "
        "a CDP endpoint) instead of a local one; may be given more than once (replaces site.render_endpoints)",
    )
    group.addoption(
        "--linkrules-dask",
        metavar="ADDRESS",
        default=None,
        help="parse WARC files or folder shards on the Dask cluster at ADDRESS (tcp://host:8786), or 'local' for a LocalCluster on this machine (overrides site.dask)",
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
    group.addoption(
        "--linkrules-save-graph",
        default=None,
        metavar="FILE",
        help="write the crawled link graph (pages, links, metrics) to FILE (.npz), for a later --linkrules-compare",
    )
    group.addoption(
        "--linkrules-compare",
        default=None,
        metavar="FILE_OR_FOLDER",
        help="compare with a base build: a --linkrules-save-graph file, or the base branch's built folder; "
        "reports what changed and runs the change rules (no-new-orphans, no-deeper-pages, ...)",
    )
    group.addoption(
        "--linkrules-no-suggestions",
        action="store_true",
        default=False,
        help="don't rank pages to link from for failing pages (saves ~7 s of TF-IDF at 100k pages)",
    )
    group.addoption(
        "--linkrules-change-report",
        default=None,
        metavar="FILE",
        help="write the failing pages with their link suggestions, and with --linkrules-compare the change "
        "(links added and removed, pages made deeper, ...), to FILE as JSON",
    )
    group.addoption(
        "--linkrules-max-shown",
        default=None,
        metavar="N",
        help=f"failing pages of each rule that the terminal shows in full (default {MAX_SHOWN_PER_RULE}; 'all' shows every one); "
        "the rest are counted, JUnit XML and the HTML report keep every one",
    )
    parser.addini("linkrules", type="bool", default=False, help="turn on link rule checks as --linkrules does")
    parser.addini(
        "linkrules_config",
        type="args",
        default=[],
        help="linkrules.toml file(s) to use, relative to the rootdir",
    )
    parser.addini("linkrules_max_shown", default="", help="as --linkrules-max-shown")


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
    from .rules import installed_registry

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
    from .config import ConfigError, load_config
    from .items import LinkrulesState

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
    lean = not any(config.getoption(o, False) for o in ("usepdb", "setupshow", "setuponly", "setupplan"))
    config.stash[STATE_KEY] = LinkrulesState(registry, configs, max_shown=max_shown(config), lean_protocol=lean)
    config.pluginmanager.register(FailureCap(), "linkrules-failure-cap")
    config.pluginmanager.register(LateAnalysis(), "linkrules-late-analysis")
    # Registered before pytest's own cleanups (our pytest_configure runs first), so it runs after them.
    config.add_cleanup(lambda: gc.unfreeze() if config.stash[STATE_KEY].frozen else None)
    config.add_cleanup(lambda: _close_started(config.stash[STATE_KEY]))
    atexit.register(_release_at_exit, weakref.ref(config.stash[STATE_KEY]))
    _make_collected(config, paths)
    if config.getoption("htmlpath", None) and config.pluginmanager.hasplugin("html"):
        from .report.html import HtmlReport

        html = HtmlReport(lambda: config.stash[STATE_KEY].analyses, config.rootpath)
        config.pluginmanager.register(html, "linkrules-html")


def _close_started(state: LinkrulesState) -> None:
    """Stop the workers of a crawl begun at session start and not taken (an error on the way); none once it is."""
    started, state.started = state.started, None
    if started is not None:
        started.close()


def max_shown(config: pytest.Config) -> int | None:
    """Failing pages per rule shown in full: --linkrules-max-shown, the ini option, or the default; None for all."""
    given = config.getoption("linkrules_max_shown")
    name = "--linkrules-max-shown"
    if given is None:
        given, name = config.getini("linkrules_max_shown"), "linkrules_max_shown (ini)"
    text = str(given or "").strip()
    if not text:
        return MAX_SHOWN_PER_RULE
    if text.lower() == "all":
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise pytest.UsageError(f'{name}: expected a positive number of pages or "all", got {text!r}')
    return int(text)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is not None and state.snapshot is not None:
        from . import snapshot

        snapshot.remove(state.snapshot)


def _with_command_line(config: pytest.Config, cfg: LinkrulesConfig) -> LinkrulesConfig:
    from .config import with_overrides

    return with_overrides(
        cfg,
        url=config.getoption("linkrules_url"),
        render=config.getoption("linkrules_render"),
        browser_path=config.getoption("linkrules_browser_path"),
        render_endpoints=config.getoption("linkrules_render_endpoint"),
        dask=config.getoption("linkrules_dask"),
    )


def _progress(config: pytest.Config) -> Any:
    """A progress line on a terminal (a TerminalProgress); nothing under -q or when output is a file or pipe."""
    if config.getoption("verbose") < 0 or not sys.stdout.isatty():
        return None
    from .crawl.progress import TerminalProgress

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
    """Begin the first config's crawl, and the imports that wait for it; LateAnalysis takes it."""
    config = session.config
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    # Here, not at the top: pytest loads this module in every run, and these
    # bring numpy, scipy and the crawl's modules, needed only with --linkrules.
    from . import snapshot
    from .crawl import StartedCrawl

    shared = _shared_crawls(config)
    if config.pluginmanager.hasplugin("dsession"):  # the xdist controller: crawl once for all workers
        state.snapshot = snapshot.snapshot_folder()
    _load_compare(config, state)
    # The first config's crawl begins before the imports that build the graph
    # and run the rules (numpy among them) and before pytest's own session
    # set-up (its fixture manager reads every plugin): one core's work, which
    # a folder's parse workers overlap instead of waiting for it
    # (benchmarks/bench_start.py). Only the first's: two crawls at once would
    # share the same cores.
    if not shared:
        first = state.configs[0]
        state.started = StartedCrawl(first.site, selectors=first.selectors, cache_dir=_cache_dir(config))
    _import_for_analysis()


def _import_for_analysis() -> None:
    """Import what the analysis and the items use, while a crawl's workers parse.

    numpy first, with OpenBLAS's short idle spin (quiet_numpy), before the
    runner's modules import it. The rest would otherwise be imported one by
    one after the crawl, where nothing overlaps them.
    """
    from .quiet_numpy import import_numpy

    import_numpy()
    from . import baseline, runner  # noqa: F401
    from .crawl import folder_sitemap  # noqa: F401
    from .report import ahead, failures, github, source_lines  # noqa: F401


class LateAnalysis:
    """Takes the crawl that pytest_sessionstart began, builds the graphs and runs the rules.

    Registered in pytest_configure, before pytest's terminal reporter, so its
    ``trylast`` session start runs after pytest's own (the fixture manager,
    ~10-20 ms of reading every plugin, which the crawl's wait now hides) and
    before the terminal's, whose header reports the crawls. It runs before
    pytest-xdist's too, which starts the workers that read the crawls the
    controller shares.
    """

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        config = session.config
        state = config.stash[STATE_KEY]
        try:
            problems = _analyze_all(config, state)
        finally:
            _close_started(state)  # nothing to do once taken; else (an error on the way) its workers stop
        if problems:
            raise pytest.UsageError("linkrules:\n" + "\n".join(problems))
        _baselines(config, state)
        _save_graphs(config, state)


def _shared_crawls(config: pytest.Config) -> str | None:
    """On an xdist worker, the folder of the crawls its controller shares (pytest_configure_node); else None."""
    return getattr(config, "workerinput", {}).get("linkrules_snapshot")


def _analyze_all(config: pytest.Config, state: LinkrulesState) -> list[str]:
    """Analyze each config, the first with the crawl session start began (on an xdist worker, each with its controller's); the problems found."""
    from . import snapshot
    from .config import ConfigError
    from .crawl.folder import page_folders
    from .runner import analyze

    cache_dir, shared = _cache_dir(config), _shared_crawls(config)
    problems: list[str] = []
    for cfg in state.configs:
        crawl = snapshot.load_crawl(Path(shared), cfg.path) if shared else None
        try:
            progress = _progress(config) if crawl is None else None
            try:
                base = _base_for(config, state, cfg, cache_dir)
                analysis = analyze(
                    cfg, progress=progress, cache_dir=cache_dir, crawl=crawl, base=base,
                    suggest=not config.getoption("linkrules_no_suggestions"), crawled=lambda _: _freeze(state),
                    started=state.started if cfg is state.configs[0] else None,
                )
            finally:
                if progress is not None:
                    progress.close()
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        state.analyses[cfg.path] = analysis
        if state.snapshot is not None:  # the xdist controller shares its crawls
            snapshot.save_crawl(state.snapshot, cfg.path, analysis.crawl)
        if cfg.site.root is not None:
            sources = (p.source for p in analysis.crawl.pages.values())
            state.site_folders |= page_folders(cfg.site.root, sources, keep=[c.path.parent for c in state.configs])
        config.hook.pytest_linkrules_graph_built(graph=analysis.graph, config=config)
    return problems


def _load_compare(config: pytest.Config, state: LinkrulesState) -> None:
    """Read --linkrules-compare: a snapshot file's header and keys now (a wrong file stops the run at once) and its graphs on a thread, or note the folder."""
    given = config.getoption("linkrules_compare")
    if given is None:
        return
    if not given.strip():
        raise pytest.UsageError("--linkrules-compare: expected a snapshot file (from --linkrules-save-graph) or the base build's folder, got an empty value")
    path = Path(given)
    if path.is_dir():
        if len(state.configs) > 1:
            raise pytest.UsageError(
                f"--linkrules-compare={given}: a folder compares one site, and this run checks {len(state.configs)}; "
                "save the base run's graphs with --linkrules-save-graph and compare with that file"
            )
        state.compare_folder = path
        return
    from .graph_snapshot import SnapshotError, load_graphs_in_background, pick

    try:
        keys, loaded = load_graphs_in_background(path)
    except SnapshotError as exc:
        raise pytest.UsageError(f"--linkrules-compare: {exc}") from None
    chosen: dict[Path, str] = {}
    for cfg in state.configs:
        wanted = _baseline_key(config, cfg.path)
        key = pick({k: k for k in keys}, wanted, len(state.configs))
        if key is None:
            raise pytest.UsageError(f"--linkrules-compare: {given} has no graph for {wanted} (it has: {', '.join(sorted(keys)) or 'none'})")
        chosen[cfg.path] = key
    state.compare_graphs = (chosen, loaded)


def _base_for(config: pytest.Config, state: LinkrulesState, cfg: LinkrulesConfig, cache_dir: Path | None) -> Any:
    """The base graph this config's run compares with, or None."""
    if state.compare_folder is not None:
        from .runner import base_graph

        folder = state.compare_folder
        return lambda crawl: base_graph(cfg, folder, cache_dir)
    if state.compare_graphs is None:
        return None
    from dataclasses import replace

    from .graph_snapshot import SnapshotError

    chosen, loaded = state.compare_graphs
    given, key = config.getoption("linkrules_compare"), chosen[cfg.path]

    def base(crawl: object) -> Any:  # called after the crawl, which hid the reading of the file
        try:
            found = loaded()[key]
        except SnapshotError as exc:
            raise pytest.UsageError(f"--linkrules-compare: {exc}") from None
        # Reports name the file compared with, and what its run crawled.
        return replace(found, source=f"{given} ({found.source})" if found.source else given)

    return base


def _save_graphs(config: pytest.Config, state: LinkrulesState) -> None:
    """--linkrules-save-graph and --linkrules-change-report, written by the controller alone under xdist."""
    if hasattr(config, "workerinput"):
        return
    save_to = config.getoption("linkrules_save_graph")
    if save_to:
        from .graph_snapshot import GraphSnapshot, save_graphs

        graphs = {_baseline_key(config, p): GraphSnapshot.from_graph(a.graph, a.crawl.source) for p, a in state.analyses.items()}
        try:
            save_graphs(Path(save_to), graphs)
        except OSError as exc:
            raise pytest.UsageError(f"--linkrules-save-graph: cannot write {save_to}: {exc.strerror or exc}") from None
    report_to = config.getoption("linkrules_change_report")
    if report_to:
        from .report.change import write_json

        try:
            write_json(Path(report_to), {_baseline_key(config, p): a for p, a in state.analyses.items()})
        except OSError as exc:
            raise pytest.UsageError(f"--linkrules-change-report: cannot write {report_to}: {exc.strerror or exc}") from None


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
    from .baseline import Baseline, BaselineError, save_baseline

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
        from .items import LinkrulesFile

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
    _freeze(state)
    from .items import start_texts_ahead

    start_texts_ahead(session, state)  # after the freeze: the child's collector then has nothing to walk


def _freeze(state: LinkrulesState) -> None:
    """Move what exists now out of the cyclic collector's sight (gc.freeze), until pytest cleans up.

    The crawl, the graph and the items live until the session ends, so the
    collector need not scan them again and again: with tens of thousands of
    failing pages its full collections cost ~9 of ~31 CPU seconds
    (items.run_lean freezes the reports too, as they accumulate), and on any
    site pytest's own cleanup runs five full collections at exit (~0.1 s on a
    1,000-page site's 60,000 links). Frozen once the crawl is in (analyze's
    ``crawled``), and again after collection: a full collection that fell in
    the graph build or the collection of items walked every page and link,
    ~0.8 s at 300k generated pages.
    """
    gc.collect(1)
    gc.freeze()
    state.frozen = True


def _release_at_exit(state: "weakref.ref[LinkrulesState]") -> None:
    """As the interpreter exits: free the crawls and graphs by reference counting.

    pytest's config, session, items and reports hold one another, and our
    items and lazily written failure texts hold the analyses, so all of it
    is left to the interpreter's last cyclic collection, which walked every
    page and link: ~7 s at 300k generated pages, ~25 s at 1M. Nothing reads a
    report once the process exits, so the graph can go first. (In a process
    that goes on, an in-process pytest run, the state is collected as usual
    and there is nothing left to do here.)
    """
    alive = state()
    if alive is None:
        return
    for analysis in alive.analyses.values():
        analysis.release()
    if alive.frozen:
        # What is left (pytest's config, items and reports, JUnit's XML tree)
        # lives until the interpreter clears its modules, and each of its last
        # cyclic collections walked all of it: ~2.9 s at 300k generated pages
        # (13,000 failing). One collection here runs the finalizers of the
        # garbage there is, as those would; what survives it is frozen, so they
        # pass it by. Frozen objects are still freed by reference counting; a
        # cycle that only becomes garbage as modules are cleared is left to the
        # OS, as objects alive at exit may be anyway.
        gc.collect()
        gc.freeze()


def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """Violation items skip the setup and teardown hooks they have no use for (items.run_lean)."""
    if STATE_KEY not in item.config.stash:  # an ordinary test run
        return None
    from .items import run_lean

    return run_lean(item, nextitem)


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport | None:
    """Our items' reports are items.LinkrulesReport, whose failure text reads cheaply."""
    if STATE_KEY not in item.config.stash:  # an ordinary test run
        return None
    from .items import LinkrulesItem, LinkrulesReport

    return LinkrulesReport.from_item_and_call(item, call) if isinstance(item, LinkrulesItem) else None


def pytest_report_to_serializable(config: pytest.Config, report: Any) -> dict[str, Any] | None:
    """An xdist worker sends our reports as pytest's TestReport, the type the controller rebuilds."""
    items = sys.modules.get("pytest_linkrules.items")  # not loaded: no report of ours exists
    if items is None or not isinstance(report, items.LinkrulesReport):
        return None
    data: dict[str, Any] = report._to_json()
    data["$report_type"] = "TestReport"
    return data


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return []
    from .config import display_path

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


def _page_rule(report: Any) -> str | None:
    """The rule a failed report's page breaks; None for any other failure (crawl, rule error, a user's test)."""
    if getattr(report, "when", None) != "call":
        return None
    props = dict(getattr(report, "user_properties", ()) or ())
    rule = props.get("rule")
    return str(rule) if rule is not None and "page" in props else None


class FailureCap:
    """Keeps pytest's own failure summary linear and short on sites with thousands of failing pages.

    pytest prints each failure, then scans every setup and teardown report for
    that failure's teardown output (``TerminalReporter._get_teardown_reports``):
    O(failures x items), ~400 s for 10,000 failing pages. Around pytest's summary
    this wrapper (1) shows pytest only the first ``--linkrules-max-shown``
    failing pages per rule, so its FAILURES section and short test summary stay
    readable, and (2) takes our items' setup and teardown reports without output
    out of the list pytest scans: they hold no teardown section to print. Both
    are put back before pytest counts the outcomes ("30000 failed"), and every
    report has already reached JUnit XML, pytest-html, --lf's cache and the
    exit status, which read each report as it is made, not this list.
    """

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> Any:
        state = config.stash.get(STATE_KEY, None)
        stats = terminalreporter.stats
        if state is None or not stats.get("failed"):
            return (yield)
        failed, quiet = stats["failed"], stats.get("", [])
        all_failed, all_quiet = list(failed), list(quiet)
        shown, state.failed_per_rule, state.hidden_per_rule = cap_per_rule(all_failed, _page_rule, state.max_shown)
        state.all_failed = all_failed
        failed[:] = shown
        from .report.failures import is_ours  # loaded by now: the crawl and the rules ran

        quiet[:] = [r for r in all_quiet if r.sections or not is_ours(r)]
        try:
            return (yield)
        finally:
            failed[:] = all_failed
            quiet[:] = all_quiet
            state.all_failed = None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Failures per rule, so a broken site reads as a few lines, not a wall of ids."""
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    # Every failure, also those FailureCap keeps out of pytest's own summary.
    stats = dict(terminalreporter.stats)
    if state.all_failed is not None:
        stats["failed"] = state.all_failed
    if os.environ.get("GITHUB_ACTIONS") == "true" and not hasattr(config, "workerinput"):
        from .report import github
        from .report.failures import ViolationIndex

        failures = ViolationIndex(state.analyses, config.rootpath).problems(stats)
        state.summary_left = github.report(terminalreporter.write_line, failures, state.analyses, kept_in=_kept_in(config))
    if state.all_failed is None:  # FailureCap did not run: no failures
        state.failed_per_rule, state.hidden_per_rule = cap_per_rule(stats.get("failed", []), _page_rule, None)[1:]
    if state.failed_per_rule:
        terminalreporter.section("linkrules: failing pages per rule", sep="-")
        for line in per_rule_lines(state.failed_per_rule, state.hidden_per_rule, causes_by_rule(state.analyses.values())):
            terminalreporter.line(line)
        if state.hidden_per_rule:
            _where_the_rest_is(terminalreporter, config, state)
    _summarize_warnings(terminalreporter, state.max_shown)
    _summarize_expected(terminalreporter)
    _summarize_baseline(terminalreporter, config, state)
    _summarize_change(terminalreporter, config, state)


def _summarize_change(terminalreporter: Any, config: pytest.Config, state: LinkrulesState) -> None:
    """What the change did to the graph, in a few lines (the job summary and HTML report have more)."""
    from .config import display_path

    save_to = config.getoption("linkrules_save_graph")
    if save_to:
        terminalreporter.line(f"linkrules: graph saved to {save_to} (compare a later run with --linkrules-compare={save_to})")
    for path, analysis in state.analyses.items():
        if analysis.change is None:
            continue
        from .report.change import terminal_lines

        terminalreporter.section(f"linkrules: {display_path(path)}: what this change does to the links", sep="-")
        for line in terminal_lines(analysis.change):
            terminalreporter.line(line)


def _where_the_rest_is(terminalreporter: Any, config: pytest.Config, state: LinkrulesState) -> None:
    hidden = sum(state.hidden_per_rule.values())
    terminalreporter.line(
        f"linkrules: {plural(hidden, 'failing page')} not shown in full here "
        f"(at most {state.max_shown} per rule; --linkrules-max-shown=N or =all to change)"
    )
    kept = _kept_in(config)
    if state.summary_left == 0:  # written, and every failure fitted in GitHub's 1 MiB
        kept.insert(sum(1 for k in kept if k.endswith(("(JUnit XML)", "(HTML report)"))), "the job summary")
    if kept:
        terminalreporter.line("linkrules: every failing page is in " + ", ".join(kept))
    else:
        terminalreporter.line("linkrules: to keep every failing page, add --junitxml=FILE (or --html=FILE with pytest-html)")
    rule = min(state.failed_per_rule, key=lambda r: (-state.failed_per_rule[r], r))
    page = next(
        (dict(r.user_properties).get("page") for r in state.all_failed or () if _page_rule(r) == rule), "/some/page/"
    )
    from .report.escape import terminal

    terminalreporter.line(
        f'linkrules: select a rule or one page with -k, e.g. -k "{terminal(rule)}" or -k "{terminal(rule)}[{terminal(page)}]"; '
        "--lf reruns the failures"
    )


def _kept_in(config: pytest.Config) -> list[str]:
    """The files of this run that hold every failing page (the job summary aside: it may not fit them all)."""
    kept = []
    junit = config.getoption("xmlpath", None)
    if junit:
        kept.append(f"{junit} (JUnit XML)")
    html = config.getoption("htmlpath", None)
    if html and config.pluginmanager.hasplugin("html"):
        kept.append(f"{html} (HTML report)")
    save_to = config.getoption("linkrules_save_baseline")
    if save_to:
        kept.append(f"{save_to} (baseline)")
    report_to = config.getoption("linkrules_change_report")
    if report_to:
        kept.append(f"{report_to} (change report)")
    return kept


def _summarize_warnings(terminalreporter: Any, limit: int | None) -> None:
    """Warnings pass the gate, so this list is the only place a reader sees them (capped per rule, as failures)."""
    found: list[tuple[str, str]] = []
    for report in terminalreporter.stats.get("passed", []):
        if report.when != "call":
            continue
        rule = str(dict(report.user_properties).get("rule", ""))
        found += [(rule, value) for key, value in report.user_properties if key == "linkrules_warning"]
    if found:
        shown, _, hidden = cap_per_rule(found, lambda w: w[0] or None, limit)
        terminalreporter.section(f"linkrules: {plural(len(found), 'warning')} (not failing)", sep="-")
        for _, line in shown:
            terminalreporter.line(f"WARNING {line}")
        for rule, n in sorted(hidden.items()):
            terminalreporter.line(f"WARNING {rule}: ... and {plural(n, 'more page')} (--linkrules-max-shown=all lists every one)")


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
    from .config import display_path

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


