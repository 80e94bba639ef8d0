"""A crawl someone else made, as a source of the page pipeline: WARC, ARC and WACZ files.

Distributed crawlers (Heritrix, Nutch, StormCrawler, Browsertrix, ``wget
--warc-file``) write WARC; ``site.warc`` reads their captures instead of
fetching anything. Two passes over the files, read with warcio:

1. index every response and revisit record of the site's origin(s): URL,
   status, headers and where its payload is; the last capture of a URL wins
   (files in the order site.warc lists them, each glob's matches sorted by
   name, records in the order they were written). From the index every URL
   is known as an answer: an HTML page, a file, a redirect (followed through
   the index), or broken (4xx/5xx);
2. read the winning HTML captures' payloads, each as a pipeline.Fetched
   record, and build their pages (pipeline.build_page) against that index:
   a link to a redirect is an edge to where it ends (VIA_REDIRECT), a link to
   a 4xx/5xx capture is broken, as for a URL crawl (http.py).

A revisit record is read as the capture it refers to (same payload digest, or
its WARC-Refers-To-Target-URI). A record that can't be read is named in the
notes and the file is read on from the next one where possible; it never ends
the run.
"""

from __future__ import annotations

import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterator, Mapping
from urllib.parse import urljoin, urlsplit

from ..config import SiteConfig, display_path
from ..model import VIA_REDIRECT, Page
from .http import HTML_TYPES, MAX_REDIRECTS, OriginClassifier, OriginResolver, request_path, site_key
from .folder import PARALLEL_THRESHOLD
from .linktable import LinkReceiver
from .pipeline import Fetched, build_page, charset_of, read
from .shards import ShardError, run_shards
from .sitemap import MAX_INDEX_DEPTH, MAX_SITEMAP_BYTES, MAX_SITEMAP_FILES, parse_sitemap

if TYPE_CHECKING:
    from . import CrawlResult

MISSING_READER = "reading site.warc needs warcio: pip install warcio (it is a dependency of pytest-linkrules; reinstall it)"


class WarcError(Exception):
    """The WARC files can't be read as a site at all."""


@dataclass(frozen=True)
class Stream:
    """One WARC stream: a .warc/.warc.gz/.arc file, or a WARC inside a WACZ."""

    path: Path
    member: str = ""  # archive/... inside a WACZ

    @property
    def label(self) -> str:
        return display_path(self.path) + (f"!{self.member}" if self.member else "")

    def open(self) -> IO[bytes]:
        if self.member:
            return zipfile.ZipFile(self.path).open(self.member)
        return open(self.path, "rb")


def streams_of(files: tuple[Path, ...]) -> list[Stream]:
    out = []
    for path in files:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = sorted(n for n in zf.namelist() if n.startswith("archive/") and n.endswith((".warc", ".warc.gz")))
            out.extend(Stream(path, n) for n in names)
        else:
            out.append(Stream(path))
    return out


@dataclass
class Capture:
    """What the index knows of one record: enough to answer for its URL without its payload."""

    uri: str
    status: int
    content_type: str
    x_robots: str
    location: str
    payload: tuple[int, int]  # (stream number, offset) of the record holding the payload


@dataclass
class Answer:
    kind: str  # "html", "file", "broken", "offsite", "uncaptured"
    final: str
    redirected: bool = False
    reason: str = ""


@dataclass
class Index:
    captures: dict[str, Capture] = field(default_factory=dict)  # page URL -> its last capture
    notes: list[str] = field(default_factory=list)
    records: int = 0
    other_hosts: int = 0


def _records(stream: Stream, notes: list[str]) -> Iterator[tuple[int, object]]:
    """(offset, record) for each record of a stream; an unreadable stretch is noted, never raised.

    The payload is not read: warcio reads through it to find the offset.
    """
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError:  # pragma: no cover - a base dependency
        raise WarcError(MISSING_READER) from None
    try:
        fh = stream.open()
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        notes.append(f"{stream.label}: could not be opened ({exc}); its records were not read")
        return
    count = 0
    with fh:
        try:
            it = ArchiveIterator(fh, arc2warc=True)
            for record in it:
                yield it.get_record_offset(), record
                count += 1
        except Exception as exc:  # warcio's ArchiveLoadFailed, zlib and header errors: hostile or truncated files
            notes.append(
                f"{stream.label}: unreadable after {count:,} record(s) ({type(exc).__name__}: {exc}); "
                "the records before it were read"
            )


