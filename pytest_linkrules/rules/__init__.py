"""The built-in rules, one per module, and the registry custom rules join."""

from __future__ import annotations

from typing import Any, Iterable

from .anchor_text import AnchorText
from .base import Option, OptionError, Rule, RuleCannotRun, RuleSkipped
from .cluster_links import ClusterLinks
from .js_only_links import JsOnlyLinks
from .link_score import LinkScore
from .max_depth import MaxDepth
from .max_outlinks import MaxOutlinks
from .min_content_inlinks import MinContentInlinks
from .min_inlinks import MinInlinks
from .no_archive_only import NoArchiveOnly
from .no_broken_links import NoBrokenLinks
from .no_deeper_pages import NoDeeperPages
from .no_links_to_noindex import NoLinksToNoindex
from .no_links_to_non_canonical import NoLinksToNonCanonical
from .no_lost_inlinks import NoLostInlinks
from .no_lost_link_score import NoLostLinkScore
from .no_new_orphans import NoNewOrphans
from .no_nofollow_internal import NoNofollowInternal
from .no_orphans import NoOrphans
from .no_redirect_links import NoRedirectLinks
from .sitemap_consistency import SitemapConsistency

BUILTIN_RULES: tuple[type[Rule], ...] = (
    MaxDepth,
    MinInlinks,
    NoOrphans,
    NoArchiveOnly,
    NoBrokenLinks,
    MinContentInlinks,
    ClusterLinks,
    LinkScore,
    MaxOutlinks,
    AnchorText,
    NoRedirectLinks,
    NoNofollowInternal,
    NoLinksToNoindex,
    NoLinksToNonCanonical,
    SitemapConsistency,
    JsOnlyLinks,
    NoNewOrphans,
    NoDeeperPages,
    NoLostInlinks,
    NoLostLinkScore,
)


ENTRY_POINT_GROUP = "pytest_linkrules.rules"  # packages offer Rule subclasses here


def builtin_registry() -> dict[str, type[Rule]]:
    """A fresh id -> rule class mapping; plugins add to their own copy."""
    return {rule.id: rule for rule in BUILTIN_RULES}


def installed_registry(offered: Iterable[Any] = ()) -> tuple[dict[str, type[Rule]], list[str]]:
    """Built-in rules, then ``offered`` ones (conftest hooks), then installed packages' (entry points).

    Shared by the plugin and the ``linkrules`` command, which has no conftest
    hooks but sees the same installed packages. Returns the registry and the
    problems found (a broken package, an id taken twice), for the caller to report.
    """
    from importlib.metadata import entry_points

    registry = builtin_registry()
    problems: list[str] = []
    offered = list(offered)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            offered.append(ep.load())
        except Exception as exc:  # a broken package must not look like a bug of ours
            problems.append(f"entry point {ep.name} = {ep.value} ({ENTRY_POINT_GROUP}) could not be loaded: {exc}")
    for rule in offered:
        if not (isinstance(rule, type) and issubclass(rule, Rule)) or not rule.id:
            problems.append(f"pytest_linkrules_register_rules returned {rule!r}: expected a Rule subclass with an id")
        elif rule.id in registry and registry[rule.id] is not rule:
            problems.append(f"pytest_linkrules_register_rules: rule id {rule.id!r} is already taken by {registry[rule.id].__module__}")
        else:
            registry[rule.id] = rule
    return registry, problems


__all__ = ["BUILTIN_RULES", "ENTRY_POINT_GROUP", "Option", "OptionError", "Rule", "RuleCannotRun", "RuleSkipped", "builtin_registry", "installed_registry"]
