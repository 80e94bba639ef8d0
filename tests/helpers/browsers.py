"""Whether this machine has a Chromium to render with, as a skip marker for the rendering tests."""

from __future__ import annotations

import pytest

from pytest_linkrules.crawl.browser import BrowserError, candidates

try:
    candidates(None)
    HAVE_BROWSER = True
except BrowserError:  # pragma: no cover - CI installs Chromium
    HAVE_BROWSER = False

needs_browser = pytest.mark.skipif(not HAVE_BROWSER, reason="no Chromium on this machine (.ci/run installs it)")