def _header(headers: object, name: str) -> str:
    value = headers.get_header(name) if headers is not None else None  # type: ignore[attr-defined]
    return value.strip() if isinstance(value, str) else ""


def build_index(streams: list[Stream], resolver: OriginResolver) -> Index:
    """Pass 1: the last capture of every URL of the site's origin(s), with its status and headers."""
    index = Index()
    by_digest: dict[str, Capture] = {}
    by_uri: dict[str, Capture] = {}
    revisits_lost = 0
    for number, stream in enumerate(streams):
        for offset, record in _records(stream, index.notes):
            kind = record.rec_type  # type: ignore[attr-defined]
            if kind not in ("response", "revisit"):
                continue
            index.records += 1
            uri = _header(record.rec_headers, "WARC-Target-URI").strip("<>")  # type: ignore[attr-defined]
            try:
                parts = urlsplit(uri)
            except ValueError:
                continue
            if parts.scheme.lower() not in ("http", "https"):
                continue
            http = record.http_headers  # type: ignore[attr-defined]
            status = _status(http)
            digest = _header(record.rec_headers, "WARC-Payload-Digest")  # type: ignore[attr-defined]
            if kind == "response":
                capture = Capture(
                    uri, status, _header(http, "Content-Type"), _header(http, "X-Robots-Tag"), _header(http, "Location"),
                    (number, offset),
                )
                if digest:
                    by_digest[digest] = capture
                by_uri[uri] = capture
            else:
                original = by_digest.get(digest) if digest else None
                if original is None:
                    original = by_uri.get(_header(record.rec_headers, "WARC-Refers-To-Target-URI").strip("<>"))  # type: ignore[attr-defined]
                if original is None:
                    revisits_lost += 1
                    continue
                if status and status != 304 and http is not None:
                    # The revisit's own answer, with the original's payload.
                    capture = Capture(
                        uri, status, _header(http, "Content-Type") or original.content_type,
                        _header(http, "X-Robots-Tag"), _header(http, "Location"), original.payload,
                    )
                else:
                    capture = Capture(uri, original.status, original.content_type, original.x_robots, original.location, original.payload)
            if parts.netloc.lower() not in resolver.netlocs:
                index.other_hosts += 1
                continue
            if not status:
                continue
            index.captures[site_key(parts.path or "/")] = capture  # the last capture wins
    if revisits_lost:
        index.notes.append(
            f"{revisits_lost:,} revisit record(s) refer to a capture that is in none of the WARC files; they were skipped"
        )
    return index


def _status(http: object) -> int:
    if http is None:
        return 0
    try:
        return int(http.get_statuscode())  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return 0


def answers_of(index: Index, resolver: OriginResolver) -> dict[str, Answer]:
    """Every captured URL as an answer, redirects followed through the index."""
    answers: dict[str, Answer] = {}
    for key, capture in index.captures.items():
        answers[key] = _answer(key, capture, index, resolver)
    return answers


