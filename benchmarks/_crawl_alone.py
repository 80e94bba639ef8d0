"""bench_start.py's measure of the crawl itself: a process that reads the config and crawls, nothing more.

The report header of a ``pytest --linkrules`` run states its crawl time, but
that crawl shares the machine with whatever the pytest process does meanwhile.
This process only crawls, so pytest's wall time minus this one's crawl is what
the run costs beyond the crawl, and work moved into the crawl's wait can't hide
in it. (Importing the graph's numpy while the workers parse did just that on 2
cores: the header's crawl grew by what "beyond crawl" lost, the wall stayed.)
Prints the crawl's seconds.

Usage: python benchmarks/_crawl_alone.py linkrules.toml
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pytest_linkrules.config import load_config
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.rules import installed_registry

registry, _ = installed_registry()
config = load_config(Path(sys.argv[1]), registry)
began = time.perf_counter()
crawl_site(config.site, selectors=config.selectors)  # as runner.analyze passes them
print(f"{time.perf_counter() - began:.4f}")
