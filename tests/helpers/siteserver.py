"""A small static web server on 127.0.0.1 (or ``host="::1"``) for tests that need HTTP.

It behaves like common static hosts (``/dir`` -> 301 ``/dir/``, ``/dir/`` ->
``dir/index.html``, ``/about`` -> ``about.html``) and can be told to answer
some paths with redirects, errors, extra headers, pages that change between
requests, a single-page-app fallback or never at all. Every request is logged, with the status it got, so tests
can assert who asked what. With ``validators``, files from ``root`` carry an
ETag and/or Last-Modified and conditional requests get 304 Not Modified.
"""

from __future__ import annotations

import hashlib
import mimetypes
import socket
import threading
from email.utils import formatdate, parsedate_to_datetime
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass
class Request:
    method: str
    path: str  # as sent, with the query
    headers: dict[str, str]
    status: int = 0  # what the server answered (0: no answer, e.g. a hanging path)
    peer: tuple = ()  # the client's address and port: one per connection it opened


@dataclass
class SiteServer:
    root: Path | None = None
    redirects: dict[str, tuple[int, str]] = field(default_factory=dict)  # path -> (status, Location)
    statuses: dict[str, int] = field(default_factory=dict)  # path -> error status
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> extra headers
    pages: dict[str, str] = field(default_factory=dict)  # path -> HTML served as is
    changing: dict[str, list[str]] = field(default_factory=dict)  # path -> HTML per request, the last repeats
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path -> (content type, body)
    fallback: str | None = None  # file served (200) for any unknown path: history-mode SPAs
    hang: set[str] = field(default_factory=set)  # paths that never answer
    delays: dict[str, float] = field(default_factory=dict)  # path -> seconds to wait before answering
    requests: list[Request] = field(default_factory=list)
    # Validators on files from root: "etag", "last-modified", "both" or "" (none);
    # honour_validators = False sends them but always answers 200, as some servers do.
    validators: str = ""
    honour_validators: bool = True
    host: str = "127.0.0.1"  # "::1": the same server on IPv6 loopback, origin http://[::1]:PORT

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                server._answer(self, body=True)

            def do_HEAD(self) -> None:  # noqa: N802
                server._answer(self, body=False)

            def log_message(self, *args: object) -> None:
                pass

        server_class = ThreadingHTTPServer
        if ":" in self.host:
            server_class = type("ThreadingHTTPServerV6", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
        self._httpd = server_class((self.host, 0), Handler)
        self._httpd.daemon_threads = True
        # A client that stops reading (a crawler skipping a PDF's body, a
        # browser cancelling a request) is normal, not an error to print.
        self._httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.port = self._httpd.server_address[1]
        self.origin = f"http://[{self.host}]:{self.port}" if ":" in self.host else f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def count(self, status: int) -> int:
        return sum(1 for r in self.requests if r.status == status)

    def _send(self, h: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str], body: bool) -> None:
        h.logged.status = status  # type: ignore[attr-defined]
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if body:
            h.wfile.write(data)

    def _answer(self, h: BaseHTTPRequestHandler, body: bool) -> None:
        h.logged = Request(h.command, h.path, dict(h.headers.items()), peer=tuple(h.client_address))  # type: ignore[attr-defined]
        self.requests.append(h.logged)  # type: ignore[attr-defined]
        path = urlsplit(h.path).path
        extra = dict(self.headers.get(path, {}))
        if path in self.hang:
            self._stop.wait(60)
            return
        if path in self.delays:
            self._stop.wait(self.delays[path])
        if path in self.redirects:
            status, location = self.redirects[path]
            self._send(h, status, b"", {"Location": location, **extra}, body)
            return
        if path in self.statuses:
            status = self.statuses[path]
            self._send(h, status, f"<title>{status}</title>".encode(), {"Content-Type": "text/html", **extra}, body)
            return
        if path in self.files:
            ctype, data = self.files[path]
            self._send(h, 200, data, {"Content-Type": ctype, **extra}, body)
            return
        if path in self.pages:
            self._send(h, 200, self.pages[path].encode(), {"Content-Type": "text/html; charset=utf-8", **extra}, body)
            return
        if path in self.changing:
            versions = self.changing[path]
            html = versions.pop(0) if len(versions) > 1 else versions[0]
            self._send(h, 200, html.encode(), {"Content-Type": "text/html; charset=utf-8", **extra}, body)
            return
        status, found = self._find(path)
        if status == 301:
            self._send(h, 301, b"", {"Location": str(found), **extra}, body)
        elif isinstance(found, Path):
            ctype = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            data = found.read_bytes()
            if self.validators:
                extra = {**self._validators(found, data), **extra}
                if self.honour_validators and self._not_modified(h, extra):
                    self._send(h, 304, b"", {k: v for k, v in extra.items() if k in ("ETag", "Last-Modified")}, False)
                    return
            self._send(h, 200, data, {"Content-Type": ctype, **extra}, body)
        elif self.fallback and self.root is not None:
            self._send(h, 200, (self.root / self.fallback).read_bytes(), {"Content-Type": "text/html", **extra}, body)
        else:
            self._send(h, 404, b"<title>Not found</title>", {"Content-Type": "text/html", **extra}, body)

    def _validators(self, found: Path, data: bytes) -> dict[str, str]:
        out = {}
        if self.validators in ("etag", "both"):
            out["ETag"] = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if self.validators in ("last-modified", "both"):
            out["Last-Modified"] = formatdate(found.stat().st_mtime, usegmt=True)
        return out

    @staticmethod
    def _not_modified(h: BaseHTTPRequestHandler, sent: dict[str, str]) -> bool:
        """RFC 9110: If-None-Match wins when both are sent; a date is compared to the second."""
        if "If-None-Match" in h.headers:
            return "ETag" in sent and sent["ETag"] in [t.strip() for t in h.headers["If-None-Match"].split(",")]
        if "If-Modified-Since" in h.headers and "Last-Modified" in sent:
            try:
                return parsedate_to_datetime(sent["Last-Modified"]) <= parsedate_to_datetime(h.headers["If-Modified-Since"])
            except (TypeError, ValueError):
                return False
        return False

    def _find(self, path: str) -> tuple[int, Path | str | None]:
        if self.root is None:
            return 404, None
        rel = unquote(path).lstrip("/")
        target = self.root / rel
        if ".." in Path(rel).parts:
            return 404, None
        if target.is_dir():
            if not path.endswith("/"):
                return 301, path + "/"
            index = target / "index.html"
            return (200, index) if index.is_file() else (404, None)
        if target.is_file():
            return 200, target
        html = target.with_name(target.name + ".html") if rel else None
        if html is not None and html.is_file():
            return 200, html
        return 404, None
