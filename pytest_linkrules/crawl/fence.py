"""Keep a rendering browser on its site: everything off the origin goes to a
proxy that refuses it.

CDP's ``Network.setBlockedURLs`` (render.py) blocks a page's own
subresources, but not subframe navigations, popups, WebSockets or form
posts: tests/test_hostile_render.py caught each of them reaching another
port of 127.0.0.1. Request routing would catch most of them but disables the
HTTP cache and doubles the cost per page (PERF-NOTES). A browser context
whose proxy is this refusing listener, with only the site's origin bypassing
it, stops every request that would leave the site, from any frame or page,
at no cost to the requests that stay.

A browser on another machine (site.render_endpoints, crawl/remote.py) reaches
the fence at the address given by site.render_serve_host instead of
127.0.0.1; before it renders anything, crawl/remote.py checks that its
requests really arrive here.
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit

REFUSAL = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class Fence:
    """A proxy on 127.0.0.1 (or ``host``) that answers every request with 403; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.refused: list[str] = []  # request lines, e.g. "GET http://other.example/x HTTP/1.1"
        self.host = host
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # IPv4: config.py refuses an IPv6 serve host
        self._sock.bind((host, 0))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="linkrules-fence", daemon=True)

    def __enter__(self) -> "Fence":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:  # pragma: no cover - already closed
            pass

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(0.5)
                try:
                    line = conn.recv(512).split(b"\r\n", 1)[0]
                    conn.sendall(REFUSAL)
                except OSError:
                    line = b""
            if len(self.refused) < 1000:
                self.refused.append(line.decode("latin-1"))

    def proxy_for(self, origin: str) -> dict[str, str]:
        """Playwright's ``proxy`` option: the origin goes direct, everything else here.

        Playwright adds ``<-loopback>`` itself, so other ports of 127.0.0.1
        and localhost go through the fence too.
        """
        parts = urlsplit(origin)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        return {"server": f"http://{self.host}:{self.port}", "bypass": f"{host}:{port}"}
