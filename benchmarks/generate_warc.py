"""Write an N-page WARC of a synthetic site, as a crawler would (one gzip member per record).

Small pages (~1.7 KB of HTML, 24 links: a 10-link nav, 12 content links into the
site, a link to a redirect and one to a 404), plus one 301 and one 404 record and
a revisit every 1,000 pages, so every kind of record the WARC reader handles is in
the stream. Written by hand (not warcio's writer) so 1M pages take minutes, not an
hour; the records are plain WARC/1.1 that warcio and FastWARC read.

Usage:
    python benchmarks/generate_warc.py 100000 --out /tmp/site100k.warc.gz
    python benchmarks/generate_warc.py 1000000 --out /tmp/site1m.warc.gz   # ~1.1 GB
It also writes linkrules.toml next to the WARC (site.warc, base_url, two rules).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import random
import time
import uuid
import zlib
from pathlib import Path

ORIGIN = "https://bench.example"
NAV = ["/", "/docs/", "/blog/", "/about/", "/pricing/", "/guides/", "/api/", "/faq/", "/contact/", "/changelog/"]


def page_path(i: int) -> str:
    return f"/docs/s{i // 1000}/p{i}/" if i else "/"


def page_html(i: int, n: int, rng: random.Random) -> bytes:
    nav = "".join(f'<a href="{u}">{u.strip("/") or "home"}</a>' for u in NAV)
    links = [page_path((i + 1) % n), page_path((i // 1000) * 1000)]
    links += [page_path(rng.randrange(n)) for _ in range(10)]
    content = "".join(f'<p>See <a href="{u}">page {u}</a> for details.</p>' for u in links)
    body = (
        f"<!doctype html><html><head><meta charset=utf-8><title>Page {i}</title></head><body>"
        f"<nav>{nav}</nav><main><h1 id=top>Page {i}</h1>{content}"
        f'<a href="/moved/">moved</a> <a href="/missing/">missing</a></main></body></html>'
    )
    return body.encode()


def payload_digest(http: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(http.split(b"\r\n\r\n", 1)[-1]).digest()).decode()


def record(kind: str, uri: str, http: bytes, extra: str = "", digest: str = "") -> bytes:
    digest = digest or payload_digest(http)
    head = (
        f"WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        f"WARC-Date: 2026-12-02T00:00:00Z\r\nWARC-Target-URI: {uri}\r\nWARC-Payload-Digest: {digest}\r\n{extra}"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
    ).encode()
    data = head + http + b"\r\n\r\n"
    c = zlib.compressobj(6, zlib.DEFLATED, 31)  # one gzip member per record, as WARC readers expect
    return c.compress(data) + c.flush()


def response(status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers + [("Content-Length", str(len(body)))])
    return f"HTTP/1.1 {status}\r\n{lines}\r\n".encode() + body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", type=int)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    began = time.perf_counter()
    html = [("Content-Type", "text/html; charset=utf-8")]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "wb") as fh:
        fh.write(record("response", ORIGIN + "/moved/", response("301 Moved Permanently", [("Location", "/")], b"")))
        fh.write(record("response", ORIGIN + "/missing/", response("404 Not Found", html, b"<title>404</title>")))
        for u in NAV[1:]:
            fh.write(record("response", ORIGIN + u, response("200 OK", html, page_html(0, args.pages, rng))))
        for i in range(args.pages):
            uri = ORIGIN + page_path(i)
            http = response("200 OK", html, page_html(i, args.pages, rng))
            fh.write(record("response", uri, http))
            if i and i % 1000 == 0:  # a recrawl that found the page unchanged
                extra = f"WARC-Refers-To-Target-URI: {uri}\r\nWARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest\r\n"
                headers_only = http.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                fh.write(record("revisit", uri, headers_only, extra, payload_digest(http)))
            if i % 100_000 == 0 and i:
                print(f"  {i:,} pages, {time.perf_counter() - began:.0f} s", flush=True)
    (args.out.parent / "linkrules.toml").write_text(
        f'[site]\nwarc = ["{args.out.name}"]\nbase_url = "{ORIGIN}"\nmax_pages = {max(args.pages + 100, 200_000)}\n\n'
        "[rules.no-broken-links]\n[rules.no-orphans]\n"
    )
    size = args.out.stat().st_size
    print(f"wrote {args.out}: {args.pages:,} pages, {size / 1e6:,.1f} MB in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
