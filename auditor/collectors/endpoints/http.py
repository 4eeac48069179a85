"""The async HTTP side of probing: GET only, bounded concurrency, plain HTTP first, TLS fallback.

Every request goes through ``Prober.get``, which only ever sends GET without a body: the probe
set is read-only by construction (a test replays it against a recording server to hold that).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from auditor import __version__
from auditor.collectors.endpoints.body import (
    ACCEPT_ENCODING,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_RATIO,
    ProbeError,
    decode_body,
)
from auditor.collectors.endpoints.fingerprints import Reply
from auditor.collectors.endpoints.targets import Target

# Not "Mozilla/...": Ray >= 2.52 treats such callers as browsers (and says so in its logs).
USER_AGENT = f"ml-posture-auditor/{__version__} (read-only probe)"
DEFAULT_TARGET_TIMEOUT = 60.0  # a server dripping one byte every 2 s never trips a read time-out


@dataclass
class ProbeSettings:
    concurrency: int = 64
    per_host: int = 4
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    host_header: str | None = None  # present this name instead of the address (name-based virtual hosts)
    target_timeout: float = DEFAULT_TARGET_TIMEOUT  # all requests to one target together
    max_body: int = DEFAULT_MAX_BODY  # bytes read from one response, and kept after decoding
    max_ratio: float = DEFAULT_MAX_RATIO  # decoded / encoded size of one content-coding layer


@dataclass
class Opened:
    """How a target answered its first request."""

    scheme: str | None  # None: nothing speaks HTTP there
    first: Reply | None = None
    reason: str = ""
    attempts: list[str] = field(default_factory=list)


class Prober:
    """Shares one httpx client (connection pool) across all targets of a scan."""

    def __init__(self, settings: ProbeSettings, on_request: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self._on_request = on_request
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._client: httpx.AsyncClient | None = None
        self.truncated: dict[str, str] = {}  # url -> why only the start of its body was read

    async def __aenter__(self) -> Prober:
        s = self.settings
        self._client = httpx.AsyncClient(
            verify=False,  # certificates are judged separately (tls.py); a bad one must not hide the service
            follow_redirects=False,  # a 302 to a login page is itself the answer
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout, pool=None),
            limits=httpx.Limits(max_connections=s.concurrency, max_keepalive_connections=s.concurrency),
            headers={"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": ACCEPT_ENCODING},
            trust_env=False,  # probes go straight to the target, never through a configured proxy
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    def host_slot(self, host: str) -> asyncio.Semaphore:
        """Held by a target for its whole probe (its requests go one at a time): ``per_host`` targets
        of one host at once, and a target's time limit starts only when it holds a slot."""
        return self._per_host.setdefault(host, asyncio.Semaphore(self.settings.per_host))

    async def get(self, url: str, host: str) -> Reply:
        """GET ``url``; raises httpx errors. The only request this tool sends to a service.
        The caller holds ``host_slot(host)``."""
        assert self._client is not None
        if self._on_request is not None:
            self._on_request("http:GET")
        headers = {"Host": self.settings.host_header} if self.settings.host_header else None
        async with self._client.stream("GET", url, headers=headers) as response:
            # raw bytes, decoded below with limits: httpx would inflate a compression bomb whole
            chunks: list[bytes] = []
            size = 0
            cut = False
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
                size += len(chunk)
                if size > self.settings.max_body:
                    cut = True
                    break
            raw = b"".join(chunks)[: self.settings.max_body]
            try:
                data, shortened = decode_body(
                    raw,
                    response.headers.get("content-encoding"),
                    max_body=self.settings.max_body,
                    max_ratio=self.settings.max_ratio,
                    raw_complete=not cut,
                )
            except ProbeError as exc:
                raise type(exc)(f"{url}: {exc}") from None
            if cut or shortened:
                self.truncated[url] = f"response over {self.settings.max_body} bytes: only its start was read (--max-body)"
            body = _text(data, response.encoding)
            headers = {k.lower(): v for k, v in response.headers.items()}
            return Reply(response.status_code, headers, body)

    async def _tcp_closed(self, target: Target) -> str:
        """Why nothing listens at the target ("" when a TCP connection opens). Sends no data."""
        if self._on_request is not None:
            self._on_request("tcp:connect")
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(target.host, target.port), self.settings.connect_timeout
            )
        except TimeoutError:
            return "connect timed out"
        except OSError as exc:
            return exc.strerror or type(exc).__name__
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return ""

    async def open(self, target: Target) -> Opened:
        """Find the scheme: the one given, else plain HTTP first and TLS when that is refused."""
        schemes = [target.scheme] if target.scheme else ["http", "https"]
        opened = Opened(None)
        closed = await self._tcp_closed(target)
        if closed:  # a bare TCP connect is ~6x cheaper than an HTTP client error: sweeps are mostly closed ports
            opened.attempts.append(f"tcp: {closed}")
            opened.reason = closed
            return opened
        for scheme in schemes:
            url = target.url(scheme) + "/"
            try:
                reply = await self.get(url, target.host)
            except httpx.ConnectTimeout:
                opened.attempts.append(f"{scheme}: connect timed out")
                opened.reason = "connect timed out"
                return opened  # nothing listens (or a firewall drops): TLS would time out too
            except httpx.ConnectError as exc:
                text = str(exc) or type(exc).__name__
                opened.attempts.append(f"{scheme}: {text}")
                opened.reason = text
                if scheme == "http":
                    return opened  # no TLS involved: the TCP connection itself failed (refused, unreachable)
                continue  # a TLS handshake failure on the https attempt
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout, httpx.WriteError) as exc:
                # plain HTTP sent to a TLS port: reset (Tornado), closed (uvicorn) or no answer
                opened.attempts.append(f"{scheme}: {type(exc).__name__} {exc}".strip())
                opened.reason = f"{type(exc).__name__} {exc}".strip()
                continue
            if scheme == "http" and target.scheme is None and _plain_to_tls(reply):
                opened.attempts.append("http: server asks for TLS")
                continue
            opened.scheme = scheme
            opened.first = reply
            return opened
        return opened


def _text(data: bytes, encoding: str | None) -> str:
    try:
        return data.decode(encoding or "utf-8", errors="replace")
    except LookupError:  # a charset no codec knows
        return data.decode("utf-8", errors="replace")


def _plain_to_tls(reply: Reply) -> bool:
    """nginx / Envoy answer 400 'plain HTTP request was sent to HTTPS port'."""
    return reply.status == 400 and ("sent to HTTPS port" in reply.body or "speak plain HTTP" in reply.body.lower())


class TargetSession:
    """Per-target request cache: fingerprints often ask for the same path (e.g. /api)."""

    def __init__(self, prober: Prober, target: Target, scheme: str, first: Reply | None) -> None:
        self.prober = prober
        self.target = target
        self.base = target.url(scheme)
        self.cache: dict[str, Reply | None] = {"/": first} if first is not None else {}
        self.failures: dict[str, str] = {}

    async def fetch(self, path: str) -> Reply | None:
        if path in self.cache:
            return self.cache[path]
        try:
            reply: Reply | None = await self.prober.get(self.base + path, self.target.host)
        except httpx.HTTPError as exc:
            self.failures[path] = f"{type(exc).__name__} {exc}".strip()
            reply = None
        self.cache[path] = reply
        return reply
