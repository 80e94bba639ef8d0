"""Shared fixtures for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

# The plugin imports the crawl, the graph (numpy), scipy.sparse (on first use)
# and the reports only when --linkrules runs. pytester's in-process runs forget the modules first
# imported during a run, and numpy cannot be imported twice in one process:
# import them here, once, before any run.
import pytest_linkrules.baseline  # noqa: F401,E402
import pytest_linkrules.crawl.folder  # noqa: F401,E402
import pytest_linkrules.crawl.progress  # noqa: F401,E402
import pytest_linkrules.runner  # noqa: F401,E402
import pytest_linkrules.snapshot  # noqa: F401,E402
import scipy.sparse  # noqa: F401,E402

SITES = Path(__file__).parent / "sites"


@pytest.fixture
def sites() -> Path:
    """The folder of fixture sites, tests/sites/."""
    return SITES


@pytest.fixture
def serve():
    """Start SiteServers on 127.0.0.1 for this test: ``serve(root, redirects=...)``."""
    from helpers.siteserver import SiteServer

    started: list[SiteServer] = []

    def start(root: Path | None = None, **kwargs: object) -> SiteServer:
        server = SiteServer(root=root, **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def spy():
    """A 127.0.0.1 listener that must receive no connection: ``spy.origin``, ``spy.connections``."""
    from helpers.spy import Spy

    listener = Spy()
    yield listener
    listener.close()
