"""A pytest plugin used only by bench_start.py: this process's own CPU outside the crawl.

The crawl runs in worker processes in parallel; everything else in a
`pytest --linkrules` run (interpreter and pytest start, imports, config,
graph, rules, items, report, exit) is this one process on one core, so its
CPU seconds outside the crawl are at most what it adds to the crawl's wall
time on an idle machine (less: the plugin imports numpy and the graph's
modules while the workers parse), and stay steady when other jobs load the
machine. Written to
$LINKRULES_BENCH_OUT at exit (atexit: after pytest's own cleanup).
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import time

_CRAWL = {"self_cpu": 0.0, "wall": 0.0}


def _self_cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


_patched = False


def pytest_configure(config) -> None:
    """Patched here, not at import: a -p plugin loads before pytest-linkrules' entry point, and
    importing the crawl then would send the whole package through pytest's assertion rewriter,
    which the plugin itself keeps it out of (a cost a user's run does not pay). Only the crawl
    package, which imports no numpy: the runner would, before the plugin begins the crawl."""
    global _patched
    from pytest_linkrules import crawl

    if _patched:
        return
    _patched = True

    class TimedCrawl(crawl.StartedCrawl):
        """The crawl's own CPU in this process: its start and its result, not the plugin's imports between."""

        def __init__(self, *args, **kwargs) -> None:
            self.began, used = time.perf_counter(), _self_cpu()
            super().__init__(*args, **kwargs)
            _CRAWL["self_cpu"] += _self_cpu() - used

        def result(self, progress=None):
            used = _self_cpu()
            try:
                return super().result(progress)
            finally:
                _CRAWL["self_cpu"] += _self_cpu() - used
                _CRAWL["wall"] += time.perf_counter() - self.began

    crawl.StartedCrawl = TimedCrawl  # the plugin takes it from there when the session starts


@atexit.register
def _write() -> None:
    out = os.environ.get("LINKRULES_BENCH_OUT")
    if out:
        with open(out, "w") as f:
            json.dump({"self_cpu": _self_cpu(), "crawl_self_cpu": _CRAWL["self_cpu"], "crawl_wall": _CRAWL["wall"]}, f)
