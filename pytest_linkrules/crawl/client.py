"""The URL crawl's HTTP/1.1 client: one origin, kept-alive connections, raw bodies.

Why not httpx, which this was built on first: httpx depends on anyio, and
anyio installs a pytest plugin that every pytest run of the user's project
then imports (asyncio, ssl, sockets: ~0.1 s of CPU per run, whether it crawls
anything or not; see benchmarks/README.md, "A fast start"). The crawl needs
little of a general client: GETs to the one origin it was given, no
redirects followed (crawl/http.py follows them by hand, to stay on the site),
no proxy, no cookie jar, and bodies read raw so that the crawl decodes them
itself under a size cap. h11 (the HTTP/1.1 state machine httpx itself used)
parses the protocol; asyncio's streams carry it, so a cancelled request
(``asyncio.wait_for`` in ``HttpCrawler._get``) closes its socket at once.

Secrets (headers, cookies, basic auth) are sent with every request to the
origin and kept nowhere else. Cookies a server sets are not stored: the
crawl sends the configured ones only, as a link checker should (a session
cookie handed out on the first page would otherwise change what later pages
show).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from typing import AsyncIterator, Iterable, Mapping
from urllib.parse import urlsplit

import h11

READ_SIZE = 65536
# A small answer left unread (a redirect's or a non-page's body) is read to its end,
# so its connection can serve the next request; a larger one closes it.
DRAIN_LIMIT = 65536


class ClientError(Exception):
    """A request failed on the wire: refused, reset, closed early, a TLS or protocol error."""


class Headers:
    """Response headers: looked up in any case; ``multi_items`` keeps each Set-Cookie apart."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = [(name.lower(), value) for name, value in items]

    def get(self, name: str, default: str = "") -> str:
        """All values of a header, joined with ", " as a repeated header reads (RFC 9110, 5.3)."""
        name = name.lower()
        values = [value for key, value in self._items if key == name]
        return ", ".join(values) if values else default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(key == name.lower() for key, _ in self._items)

    def __getitem__(self, name: str) -> str:
        if name not in self:
            raise KeyError(name)
        return self.get(name)

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._items)


class Response:
    """Status and headers of one answer; its body is read with ``aiter_raw`` (transfer-decoded only)."""

    def __init__(self, status_code: int, headers: Headers, connection: _Connection) -> None:
        self.status_code = status_code
        self.headers = headers
        self.complete = False
        self._connection = connection

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        while not self.complete:
            event = await self._connection.next_event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.complete = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.protocol = h11.Connection(h11.CLIENT)

    async def next_event(self) -> object:
        while True:
            event = self.protocol.next_event()
            if event is h11.NEED_DATA:
                self.protocol.receive_data(await self.reader.read(READ_SIZE))
                continue
            if isinstance(event, h11.ConnectionClosed):
                raise ClientError("the server closed the connection without an answer")
            return event

    async def request(self, target: str, headers: list[tuple[str, str]]) -> Response:
        data = self.protocol.send(h11.Request(method="GET", target=target, headers=headers))
        self.writer.write((data or b"") + (self.protocol.send(h11.EndOfMessage()) or b""))
        await self.writer.drain()
        while True:
            event = await self.next_event()
            if isinstance(event, h11.InformationalResponse):
                continue  # 100 Continue, 103 Early Hints: the answer follows
            if isinstance(event, h11.Response):
                items = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in event.headers]
                return Response(event.status_code, Headers(items), self)
            raise ClientError(f"unexpected {type(event).__name__} before the answer")

    def reusable(self) -> bool:
        return (
            self.protocol.our_state is h11.DONE
            and self.protocol.their_state is h11.DONE
            and not self.reader.at_eof()
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class OriginClient:
    """GETs to one origin, at most ``concurrency`` at a time, over kept-alive connections."""

    def __init__(
        self,
        origin: str,
        headers: Mapping[str, str],
        secret_headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        basic_auth: tuple[str, str] | None = None,
        concurrency: int = 8,
    ) -> None:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {origin!r}")
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._tls = ssl.create_default_context() if parts.scheme == "https" else None
        sent: dict[str, tuple[str, str]] = {}  # by lower-cased name: a configured header replaces a default one
        for name, value in [("Host", parts.netloc.rpartition("@")[2]), *headers.items(), *(secret_headers or {}).items()]:
            sent[name.lower()] = (name, value)
        if cookies:
            sent["cookie"] = ("Cookie", "; ".join(f"{name}={value}" for name, value in cookies.items()))
        if basic_auth:
            token = base64.b64encode(f"{basic_auth[0]}:{basic_auth[1]}".encode()).decode("ascii")
            sent["authorization"] = ("Authorization", f"Basic {token}")
        self._headers = list(sent.values())
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(concurrency)

    async def _connect(self) -> _Connection:
        reader, writer = await asyncio.open_connection(
            self._host, self._port, ssl=self._tls, server_hostname=self._host if self._tls else None, limit=READ_SIZE
        )
        return _Connection(reader, writer)

    @contextlib.asynccontextmanager
    async def stream(self, target: str, headers: Mapping[str, str] | None = None) -> AsyncIterator[Response]:
        """GET ``target`` (an origin-relative path, already percent-encoded; a fragment is not sent)."""
        target = target.partition("#")[0] or "/"
        sent = self._headers + list((headers or {}).items())
        async with self._slots:
            connection, response = await self._start(target, sent)
            try:
                yield response
                if not response.complete:
                    await self._drain(response)
            except (OSError, ssl.SSLError, h11.ProtocolError) as exc:
                raise ClientError(_describe(exc)) from exc
            finally:
                if response.complete and connection.reusable():
                    connection.protocol.start_next_cycle()
                    self._idle.append(connection)
                else:
                    connection.close()

    async def _start(self, target: str, headers: list[tuple[str, str]]) -> tuple[_Connection, Response]:
        """Send the request; a kept-alive connection the server dropped meanwhile is replaced once."""
        while self._idle:
            connection = self._idle.pop()
            try:
                return connection, await connection.request(target, headers)
            except (OSError, ssl.SSLError, h11.ProtocolError, ClientError):
                connection.close()  # closed by the server while idle: try a fresh one
        connection = None
        try:
            connection = await self._connect()
            return connection, await connection.request(target, headers)
        except BaseException as exc:
            if connection is not None:
                connection.close()
            if isinstance(exc, (OSError, ssl.SSLError, h11.ProtocolError)):
                raise ClientError(_describe(exc)) from exc
            raise

    @staticmethod
    async def _drain(response: Response) -> None:
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) <= DRAIN_LIMIT:
            async for _ in response.aiter_raw():
                pass

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()


def _describe(exc: BaseException) -> str:
    """A one-line reason: the error's kind, and its text when it has one."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