def _is_html(content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    return not mime or mime in HTML_TYPES


def _answer(key: str, capture: Capture, index: Index, resolver: OriginResolver) -> Answer:
    current, hops, redirected = key, [key], False
    for _ in range(MAX_REDIRECTS + 1):
        capture_now = index.captures.get(current)
        if capture_now is None:
            return Answer("uncaptured", current, redirected)
        status = capture_now.status
        if 300 <= status < 400 and capture_now.location:
            try:
                target = urljoin(capture_now.uri, capture_now.location)
                parts = urlsplit(target)
            except ValueError:
                return Answer("broken", key, redirected, f"HTTP {status} to an invalid Location")
            if parts.scheme.lower() not in ("http", "https") or parts.netloc.lower() not in resolver.netlocs:
                return Answer("offsite", current, True, f"{parts.scheme}://{parts.netloc}{parts.path}")
            nxt = site_key(parts.path or "/")
            if nxt in hops:
                return Answer("broken", key, True, "redirect loop: " + " -> ".join(hops + [nxt]))
            hops.append(nxt)
            current, redirected = nxt, True
            continue
        if status >= 300:
            return Answer("broken", key, redirected, f"HTTP {status}")
        if status < 200:
            return Answer("file", current, redirected)
        return Answer("html" if _is_html(capture_now.content_type) else "file", current, redirected)
    shown = hops[:3] + ["..."] + hops[-2:] if len(hops) > 6 else hops
    return Answer("broken", key, True, f"more than {MAX_REDIRECTS} redirects: " + " -> ".join(shown))


class WarcSite:
    """The index as the page pipeline asks it: where a linked URL ended (pipeline.Outcome).

    ``answers`` holds (kind, final, redirected, reason) per captured page URL,
    as Shared sends it: plain tuples, read as they are in every shard.
    """

    def __init__(self, answers: Mapping[str, tuple[str, str, bool, str]]) -> None:
        self.answers = answers
        self.uncaptured: set[str] = set()

    def outcome(self, key: str) -> tuple[str, str, int]:
        answer = self.answers.get(key.split("#")[0])
        kind = "uncaptured" if answer is None else answer[0]
        if kind == "uncaptured":
            self.uncaptured.add(key if answer is None else answer[1])
            return "file", key, 0  # not captured: nothing is known of it, so nothing is claimed
        if kind == "html":
            return "page", answer[1], VIA_REDIRECT if answer[2] else 0  # type: ignore[index]
        if kind == "broken":
            return "broken", key, 0
        return "file", key, 0  # a file, or a redirect to another host


def read_payload(fh: IO[bytes], offset: int, max_bytes: int) -> tuple[bytes | None, str]:
    """The payload of the record at offset (HTTP chunking and Content-Encoding undone), or why not."""
    from warcio.archiveiterator import ArchiveIterator

    try:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh, arc2warc=True)))
        body = record.content_stream().read(max_bytes + 1)
    except Exception as exc:  # a corrupt record (bad gzip, chunking, headers): this page only
        return None, f"its WARC record could not be read ({type(exc).__name__}: {exc})"
    if len(body) > max_bytes:
        return None, f"page is over the {max_bytes:,}-byte limit (site.max_page_bytes); its links were not read"
    return body, ""


@dataclass
class Shared:
    """What every shard needs, sent to each worker once: the origin, the index's answers, settings."""

    origin: str
    aliases: tuple[str, ...]
    answers: dict[str, tuple[str, str, bool, str]]  # page URL -> (kind, final, redirected, reason)
    selectors: Mapping[str, str] | None
    max_bytes: int


# A shard is a stream and the captures to read from it, as
# (offset, [(page URL, target URI, status, content type, X-Robots-Tag)]).
SHARD_RECORDS = 2_000  # captures per shard: big enough that sending a shard costs little


def parse_shard(shard: tuple, shared: Shared) -> tuple[list, list, list[str]]:
    """Read and build one shard's pages (in a worker): new links, packed pages, uncaptured link targets."""
    from array import array

    from .linktable import LinkTable

    stream, captures = shard
    classify = OriginClassifier(OriginResolver(shared.origin, False, shared.aliases))
    site = WarcSite(shared.answers)
    table = LinkTable()
    memo: dict = {}
    packed = []
    fh, why = None, ""
    try:
        fh = stream.open()
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        why = f"its WARC file could not be opened ({exc})"
    try:
        for offset, wanting in captures:
            body, error = read_payload(fh, offset, shared.max_bytes) if fh is not None else (None, why)
            for key, uri, status, ctype, x_robots in wanting:
                fetched = Fetched(key, uri, status, ctype, x_robots, "", body, charset_of(ctype), error=error)
                raw = read(fetched, shared.selectors)
                page, links, broken = build_page(
                    key, uri, raw, classify, table.number, memo,
                    base=shared.origin + request_path(key), own_fragments=not raw.base, outcome=site.outcome,
                    x_robots=x_robots, status=status,
                )  # fmt: skip
                packed.append((page, array("I", links), array("I", broken)))
    finally:
        if fh is not None:
            fh.close()
    return table.new_links(), packed, sorted(site.uncaptured)


