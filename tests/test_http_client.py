"""The URL crawl's own HTTP/1.1 client (crawl/client.py), against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from pathlib import Path

from pytest_linkrules.config import SiteConfig
from pytest_linkrules.crawl import crawl_site
from pytest_linkrules.crawl.client import ClientError, OriginClient

DEPLOYED = Path(__file__).parent / "sites" / "deployed"


def get(origin: str, target: str, **kwargs: object) -> tuple[int, dict[str, str], bytes]:
    async def once() -> tuple[int, dict[str, str], bytes]:
        client = OriginClient(origin, {"User-Agent": "default"}, **kwargs)  # type: ignore[arg-type]
        try:
            async with client.stream(target) as response:
                body = b"".join([chunk async for chunk in response.aiter_raw()])
                return response.status_code, dict(response.headers.multi_items()), body
        finally:
            await client.aclose()

    return asyncio.run(once())


def test_secrets_and_headers_are_sent_once_each_and_the_fragment_never(serve):
    server = serve(pages={"/x": "<p>x</p>"})
    status, headers, body = get(
        server.origin, "/x#/route", secret_headers={"user-agent": "configured"}, cookies={"session": "s1", "b": "2"},
        basic_auth=("user", "pass"),
    )
    assert (status, body) == (200, b"<p>x</p>")
    assert headers["content-length"] == "8"
    request = server.requests[-1]
    assert request.path == "/x"
    sent = {k.lower(): v for k, v in request.headers.items()}
    assert [k for k in request.headers if k.lower() == "user-agent"] == ["user-agent"]
    assert sent["user-agent"] == "configured"  # a configured header replaces the default, in any case
    assert sent["cookie"] == "session=s1; b=2"
    assert sent["authorization"] == "Basic dXNlcjpwYXNz"
    assert sent["host"] == server.origin.split("//")[1]


def test_one_connection_serves_a_whole_crawl_redirects_and_errors_included(serve):
    server = serve(
        DEPLOYED,
        redirects={"/old/": (301, "/guides/seo/")},
        statuses={"/error/": 500},
        headers={"/": {"Set-Cookie": "tracker=1; Path=/"}},
    )
    result = crawl_site(SiteConfig(url=server.origin, render="never", rate_limit=0.0, concurrency=1))
    assert "/guides/seo/" in result.pages
    assert len(server.requests) > 8, server.paths
    assert {r.status for r in server.requests} >= {200, 301, 404, 500}
    # Small bodies left unread (a redirect's, an error page's) are read to their end, so the
    # connection stays open for the next request.
    assert len({r.peer for r in server.requests}) == 1, [(r.path, r.peer) for r in server.requests]
    # A cookie the site sets is not sent back: the crawl sends the configured ones only.
    assert not any("cookie" in {k.lower() for k in r.headers} for r in server.requests)


class ClosingServer:
    """Answers one request per connection, then closes it without saying so (no Connection: close)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.origin = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                if data:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok")

    def close(self) -> None:
        self.sock.close()


def test_a_kept_alive_connection_the_server_dropped_is_replaced_not_an_error():
    server = ClosingServer()

    async def twice() -> list[tuple[int, bytes]]:
        client = OriginClient(server.origin, {})
        out = []
        try:
            for _ in range(3):
                async with client.stream("/") as response:
                    out.append((response.status_code, b"".join([c async for c in response.aiter_raw()])))
                await asyncio.sleep(0.05)  # the server has closed the idle connection by now
        finally:
            await client.aclose()
        return out

    try:
        assert asyncio.run(twice()) == [(200, b"ok")] * 3
        assert server.connections == 3
    finally:
        server.close()


def test_a_refused_connection_is_a_client_error_naming_the_cause():
    sock = socket.create_server(("127.0.0.1", 0))
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()  # nothing listens there now
    try:
        get(origin, "/")
    except ClientError as exc:
        assert "ConnectionRefusedError" in str(exc), exc
    else:
        raise AssertionError("a refused connection must raise ClientError")


def test_a_url_crawl_imports_neither_httpx_nor_anyio(serve, tmp_path):
    """anyio (httpx's dependency) installs a pytest plugin every run of the user's project imports."""
    server = serve(DEPLOYED)
    code = (
        "import sys\n"
        "from pytest_linkrules.config import SiteConfig\n"
        "from pytest_linkrules.crawl import crawl_site\n"
        f"result = crawl_site(SiteConfig(url={server.origin!r}, render='never', rate_limit=0.0))\n"
        "print(len(result.pages), sorted({m.split('.')[0] for m in sys.modules} & {'httpx', 'httpcore', 'anyio'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    pages, imported = out.stdout.split(" ", 1)
    assert int(pages) > 5
    assert imported.strip() == "[]"
