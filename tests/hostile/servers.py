"""Hostile HTTP servers on 127.0.0.1, each a raw TCP listener that misbehaves in one way.

Written on sockets, not http.server: the point is to send what no well-behaved framework would
(dripping bytes, bombs, broken framing). Each behaviour gets its own port; the servers run in
threads of the test process while the scan under test runs in a subprocess.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

Behaviour = Callable[[socket.socket, str], None]  # (connection, request path)


def _head(status: str = "200 OK", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _sleep_until_closed(conn: socket.socket, seconds: float) -> None:
    """Hold the connection open (the client must give up first), for at most ``seconds``."""
    conn.settimeout(0.2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if conn.recv(1024) == b"":
                return
        except TimeoutError:
            continue
        except OSError:
            return


def drip(prefix: bytes, byte: bytes = b"a", every: float = 2.0, lasting: float = 120.0) -> Behaviour:
    """Send ``prefix``, then one byte every ``every`` seconds: never trips a per-read time-out."""

    def act(conn: socket.socket, _path: str) -> None:
        conn.sendall(prefix)
        deadline = time.monotonic() + lasting
        while time.monotonic() < deadline:
            time.sleep(every)
            conn.sendall(byte)

    return act


def silent(lasting: float = 120.0) -> Behaviour:
    """Accept the connection and the request, then never answer."""

    def act(conn: socket.socket, _path: str) -> None:
        _sleep_until_closed(conn, lasting)

    return act


def raw(data: bytes, *, then_hold: float = 0.0) -> Behaviour:
    """Send ``data`` as it is (any bytes, valid HTTP or not), then close or hold."""

    def act(conn: socket.socket, _path: str) -> None:
        conn.sendall(data)
        if then_hold:
            _sleep_until_closed(conn, then_hold)

    return act


def endless(head: bytes, chunk: bytes, lasting: float = 60.0) -> Behaviour:
    """A body that never ends, sent as fast as the client reads it."""

    def act(conn: socket.socket, _path: str) -> None:
        conn.sendall(head)
        deadline = time.monotonic() + lasting
        while time.monotonic() < deadline:
            conn.sendall(chunk)

    return act


def reset() -> Behaviour:
    """Close with a TCP reset (SO_LINGER 0) right after reading the request."""

    def act(conn: socket.socket, _path: str) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return act


def by_path(answers: dict[str, tuple[int, dict[str, str], str]], overrides: dict[str, Behaviour]) -> Behaviour:
    """A recorded ML service (answers per path) with some paths made hostile."""

    def act(conn: socket.socket, path: str) -> None:
        if path in overrides:
            overrides[path](conn, path)
            return
        status, headers, body = answers.get(path, (404, {"content-type": "text/plain"}, "Not Found"))
        data = body.encode()
        conn.sendall(_head(f"{status} X", {**headers, "content-length": str(len(data)), "connection": "close"}) + data)

    return act


# -- compressed payloads, built here (never a committed binary) ----------------------------------
def gzip_layers(data: bytes, layers: int) -> bytes:
    for _ in range(layers):
        data = gzip.compress(data, compresslevel=9)
    return data


def triple_gzip_bomb(size: int = 2 * 1024**3) -> bytes:
    """About 2 GiB of zeros as three nested gzip layers: a few hundred bytes on the wire."""
    inner = _gzip_zeros(size)
    return gzip_layers(inner, 2)


def _gzip_zeros(size: int) -> bytes:
    """gzip of ``size`` zero bytes, streamed (never holds the plain bytes)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    parts = []
    left = size
    while left:
        n = min(left, len(block))
        parts.append(comp.compress(block[:n]))
        left -= n
    parts.append(comp.flush())
    return b"".join(parts)


def zeros_gzip(size: int) -> bytes:
    return _gzip_zeros(size)


def zeros_deflate(size: int, raw_deflate: bool = False) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [comp.compress(block) for _ in range(size // len(block))]
    parts.append(comp.flush())
    return b"".join(parts)


def encoded(body: bytes, encoding: str, status: str = "200 OK", content_type: str = "text/html") -> Behaviour:
    head = _head(status, {"content-type": content_type, "content-encoding": encoding, "content-length": str(len(body)),
                          "connection": "close"})
    return raw(head + body)


# -- the listener ---------------------------------------------------------------------------------
@dataclass
class HostileServer:
    behaviour: Behaviour
    host: str = "127.0.0.1"
    sock: socket.socket = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _threads: list[threading.Thread] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.host, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> HostileServer:
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            try:
                path = _read_request_path(conn)
                if path is not None:
                    self.behaviour(conn, path)
            except OSError:
                pass  # the client gave up: that is the expected end of most behaviours


def _read_request_path(conn: socket.socket) -> str | None:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    conn.settimeout(None)
    try:
        return data.split(b" ", 2)[1].decode("latin-1")
    except IndexError:
        return None
