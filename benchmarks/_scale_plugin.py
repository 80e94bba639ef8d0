"""A pytest plugin used only by bench_scale.py: the crawl is replaced by scale_site's generator.

``LINKRULES_SCALE`` (JSON: size, seed, variant) says which site to make. The
generator's wall and CPU go into _stages' figures as ``generator_seconds``
and ``generator_cpu``, so the benchmark can report the run without them;
load it after ``_stages`` (``-p _stages -p _scale_plugin``) so the "extract"
stage it times is the generator.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from pytest_linkrules import crawl, runner

from scale_site import make_crawl

try:
    import _stages
except ImportError:  # pragma: no cover - used alone
    _stages = None

_SPEC = json.loads(os.environ.get("LINKRULES_SCALE", "{}") or "{}")


class GeneratedCrawl:
    """Stands for crawl.StartedCrawl: its result is scale_site's generated crawl, not the folder's."""

    def __init__(self, site: Any, **kwargs: Any) -> None:
        pass

    def result(self, progress: Any = None) -> Any:
        began, cpu = time.perf_counter(), time.process_time()
        made = make_crawl(int(_SPEC.get("size", 10_000)), int(_SPEC.get("seed", 1)), str(_SPEC.get("variant", "head")))
        if _stages is not None:
            _stages.FIGURES["generator_seconds"] = time.perf_counter() - began
            _stages.FIGURES["generator_cpu"] = time.process_time() - cpu
            _stages.FIGURES["generated"] = made.figures
        return made.crawl

    def close(self) -> None:
        pass


if _stages is not None:
    GeneratedCrawl.result = _stages.timed("extract", GeneratedCrawl.result)  # type: ignore[method-assign]
crawl.StartedCrawl = runner.StartedCrawl = GeneratedCrawl  # the plugin's and the runner's
