"""Site graphs built by hand in a line or two, for graph and rule tests.

    graph({"/": ["/a/", chrome("/b/")], "/a/": ["/b/"], "/b/": []})

Plain strings are followed links in the page content; ``chrome``,
``nofollow`` and ``redirect`` make the other kinds. ``broken`` lists a
page's links that resolve to nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping, Union

from pytest_linkrules.graph import SiteGraph
from pytest_linkrules.model import CONTENT, NOFOLLOW, REDIRECT, Link, Page

if TYPE_CHECKING:
    from pytest_linkrules.config import RuleConfig

LinkSpec = Union[str, Link]


def content(target: str, anchor: str = "") -> Link:
    return Link(target, target, anchor or f"to {target}", CONTENT)


def chrome(target: str, anchor: str = "") -> Link:
    return Link(target, target, anchor or f"to {target}", 0)


def nofollow(target: str, anchor: str = "", in_content: bool = True) -> Link:
    return Link(target, target, anchor or f"to {target}", (CONTENT if in_content else 0) | NOFOLLOW)


def redirect(target: str) -> Link:
    return Link(target, target, "(meta refresh)", CONTENT | REDIRECT)


def _link(spec: LinkSpec) -> Link:
    return content(spec) if isinstance(spec, str) else spec


def pages(spec: Mapping[str, Iterable[LinkSpec]], broken: Mapping[str, Iterable[LinkSpec]] = {}) -> dict[str, Page]:
    return {
        url: Page(
            url=url,
            source=(url.strip("/") + "/index.html").lstrip("/"),
            title=f"Title of {url}",
            links=tuple(_link(s) for s in links),
            broken=tuple(_link(s) for s in broken.get(url, ())),
        )
        for url, links in spec.items()
    }


def graph(
    spec: Mapping[str, Iterable[LinkSpec]],
    starts: Iterable[str] = ("/",),
    broken: Mapping[str, Iterable[LinkSpec]] = {},
) -> SiteGraph:
    return SiteGraph(pages(spec, broken), starts)


def rule_config(rule_id: str, **options: object) -> RuleConfig:
    """A built-in rule as linkrules.toml would configure it, for tests that run rules by hand."""
    from pytest_linkrules.config import RuleConfig
    from pytest_linkrules.rules import builtin_registry

    cls = builtin_registry()[rule_id]
    values, problems = cls.parse_options(options)
    assert not problems, problems
    return RuleConfig(rule_id, cls, values, frozenset(options))
