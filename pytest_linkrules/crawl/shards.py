"""Where a crawl's shards are parsed: in this process, a local process pool, or a Dask cluster.

A shard is a chunk of a folder's files or a run of a WARC file's records; a
shard function reads and parses it and returns only compact link tables
(linktable.py): pages without their links, links as numbers, each distinct
link once. ``shared`` is what every shard needs (the site's resolver, the WARC
index's answers): sent to each pool worker once (fork) or scattered to the
Dask workers once.

``--linkrules-dask=ADDRESS`` (or ``[site] dask``) sends shards to a running
Dask scheduler; ``local`` starts a ``distributed.LocalCluster`` on this
machine for the run. Results come back in shard order whatever ran them, so
a run on a cluster builds the very pages a local run builds.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

MISSING_DASK = (
    "parsing on Dask needs the distributed package: pip install \"pytest-linkrules[dask]\" "
    "(or pip install distributed)"
)


class ShardError(Exception):
    """The cluster can't be used (not installed, not reachable); the message says which and what to do."""


_shared: Any = None


def _init_pool(shared: Any) -> None:
    from .allocator import keep_freed_memory

    global _shared
    keep_freed_memory()
    _shared = shared


def _pool_call(job: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    fn, shard = job
    return fn(shard, _shared)


def run_shards(
    fn: Callable[[Any, Any], Any],
    shards: Sequence[Any],
    shared: Any,
    *,
    workers: int | None = None,
    dask: str = "",
    parallel: bool = True,
) -> Iterator[Any]:
    """fn(shard, shared) for every shard, yielded in shard order.

    With ``dask`` on the cluster it names; else in a fork-started process pool
    of ``workers`` (when ``parallel`` and there is more than one shard), else here.
    """
    if dask:
        with dask_client(dask) as client:
            yield from _on_dask(client, fn, shards, shared)
        return
    workers = workers or min(os.cpu_count() or 1, 8)
    if not parallel or workers <= 1 or len(shards) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for shard in shards:
            yield fn(shard, shared)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(workers, len(shards)), mp_context=ctx, initializer=_init_pool, initargs=(shared,)) as pool:
        yield from pool.map(_pool_call, [(fn, shard) for shard in shards])


def _on_dask(client: Any, fn: Callable[[Any, Any], Any], shards: Sequence[Any], shared: Any) -> Iterator[Any]:
    """Shards submitted a few per worker ahead, results taken in order: the graph and the results in memory stay small."""
    if not shards:
        return
    from collections import deque

    shared_future = client.scatter(shared, broadcast=True, hash=False)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    todo = iter(shards)
    running: deque = deque()

    def submit() -> None:
        for shard in todo:
            running.append(client.submit(fn, shard, shared_future, pure=False))
            return

    for _ in range(4 * workers):
        submit()
    try:
        while running:
            result = running.popleft().result()
            submit()
            yield result
    finally:
        client.cancel(list(running))


@contextmanager
def dask_client(address: str) -> Iterator[Any]:
    """A distributed.Client for ``address``; "local" starts a LocalCluster for the duration."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ShardError(MISSING_DASK) from None
    if address == "local":
        n = max(1, min(os.cpu_count() or 1, 8))
        try:
            cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
            )
        except Exception as exc:  # ports, spawn failures: said in one line
            raise ShardError(f"--linkrules-dask=local: could not start a LocalCluster ({type(exc).__name__}: {exc})") from None
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout=10)
    except Exception as exc:  # OSError, TimeoutError, ValueError for a bad address
        raise ShardError(
            f"--linkrules-dask: could not connect to the Dask scheduler at {address} ({type(exc).__name__}: {exc}); "
            'start it (dask scheduler) or pass --linkrules-dask=local'
        ) from None
    try:
        yield client
    finally:
        client.close()
