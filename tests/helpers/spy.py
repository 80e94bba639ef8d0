"""A listener on 127.0.0.1 that only counts who connects to it.

Hostile pages point at it (links, scripts, images, redirects); a crawl that
stays on its site must leave it at zero connections. It is a raw TCP
listener, not an HTTP server, so a POST, a WebSocket upgrade or a bare
connect is counted as surely as a GET.
"""

from __future__ import annotations

import socket
import threading


class Spy:
    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.connections: list[bytes] = []  # the first bytes each client sent
        self._closed = False
        threading.Thread(target=self._accept, name="spy", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.settimeout(0.5)
            try:
                first = conn.recv(200)
            except OSError:
                first = b""
            self.connections.append(first)
            conn.close()

    def close(self) -> None:
        self._closed = True
        self._sock.close()
