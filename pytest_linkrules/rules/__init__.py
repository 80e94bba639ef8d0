"""The built-in rules, one per module, and the registry custom rules join."""

from __future__ import annotations

from .anchor_text import AnchorText
from .base import Option, OptionError, Rule, RuleCannotRun
from .cluster_links import ClusterLinks
from .js_only_links import JsOnlyLinks
from .link_score import LinkScore
from .max_depth import MaxDepth
from .max_outlinks import MaxOutlinks
from .min_content_inlinks import MinContentInlinks
from .min_inlinks import MinInlinks
from .no_archive_only import NoArchiveOnly
from .no_broken_links import NoBrokenLinks
from .no_links_to_noindex import NoLinksToNoindex
from .no_links_to_non_canonical import NoLinksToNonCanonical
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
)


def builtin_registry() -> dict[str, type[Rule]]:
    """A fresh id -> rule class mapping; plugins add to their own copy."""
    return {rule.id: rule for rule in BUILTIN_RULES}


__all__ = ["BUILTIN_RULES", "Option", "OptionError", "Rule", "RuleCannotRun", "builtin_registry"]
