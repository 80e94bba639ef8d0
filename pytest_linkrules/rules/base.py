"""The small interface every rule implements, built-in or custom.

A rule is a class with an ``id`` (kebab-case, stable: it appears in test ids),
a docstring in four parts (what it does, why it matters, options, example;
docs/rules.md is generated from them), the ``options`` it accepts, and a
``check`` that yields one Violation per offending page. ``check`` is a pure
function of the graph and the options: no I/O, no pytest.

Every rule also takes the common options ``include``, ``exclude`` and
``severity`` (see COMMON_OPTIONS); the runner applies them, so a rule never
has to. Wherever an option takes URL globs it also takes role names written
``@name`` (``pages = ["@pillar"]``), resolved through ``graph.roles``.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import re
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Iterator, Mapping, Sequence

from ..globs import GlobError, GlobSet, compile_glob
from ..model import Link, Violation

if TYPE_CHECKING:  # graph imports scipy: loaded when a site is checked, not when pytest starts
    from ..graph import SiteGraph


class RuleSkipped(Exception):
    """The rule does not apply to this run: a change rule with nothing to compare with.

    Its item is skipped with this message (visible in pytest's summary), so a
    local run without --linkrules-compare neither fails nor claims to have checked.
    """


class OptionError(ValueError):
    """A rule option has the wrong type or value; the text says what was expected."""


class RuleCannotRun(Exception):
    """The site data a rule needs is missing (no sitemap read, no page rendered).

    The rule's own item fails with this message, never a traceback: a rule
    that silently checks nothing would be a silent green.
    """


def _int(minimum: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            word = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            raise OptionError(f"expected {word}, got {_show(value)}")
        if value < minimum:
            word = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            raise OptionError(f"expected {word}, got {value}")
        return value

    convert.schema = {"type": "integer", "minimum": minimum}  # type: ignore[attr-defined]
    return convert


def _number(minimum: float, maximum: float | None = None) -> Callable[[Any], float]:
    def convert(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise OptionError(f"expected a number, got {_show(value)}")  # nan compares false with every bound
        if value < minimum or (maximum is not None and value > maximum):
            span = f"from {minimum} to {maximum}" if maximum is not None else f">= {minimum}"
            raise OptionError(f"expected a number {span}, got {value}")
        return float(value)

    schema: dict[str, Any] = {"type": "number", "minimum": minimum}
    if maximum is not None:
        schema["maximum"] = maximum
    convert.schema = schema  # type: ignore[attr-defined]
    return convert


ROLE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")


def _globs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OptionError(f'expected a list of URL globs like ["/guides/*"], got {_show(value)}')
    for glob in value:
        if glob.startswith("@"):
            if not ROLE_NAME.match(glob[1:]):
                raise OptionError(f'expected a role name after "@" (letters, digits, "-", "_"), got "{glob}"')
            continue
        try:
            compile_glob(glob)
        except GlobError as exc:
            raise OptionError(str(exc)) from None
    return tuple(value)


_globs.schema = {  # type: ignore[attr-defined]
    "oneOf": [
        {"type": "string", "pattern": "^[/*@]"},
        {"type": "array", "items": {"type": "string", "pattern": "^[/*@]"}},
    ]
}


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise OptionError(f"expected true or false, got {_show(value)}")
    return value


def show_list(value: list[Any]) -> str:
    """A list as TOML would spell it, cut short: ``["index.html"]``, ``[]``, ``[1, 2]``."""
    items = []
    for item in value:
        if isinstance(item, str):
            items.append(f'"{item}"')
        elif isinstance(item, bool):
            items.append("true" if item else "false")
        elif isinstance(item, (list, dict)):
            items.append("[...]" if isinstance(item, list) else "{...}")
        else:
            items.append(repr(item))
    text = "[" + ", ".join(items) + "]"
    return text if len(text) <= 80 else text[:76] + " ...]"


_bool.schema = {"type": "boolean"}  # type: ignore[attr-defined]


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OptionError(f"expected a list of strings, got {_show(value)}")
    return tuple(value)


_strings.schema = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}  # type: ignore[attr-defined]

# Evidence lists stop here: a nav link broken on 10,000 pages is one fix, not a wall of text.
MAX_LISTED = 50


def link_lines(
    links: Sequence[Link],
    note: Callable[[Link], str] = lambda link: "",
    shown: Callable[[Link], str] = lambda link: link.target,
) -> tuple[str, ...]:
    """The links a failure is about, one evidence line each, as the author wrote them."""
    return tuple(
        f'  {shown(link)}  (href="{link.href}", anchor "{link.anchor}")' + note(link) for link in links[:MAX_LISTED]
    )


def first_and_more(items: Sequence[str]) -> str:
    """"/a/" or "/a/ and 3 more", for a failure's one-line summary."""
    return items[0] + (f" and {len(items) - 1} more" if len(items) > 1 else "")


SEVERITIES = ("error", "warning")


def _severity(value: Any) -> str:
    if value not in SEVERITIES:
        raise OptionError(f'expected "error" or "warning", got {_show(value)}')
    return str(value)


_severity.schema = {"enum": list(SEVERITIES)}  # type: ignore[attr-defined]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return show_list(list(value))
    if isinstance(value, dict):
        return "a table"
    return repr(value)


POSITIVE_INT = _int(1)
NON_NEGATIVE_INT = _int(0)
GLOBS = _globs
BOOL = _bool
STRINGS = _strings
SEVERITY = _severity
number = _number


@dataclass(frozen=True)
class Option:
    """One option a rule accepts, with its default and how to check a value."""

    name: str
    convert: Callable[[Any], Any]
    default: Any = None
    required: bool = False
    help: str = ""
    # Globs in this option must each match at least one page; a glob that
    # matches nothing is almost always a typo.
    must_match: bool = False

    def schema(self) -> dict[str, Any]:
        """JSON Schema of the option's value, for linkrules.schema.json."""
        out = dict(getattr(self.convert, "schema", {}))
        if self.help:
            out["description"] = self.help
        return out


# Options every rule takes; the runner applies them after ``check``.
COMMON_OPTIONS: tuple[Option, ...] = (
    Option("include", GLOBS, default=(), help="report only pages matching these globs or @roles", must_match=True),
    Option("exclude", GLOBS, default=(), help="never report pages matching these globs or @roles"),
    Option("severity", SEVERITY, default="error", help='"error" fails the run; "warning" passes and is listed in the summary'),
)


class PageSet:
    """URL globs and ``@role`` names matched together, as a predicate on page URLs."""

    def __init__(self, patterns: Iterable[str], roles: Mapping[str, frozenset[str]] | None = None) -> None:
        self.patterns = tuple(patterns)
        roles = roles or {}
        self._globs = GlobSet(p for p in self.patterns if not p.startswith("@"))
        members: set[str] = set()
        for p in self.patterns:
            if p.startswith("@"):
                members |= roles.get(p[1:], frozenset())
        self._members = frozenset(members)

    def __call__(self, url: str) -> bool:
        return url in self._members or self._globs(url)

    def matching(self, urls: list[str]) -> list[str]:
        """The urls in the set, in their order."""
        found = self._globs.matching(urls)
        if not self._members:
            return found
        chosen = self._members.union(found)
        return [u for u in urls if u in chosen]

    def mask(self, graph: SiteGraph) -> Any:
        """Which of ``graph.urls`` are in the set, as a numpy bool array.

        Computed once per graph and pattern set (rules share ``/**`` and
        ``@role`` scopes), in C: a Python call per page costs ~1 s per rule
        at a million pages.
        """
        cache = graph.__dict__.setdefault("_page_masks", {})
        key = (self.patterns, self._members)
        found = cache.get(key)
        if found is None:
            found = self._globs.mask(graph.urls)
            index = graph.index
            rows = [index[u] for u in self._members if u in index]
            if rows:
                found[rows] = True
            found.flags.writeable = False
            cache[key] = found
        return found

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def __repr__(self) -> str:
        return f"PageSet({list(self.patterns)!r})"


class Rule:
    """Base class of rules. Subclasses set ``id``, ``options`` and ``check``."""

    id: ClassVar[str] = ""
    options: ClassVar[tuple[Option, ...]] = ()

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.opts = dict(options)

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring, for listings."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else cls.id

    @classmethod
    def parse_options(cls, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Validate raw TOML options: the values, and (key, problem) pairs.

        Unknown keys are reported by the config loader, which knows the file.
        """
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for opt in cls.all_options():
            if opt.name not in raw:
                if opt.required:
                    problems.append((opt.name, f"is required ({opt.help})" if opt.help else "is required"))
                values[opt.name] = opt.default
                continue
            try:
                values[opt.name] = opt.convert(raw[opt.name])
            except OptionError as exc:
                problems.append((opt.name, str(exc)))
        if not problems:
            problems.extend(cls.validate(values))
        return values, problems

    @classmethod
    def all_options(cls) -> tuple[Option, ...]:
        """The rule's own options, then the common ones (a rule may override those)."""
        own = {opt.name for opt in cls.options}
        return cls.options + tuple(opt for opt in COMMON_OPTIONS if opt.name not in own)

    @classmethod
    def validate(cls, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Problems that span options (``a`` or ``b`` required); override when needed."""
        return []

    def globset(self, name: str) -> GlobSet:
        """Plain URL globs of an option; prefer ``select``, which also knows @roles."""
        return GlobSet(p for p in self.opts.get(name) or () if not p.startswith("@"))

    def select(self, name: str, graph: SiteGraph) -> PageSet:
        """The pages an option names, by glob or @role."""
        return PageSet(self.opts.get(name) or (), getattr(graph, "roles", None))

    def reachable_in_scope(self, graph: SiteGraph, name: str = "pages") -> Iterator[str]:
        """Pages an option names that a start page reaches: inlink rules leave
        unreachable pages to no-orphans rather than failing them twice."""
        from ..graph import UNREACHABLE

        wanted = self.select(name, graph).mask(graph) & (graph.depths != UNREACHABLE)
        urls = graph.urls
        return (urls[i] for i in wanted.nonzero()[0].tolist())

    def check(self, graph: SiteGraph) -> Iterator[Violation]:  # pragma: no cover - interface
        raise NotImplementedError

    def change_of(self, graph: SiteGraph) -> Any:
        """The base-to-head Change a change rule judges; skips the rule when there is none."""
        change = getattr(graph, "change", None)
        if change is None:
            raise RuleSkipped(
                f"{self.id} compares the site with its base build: give --linkrules-compare=SNAPSHOT_OR_FOLDER "
                "(a file from --linkrules-save-graph, or the base branch's built folder)"
            )
        return change

    def violation(self, page: str, message: str, **kwargs: Any) -> Violation:
        return Violation(rule=self.id, page=page, message=f"{message} ({self.id})", **kwargs)
