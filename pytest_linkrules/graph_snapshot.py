"""A crawled link graph saved compactly, to compare a later run with (--linkrules-save-graph).

A pull request's build is compared with its base branch's: either the base
is crawled in the same run (a second built folder), or its graph was saved
by an earlier run and restored from a CI artifact or cache. Both become a
GraphSnapshot, the one shape ``change.compare`` reads.

The file is a NumPy ``.npz`` archive read with ``allow_pickle=False`` (a
snapshot downloaded from an artifact must not be able to run code): strings
are one UTF-8 blob plus offsets, edges are CSR rows (``indptr``) and target
numbers, and the metrics the comparison needs (depth, inlinks, content
inlinks, link score) are stored as computed, so the base is never rebuilt.
One file may hold the graphs of several linkrules.toml files, keyed like
baselines by the config's path from the rootdir.
"""

from __future__ import annotations

import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence, TypeVar

import numpy as np

from .model import CONTENT

if TYPE_CHECKING:
    from .graph import SiteGraph

FORMAT = "pytest-linkrules graph"
VERSION = 1

# Edge bits in a snapshot (combined over parallel links, as the graph does).
E_CONTENT, E_FOLLOWED, E_REDIRECT = 1, 2, 4


class SnapshotError(Exception):
    """The snapshot file can't be used; the message names it and says why."""


