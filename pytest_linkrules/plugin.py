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
from .items import STATE_KEY, LinkrulesFile, LinkrulesState
from .rules import Rule, builtin_registry
from .runner import analyze

DEFAULT_CONFIG = "linkrules.toml"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("linkrules", "internal link architecture (pytest-linkrules)")
    group.addoption(
        "--linkrules",
        action="store_true",
        default=False,
        help="crawl the site described by linkrules.toml and check its link rules",
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
    return bool(config.getoption("linkrules") or config.getini("linkrules"))


def config_paths(config: pytest.Config) -> list[Path]:
    """The linkrules.toml files of this run: from the command line, the ini, or the rootdir."""
    given = config.getoption("linkrules_config")
    if any(not p.strip() for p in given):
        raise pytest.UsageError("--linkrules-config: expected a path to a linkrules.toml file, got an empty value")
    if given:
        return [Path(p).absolute() for p in given]
    from_ini = config.getini("linkrules_config")
    if from_ini:
        return [(config.rootpath / p).absolute() for p in from_ini]
    default = config.rootpath / DEFAULT_CONFIG
    if not default.exists():
        raise pytest.UsageError(
            f"--linkrules: no {DEFAULT_CONFIG} in the rootdir ({config.rootpath}); "
            f"create one or pass --linkrules-config=PATH"
        )
    return [default]


def registry_for(config: pytest.Config) -> dict[str, type[Rule]]:
    """Built-in rules plus those that conftest files and plugins register."""
    registry = builtin_registry()
    problems = []
    for extra in config.hook.pytest_linkrules_register_rules():
        for rule in extra or ():
            if not (isinstance(rule, type) and issubclass(rule, Rule)) or not rule.id:
                problems.append(f"pytest_linkrules_register_rules returned {rule!r}: expected a Rule subclass with an id")
            elif rule.id in registry and registry[rule.id] is not rule:
                problems.append(f"pytest_linkrules_register_rules: rule id {rule.id!r} is already taken by {registry[rule.id].__module__}")
            else:
                registry[rule.id] = rule
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
    args = [Path(a.split("::")[0]).absolute() for a in config.args]
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
    for cfg in state.configs:
        try:
            progress = _progress(config)
            try:
                analysis = analyze(cfg, progress=progress)
            finally:
                if progress is not None:
                    progress.close()
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        state.analyses[cfg.path] = analysis
        config.hook.pytest_linkrules_graph_built(graph=analysis.graph, config=config)
    if problems:
        raise pytest.UsageError("linkrules:\n" + "\n".join(problems))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    state = parent.config.stash.get(STATE_KEY, None)
    if state is not None and file_path.absolute() in state.paths:
        return LinkrulesFile.from_parent(parent, path=file_path)
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
        for note in crawl.notes[:10]:
            lines.append(f"linkrules: note: {note}")
        if len(crawl.notes) > 10:
            lines.append(f"linkrules: note: ... and {len(crawl.notes) - 10} more notes")
    return lines


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Failures per rule, so a broken site reads as a few lines, not a wall of ids."""
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    if os.environ.get("GITHUB_ACTIONS") == "true" and not hasattr(config, "workerinput"):
        from .report import github
        from .report.failures import ViolationIndex

        failures = ViolationIndex(state.analyses, config.rootpath).failures(terminalreporter.stats.get("failed", []))
        github.report(terminalreporter.write_line, failures, state.analyses)
    counts: Counter[str] = Counter()
    for report in terminalreporter.stats.get("failed", []):
        rule = dict(getattr(report, "user_properties", ())).get("rule")
        if rule is not None and "[" in report.nodeid:
            counts[rule] += 1
    if not counts:
        return
    terminalreporter.section("linkrules: failing pages per rule", sep="-")
    for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        terminalreporter.line(f"{rule}: {n} page{'s' if n != 1 else ''}")


