"""pytest-linkrules: guard a website's internal link architecture in CI."""

from __future__ import annotations

__version__ = "0.1.0"