def _pack(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(strings, PackedStrings):  # a loaded snapshot saved again: already packed
        return np.frombuffer(strings.data, dtype=np.uint8), strings.offsets
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _unpack(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    data = blob.tobytes()
    bounds = offsets.tolist()
    return [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(bounds, bounds[1:])]


class PackedStrings(Sequence[str]):
    """Strings left as the file holds them (one UTF-8 blob and offsets), each decoded when read.

    A base snapshot's titles and anchor texts are read for the few pages and
    links a change report names; decoding all of them was ~0.5 s and ~100 MB
    of a 1M-page comparison. The blob is checked whole when loaded, so a
    damaged file fails there, not in a report.
    """

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        data = blob.tobytes()
        offsets = np.asarray(offsets, dtype=np.int64)
        if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(data) or np.any(np.diff(offsets) < 0):
            raise ValueError("string offsets don't fit their blob")
        data.decode("utf-8", "surrogatepass")  # raises UnicodeDecodeError (a ValueError) on a damaged blob
        inner = offsets[1:-1]
        octets = np.frombuffer(data, dtype=np.uint8)  # the offsets count bytes, whatever dtype a damaged file gave the blob
        if len(inner) and np.any((octets[inner[inner < len(data)]] & 0xC0) == 0x80):
            raise ValueError("a string starts inside a UTF-8 character")
        self.data, self.offsets = data, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.data[self.offsets[i] : self.offsets[i + 1]].decode("utf-8", "surrogatepass")


@dataclass
class GraphSnapshot:
    """Pages, edges (sorted by source, one per page pair) and per-page metrics."""

    urls: list[str]
    titles: Sequence[str]  # a loaded snapshot's are PackedStrings
    starts: tuple[str, ...]
    indptr: np.ndarray  # int64, len(urls) + 1: page i's edges are indptr[i]:indptr[i+1]
    dst: np.ndarray  # int32 target page numbers
    bits: np.ndarray  # uint8 E_* bits per edge
    depth: np.ndarray  # int32, -1 when unreachable
    inlinks: np.ndarray  # int32 unique reachable followed sources
    content_inlinks: np.ndarray  # int32
    score: np.ndarray  # float64 internal PageRank, summing to 1
    source: str = ""  # what was crawled ("folder public"), for reports
    # Either anchor text per edge (loaded files), or the graph to read it from.
    anchors: Sequence[str] | None = None
    edge_anchor: np.ndarray | None = None
    graph: "SiteGraph | None" = field(default=None, repr=False)

    @classmethod
    def from_graph(cls, graph: "SiteGraph", source: str = "") -> "GraphSnapshot":
        """The graph's arrays as they are (no copy); anchors are read from its pages when asked for."""
        n = len(graph.urls)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(graph.edge_src, minlength=n), out=indptr[1:])
        bits = (
            graph.edge_content.astype(np.uint8) * E_CONTENT
            | graph.edge_followed.astype(np.uint8) * E_FOLLOWED
            | graph.edge_redirect.astype(np.uint8) * E_REDIRECT
        )
        unique, content = graph._inlink_counts
        return cls(
            urls=graph.urls,
            titles=list(map(attrgetter("title"), graph.pages.values())),  # pages are in urls' order
            starts=tuple(graph.starts),
            indptr=indptr,
            dst=graph.edge_dst.astype(np.int32, copy=False),
            bits=bits,
            depth=graph.depths.astype(np.int32),
            inlinks=unique.astype(np.int32),
            content_inlinks=content.astype(np.int32),
            score=np.asarray(graph.pagerank, dtype=np.float64),
            source=source,
            graph=graph,
        )

    @property
    def n(self) -> int:
        return len(self.urls)

    @cached_property
    def src(self) -> np.ndarray:
        """Source page number of every edge (kept: a click path asks for it once per step)."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))

    def anchor(self, edge: int, src: int) -> str:
        """The anchor text of one edge (a content link's, if the pair has several links)."""
        if self.edge_anchor is not None and self.anchors is not None:
            return self.anchors[int(self.edge_anchor[edge])]
        if self.graph is None:
            return ""
        target = self.urls[int(self.dst[edge])]
        found = ""
        for link in self.graph.pages[self.urls[src]].links:
            if link.target == target:
                if link.in_content:
                    return link.anchor
                found = found or link.anchor
        return found

    def _edge_anchors(self) -> tuple[Sequence[str], np.ndarray]:
        """Anchor text per edge for the whole graph, without a Python loop per link.

        Replays the graph's edge order (sorted by source then target); among
        parallel links a content link's anchor wins.
        """
        if self.edge_anchor is not None and self.anchors is not None:
            return self.anchors, self.edge_anchor
        graph = self.graph
        if graph is None or not len(self.dst):
            return [""], np.zeros(len(self.dst), dtype=np.int32)
        from itertools import chain, repeat

        pages = [graph.pages[u] for u in graph.urls]
        counts = np.fromiter((len(p.links) for p in pages), dtype=np.int64, count=len(pages))
        links = list(chain.from_iterable(p.links for p in pages))
        src = np.repeat(np.arange(len(pages), dtype=np.int64), counts)
        dst = np.fromiter(map(graph.index.get, map(attrgetter("target"), links), repeat(-1)), dtype=np.int64, count=len(links))
        flags = np.fromiter(map(attrgetter("flags"), links), dtype=np.uint8, count=len(links))
        texts = list(map(attrgetter("anchor"), links))
        del links
        table = {t: k for k, t in enumerate(dict.fromkeys(texts))}
        ids = np.fromiter(map(table.__getitem__, texts), dtype=np.int32, count=len(texts))
        del texts
        keep = (dst >= 0) & (dst != src)
        n = max(len(pages), 1)
        key = (src[keep] * n + dst[keep]) * 2 + ((flags[keep] & CONTENT) == 0)
        ids = ids[keep]
        order = np.argsort(key, kind="stable")
        key, ids = key[order] // 2, ids[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        anchors = np.asarray(ids[first], dtype=np.int32)
        if len(anchors) != len(self.dst):  # a graph made from an edge list: its pages hold no links
            return [""], np.zeros(len(self.dst), dtype=np.int32)
        return list(table) or [""], anchors

    # ------------------------------------------------------------------ file
    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        anchors, edge_anchor = self._edge_anchors()
        urls_blob, urls_off = _pack(self.urls)
        titles_blob, titles_off = _pack(self.titles)
        anchors_blob, anchors_off = _pack(anchors)
        return {
            f"{prefix}urls": urls_blob,
            f"{prefix}urls_offsets": urls_off,
            f"{prefix}titles": titles_blob,
            f"{prefix}titles_offsets": titles_off,
            f"{prefix}anchors": anchors_blob,
            f"{prefix}anchors_offsets": anchors_off,
            f"{prefix}indptr": self.indptr,
            f"{prefix}dst": self.dst,
            f"{prefix}bits": self.bits,
            f"{prefix}edge_anchor": edge_anchor,
            f"{prefix}depth": self.depth,
            f"{prefix}inlinks": self.inlinks,
            f"{prefix}content_inlinks": self.content_inlinks,
            f"{prefix}score": self.score,
        }

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray], prefix: str, meta: Mapping[str, object]) -> "GraphSnapshot":
        urls = _unpack(data[f"{prefix}urls"], data[f"{prefix}urls_offsets"])
        snap = cls(
            urls=urls,
            titles=PackedStrings(data[f"{prefix}titles"], data[f"{prefix}titles_offsets"]),
            starts=tuple(str(s) for s in meta.get("starts") or ()),  # type: ignore[union-attr]
            indptr=np.asarray(data[f"{prefix}indptr"], dtype=np.int64),
            dst=np.asarray(data[f"{prefix}dst"], dtype=np.int32),
            bits=np.asarray(data[f"{prefix}bits"], dtype=np.uint8),
            depth=np.asarray(data[f"{prefix}depth"], dtype=np.int32),
            inlinks=np.asarray(data[f"{prefix}inlinks"], dtype=np.int32),
            content_inlinks=np.asarray(data[f"{prefix}content_inlinks"], dtype=np.int32),
            score=np.asarray(data[f"{prefix}score"], dtype=np.float64),
            source=str(meta.get("source") or ""),
            anchors=PackedStrings(data[f"{prefix}anchors"], data[f"{prefix}anchors_offsets"]),
            edge_anchor=np.asarray(data[f"{prefix}edge_anchor"], dtype=np.int32),
        )
        snap.check()
        return snap

    def check(self) -> None:
        """Raise ValueError unless the arrays fit together (a damaged or hand-made file)."""
        n, m = self.n, len(self.dst)
        if len(self.titles) != n or len(self.indptr) != n + 1 or self.indptr[0] != 0 or self.indptr[-1] != m:
            raise ValueError("page and edge arrays differ in length")
        if np.any(np.diff(self.indptr) < 0) or (m and (self.dst.min() < 0 or self.dst.max() >= n)):
            raise ValueError("edge numbers out of range")
        for name in ("depth", "inlinks", "content_inlinks", "score"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has the wrong length")
        if len(self.bits) != m or self.edge_anchor is None or len(self.edge_anchor) != m:
            raise ValueError("edge attributes have the wrong length")
        if m and self.anchors is not None and (self.edge_anchor.min() < 0 or self.edge_anchor.max() >= len(self.anchors)):
            raise ValueError("anchor numbers out of range")


def save_graphs(path: Path, graphs: Mapping[str, GraphSnapshot]) -> None:
    """Write snapshots (config key -> graph) to one .npz file, atomically."""
    arrays: dict[str, np.ndarray] = {}
    configs = []
    for k, (key, snap) in enumerate(sorted(graphs.items())):
        prefix = f"c{k}_"
        arrays.update(snap.arrays(prefix))
        configs.append({"key": key, "prefix": prefix, "starts": list(snap.starts), "source": snap.source, "pages": snap.n})
    meta = {"format": FORMAT, "version": VERSION, "configs": configs}
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    tmp.replace(path)


def load_graphs(path: Path) -> dict[str, GraphSnapshot]:
    """Every snapshot in a file written by save_graphs; SnapshotError names the file and the problem."""
    return _read(path, GraphSnapshot.from_arrays)


def load_graphs_in_background(path: Path) -> tuple[list[str], Callable[[], dict[str, GraphSnapshot]]]:
    """The file's config keys now, and a function that waits for load_graphs run on a thread.

    The base of a comparison does not depend on the crawl, so its arrays are
    read while the crawl runs: inflating a 1M-page snapshot takes ~2 s, and
    zlib releases the GIL as it works. A missing or foreign file still
    raises SnapshotError here, before the crawl; damaged arrays are raised
    by the function returned, with load_graphs' message.
    """
    keys = list(_read(path, lambda data, prefix, entry: None))
    pool = ThreadPoolExecutor(1, thread_name_prefix="linkrules-snapshot")
    future = pool.submit(load_graphs, path)
    pool.shutdown(wait=False)
    return keys, future.result


T = TypeVar("T")


def _read(path: Path, make: Callable[[Mapping[str, np.ndarray], str, dict], T]) -> dict[str, T]:
    """make(arrays, prefix, entry) for each config of the file, by key, after checking its header."""
    name = str(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            try:
                meta = json.loads(data["meta"].tobytes().decode("utf-8"))
            except KeyError:
                raise SnapshotError(f"{name}: not a linkrules graph snapshot (written by --linkrules-save-graph)") from None
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise SnapshotError(f"{name}: not a linkrules graph snapshot (written by --linkrules-save-graph)")
            if meta.get("version") != VERSION:
                raise SnapshotError(f"{name}: snapshot version {meta.get('version')!r} is not supported (expected {VERSION}); save it again")
            return {str(entry["key"]): make(data, str(entry["prefix"]), entry) for entry in meta.get("configs") or []}
    except SnapshotError:
        raise
    except FileNotFoundError:
        raise SnapshotError(f"{name}: snapshot file not found (write one with --linkrules-save-graph={name})") from None
    except IsADirectoryError:
        raise SnapshotError(f"{name}: is a folder") from None
    except OSError as exc:
        raise SnapshotError(f"{name}: cannot be read: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, zipfile.BadZipFile, EOFError) as exc:
        raise SnapshotError(f"{name}: not a usable linkrules graph snapshot ({exc}); save it again") from None


def pick(snapshots: Mapping[str, T], key: str, n_configs: int) -> T | None:
    """The snapshot of a config; with one config on each side, paths needn't agree."""
    if key in snapshots:
        return snapshots[key]
    if n_configs == 1 and len(snapshots) == 1:
        return next(iter(snapshots.values()))
    return None
