"""The official google-cloud-* clients (REST transport, no gRPC at run time) on a checked
connection.

Cloud Resource Manager, Compute Engine, Cloud KMS and Vertex AI Workbench (notebooks v2) are read
with their GAPIC clients and ``transport="rest"``. Each client's HTTP session gets
``AllowListAdapter``: a request whose method and path are not an operation of
``ALLOWED_OPERATIONS`` raises before it is sent; every attempt is counted with ``sink.call``; 429
and 5xx answers are retried here (honouring ``Retry-After``), so the clients' own retries are
turned off with ``retry=None``. Answers are converted back to the REST JSON the normalizers take.

IAM (service accounts and keys) stays on ``GcpApi``: google-cloud-iam's ``iam_admin_v1`` client
has no REST transport, only gRPC. Vertex AI endpoints stay there too (google-cloud-aiplatform is a
very large install for one list call), and so do Access Context Manager perimeters (there is no
client library for that API).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from auditor.collectors.base import CollectionSink
from auditor.collectors.gcp.api import ApiError, operation_for
from auditor.collectors.sdk_limits import DEFAULT_LIMITS, SdkLimits

T = TypeVar("T")
RETRY_STATUSES = (429, 500, 502, 503, 504)


class OperationNotAllowed(ValueError):
    """A request the read-only allow-list refuses; raised before anything is sent."""


def _adapter(sink: CollectionSink, pool_size: int, max_retries: int, backoff: float, limits: SdkLimits = DEFAULT_LIMITS) -> Any:
    import requests.adapters
    from urllib3.util.retry import Retry

    from auditor import throttle
    from auditor.collectors.throttle_hooks import THROTTLE_STATUS, gated_send, gcp_key

    class CountingRetry(Retry):
        """urllib3's retry, counting each retried attempt as one more call."""

        def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> Any:
            retry = super().increment(method, url, *args, **kwargs)  # raises once retries are spent
            budget = throttle.active()
            if budget is not None:  # a retry made here never reaches the adapter's send: pace it, report a 429
                if getattr(kwargs.get("response"), "status", None) == THROTTLE_STATUS:
                    budget.throttled(gcp_key(str(url)))
                budget.acquire(gcp_key(str(url)))
            op = operation_for(str(method), urlsplit(str(url)).path)
            if op is not None:
                sink.call(op)
            return retry

        def sleep(self, response: Any = None) -> None:
            # urllib3 backs off anyway on "Retry-After: 0"; the server said no wait is needed
            if response is not None and self.respect_retry_after_header:
                value = response.headers.get("Retry-After")
                if value is not None and value.strip() == "0":
                    return
            super().sleep(response)

    class AllowListAdapter(requests.adapters.HTTPAdapter):
        """Refuses requests off the allow-list before sending them; counts each one."""

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            op = operation_for(str(request.method), urlsplit(str(request.url)).path)
            if op is None:
                raise OperationNotAllowed(f"{request.method} {urlsplit(str(request.url)).path} is not on the read-only allow-list")
            sink.call(op)
            kwargs["timeout"] = limits.timeout  # GAPIC's own default may be none at all: a silent server would hang
            return gated_send(super().send, request, gcp_key, *args, **kwargs)

    retry = CountingRetry(
        # answers only, like GcpApi: a refused connection or a bad certificate fails at once
        total=max_retries, connect=0, read=0, other=0, status=max_retries,
        status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET", "POST"}),  # POST only for getIamPolicy
        backoff_factor=backoff, backoff_max=8.0, respect_retry_after_header=True, raise_on_status=False,
    )
    return AllowListAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=retry)


def to_rest(message: Any) -> dict[str, Any]:
    """A response message as the REST API's JSON: camelCase names, enum names, only the fields
    the server sent (a missing field stays missing, it does not become its default)."""
    import json

    from google.protobuf.json_format import MessageToDict
    from google.protobuf.message import Message

    if isinstance(message, Message):  # plain protobuf (IAM policy, locations)
        return dict(MessageToDict(message))
    text = type(message).to_json(message, use_integers_for_enums=False, always_print_fields_with_no_presence=False)
    return dict(json.loads(text))


def gapic_call(operation: str, fn: Callable[[], T]) -> T:
    """Runs one client call (a list is materialised inside), turning client errors into ApiError."""
    import requests
    from google.api_core.exceptions import GoogleAPICallError

    try:
        return fn()
    except GoogleAPICallError as exc:
        raise ApiError(operation, int(exc.code or 0), str(exc.message)) from exc
    except requests.RequestException as exc:
        raise ApiError(operation, 0, f"{type(exc).__name__}: {exc}") from exc


class GcpClients:
    """The GAPIC clients of one scan, all on allow-listed, counted sessions."""

    def __init__(
        self,
        credentials: Any,
        sink: CollectionSink,
        endpoints: Mapping[str, str],
        *,
        ca_bundle: str | None = None,
        pool_size: int = 16,
        max_retries: int | None = None,
        backoff: float = 0.5,
        limits: SdkLimits = DEFAULT_LIMITS,
    ) -> None:
        self.credentials = credentials
        self.endpoints = endpoints
        self.ca_bundle = ca_bundle
        retries = limits.retries if max_retries is None else max_retries
        self._adapter = _adapter(sink, pool_size, retries, backoff, limits)
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()  # projects are scanned in parallel; one client per kind

    def _client(self, key: str, service: str, factory: Callable[..., T]) -> T:
        """One client per kind and scan (clients are thread-safe), on ``service``'s endpoint."""
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self._build(service, factory)
            return self._cache[key]  # type: ignore[no-any-return]

    def _build(self, service: str, factory: Callable[..., T]) -> T:
        from google.api_core.client_options import ClientOptions

        client = factory(
            credentials=self.credentials,
            client_options=ClientOptions(api_endpoint=self.endpoints[service].rstrip("/")),
            transport="rest",
        )
        # The REST transport keeps its google-auth AuthorizedSession here; there is no public
        # way to hand it one, and the allow-list must sit on the connection itself.
        session = client._transport._session  # type: ignore[attr-defined]
        session.mount("https://", self._adapter)
        session.mount("http://", self._adapter)
        if self.ca_bundle:
            from auditor.collectors.gcp.collector import _pin_ca_bundle

            _pin_ca_bundle(session, self.ca_bundle)
        return client

    def projects(self) -> Any:
        from google.cloud.resourcemanager_v3.services.projects import ProjectsClient

        return self._client("projects", "cloudresourcemanager", ProjectsClient)

    def folders(self) -> Any:
        from google.cloud.resourcemanager_v3.services.folders import FoldersClient

        return self._client("folders", "cloudresourcemanager", FoldersClient)

    def firewalls(self) -> Any:
        from google.cloud.compute_v1.services.firewalls import FirewallsClient

        return self._client("firewalls", "compute", FirewallsClient)

    def instances(self) -> Any:
        from google.cloud.compute_v1.services.instances import InstancesClient

        return self._client("instances", "compute", InstancesClient)

    def kms(self) -> Any:
        from google.cloud.kms_v1.services.key_management_service import KeyManagementServiceClient

        return self._client("kms", "cloudkms", KeyManagementServiceClient)

    def notebooks(self) -> Any:
        from google.cloud.notebooks_v2.services.notebook_service import NotebookServiceClient

        return self._client("notebooks", "notebooks", NotebookServiceClient)

    def close(self) -> None:
        for client in self._cache.values():
            client._transport.close()  # type: ignore[attr-defined]
        self._cache.clear()

