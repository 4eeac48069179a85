"""Azure Resource Manager through the official ``azure-mgmt-*`` clients, made read-only by
construction.

Every client gets an explicit policy list (see ``read_only_policies``): the policies its
generated ``_client.py`` would use, minus ``ARMAutoResourceProviderRegistrationPolicy`` (which
POSTs ``register`` on a MissingSubscriptionRegistration answer) and minus the redirect policy,
plus ``AllowListPolicy``, which refuses any request, before it is sent, that is not a GET on an
operation of ``ALLOWED_OPERATIONS`` on the resource manager host, and counts every attempt
(retries included). Operations that return secrets (``listKeys``, ``listAccountSas``, Key Vault
secrets) are not on the list. The SDK pagers follow ``nextLink``; the policy keeps the bearer
token from following one to another host.

Azure ML is read with ``ArmApi`` (plain GETs through the same policies): the official
azure-mgmt-machinelearningservices package is frozen at API version 2020-08-01, whose models
drop the fields the checks read (``publicNetworkAccess``, ``managedNetwork``,
``enableNodePublicIp``, ``enableRootAccess``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from auditor.collectors.base import CollectionSink
from auditor.collectors.sdk_limits import DEFAULT_LIMITS, SdkLimits

T = TypeVar("T")

CLOUDS: dict[str, tuple[str, str]] = {
    # cloud: (resource manager URL, Entra ID authority host)
    "public": ("https://management.azure.com", "login.microsoftonline.com"),
    "usgov": ("https://management.usgovcloudapi.net", "login.microsoftonline.us"),
    "china": ("https://management.chinacloudapi.cn", "login.chinacloudapi.cn"),
}

_SEG = r"[^/]+"
_SUB = rf"/subscriptions/{_SEG}"
_RG = rf"{_SUB}/resourceGroups/{_SEG}"
_ACCOUNT = rf"{_RG}/providers/Microsoft\.Storage/storageAccounts/{_SEG}"
_WS = rf"{_RG}/providers/Microsoft\.MachineLearningServices/workspaces/{_SEG}"
_VAULT = rf"{_RG}/providers/Microsoft\.KeyVault/vaults/{_SEG}"
_AI = rf"{_RG}/providers/Microsoft\.CognitiveServices/accounts/{_SEG}"


@dataclass(frozen=True)
class Operation:
    path: str  # regular expression over the URL path (case-insensitive, like ARM)
    api_version: str  # the version the client sends (the package default; ArmApi sends it itself)
    method: str = "GET"

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.path, path, re.IGNORECASE) is not None


ALLOWED_OPERATIONS: dict[str, Operation] = {
    # azure-mgmt-resource-subscriptions
    "subscriptions.list": Operation(r"/subscriptions", "2022-12-01"),
    # azure-mgmt-storage
    "storageAccounts.list": Operation(rf"{_SUB}/providers/Microsoft\.Storage/storageAccounts", "2026-09-01"),
    "blobServices.get": Operation(rf"{_ACCOUNT}/blobServices/default", "2026-09-01"),
    "blobContainers.list": Operation(rf"{_ACCOUNT}/blobServices/default/containers", "2026-09-01"),
    # azure-mgmt-monitor
    "blobDiagnosticSettings.list": Operation(
        rf"{_ACCOUNT}/blobServices/default/providers/Microsoft\.Insights/diagnosticSettings", "2021-05-01-preview"
    ),
    "subscriptionDiagnosticSettings.list": Operation(
        rf"{_SUB}/providers/Microsoft\.Insights/diagnosticSettings", "2021-05-01-preview"
    ),
    # azure-mgmt-authorization
    "roleAssignments.list": Operation(rf"{_SUB}/providers/Microsoft\.Authorization/roleAssignments", "2022-04-01"),
    # ArmApi (see the module docstring)
    "workspaces.list": Operation(rf"{_SUB}/providers/Microsoft\.MachineLearningServices/workspaces", "2024-04-01"),
    "computes.list": Operation(rf"{_WS}/computes", "2024-04-01"),
    # azure-mgmt-network
    "networkSecurityGroups.listAll": Operation(rf"{_SUB}/providers/Microsoft\.Network/networkSecurityGroups", "2026-03-01"),
    # azure-mgmt-keyvault
    "vaults.list": Operation(rf"{_SUB}/providers/Microsoft\.KeyVault/vaults", "2026-05-15"),
    "keys.list": Operation(rf"{_VAULT}/keys", "2026-05-15"),
    "keys.get": Operation(rf"{_VAULT}/keys/{_SEG}", "2026-05-15"),
    # azure-mgmt-containerservice
    "managedClusters.list": Operation(rf"{_SUB}/providers/Microsoft\.ContainerService/managedClusters", "2026-08-01"),
    # ArmApi: Azure AI services, AI Search, container registries (auditor/collectors/azure/genai.py)
    "cognitiveAccounts.list": Operation(rf"{_SUB}/providers/Microsoft\.CognitiveServices/accounts", "2024-10-01"),
    "cognitiveDeployments.list": Operation(rf"{_AI}/deployments", "2024-10-01"),
    "raiPolicies.list": Operation(rf"{_AI}/raiPolicies", "2024-10-01"),
    "cognitiveDiagnosticSettings.list": Operation(rf"{_AI}/providers/Microsoft\.Insights/diagnosticSettings", "2021-05-01-preview"),
    "searchServices.list": Operation(rf"{_SUB}/providers/Microsoft\.Search/searchServices", "2023-11-01"),
    "registries.list": Operation(rf"{_SUB}/providers/Microsoft\.ContainerRegistry/registries", "2023-07-01"),
}


def operation_for(method: str, path: str) -> str | None:
    for name, op in ALLOWED_OPERATIONS.items():
        if op.matches(method, path):
            return name
    return None


class OperationNotAllowed(ValueError):
    """A request the read-only allow-list refuses; raised before anything is sent."""


class ArmError(Exception):
    def __init__(self, operation: str, status: int, code: str, message: str) -> None:
        super().__init__(f"{operation}: HTTP {status} {code}: {message}")
        self.operation = operation
        self.status = status
        self.code = code

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def allow_list_policy(sink: CollectionSink, base_url: str) -> Any:
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    origin = _origin(base_url)

    class AllowListPolicy(SansIOHTTPPolicy):  # type: ignore[type-arg]
        """Refuses requests off the allow-list or to another host; counts every attempt."""

        def on_request(self, request: Any) -> None:
            http = request.http_request
            url = http.url
            if _origin(url) != origin:
                # e.g. a nextLink pointing elsewhere: never send the bearer token there
                raise OperationNotAllowed(f"{http.method} {url}: outside {base_url}")
            op = operation_for(http.method, urlsplit(url).path)
            if op is None:
                raise OperationNotAllowed(f"{http.method} {urlsplit(url).path} is not on the read-only allow-list")
            sink.call(f"arm:{op}")

    return AllowListPolicy()


def throttle_policy() -> Any:
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    from auditor import throttle
    from auditor.collectors.throttle_hooks import THROTTLE_STATUS, azure_key

    class ThrottlePolicy(SansIOHTTPPolicy):  # type: ignore[type-arg]
        """Paces requests by the shared budget of the subscription in their URL; reports 429s."""

        def on_request(self, request: Any) -> None:
            budget = throttle.active()
            if budget is not None:
                budget.acquire(azure_key(request.http_request.url))

        def on_response(self, request: Any, response: Any) -> None:
            budget = throttle.active()
            if budget is not None and response.http_response.status_code == THROTTLE_STATUS:
                budget.throttled(azure_key(request.http_request.url))

    return ThrottlePolicy()


def read_only_policies(
    credential: Any, scope: str, sink: CollectionSink, base_url: str, *, retry_total: int = 4, retry_backoff: float = 0.5
) -> list[Any]:
    """The generated clients' default pipeline (azure-mgmt-storage ``_client.py``), minus the
    auto-registration and redirect policies, plus the allow-list after the retry policy so that
    each attempt is checked and counted."""
    from azure.core.pipeline import policies
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy

    return [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy({"Accept": "application/json"}),
        policies.UserAgentPolicy(sdk_moniker="ml-posture-auditor"),
        policies.ProxyPolicy(),
        policies.ContentDecodePolicy(),
        # RetryPolicy honours Retry-After on 429 and retries connection errors
        policies.RetryPolicy(retry_total=retry_total, retry_backoff_factor=retry_backoff, retry_backoff_max=20),
        allow_list_policy(sink, base_url),
        throttle_policy(),  # after the retry policy: every attempt takes a token from its subscription's budget
        ARMChallengeAuthenticationPolicy(credential, scope),
        policies.NetworkTraceLoggingPolicy(),
        policies.DistributedTracingPolicy(),
        ARMHttpLoggingPolicy(),
    ]


def wire(model: Any) -> dict[str, Any]:
    """A model as ARM sent it. Newer (TypeSpec) models keep the received JSON, unknown fields
    included; msrest-style models serialize back to the REST shape."""
    if hasattr(model, "serialize"):
        return dict(model.serialize(keep_readonly=True))
    return dict(model.as_dict())


def arm_call(operation: str, fn: Callable[[], T]) -> T:
    """Runs one SDK call (a list is materialised inside), turning SDK errors into ArmError."""
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    try:
        return fn()
    except HttpResponseError as exc:
        error = getattr(exc, "error", None)
        code = str(getattr(error, "code", "") or "")
        message = str(getattr(error, "message", "") or exc.reason or exc.message)
        raise ArmError(operation, int(exc.status_code or 0), code, message) from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise ArmError(operation, 0, "ConnectionError", str(exc)) from exc
    except OperationNotAllowed as exc:
        raise ArmError(operation, 0, "NotAllowed", str(exc)) from exc


class ArmClients:
    """The official management clients for one scan, all on the read-only pipeline."""

    def __init__(
        self,
        credential: Any,
        sink: CollectionSink,
        *,
        base_url: str,
        scope: str,
        ca_bundle: str | None = None,
        retry_total: int | None = None,
        retry_backoff: float = 0.5,
        pool_size: int = 16,
        limits: SdkLimits = DEFAULT_LIMITS,
    ) -> None:
        self.credential = credential
        self.sink = sink
        self.limits = limits
        retry_total = limits.retries if retry_total is None else retry_total
        self.base_url = base_url.rstrip("/")
        self.scope = scope
        self.ca_bundle = ca_bundle
        self.retry_total = retry_total
        self.retry_backoff = retry_backoff
        self._open: list[Any] = []
        # One connection pool for every client: each would otherwise open its own TLS sessions.
        self._session = _pooled_session(pool_size)
        self.raw = ArmApi(credential, sink, base_url=self.base_url, scope=scope, ca_bundle=ca_bundle,
                          retry_total=retry_total, retry_backoff=retry_backoff, session=self._session, limits=limits)

    def _kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "transport": _transport(self._session, self.ca_bundle, self.limits),
            "policies": read_only_policies(self.credential, self.scope, self.sink, self.base_url,
                                           retry_total=self.retry_total, retry_backoff=self.retry_backoff),
        }

    def _keep(self, client: T) -> T:
        self._open.append(client)
        return client

    def subscriptions(self) -> Any:
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        return self._keep(SubscriptionClient(self.credential, **self._kwargs()))

    def storage(self, subscription: str) -> Any:
        from azure.mgmt.storage import StorageManagementClient

        return self._keep(StorageManagementClient(self.credential, subscription, **self._kwargs()))

    def monitor(self, subscription: str) -> Any:
        from azure.mgmt.monitor import MonitorManagementClient

        return self._keep(MonitorManagementClient(self.credential, subscription, **self._kwargs()))

    def authorization(self, subscription: str) -> Any:
        from azure.mgmt.authorization import AuthorizationManagementClient

        return self._keep(AuthorizationManagementClient(self.credential, subscription, **self._kwargs()))

    def network(self, subscription: str) -> Any:
        from azure.mgmt.network import NetworkManagementClient

        return self._keep(NetworkManagementClient(self.credential, subscription, **self._kwargs()))

    def keyvault(self, subscription: str) -> Any:
        from azure.mgmt.keyvault import KeyVaultManagementClient

        return self._keep(KeyVaultManagementClient(self.credential, subscription, **self._kwargs()))

    def containerservice(self, subscription: str) -> Any:
        from azure.mgmt.containerservice import ContainerServiceClient

        return self._keep(ContainerServiceClient(self.credential, subscription, **self._kwargs()))

    def close(self) -> None:
        for client in self._open:
            client.close()
        self.raw.close()
        self._session.close()


def _pooled_session(pool_size: int) -> Any:
    import requests
    import requests.adapters

    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _transport(session: Any, ca_bundle: str | None, limits: SdkLimits = DEFAULT_LIMITS) -> Any:
    from azure.core.pipeline.transport import RequestsTransport

    # session_owner=False: closing a client leaves the shared pool open. azure-core waits 300 s
    # for a connection and for each read unless told otherwise.
    return RequestsTransport(session=session, session_owner=False, connection_verify=ca_bundle or True,
                             connection_timeout=limits.connect_timeout, read_timeout=limits.read_timeout)


class ArmApi:
    """Plain GETs on the read-only pipeline, for the API whose official package is too old
    (see the module docstring). Thread-safe."""

    def __init__(
        self,
        credential: Any,
        sink: CollectionSink,
        *,
        base_url: str,
        scope: str,
        ca_bundle: str | None = None,
        retry_total: int | None = None,
        retry_backoff: float = 0.5,
        session: Any = None,
        limits: SdkLimits = DEFAULT_LIMITS,
    ) -> None:
        from azure.core import PipelineClient

        retry_total = limits.retries if retry_total is None else retry_total
        self.base_url = base_url.rstrip("/")
        self._owns_session = session is None
        self._session = session if session is not None else _pooled_session(4)
        self._client: Any = PipelineClient(
            base_url=self.base_url,
            policies=read_only_policies(credential, scope, sink, self.base_url,
                                        retry_total=retry_total, retry_backoff=retry_backoff),
            transport=_transport(self._session, ca_bundle, limits),
        )

    def get(self, operation: str, path_or_url: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        from azure.core.rest import HttpRequest

        op = ALLOWED_OPERATIONS.get(operation)
        parts = urlsplit(path_or_url)
        if op is None or not op.matches("GET", parts.path):
            raise OperationNotAllowed(f"operation {operation} {parts.path} is not on the read-only allow-list")
        if parts.scheme:  # a nextLink: absolute, with its own api-version and skip token
            if _origin(path_or_url) != _origin(self.base_url):
                raise ArmError(operation, 0, "ForeignNextLink", f"nextLink points outside {self.base_url}")
            url, query = path_or_url, None
        else:
            url, query = self.base_url + path_or_url, {"api-version": op.api_version, **(params or {})}

        def send() -> dict[str, Any]:
            response = self._client.send_request(HttpRequest("GET", url, params=query))
            response.raise_for_status()
            data = response.json() if response.content else {}
            return data if isinstance(data, dict) else {}

        return arm_call(operation, send)

    def pages(self, operation: str, path: str, params: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list operation, following ``nextLink``."""
        data = self.get(operation, path, params)
        while True:
            yield from data.get("value") or []
            next_link = data.get("nextLink")
            if not next_link:
                return
            data = self.get(operation, next_link)

    def close(self) -> None:
        self._client.close()
        if self._owns_session:
            self._session.close()
