"""A pytest plugin used only by bench_start.py: this process's own CPU outside the crawl.

The crawl runs in worker processes in parallel; everything else in a
`pytest --linkrules` run (interpreter and pytest start, imports, config,
graph, rules, items, report, exit) is this one process on one core, so its
CPU seconds outside the crawl are what it adds to the crawl's wall time on an
idle machine, and stay steady when other jobs load the machine. Written to
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


def _timed_crawl(*args, **kwargs):
    began, began_cpu = time.perf_counter(), _self_cpu()
    try:
        return _crawl_site(*args, **kwargs)
    finally:
        _CRAWL["self_cpu"] += _self_cpu() - began_cpu
        _CRAWL["wall"] += time.perf_counter() - began


_crawl_site = None


def pytest_configure(config) -> None:
    """Patched here, not at import: a -p plugin loads before pytest-linkrules' entry point, and
    importing the runner then would send the whole package through pytest's assertion rewriter,
    which the plugin itself keeps it out of (a cost a user's run does not pay)."""
    global _crawl_site
    from pytest_linkrules import runner

    if _crawl_site is None:
        _crawl_site = runner.crawl_site
        runner.crawl_site = _timed_crawl


@atexit.register
def _write() -> None:
    out = os.environ.get("LINKRULES_BENCH_OUT")
    if out:
        with open(out, "w") as f:
            json.dump({"self_cpu": _self_cpu(), "crawl_self_cpu": _CRAWL["self_cpu"], "crawl_wall": _CRAWL["wall"]}, f)