def shards_of(streams: list[Stream], index: Index, html: list[str]) -> list[tuple]:
    """The HTML captures to read, as shards of SHARD_RECORDS records each, in file order."""
    by_payload: dict[tuple[int, int], list[tuple[str, str, int, str, str]]] = {}
    for key in html:
        c = index.captures[key]
        by_payload.setdefault(c.payload, []).append((key, c.uri, c.status, c.content_type, c.x_robots))
    jobs: list[tuple] = []
    current: list = []
    last = -1
    for (number, offset), wanting in sorted(by_payload.items()):
        if current and (number != last or len(current) >= SHARD_RECORDS):
            jobs.append((streams[last], current))
            current = []
        current.append((offset, wanting))
        last = number
    if current:
        jobs.append((streams[last], current))
    return jobs


def crawl_warc(
    site: SiteConfig, selectors: Mapping[str, str] | None = None, *, workers: int | None = None, dask: str = ""
) -> "CrawlResult":
    """Read site.warc's captures as the site; the entry point crawl_site uses for WARC sites."""
    from . import CrawlError, CrawlResult

    began = time.perf_counter()
    if not site.base_url:  # pragma: no cover - config validation requires it
        raise CrawlError("site.warc needs site.base_url, the origin the WARC captured")
    origin = _origin(site.base_url[0])
    resolver = OriginResolver(origin, False, site.base_url)
    streams = streams_of(site.warc)
    try:
        index = build_index(streams, resolver)
    except WarcError as exc:
        raise CrawlError(str(exc)) from None
    names = ", ".join(display_path(p) for p in site.warc)
    notes = list(index.notes)
    if index.other_hosts:
        notes.append(f"{index.other_hosts:,} captured record(s) of other hosts than {', '.join(sorted(resolver.netlocs))} were not read (site.base_url names the site's hosts)")
    answers = answers_of(index, resolver)
    html = [k for k, a in answers.items() if a.kind == "html" and a.final == k]
    if len(html) > site.max_pages:
        notes.append(f"{len(html):,} HTML captures found; only the first {site.max_pages:,} were read (site.max_pages)")
        left_out = set(html[site.max_pages :])
        for key, answer in answers.items():
            if answer.kind == "html" and answer.final in left_out:  # the page, and redirects that end there
                answers[key] = Answer("uncaptured", answer.final)
        html = html[: site.max_pages]
    sitemap_files = _sitemap_keys(site, index)
    shared = Shared(
        origin, site.base_url, {k: (a.kind, a.final, a.redirected, a.reason) for k, a in answers.items()},
        selectors, site.max_page_bytes,
    )  # fmt: skip
    pages: dict[str, Page] = {}
    uncaptured: set[str] = set()
    receiver = LinkReceiver()
    jobs = shards_of(streams, index, html)
    try:
        results = run_shards(parse_shard, jobs, shared, workers=workers, dask=dask, parallel=len(html) >= PARALLEL_THRESHOLD)
        for number, (new_links, packed, missing) in enumerate(results):
            receiver.receive(number, new_links)
            uncaptured.update(missing)
            for one in packed:
                page = receiver.unpack(number, one)
                pages[page.url] = page
    except ShardError as exc:
        raise CrawlError(str(exc)) from None
    if not pages:
        raise CrawlError(f"site.warc: {names} hold no HTML page of {origin} (captured records of it: {len(index.captures):,})")
    starts, problems = [], []
    for given in site.start:
        key = site_key(given.split("#")[0].split("?")[0] or "/")
        answer = answers.get(key)
        if answer is not None and answer.kind == "html" and answer.final in pages:
            starts.append(answer.final)
        else:
            why = "not captured" if answer is None or answer.kind == "uncaptured" else (answer.reason or f"not an HTML page ({answer.kind})")
            problems.append(f'"{given}" ({origin}{request_path(key)}): {why}')
    if problems:
        raise CrawlError("site.start: " + "; ".join(problems) + f" in {names}; check site.start and site.base_url")
    _refuse_scripted_start(pages, starts)
    uncaptured = sorted(uncaptured)
    if uncaptured:
        notes.append(
            f"{len(uncaptured):,} linked URL(s) of the site are in no WARC capture, so links to them were not checked "
            f"(e.g. {', '.join(uncaptured[:3])})"
        )
    offsite = sorted(k for k, a in answers.items() if a.kind == "offsite")
    if offsite:
        notes.append(f"{len(offsite)} captured URL(s) redirect to another host, not followed (e.g. {offsite[0]} -> {answers[offsite[0]].reason})")
    redirected = sorted(k for k, a in answers.items() if a.redirected and a.kind == "html" and k != a.final)
    if redirected:
        notes.append(f"{len(redirected)} captured URL(s) redirect within the site (e.g. {redirected[0]} -> {answers[redirected[0]].final})")
    notes.append(f"{index.records:,} response and revisit records in {len(streams):,} WARC stream(s); the last capture of a URL wins")
    sitemap_urls = _sitemap_urls(sitemap_files, index, answers, resolver, streams, notes) if sitemap_files else None
    broken = {k: a.reason or "broken" for k, a in answers.items() if a.kind == "broken"}
    reason = "read as captured in the WARC files (a WARC holds what its crawler fetched; a browser-based crawler such as Browsertrix stores rendered pages)"
    return CrawlResult(pages, tuple(dict.fromkeys(starts)), f"WARC {names}", time.perf_counter() - began, "static", reason, notes, sitemap_urls, broken)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _refuse_scripted_start(pages: Mapping[str, Page], starts: list[str]) -> None:
    """CrawlError when the start pages have scripts and no links: an app captured unrendered would pass checking nothing."""
    from . import CrawlError

    shown = [pages[s] for s in starts]
    if shown and all(p.has_scripts and not p.error and not p.links and not p.broken for p in shown):
        raise CrawlError(
            f"the start page {', '.join(p.url for p in shown)} has scripts but no links in its captured HTML, so the crawl "
            "would check one page and pass; capture the site with a browser-based crawler (Browsertrix) or crawl it by url"
        )


