"""A pytest plugin used only by bench_plugin.py: records wall time and peak RSS per stage.

It wraps the runner's steps (crawl, graph, rules) from outside, so the plugin
under test runs unchanged. Peak RSS is the process's high-water mark (VmHWM),
reset before each stage through /proc/self/clear_refs, so each figure is that
stage's own peak. Crawl workers are separate processes: their peak is
reported as ``workers_peak_mb`` (the largest child, from getrusage).
"""

from __future__ import annotations

import json
import os
import resource
import time
from typing import Any, Callable

import pytest

from _memory import peak_mb, reset_peak
from pytest_linkrules import crawl, runner

FIGURES: dict[str, Any] = {"stages": {}}
_T0 = time.perf_counter()


def cpu() -> float:
    """CPU seconds of this process and its finished children: unlike wall time, barely
    affected by other jobs on a shared machine."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def record(stage: str, seconds: float, cpu_seconds: float) -> None:
    entry = FIGURES["stages"].setdefault(stage, {"seconds": 0.0, "cpu": 0.0, "peak_mb": 0.0})
    entry["seconds"] += seconds
    entry["cpu"] += cpu_seconds
    entry["peak_mb"] = max(entry["peak_mb"], peak_mb())


def timed(stage: str, fn: Callable[..., Any], after: Callable[[Any], None] | None = None) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reset_peak()
        began, began_cpu = time.perf_counter(), cpu()
        out = fn(*args, **kwargs)
        if after is not None:
            after(out)
        record(stage, time.perf_counter() - began, cpu() - began_cpu)
        return out

    return wrapper


def _metrics(graph: Any) -> None:
    FIGURES["pages"] = len(graph.urls)
    FIGURES["edges"] = int(graph.n_links)
    # Depth and inlinks are read by every default rule; count them as graph work.
    graph.depths
    graph._inlink_counts


class TimedCrawl(crawl.StartedCrawl):
    """The crawl's "extract" stage: from its start to its result, with the CPU of both.

    The plugin starts the crawl before its imports and takes the result after
    them: the wall time covers both, the CPU not the imports between.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        reset_peak()
        self.timed_from, used = time.perf_counter(), cpu()
        super().__init__(*args, **kwargs)
        self.timed_cpu = cpu() - used

    def result(self, progress: Any = None) -> Any:
        used = cpu()
        out = super().result(progress)
        record("extract", time.perf_counter() - self.timed_from, self.timed_cpu + cpu() - used)
        return out


crawl.StartedCrawl = runner.StartedCrawl = TimedCrawl  # the plugin's and the runner's
runner.SiteGraph = timed("graph", runner.SiteGraph, _metrics)
runner.run_rule = timed("rules", runner.run_rule)


def pytest_collection(session: pytest.Session) -> None:
    reset_peak()
    FIGURES["_collect_start"] = (time.perf_counter(), cpu())


def pytest_collection_finish(session: pytest.Session) -> None:
    wall, used = FIGURES.pop("_collect_start")
    record("items", time.perf_counter() - wall, cpu() - used)
    FIGURES["items"] = len(session.items)
    reset_peak()
    FIGURES["_run_start"] = (time.perf_counter(), cpu())


def pytest_unconfigure(config: pytest.Config) -> None:
    if "_run_start" in FIGURES:
        wall, used = FIGURES.pop("_run_start")
        record("run+report", time.perf_counter() - wall, cpu() - used)
    FIGURES["in_process_seconds"] = time.perf_counter() - _T0
    FIGURES["cpu"] = cpu()
    FIGURES["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    FIGURES["workers_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out = os.environ.get("LINKRULES_BENCH_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(FIGURES, f)
