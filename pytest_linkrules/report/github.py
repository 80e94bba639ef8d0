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
from typing import Callable, Iterable, Mapping, Sequence

from ..config import LinkrulesConfig
from ..model import Page
from ..runner import Analysis
from .escape import workflow_data, workflow_property
from .failures import Failure
from .source_lines import link_line
from .text import causes_by_rule

MAX_ANNOTATIONS = 50
MAX_SUMMARY_ROWS = 100  # failures shown with their problem in the job summary's table; every one is listed below it
# GitHub: "each step is restricted to a maximum size of 1MiB" of job summary;
# past it the step's whole summary is dropped with an error annotation
# (docs.github.com, workflow commands, "Step isolation and limits").
SUMMARY_LIMIT = 1024 * 1024


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


def _group(failure: Failure, analyses: Mapping[Path, Analysis]) -> str:
    """The list a failure goes in: its rule, and its config when there are several."""
    label = (failure.rule or "(crawl)") + (" (warning)" if failure.severity == "warning" else "")
    if len(analyses) > 1 and failure.config_path in analyses:
        label = f"{analyses[failure.config_path].config.display}: {label}"
    return label


class _Budget:
    """Lines added while they fit in ``limit`` bytes (UTF-8, with their newlines)."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.lines: list[str] = []

    def add(self, *lines: str, keep: int = 0) -> bool:
        """Add the lines if they fit with ``keep`` bytes still free after them; all or none."""
        size = sum(len(line.encode("utf-8")) + 1 for line in lines)
        if size + keep > self.left:
            return False
        self.lines.extend(lines)
        self.left -= size
        return True


def summary_of(
    analyses: Mapping[Path, Analysis],
    failures: list[Failure],
    limit: int = SUMMARY_LIMIT,
    kept_in: Sequence[str] = (),
) -> tuple[str, int]:
    """Markdown for $GITHUB_STEP_SUMMARY, at most ``limit`` bytes, and how many failures it could not list.

    The site's figures, failures per rule, a table of the first
    MAX_SUMMARY_ROWS failures with their problem, then (with more failures
    than that) every failing page in a folded list per rule. GitHub refuses a
    step's whole summary past 1 MiB, so what does not fit is counted in one
    closing line naming ``kept_in``, the reports that hold every failure.
    """
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
        return "\n".join(out) + "\n", 0
    per_rule: dict[str, int] = {}
    for f in ours:
        per_rule[f.rule or "(crawl)"] = per_rule.get(f.rule or "(crawl)", 0) + 1
    causes = causes_by_rule(analyses.values())
    out += ["| Rule | Failures | Shared by many |", "|---|---:|---|"]
    out += [
        f"| {md(r)} | {c:,} | {md('; '.join(causes.get(r, ())))} |" for r, c in sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    budget = _Budget(limit)
    note_room = 1_024 + sum(len(k.encode("utf-8")) for k in kept_in)  # the closing line, always kept free
    head = budget.add(*out, keep=note_room)  # the figures and counts per rule
    if not head:  # an earlier command of this step filled the summary: say so in as little as fits
        budget.add(out[0], keep=note_room)
    listed = 0  # failures in the summary so far: the table's rows, then the lists past them
    if head and budget.add("", "| Rule | Page | Problem |", "|---|---|---|", keep=note_room):
        for f in ours[:MAX_SUMMARY_ROWS]:
            level = " (warning)" if f.severity == "warning" else ""
            if not budget.add(f"| {md(f.rule or '(crawl)')}{level} | {md(f.page or '')} | {md(f.message)}{_suggested(f)} |", keep=note_room):
                break
            listed += 1
    if listed == MAX_SUMMARY_ROWS < len(ours):
        listed = _every_page(budget, ours, analyses, note_room)
    left = len(ours) - listed
    if left:
        where = ", ".join(kept_in) if kept_in else "the test report (--junitxml=FILE, or --html=FILE with pytest-html)"
        budget.add(
            "",
            f"… and {left:,} more failure{'s' if left != 1 else ''} not listed here: GitHub keeps at most "
            f"{SUMMARY_LIMIT // (1024 * 1024)} MiB of job summary per step. Every failure is in {where}.",
        )
    return ("\n".join(budget.lines) + "\n" if budget.lines else ""), left


def _every_page(budget: _Budget, ours: list[Failure], analyses: Mapping[Path, Analysis], note_room: int) -> int:
    """Every failing page in a folded list per rule, as far as the budget goes; how many failures are now listed.

    The table above holds the first MAX_SUMMARY_ROWS; they count as listed
    even if their rule's list is cut short.
    """
    groups: dict[str, list[int]] = {}
    for k, f in enumerate(ours):
        groups.setdefault(_group(f, analyses), []).append(k)
    shown = set(range(MAX_SUMMARY_ROWS))
    close = ["", "</details>"]
    room = note_room + 16  # and the closing tag of the list being written
    if not budget.add("", f"Every failing page, per rule (the table shows the first {MAX_SUMMARY_ROWS:,} with their problem):", keep=room):
        return len(shown)
    for group in sorted(groups, key=lambda g: (-len(groups[g]), g)):
        members = groups[group]
        if not budget.add("", f"<details><summary>{md(group)}: {len(members):,}</summary>", "", keep=room):
            break
        full = True
        for k in members:
            f = ours[k]
            # A page; for a crawl or a rule that failed as a whole, its message.
            if not budget.add(f"- {md(f.page) if f.page else md(f.message)}", keep=room):
                full = False
                break
            shown.add(k)
        budget.add(*close)
        if not full:
            break
    return len(shown)


def job_summary(analyses: Mapping[Path, Analysis], failures: list[Failure], limit: int = SUMMARY_LIMIT, kept_in: Sequence[str] = ()) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: the site's figures and every failure that fits (summary_of)."""
    return summary_of(analyses, failures, limit, kept_in)[0]


def report(
    write_line: Callable[[str], None],
    failures: list[Failure],
    analyses: Mapping[Path, Analysis],
    environ: Mapping[str, str] | None = None,
    kept_in: Sequence[str] = (),
) -> int | None:
    """Write annotations (through write_line, i.e. stdout) and append the job summary.

    ``kept_in`` names the reports of this run that hold every failure, for
    the summary's closing line when not all fit. Returns how many failures
    the summary could not list, or None when no summary was written.
    """
    environ = os.environ if environ is None else environ
    workspace = Path(environ.get("GITHUB_WORKSPACE") or os.getcwd())
    for line in annotations(failures, workspace):
        write_line(line)
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return None
    try:
        # The file is this step's: what earlier commands of the step wrote counts against the same 1 MiB.
        used = os.path.getsize(summary) if os.path.exists(summary) else 0
        text, left = summary_of(analyses, failures, max(0, SUMMARY_LIMIT - used), kept_in)
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        write_line(f"::warning title=linkrules::{escape_data(f'could not write the job summary to {summary}: {exc}')}")
        return None
    return left
