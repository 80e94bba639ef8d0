"""GitHub Actions output: annotations on the lines to fix, and a Markdown job summary.

Used when ``GITHUB_ACTIONS=true``. Each failing page becomes one ``::error``
(or ``::warning`` for a rule configured as a warning) annotation. It points at
the page's source file when ``[site] source`` maps pages to files that exist
(that file is often in the pull request's diff, where GitHub shows the
annotation inline), otherwise at the rule's line in linkrules.toml. One
annotation per page, not two: GitHub shows only the first few per step, so
duplicates would crowd out other pages. At most ``MAX_ANNOTATIONS`` are
written, then one line says how many were left out; the job summary lists
more.
"""

from __future__ import annotations

import os
import re
from html import escape
from pathlib import Path
from typing import Callable, Iterable, Mapping

from ..config import LinkrulesConfig
from ..model import Page
from ..runner import Analysis
from .escape import workflow_data, workflow_property
from .failures import Failure
from .source_lines import link_line

MAX_ANNOTATIONS = 50
MAX_SUMMARY_ROWS = 100


def enabled(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


# One escaping step per destination, named in report/escape.py.
escape_data = workflow_data
escape_property = workflow_property


def path_key(url: str) -> str:
    """The {path} of a page URL: "/guides/seo/" -> "guides/seo", "/about.html" -> "about", "/" -> "index"."""
    key = url.strip("/")
    key = re.sub(r"\.html?$", "", key, flags=re.IGNORECASE)
    if key.endswith("/index"):
        key = key[: -len("/index")]
    return key or "index"


def source_file(config: LinkrulesConfig, page: Page) -> Path | None:
    """The first ``[site] source`` pattern that names an existing file for this page."""
    base = config.path.parent
    for pattern in config.site.source:
        candidate = base / pattern.format(path=path_key(page.url), file=page.source)
        if candidate.is_file():
            return candidate
    return None


def workspace_relative(path: Path, workspace: Path) -> str:
    """Annotations name files relative to the repository checkout."""
    try:
        return path.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def annotation(failure: Failure, workspace: Path) -> str | None:
    """One workflow command for a failed linkrules item, or None for other tests."""
    if failure.config_path is None:
        return None
    config = failure.analysis.config if failure.analysis is not None else None
    level = "warning" if failure.severity == "warning" else "error"
    where = f"{workspace_relative(failure.config_path, workspace)}:{failure.line + 1}"
    file, line = failure.config_path, failure.line + 1
    body = [failure.message]
    violation = failure.violation
    if violation is not None and failure.analysis is not None and config is not None:
        graph = failure.analysis.graph
        page = graph.pages.get(violation.page)
        if page is not None:
            src = source_file(config, page)
            if src is not None:
                file, line = src, link_line(src, failure.rule, page)
            path = graph.path_to(violation.page)
            body.append("Click path: " + (" -> ".join(path) if path else "none (not reachable from a start page)"))
        if violation.hint:
            body.append(f"Fix: {violation.hint}")
        body.append(f"Rule: {failure.rule} at {where}")
        title = f"linkrules {failure.rule}: {violation.page}"
    else:
        title = f"linkrules: {failure.nodeid.split('::', 1)[-1]}"
    props = f"title={escape_property(title)}"
    if file.is_file():  # the command line's default rules have no file to point at
        props = f"file={escape_property(workspace_relative(file, workspace))},line={line},{props}"
    return f"::{level} {props}::{escape_data(chr(10).join(body))}"


def annotations(failures: Iterable[Failure], workspace: Path, limit: int = MAX_ANNOTATIONS) -> list[str]:
    # annotation() is None exactly for failures outside a linkrules.toml;
    # the rest past the limit are only counted (each would resolve paths and
    # look for source files: ~0.4 ms, for lines nobody sees).
    ours = [f for f in failures if f.config_path is not None]
    if len(ours) <= limit:
        return [a for a in (annotation(f, workspace) for f in ours) if a is not None]
    lines = [a for a in (annotation(f, workspace) for f in ours[:limit]) if a is not None]
    left = len(ours) - limit
    note = f"linkrules: {left} more failure{'s' if left != 1 else ''} not annotated (at most {limit} are); see the job summary or the test report"
    return lines[:limit] + [f"::notice title=linkrules::{escape_data(note)}"]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def md(text: object) -> str:
    """Page-provided text as inert Markdown: punctuation escaped, HTML as entities, one line."""
    flat = " ".join(str(text).split())
    return escape(_MD_SPECIAL.sub(r"\\\1", flat), quote=False)


def _suggested(failure: Failure) -> str:
    """The top link suggestions of a failure, for its row in the job summary."""
    v = failure.violation
    if v is None or not v.suggestions:
        return ""
    word = "link to" if v.suggestions[0].direction == "to" else "link from"
    return f"<br>{word}: " + ", ".join(md(s.page) for s in v.suggestions[:3])


def job_summary(analyses: Mapping[Path, Analysis], failures: list[Failure]) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: the site's figures and a table of failures."""
    ours = [f for f in failures if f.config_path is not None]
    n = sum(1 for f in ours if f.severity != "warning")
    warned = len(ours) - n
    title = f"{n} failure{'s' if n != 1 else ''}" if n else "all rules pass"
    if warned:
        title += f", {warned} warning{'s' if warned != 1 else ''}"
    out = [f"## linkrules: {title}", ""]
    for path, analysis in analyses.items():
        crawl, graph = analysis.crawl, analysis.graph
        out += [
            f"**{md(analysis.config.display)}**: {md(crawl.source)}",
            "",
            "| Pages | Links | Max depth | Orphans | Render mode | Crawl time |",
            "|---:|---:|---:|---:|---|---:|",
            f"| {len(graph.urls):,} | {graph.n_links:,} | {graph.max_depth} | {len(graph.orphans):,} "
            f"| {md(crawl.render)} | {crawl.seconds:.1f} s |",
            "",
        ]
        if crawl.browser_missing:
            from ..crawl.browser import FIX_COMMAND

            out += [
                f"> **No browser:** {crawl.browser_missing:,} page(s) have scripts, but no browser could be started to "
                f"render them, so links and ids their scripts make were not checked. Fix: `{FIX_COMMAND}`",
                "",
            ]
        if analysis.change is not None:
            from .change import markdown

            out.append(markdown(analysis.change, analysis.config.display))
    if not ours:
        return "\n".join(out) + "\n"
    per_rule: dict[str, int] = {}
    for f in ours:
        per_rule[f.rule or "(crawl)"] = per_rule.get(f.rule or "(crawl)", 0) + 1
    out += ["| Rule | Failures |", "|---|---:|"]
    out += [f"| {md(r)} | {c:,} |" for r, c in sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0]))]
    out += ["", "| Rule | Page | Problem |", "|---|---|---|"]
    for f in ours[:MAX_SUMMARY_ROWS]:
        level = " (warning)" if f.severity == "warning" else ""
        out.append(f"| {md(f.rule or '(crawl)')}{level} | {md(f.page or '')} | {md(f.message)}{_suggested(f)} |")
    if len(ours) > MAX_SUMMARY_ROWS:
        out += ["", f"… and {len(ours) - MAX_SUMMARY_ROWS:,} more; the test report lists them all."]
    return "\n".join(out) + "\n"


def report(
    write_line: Callable[[str], None],
    failures: list[Failure],
    analyses: Mapping[Path, Analysis],
    environ: Mapping[str, str] | None = None,
) -> None:
    """Write annotations (through write_line, i.e. stdout) and append the job summary."""
    environ = os.environ if environ is None else environ
    workspace = Path(environ.get("GITHUB_WORKSPACE") or os.getcwd())
    for line in annotations(failures, workspace):
        write_line(line)
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(job_summary(analyses, failures))
        except OSError as exc:
            write_line(f"::warning title=linkrules::{escape_data(f'could not write the job summary to {summary}: {exc}')}")