def _sitemap_keys(site: SiteConfig, index: Index) -> list[str]:
    """Captured sitemap files to read: site.sitemap, else /sitemap.xml when it was captured."""
    path = urlsplit(site.sitemap).path if site.sitemap else "/sitemap.xml"
    key = site_key(path or "/")
    capture = index.captures.get(key)
    return [key] if capture is not None and 200 <= capture.status < 300 else []


def _sitemap_urls(
    keys: list[str],
    index: Index,
    answers: Mapping[str, Answer],
    resolver: OriginResolver,
    streams: list[Stream],
    notes: list[str],
) -> list[str] | None:
    """Page URLs the captured sitemap(s) list (where redirects ended), or None if none could be read."""
    found: list[str] = []
    read_any = False
    level = [(k, 0) for k in keys]
    done: set[str] = set()
    while level and len(done) < MAX_SITEMAP_FILES:
        key, depth = level.pop(0)
        if key in done:
            continue
        done.add(key)
        capture = index.captures.get(key)
        if capture is None:
            notes.append(f"sitemap {key} is in no WARC capture; not read")
            continue
        number, offset = capture.payload
        with streams[number].open() as fh:
            body, error = read_payload(fh, offset, MAX_SITEMAP_BYTES)
        if body is None:
            notes.append(f"sitemap {key}: {error}")
            continue
        sitemap = parse_sitemap(body)
        if sitemap.kind == "invalid":
            notes.append(f"sitemap {key} is {sitemap.error}; ignored")
        elif sitemap.kind == "index":
            if depth < MAX_INDEX_DEPTH:
                for loc in sitemap.locs:
                    child = resolver.resolve(loc, resolver.origin + "/")
                    if child is not None:
                        level.append((child, depth + 1))
        else:
            read_any = True
            for loc in sitemap.locs:
                target = resolver.resolve(loc, resolver.origin + "/")
                if target is not None:
                    found.append(target)
    if not read_any:
        return None
    out = []
    for key in dict.fromkeys(found):
        answer = answers.get(key)
        out.append(answer.final if answer is not None and answer.kind == "html" else key)
    return list(dict.fromkeys(out))
