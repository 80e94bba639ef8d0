"""Hooks pytest-linkrules offers to conftest.py files and other plugins."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .graph import SiteGraph
    from .rules.base import Rule


@pytest.hookspec
def pytest_linkrules_register_rules() -> "list[type[Rule]]":
    """Return rule classes to add to the built-in ones.

    A rule subclasses ``pytest_linkrules.rules.Rule`` exactly as the built-in
    rules do; its ``id`` becomes usable as ``[rules.ID]`` in linkrules.toml.
    """


@pytest.hookspec
def pytest_linkrules_graph_built(graph: "SiteGraph", config: pytest.Config) -> None:
    """Called once per linkrules.toml after the crawl, with the site graph."""
