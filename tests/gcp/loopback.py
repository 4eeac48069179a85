"""A small JSON REST server on 127.0.0.1 for the real cloud SDKs to talk to.

It records every request that reaches it (so tests can hold them against a collector's
allow-list), answers from route functions, and injects faults: 403 denials and 429 throttling
(with Retry-After) on chosen paths. Optional TLS for the Azure bearer-token policy, which
refuses plain http.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Query = dict[str, str]
Handler = Callable[[re.Match[str], Query, Any], "tuple[int, Any] | Any"]


@dataclass
class Recorded:
    method: str
    path: str
    query: Query
    authorization: str | None


class NotFound(Exception):
    pass


@dataclass
class Faults:
    deny: list[str] = field(default_factory=list)  # path regexes answered 403
    throttle: dict[str, int] = field(default_factory=dict)  # path regex -> 429s still to send
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, path: str) -> tuple[int, Any] | None:
        for pattern in self.deny:
            if re.search(pattern, path):
                return 403, {"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}
        with self.lock:
            for pattern, left in self.throttle.items():
                if left > 0 and re.search(pattern, path):
                    self.throttle[pattern] = left - 1
                    return 429, {"error": {"code": 429, "message": "Too many requests", "status": "RESOURCE_EXHAUSTED"}}
        return None


class LoopbackServer:
    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Recorded] = []
        self.faults = Faults()
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with server._lock:
                    server.requests.append(Recorded(self.command, parts.path, query, self.headers.get("Authorization")))
                status, body = server._dispatch(self.command, parts.path, query, raw)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if ssl_context else "http"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern), handler))

    def _dispatch(self, method: str, path: str, query: Query, raw: bytes) -> tuple[int, Any]:
        fault = self.faults.check(path)
        if fault is not None:
            return fault
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:  # OAuth token requests are form-encoded
                body = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        for m, pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if m == method and match:
                try:
                    out = handler(match, query, body)
                except NotFound:
                    break
                return out if isinstance(out, tuple) else (200, out)
        return 404, {"error": {"code": 404, "message": f"no route for {method} {path}", "status": "NOT_FOUND"}}

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def paged(items: list[Any], query: Query, page_size: int, *, token_key: str = "pageToken") -> tuple[list[Any], str | None]:
    """One page of ``items`` and the next token (an offset), like the real APIs' opaque tokens."""
    start = int(query.get(token_key) or 0)
    end = start + page_size
    return items[start:end], (str(end) if end < len(items) else None)
