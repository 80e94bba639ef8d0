"""The key the plugin keeps a run's state under in pytest's ``config.stash``.

A module of its own so that an ordinary test run, whose hooks only ask whether
the key is set, imports none of the config, rules and items behind the state
(pytest loads the plugin in every run, --linkrules or not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .items import LinkrulesState

STATE_KEY: pytest.StashKey[LinkrulesState] = pytest.StashKey()
