"""Azure Resource Manager over azure-core's HTTP pipeline: allow-listed operations, nextLink
paging, retries (azure-core's RetryPolicy honours Retry-After on 429), call counting.

The pipeline is built here rather than taken from a management client so that it is read-only
by construction: the ARM auto-registration policy (which POSTs ``register`` on a
MissingSubscriptionRegistration answer) is left out, and every request must name an operation
from ``ALLOWED_OPERATIONS``. Operations that return secrets (``listKeys``, ``listAccountSas``,
Key Vault secrets) are not on the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from auditor.collectors.base import CollectionSink

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


@dataclass(frozen=True)
class Operation:
    path: str  # regular expression over the URL path (case-insensitive, like ARM)
    api_version: str
    method: str = "GET"

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.path, path, re.IGNORECASE) is not None


ALLOWED_OPERATIONS: dict[str, Operation] = {
    "subscriptions.list": Operation(r"/subscriptions", "2022-12-01"),
    "storageAccounts.list": Operation(rf"{_SUB}/providers/Microsoft\.Storage/storageAccounts", "2023-05-01"),
    "blobServices.get": Operation(rf"{_ACCOUNT}/blobServices/default", "2023-05-01"),
    "blobContainers.list": Operation(rf"{_ACCOUNT}/blobServices/default/containers", "2023-05-01"),
    "blobDiagnosticSettings.list": Operation(
        rf"{_ACCOUNT}/blobServices/default/providers/Microsoft\.Insights/diagnosticSettings", "2021-05-01-preview"
    ),
    "roleAssignments.list": Operation(rf"{_SUB}/providers/Microsoft\.Authorization/roleAssignments", "2022-04-01"),
    "workspaces.list": Operation(rf"{_SUB}/providers/Microsoft\.MachineLearningServices/workspaces", "2024-04-01"),
    "computes.list": Operation(rf"{_WS}/computes", "2024-04-01"),
    "networkSecurityGroups.listAll": Operation(rf"{_SUB}/providers/Microsoft\.Network/networkSecurityGroups", "2023-09-01"),
    "vaults.list": Operation(rf"{_SUB}/providers/Microsoft\.KeyVault/vaults", "2023-07-01"),
    "keys.list": Operation(rf"{_VAULT}/keys", "2023-07-01"),
    "keys.get": Operation(rf"{_VAULT}/keys/{_SEG}", "2023-07-01"),
    "subscriptionDiagnosticSettings.list": Operation(
        rf"{_SUB}/providers/Microsoft\.Insights/diagnosticSettings", "2021-05-01-preview"
    ),
}


def operation_for(method: str, path: str) -> str | None:
    for name, op in ALLOWED_OPERATIONS.items():
        if op.matches(method, path):
            return name
    return None


class ArmError(Exception):
    def __init__(self, operation: str, status: int, code: str, message: str) -> None:
        super().__init__(f"{operation}: HTTP {status} {code}: {message}")
        self.operation = operation
        self.status = status
        self.code = code

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)


def _counting_policy(sink: CollectionSink) -> Any:
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class CountCalls(SansIOHTTPPolicy):  # type: ignore[type-arg]
        """Counts every attempt (retries included) under its operation name."""

        def on_request(self, request: Any) -> None:
            op = request.context.options.pop("auditor_operation", None) or request.context.get("auditor_operation")
            request.context["auditor_operation"] = op
            sink.call(f"arm:{op}")

    return CountCalls()


class ArmApi:
    """GETs against ARM with the real ARM bearer-token policy. Thread-safe."""

    def __init__(
        self,
        credential: Any,
        sink: CollectionSink,
        *,
        base_url: str,
        scope: str,
        ca_bundle: str | None = None,
        retry_total: int = 4,
        retry_backoff: float = 0.5,
        pool_size: int = 16,
    ) -> None:
        import requests
        import requests.adapters

        from azure.core import PipelineClient
        from azure.core.pipeline import policies
        from azure.core.pipeline.transport import RequestsTransport
        from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

        self.base_url = base_url.rstrip("/")
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        transport = RequestsTransport(session=session, session_owner=False, connection_verify=ca_bundle or True)
        self._client: Any = PipelineClient(
            base_url=self.base_url,
            policies=[
                policies.RequestIdPolicy(),
                policies.HeadersPolicy({"Accept": "application/json"}),
                policies.UserAgentPolicy(sdk_moniker="ml-posture-auditor"),
                policies.RetryPolicy(retry_total=retry_total, retry_backoff_factor=retry_backoff, retry_backoff_max=20),
                _counting_policy(sink),
                ARMChallengeAuthenticationPolicy(credential, scope),
                policies.ContentDecodePolicy(),
                policies.HttpLoggingPolicy(),
            ],
            transport=transport,
        )

    def get(self, operation: str, path_or_url: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        from azure.core.exceptions import ServiceRequestError, ServiceResponseError
        from azure.core.rest import HttpRequest

        op = ALLOWED_OPERATIONS.get(operation)
        parts = urlsplit(path_or_url)
        if op is None or not op.matches("GET", parts.path):
            raise ValueError(f"operation {operation} {parts.path} is not on the read-only allow-list")
        if parts.scheme:  # a nextLink: absolute, with its own api-version and skip token
            base = urlsplit(self.base_url)
            if (parts.scheme, parts.netloc.lower()) != (base.scheme, base.netloc.lower()):
                # never send the bearer token to another host
                raise ArmError(operation, 0, "ForeignNextLink", f"nextLink points outside {self.base_url}")
            url, query = path_or_url, None
        else:
            url, query = self.base_url + path_or_url, {"api-version": op.api_version, **(params or {})}
        request = HttpRequest("GET", url, params=query)
        try:
            response = self._client.send_request(request, auditor_operation=operation)
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise ArmError(operation, 0, "ConnectionError", str(exc)) from exc
        if response.status_code >= 400:
            code, message = _error(response)
            raise ArmError(operation, response.status_code, code, message)
        data = response.json() if response.content else {}
        return data if isinstance(data, dict) else {}

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


def _error(response: Any) -> tuple[str, str]:
    try:
        body = response.json()
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            return str(err.get("code") or ""), str(err.get("message") or "")
    except ValueError:
        pass
    return "", str(response.reason or "")
