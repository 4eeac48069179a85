"""A recording loopback HTTP(S) server that answers with recorded ML-service responses.

It records every request (method, path, body size) so tests can hold the prober to GET/HEAD
without bodies, and answers any method other than GET/HEAD with 405 after recording it.
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .recorded import RECORDED, Answer


@dataclass
class Seen:
    method: str
    path: str
    body_bytes: int
    chunked: bool
    headers: dict[str, str] = field(default_factory=dict)


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answers: dict[str, Answer], host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        super().__init__((host, 0), _Handler)
        self.answers = answers
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def __enter__(self) -> RecordingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(5)


class _Handler(BaseHTTPRequestHandler):
    server: RecordingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def _record(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        chunked = "chunked" in (self.headers.get("transfer-encoding") or "").lower()
        if length:
            self.rfile.read(length)
        with self.server.lock:
            self.server.seen.append(Seen(self.command, self.path, length, chunked, dict(self.headers.items())))

    def _answer(self, with_body: bool) -> None:
        status, headers, body = self.server.answers.get(self.path, (404, {"content-type": "text/plain"}, "Not Found"))
        data = body.encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._record()
        self._answer(True)

    def do_HEAD(self) -> None:
        self._record()
        self._answer(False)

    def _refuse(self) -> None:
        self._record()
        self.send_response(405)
        self.send_header("content-length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse


def servers_for_all_recorded(tls: ssl.SSLContext | None = None, tls_keys: tuple[str, ...] = ()) -> dict[str, RecordingServer]:
    return {key: RecordingServer(answers, tls=tls if key in tls_keys else None) for key, answers in RECORDED.items()}
