"""A throwaway static server on 127.0.0.1 so a built folder can be rendered.

A browser needs http:// URLs for scripts, fetch and history routing to behave
as deployed; ``file://`` would break most of them, and ``route.fulfill`` costs
twice as much per page (PERF-NOTES). It serves files below the root only, the
way common static hosts do: ``/dir`` redirects to ``/dir/``, ``/dir/`` is
``dir/index.html``, ``/about`` is ``about.html``.
"""

from __future__ import annotations

import mimetypes
import os
import posixpath
import stat
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

from .urls import INDEX_FILES, normalize_path, unmount

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # SiteConfig.max_page_bytes' default


def find_file(root: Path, url_path: str) -> tuple[int, Path | str | None]:
    """What a static host answers for url_path: (200, file), (301, location) or (404, None)."""
    clean = normalize_path(unquote(url_path))
    rel = clean.lstrip("/")
    target = (root / rel) if rel else root
    try:
        target.resolve().relative_to(root.resolve())
    except ValueError:
        return 404, None
    if target.is_dir():
        if not clean.endswith("/"):
            return 301, clean + "/"
        for index in INDEX_FILES:
            if (target / index).is_file():
                return 200, target / index
        # INDEX.HTML is the folder's page for the crawl (page_url_for_file); serve it so.
        try:
            names = sorted(n for n in os.listdir(target) if n.lower() in INDEX_FILES)
        except OSError:
            names = []
        for name in names:
            if (target / name).is_file():
                return 200, target / name
        return 404, None
    if target.is_file():
        return 200, target
    for suffix in (".html", ".htm"):
        candidate = target.with_name(target.name + suffix) if rel else None
        if candidate is not None and candidate.is_file():
            return 200, candidate
    return 404, None


CHUNK = 256 * 1024


class _Handler(BaseHTTPRequestHandler):
    root: Path
    mount: str  # the path the folder is published under ("" for the root)
    max_bytes: int  # larger files are refused (413), as the static crawl refuses them

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        path = urlsplit(self.path).path
        # /docs/data.json, as published, is data.json of the folder; other paths as they are.
        path = unmount(path, self.mount) or path
        status, found = find_file(self.root, path)
        if status == 301:
            self.send_response(301)
            self.send_header("Location", str(found))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if status != 200 or not isinstance(found, Path):
            self._small(404, b"<!doctype html><title>Not found</title>", body)
            return
        try:
            fh = open(found, "rb")
        except OSError:
            self._small(500, b"", body)
            return
        with fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):  # swapped for a FIFO or device since find_file looked
                self._small(404, b"<!doctype html><title>Not found</title>", body)
                return
            if info.st_size > self.max_bytes:
                # The static crawl does not read such a file either (site.max_page_bytes).
                self._small(413, b"<!doctype html><title>Too large</title>", body)
                return
            self.send_response(200)
            ctype = mimetypes.guess_type(posixpath.basename(str(found)))[0] or "application/octet-stream"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(info.st_size))
            self.send_header("Cache-Control", "max-age=600")
            self.end_headers()
            left = info.st_size
            while body and left > 0:  # streamed: a file is never held whole in memory
                chunk = fh.read(min(CHUNK, left))
                if not chunk:
                    break
                self.wfile.write(chunk)
                left -= len(chunk)

    def _small(self, status: int, data: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass


@contextmanager
def serve_folder(root: Path, mount: str = "", max_bytes: int = DEFAULT_MAX_BYTES, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve root on a free 127.0.0.1 port (or ``host``'s) for the duration; yields the origin.

    ``host`` is site.render_serve_host: the address of this machine that
    browsers elsewhere (site.render_endpoints) can reach.

    Pages are served from the root; with a ``mount`` ("/docs") the folder
    answers below that path too, for what a page's scripts request by its
    published address. Files are streamed; one over ``max_bytes``
    (site.max_page_bytes) is answered 413, never read.
    """
    handler = type("FolderHandler", (_Handler,), {"root": Path(root), "mount": mount, "max_bytes": max_bytes})
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    # The browser cancels requests (blocked images, pages left mid-load); a
    # broken pipe then is normal and must not print a traceback.
    server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, name="linkrules-serve", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
