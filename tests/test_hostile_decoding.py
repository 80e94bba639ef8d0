"""Decompression bombs from a deployed site: decoded bytes are capped while streaming.

Each answer is about 1 MB on the wire and 1 GB once inflated (gzip, gzip
inside gzip, deflate), far over ``max_page_bytes``. The crawl runs in a child
process that reports its own peak RSS: before the cap, httpx inflated a whole
chunk at once and the child needed gigabytes.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib
from functools import lru_cache
from pathlib import Path

import pytest

MB = 1024 * 1024


@lru_cache(maxsize=None)
def bomb(wbits: int) -> bytes:
    """1 GB of zeros, compressed (about 1 MB); built in 1 MB steps so the test itself stays small."""
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(MB)
    return b"".join([c.compress(zeros) for _ in range(1024)] + [c.flush()])


# The child's own peak RSS is VmHWM, its memory's high-water mark: ru_maxrss
# keeps the parent's peak across exec, so a test worker that had grown to
# 437 MB failed the test with a child of 85 MB.
CHILD = """
import json, re, sys
from pathlib import Path
from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site
site = SiteConfig(url=sys.argv[1], render="never", timeout=30, max_page_bytes=20 * 1024 * 1024)
result = crawl_site(site)
print(json.dumps({
    "rss_mb": int(re.search(r"VmHWM:\\s*(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024,
    "errors": {url: p.error for url, p in result.pages.items() if p.error},
    "ok": sorted(url for url, p in result.pages.items() if not p.error),
}))
"""


def test_bombs_are_cut_at_the_page_limit_while_streaming(serve, tmp_path: Path) -> None:
    gz = bomb(16 + zlib.MAX_WBITS)
    html = "text/html; charset=utf-8"
    server = serve(
        pages={
            "/": '<a href="/gzip">g</a><a href="/gzip-gzip">gg</a><a href="/deflate">d</a><a href="/small">s</a>'
            '<a href="/brotli">b</a>',
        },
        files={
            "/gzip": (html, gz),
            "/gzip-gzip": (html, gzip.compress(gz)),
            "/deflate": (html, bomb(zlib.MAX_WBITS)),
            "/small": (html, gzip.compress(gzip.compress(b"<title>small</title><a href='/'>home</a>"))),
            "/brotli": (html, b"\x0b\x03\x80hello\x03"),
        },
        headers={
            "/gzip": {"Content-Encoding": "gzip"},
            "/gzip-gzip": {"Content-Encoding": "gzip, gzip"},
            "/deflate": {"Content-Encoding": "deflate"},
            "/small": {"Content-Encoding": "gzip, gzip"},
            "/brotli": {"Content-Encoding": "br"},
        },
    )
    done = subprocess.run(
        [sys.executable, "-c", CHILD, server.origin], capture_output=True, text=True, timeout=120, env=os.environ.copy()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    limit = "page is over the 20,971,520-byte limit (site.max_page_bytes)"
    assert report["errors"].get("/gzip") == limit, report
    assert report["errors"].get("/gzip-gzip") == limit, report
    assert report["errors"].get("/deflate") == limit, report
    assert "Content-Encoding 'br', which was not asked for" in report["errors"].get("/brotli", ""), report
    assert report["ok"] == ["/", "/small"], report  # nested gzip within the limit is read
    assert report["rss_mb"] < 400, report
    assert all(r.headers.get("Accept-Encoding") == "gzip, deflate" for r in server.requests), server.requests[:1]
