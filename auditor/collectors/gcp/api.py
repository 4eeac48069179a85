"""The read-only allow-list of GCP operations, and plain REST access for the APIs read without a
client library (see ``clients.py``): paging, retries, call counting.

Every request, whether sent by ``GcpApi.call`` or by a google-cloud-* client through
``clients.py``, must be an operation of ``ALLOWED_OPERATIONS``; anything else raises before a
byte is sent, so the collector cannot change or read data by mistake. Reads that are POSTs
(``getIamPolicy``) are listed explicitly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.collectors.base import CollectionSink

DEFAULT_ENDPOINTS: dict[str, str] = {
    "storage": "https://storage.googleapis.com",
    "cloudresourcemanager": "https://cloudresourcemanager.googleapis.com",
    "iam": "https://iam.googleapis.com",
    "compute": "https://compute.googleapis.com",
    "notebooks": "https://notebooks.googleapis.com",
    # Vertex AI is regional; ``{region}`` is filled in per call.
    "aiplatform": "https://{region}-aiplatform.googleapis.com",
    "cloudkms": "https://cloudkms.googleapis.com",
    "accesscontextmanager": "https://accesscontextmanager.googleapis.com",
    "container": "https://container.googleapis.com",
    "artifactregistry": "https://artifactregistry.googleapis.com",
}


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str  # regular expression over the URL path, anchored

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.path, path) is not None


_SEG = r"[^/]+"
ALLOWED_OPERATIONS: dict[str, Operation] = {
    "storage:buckets.list": Operation("storage", "GET", r"/storage/v1/b"),
    "storage:buckets.getIamPolicy": Operation("storage", "GET", rf"/storage/v1/b/{_SEG}/iam"),
    "cloudresourcemanager:projects.search": Operation("cloudresourcemanager", "GET", r"/v3/projects:search"),
    "cloudresourcemanager:projects.get": Operation("cloudresourcemanager", "GET", rf"/v3/projects/{_SEG}"),
    "cloudresourcemanager:folders.get": Operation("cloudresourcemanager", "GET", rf"/v3/folders/{_SEG}"),
    "accesscontextmanager:accessPolicies.list": Operation("accesscontextmanager", "GET", r"/v1/accessPolicies"),
    "accesscontextmanager:servicePerimeters.list": Operation(
        "accesscontextmanager", "GET", rf"/v1/accessPolicies/{_SEG}/servicePerimeters"
    ),
    "cloudresourcemanager:projects.getIamPolicy": Operation(
        "cloudresourcemanager", "POST", rf"/v3/projects/{_SEG}:getIamPolicy"
    ),
    "iam:serviceAccounts.list": Operation("iam", "GET", rf"/v1/projects/{_SEG}/serviceAccounts"),
    "iam:serviceAccounts.keys.list": Operation("iam", "GET", rf"/v1/projects/{_SEG}/serviceAccounts/{_SEG}/keys"),
    "compute:firewalls.list": Operation("compute", "GET", rf"/compute/v1/projects/{_SEG}/global/firewalls"),
    "compute:instances.aggregatedList": Operation("compute", "GET", rf"/compute/v1/projects/{_SEG}/aggregated/instances"),
    "notebooks:instances.list": Operation("notebooks", "GET", rf"/v2/projects/{_SEG}/locations/-/instances"),
    "aiplatform:endpoints.list": Operation("aiplatform", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/endpoints"),
    "aiplatform:indexEndpoints.list": Operation("aiplatform", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/indexEndpoints"),
    "aiplatform:indexes.list": Operation("aiplatform", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/indexes"),
    "aiplatform:datasets.list": Operation("aiplatform", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/datasets"),
    "aiplatform:featureOnlineStores.list": Operation(
        "aiplatform", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/featureOnlineStores"
    ),
    "aiplatform:featurestores.list": Operation("aiplatform", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/featurestores"),
    "artifactregistry:repositories.list": Operation(
        "artifactregistry", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/repositories"
    ),
    "artifactregistry:repositories.getIamPolicy": Operation(
        "artifactregistry", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/repositories/{_SEG}:getIamPolicy"
    ),
    "cloudkms:locations.list": Operation("cloudkms", "GET", rf"/v1/projects/{_SEG}/locations"),
    "cloudkms:keyRings.list": Operation("cloudkms", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/keyRings"),
    "cloudkms:cryptoKeys.list": Operation(
        "cloudkms", "GET", rf"/v1/projects/{_SEG}/locations/{_SEG}/keyRings/{_SEG}/cryptoKeys"
    ),
    # GKE clusters of every location at once ("-"); the list answer has no paging
    "container:clusters.list": Operation("container", "GET", rf"/v1/projects/{_SEG}/locations/-/clusters"),
}


def operation_for(method: str, path: str) -> str | None:
    """The allow-listed operation a request (method, URL path) belongs to, or None."""
    for name, op in ALLOWED_OPERATIONS.items():
        if op.matches(method, path):
            return name
    return None


class ApiError(Exception):
    """An API answer other than success, after retries."""

    def __init__(self, operation: str, status: int, message: str) -> None:
        super().__init__(f"{operation}: HTTP {status}: {message}")
        self.operation = operation
        self.status = status
        self.message = message

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)


class GcpApi:
    """A thin, thread-safe wrapper over a google-auth ``AuthorizedSession``."""

    def __init__(
        self,
        session: Any,
        sink: CollectionSink,
        endpoints: Mapping[str, str] | None = None,
        *,
        max_retries: int = 4,
        timeout: float = 30.0,
    ) -> None:
        self.session = session
        self.sink = sink
        self.endpoints = {**DEFAULT_ENDPOINTS, **(endpoints or {})}
        self.max_retries = max_retries
        self.timeout = timeout

    def base(self, service: str, region: str | None = None) -> str:
        return self.endpoints[service].rstrip("/").replace("{region}", region or "")

    def call(
        self,
        operation: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        op = ALLOWED_OPERATIONS.get(operation)
        if op is None or not op.matches(op.method, path):
            raise ValueError(f"operation {operation} {path} is not on the read-only allow-list")
        url = self.base(op.service, region) + path
        delay = 0.5
        for attempt in range(self.max_retries + 1):
            self.sink.call(operation)
            resp = self.session.request(op.method, url, params=params, json=json, timeout=self.timeout)
            if resp.status_code in (429, 500, 502, 503, 504) and attempt < self.max_retries:
                time.sleep(_retry_after(resp.headers.get("Retry-After"), delay))
                delay = min(delay * 2, 8.0)
                continue
            if resp.status_code >= 400:
                raise ApiError(operation, resp.status_code, _error_message(resp))
            if not resp.content:
                return {}
            data = resp.json()
            return data if isinstance(data, dict) else {}
        raise AssertionError("unreachable")

    def pages(
        self,
        operation: str,
        path: str,
        items_key: str,
        *,
        params: Mapping[str, Any] | None = None,
        region: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every item across pages (``pageToken`` / ``nextPageToken``)."""
        query = dict(params or {})
        while True:
            data = self.call(operation, path, params=query, region=region)
            yield from data.get(items_key) or []
            token = data.get("nextPageToken")
            if not token:
                return
            query["pageToken"] = token


def _retry_after(value: str | None, default: float) -> float:
    try:
        return min(max(float(value), 0.0), 30.0) if value else default
    except ValueError:
        return default


def _error_message(resp: Any) -> str:
    try:
        body = resp.json()
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            return str(err.get("message") or err.get("status") or resp.reason)
    except ValueError:
        pass
    return str(resp.reason or "error")
