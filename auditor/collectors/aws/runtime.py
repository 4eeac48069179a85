"""Clients, call accounting and the bounded task pool shared by every AWS service module.

One botocore client per (service, region), created once and shared by all threads (botocore
clients are thread-safe; sessions are not, so clients are created under a lock). Every client
gets an event hook that counts each API call into the sink and refuses any operation the
service modules did not declare: the collector cannot call a write API even by mistake.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auditor.collectors.base import CollectionError, CollectionSink
from auditor.collectors.sdk_limits import DEFAULT_LIMITS, SdkLimits, is_timeout

if TYPE_CHECKING:
    import boto3

SOURCE = "aws"

# Error codes that mean "you may not read this" rather than "it is not there".
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnauthorizedAccess",
        "AllAccessDisabled",
        "Forbidden",
    }
)


class OperationNotAllowed(RuntimeError):
    """A service module tried an operation outside the read-only allow-list."""


@dataclass(frozen=True)
class CallFailure:
    """Why a call gave no answer: an AWS error code (or exception name) and its message."""

    code: str
    message: str

    @property
    def denied(self) -> bool:
        return self.code in DENIED_CODES

    @property
    def unsupported(self) -> bool:
        """The endpoint does not implement the operation (emulators; never real AWS)."""
        if self.code in ("NotImplementedError", "NotImplemented") or "not yet implemented" in self.message.lower():
            return True
        # An emulator's crash page instead of an AWS error document (AWS always sends one).
        return self.code.isdigit() and "internal server error" in self.message.lower()


def failure_of(exc: BaseException) -> CallFailure:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        code = str(error.get("Code") or type(exc).__name__)
        return CallFailure(code, str(error.get("Message") or exc))
    message = str(exc) or type(exc).__name__
    if is_timeout(type(exc).__name__ + " " + message):  # botocore's ReadTimeoutError, ConnectTimeoutError
        message += " (a time limit was reached: --connect-timeout, --read-timeout, --max-attempts)"
    return CallFailure(type(exc).__name__, message)


class Clients:
    """Shared botocore clients, each counting its calls and enforcing the allow-list."""

    def __init__(
        self,
        session: boto3.Session,
        sink: CollectionSink,
        allowed: dict[str, frozenset[str]],
        *,
        endpoint_url: str | None,
        max_workers: int,
        limits: SdkLimits = DEFAULT_LIMITS,
    ) -> None:
        self.session = session
        self.limits = limits
        self.sink = sink
        self.allowed = allowed
        self.endpoint_url = endpoint_url
        self.max_workers = max_workers
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, service: str, region: str) -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._create(service, region)
                self._clients[key] = client
        return client

    def _create(self, service: str, region: str) -> Any:
        custom_endpoint = self.endpoint_url or _env_endpoint(service)
        config = self.limits.botocore_config(  # time-outs and bounded retries: an endpoint that never answers ends
            max_pool_connections=max(10, self.max_workers),
            inject_host_prefix=not (service == "s3control" and custom_endpoint),
            user_agent_extra="ml-posture-auditor",
        )
        kwargs: dict[str, Any] = {"region_name": region, "config": config}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        client = self.session.client(service, **kwargs)  # type: ignore[call-overload]
        client.meta.events.register("before-call", self._before_call)
        if service == "s3control" and custom_endpoint:
            # S3 Control puts the account id in front of the host name, which a custom
            # endpoint (emulator, proxy) cannot resolve; real AWS endpoints keep it.
            client.meta.events.register("before-sign", _strip_account_host_prefix)
        return client

    def _before_call(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        operation = model.name
        if operation not in self.allowed.get(service, frozenset()):
            raise OperationNotAllowed(f"{service}:{operation} is not in the read-only allow-list")
        self.sink.call(f"{service}:{operation}")


def _strip_account_host_prefix(request: Any, **_: Any) -> None:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(request.url)
    host, sep, rest = parts.netloc.partition(".")
    if sep and host.isdigit() and len(host) == 12:
        request.url = urlunsplit(parts._replace(netloc=rest))


def _env_endpoint(service: str) -> str | None:
    import os

    return os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or os.environ.get("AWS_ENDPOINT_URL")


class Tasks:
    """A bounded pool where tasks may add more tasks; ``wait`` returns when all are done.

    No task ever blocks on another, so nested fan-out (regions → resources) cannot deadlock.
    An exception escaping a task is recorded as an incomplete-scan error, never lost.
    """

    def __init__(self, sink: CollectionSink, max_workers: int) -> None:
        self.sink = sink
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="aws")
        self._pending = 0
        self._cond = threading.Condition()

    def submit(self, label: str, fn: Callable[..., None], *args: Any) -> None:
        with self._cond:
            self._pending += 1
        future = self._pool.submit(fn, *args)
        future.add_done_callback(lambda f: self._done(label, f))

    def _done(self, label: str, future: Future[None]) -> None:
        exc = future.exception()
        if exc is not None:
            self.sink.error(
                CollectionError(
                    source=SOURCE, message=f"{label} failed: {type(exc).__name__}: {exc}", incomplete=True
                )
            )
        with self._cond:
            self._pending -= 1
            if self._pending == 0:
                self._cond.notify_all()

    def wait(self) -> None:
        with self._cond:
            while self._pending:
                self._cond.wait()
        self._pool.shutdown(wait=True)


@dataclass
class Scan:
    """What one service module needs: clients, sink, task pool, the account and its regions."""

    clients: Clients
    sink: CollectionSink
    tasks: Tasks
    account: str
    regions: list[str]
    home_region: str

    def call(
        self,
        service: str,
        region: str,
        operation: str,
        *,
        resource: str | None = None,
        incomplete: bool = False,
        quiet: frozenset[str] = frozenset(),
        **params: Any,
    ) -> tuple[Any, CallFailure | None]:
        """Call one operation. Failure returns ``(None, failure)`` and, unless its code is in
        ``quiet`` (an expected "not configured" answer), records a collection error."""
        client = self.clients.get(service, region)
        method = getattr(client, _snake(operation))
        try:
            return method(**params), None
        except OperationNotAllowed:
            raise
        except Exception as exc:
            failure = failure_of(exc)
            if failure.code not in quiet:
                self.error(service, region, operation, failure, resource=resource, incomplete=incomplete)
            return None, failure

    def pages(
        self,
        service: str,
        region: str,
        operation: str,
        key: str,
        *,
        incomplete: bool = True,
        **params: Any,
    ) -> tuple[list[Any] | None, CallFailure | None]:
        """All items under ``key`` across pages; a failure mid-way gives ``None``."""
        client = self.clients.get(service, region)
        items: list[Any] = []
        try:
            for page in client.get_paginator(_snake(operation)).paginate(**params):
                items.extend(page.get(key) or [])
        except OperationNotAllowed:
            raise
        except Exception as exc:
            failure = failure_of(exc)
            self.error(service, region, operation, failure, incomplete=incomplete)
            return None, failure
        return items, None

    def error(
        self,
        service: str,
        region: str,
        operation: str,
        failure: CallFailure,
        *,
        resource: str | None = None,
        incomplete: bool = False,
    ) -> None:
        what = "access denied" if failure.denied else failure.code
        if failure.unsupported:
            what, incomplete = "not implemented by this endpoint", False
        self.sink.error(
            CollectionError(
                source=SOURCE,
                message=f"{service}:{operation}: {what}: {failure.message}",
                operation=f"{service}:{operation}",
                resource=resource,
                account=self.account,
                region=region,
                incomplete=incomplete,
            )
        )


def _snake(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)
