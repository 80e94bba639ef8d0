"""The built-in rules, one per module, and the registry custom rules join."""

from __future__ import annotations

from .base import Option, OptionError, Rule
from .max_depth import MaxDepth
from .min_inlinks import MinInlinks
from .no_archive_only import NoArchiveOnly
from .no_broken_links import NoBrokenLinks
from .no_orphans import NoOrphans

BUILTIN_RULES: tuple[type[Rule], ...] = (MaxDepth, MinInlinks, NoOrphans, NoArchiveOnly, NoBrokenLinks)


def builtin_registry() -> dict[str, type[Rule]]:
    """A fresh id -> rule class mapping; plugins add to their own copy."""
    return {rule.id: rule for rule in BUILTIN_RULES}


__all__ = ["BUILTIN_RULES", "Option", "OptionError", "Rule", "builtin_registry"]
