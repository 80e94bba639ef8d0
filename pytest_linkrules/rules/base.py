"""The small interface every rule implements, built-in or custom.

A rule is a class with an ``id`` (kebab-case, stable: it appears in test ids),
a docstring in four parts (what it does, why it matters, options, example;
docs/rules.md is generated from them), the ``options`` it accepts, and a
``check`` that yields one Violation per offending page. ``check`` is a pure
function of the graph and the options: no I/O, no pytest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterator, Mapping

from ..globs import GlobError, GlobSet, compile_glob
from ..graph import SiteGraph
from ..model import Violation


class OptionError(ValueError):
    """A rule option has the wrong type or value; the text says what was expected."""


def _int(minimum: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            word = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            raise OptionError(f"expected {word}, got {_show(value)}")
        if value < minimum:
            word = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            raise OptionError(f"expected {word}, got {value}")
        return value

    return convert


def _number(minimum: float, maximum: float | None = None) -> Callable[[Any], float]:
    def convert(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OptionError(f"expected a number, got {_show(value)}")
        if value < minimum or (maximum is not None and value > maximum):
            span = f"from {minimum} to {maximum}" if maximum is not None else f">= {minimum}"
            raise OptionError(f"expected a number {span}, got {value}")
        return float(value)

    return convert


def _globs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OptionError(f'expected a list of URL globs like ["/guides/*"], got {_show(value)}')
    for glob in value:
        try:
            compile_glob(glob)
        except GlobError as exc:
            raise OptionError(str(exc)) from None
    return tuple(value)


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
        for opt in cls.options:
            if opt.name not in raw:
                if opt.required:
                    problems.append((opt.name, f"is required ({opt.help})" if opt.help else "is required"))
                values[opt.name] = opt.default
                continue
            try:
                values[opt.name] = opt.convert(raw[opt.name])
            except OptionError as exc:
                problems.append((opt.name, str(exc)))
        return values, problems

    def globset(self, name: str) -> GlobSet:
        return GlobSet(self.opts.get(name) or ())

    def check(self, graph: SiteGraph) -> Iterator[Violation]:  # pragma: no cover - interface
        raise NotImplementedError

    def violation(self, page: str, message: str, **kwargs: Any) -> Violation:
        return Violation(rule=self.id, page=page, message=f"{message} ({self.id})", **kwargs)
