"""Shared fixtures for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

SITES = Path(__file__).parent / "sites"


@pytest.fixture
def sites() -> Path:
    """The folder of fixture sites, tests/sites/."""
    return SITES
