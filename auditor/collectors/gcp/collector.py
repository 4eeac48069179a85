"""Live GCP collector: Cloud Storage, project IAM, service-account keys, Vertex AI, firewalls,
instances, Cloud KMS, GKE control planes and Data Access audit logs, for each project the
credentials can see.

Storage goes through google-cloud-storage; Resource Manager, Compute Engine, Cloud KMS and
Workbench through their google-cloud-* clients over REST (``clients.py``); IAM, Vertex AI
endpoints and Access Context Manager through their REST APIs with a google-auth
``AuthorizedSession`` (``api.py``, see ``clients.py`` for why), and so are GKE clusters (one list
call does not justify google-cloud-container). Both paths check every request
against the allow-list in ``api.py``. Projects are scanned side by side, and each project's
services too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, ClassVar

from auditor.collectors.base import CollectionError, CollectionSink, require_modules
from auditor.collectors.gcp import genai, gke
from auditor.collectors.gcp import normalize as n
from auditor.collectors.gcp.api import DEFAULT_ENDPOINTS, ApiError, GcpApi
from auditor.collectors.gcp.clients import GcpClients, gapic_call, to_rest
from auditor.collectors.sdk_limits import DEFAULT_LIMITS, SdkLimits, timed_adapter
from auditor.config import ConfigError, SettingError

MISSING_EXTRA = "the gcp extra is not installed: pip install 'ml-posture-auditor[gcp]'"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform.read-only",)
# Vertex AI endpoints are regional; these are scanned unless --region narrows or widens the list.
DEFAULT_VERTEX_REGIONS = ("us-central1", "us-east1", "us-east4", "us-west1", "europe-west1", "europe-west4", "asia-northeast1", "asia-southeast1")

# Permissions the collector needs (all read-only), for docs and the custom role.
PERMISSIONS = (
    "resourcemanager.projects.get",
    "resourcemanager.projects.getIamPolicy",
    "storage.buckets.list",
    "storage.buckets.getIamPolicy",
    "iam.serviceAccounts.list",
    "iam.serviceAccountKeys.list",
    "compute.firewalls.list",
    "compute.instances.list",
    "notebooks.instances.list",
    "aiplatform.endpoints.list",
    "cloudkms.locations.list",
    "cloudkms.keyRings.list",
    "cloudkms.cryptoKeys.list",
    "resourcemanager.folders.get",
    "accesscontextmanager.policies.list",
    "accesscontextmanager.servicePerimeters.list",
    gke.PERMISSION,
    *genai.PERMISSIONS,
)


# The google-cloud-* clients the collector uses besides storage (REST transport).
CLIENT_MODULES = (
    "google.cloud.resourcemanager_v3",
    "google.cloud.compute_v1",
    "google.cloud.kms_v1",
    "google.cloud.notebooks_v2",
)


STORAGE_EMULATOR_ENV = "STORAGE_EMULATOR_HOST"


def storage_emulator_url() -> str | None:
    """``STORAGE_EMULATOR_HOST`` as google-cloud-storage reads it: a URL, or host:port meaning http."""
    value = os.environ.get(STORAGE_EMULATOR_ENV, "").strip()
    if not value:
        return None
    return value if "://" in value else f"http://{value}"


def require_sdk() -> None:
    require_modules(("google.auth", "google.cloud.storage", "requests", *CLIENT_MODULES), MISSING_EXTRA)


class GcpCollector:
    name: ClassVar[str] = "gcp"

    def __init__(
        self,
        projects: Sequence[str] | None = None,
        *,
        credentials: Any = None,
        endpoints: Mapping[str, str] | None = None,
        ca_bundle: str | None = None,
        regions: Sequence[str] | None = None,
        max_workers: int = 8,
        limits: SdkLimits = DEFAULT_LIMITS,
    ) -> None:
        require_sdk()
        self.limits = limits
        unknown = set(endpoints or {}) - set(DEFAULT_ENDPOINTS)
        if unknown:
            raise SettingError(
                "endpoints",
                f"unknown GCP endpoint service(s) {', '.join(sorted(unknown))}; known: {', '.join(DEFAULT_ENDPOINTS)}",
            )
        self.projects = list(projects or [])
        self.credentials = credentials
        self.endpoints = dict(endpoints or {})
        self.storage_emulator = storage_emulator_url()
        if self.storage_emulator and "storage" not in self.endpoints:
            self.endpoints["storage"] = self.storage_emulator
        self.ca_bundle = ca_bundle
        self.regions = list(regions or DEFAULT_VERTEX_REGIONS)
        self.max_workers = max_workers

    def scope(self) -> str:
        return "gcp-" + ("-".join(self.projects[:3]) if self.projects else "all-projects")

    # -- set-up -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Resolve credentials now, so missing ones are a configuration error (exit 2), not a partial scan."""
        self.credentials = self._credentials()

    def _credentials(self) -> Any:
        if self.credentials is not None:
            return self.credentials
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        try:
            creds, _ = google.auth.default(scopes=list(SCOPES))
        except DefaultCredentialsError as exc:
            if self.storage_emulator:
                # google-cloud-storage's own convention: with an emulator, anonymous credentials.
                from google.auth.credentials import AnonymousCredentials

                return AnonymousCredentials()
            raise ConfigError(f"no GCP credentials (Application Default Credentials): {exc}") from exc
        return creds

    def _session(self, creds: Any) -> Any:
        from google.auth.transport.requests import AuthorizedSession

        session = AuthorizedSession(creds)
        if self.ca_bundle:
            _pin_ca_bundle(session, self.ca_bundle)
        adapter_size = max(self.max_workers * 2, 10)
        from auditor.collectors.throttle_hooks import gcp_key

        for prefix in ("http://", "https://"):
            session.mount(prefix, timed_adapter(self.limits, gcp_key, pool_connections=adapter_size,
                                                pool_maxsize=adapter_size))
        return session

    def _storage_client(self, creds: Any, session: Any, project: str) -> Any:
        import google.cloud.storage as storage

        options = {"api_endpoint": self.endpoints["storage"]} if "storage" in self.endpoints else None
        client = storage.Client(project=project, credentials=creds, _http=session, client_options=options)
        # google-cloud-storage >= 3.17 fetches each bucket's metadata in a background thread for
        # tracing (an extra buckets.get per bucket). Off: we already hold the metadata.
        if getattr(client, "_bucket_metadata_cache", None) is not None:
            client._bucket_metadata_cache = None
        return client

    # -- collection ---------------------------------------------------------------------------

    def collect(self, sink: CollectionSink) -> None:
        creds = self._credentials()
        session = self._session(creds)
        self._first_token(creds, session)
        api = GcpApi(session, sink, self.endpoints, max_retries=self.limits.retries, timeout=self.limits.read_timeout)
        clients = GcpClients(creds, sink, api.endpoints, ca_bundle=self.ca_bundle, pool_size=max(self.max_workers * 2, 10),
                             limits=self.limits)
        try:
            projects = self.projects or self._visible_projects(clients, sink)
            with ThreadPoolExecutor(max_workers=max(1, min(self.max_workers, len(projects) or 1))) as pool:
                for future in [pool.submit(self._project, api, clients, creds, session, p, sink) for p in projects]:
                    future.result()
        finally:
            clients.close()

    def _first_token(self, creds: Any, session: Any) -> None:
        """Fetch the access token once up front: a broken credential fails fast and clearly
        instead of every call retrying it."""
        from google.auth.credentials import AnonymousCredentials
        from google.auth.exceptions import GoogleAuthError
        from google.auth.transport.requests import Request

        if isinstance(creds, AnonymousCredentials) or getattr(creds, "valid", False):
            return
        import requests

        plain = requests.Session()
        for prefix in ("http://", "https://"):
            plain.mount(prefix, timed_adapter(self.limits))
        if isinstance(session.verify, str):
            _pin_ca_bundle(plain, session.verify)
        try:
            creds.refresh(Request(plain))
        except GoogleAuthError as exc:
            raise ConfigError(f"cannot obtain a GCP access token: {exc}") from exc

    def _visible_projects(self, clients: GcpClients, sink: CollectionSink) -> list[str]:
        client = clients.projects()
        try:
            return [
                str(p["projectId"])
                for p in gapic_call("cloudresourcemanager:projects.search", lambda: [
                    to_rest(p) for p in client.search_projects(retry=None)])
                if p.get("state", "ACTIVE") == "ACTIVE" and p.get("projectId")
            ]
        except ApiError as exc:
            sink.error(CollectionError(source="gcp", operation=exc.operation, message=f"cannot list projects: {exc}", incomplete=True))
            return []

    def _project(self, api: GcpApi, clients: GcpClients, creds: Any, session: Any, project: str, sink: CollectionSink) -> None:
        sink.progress(f"gcp: scanning project {project}")
        projects = clients.projects()
        policy = self._guard(sink, project, "cloudresourcemanager:projects.getIamPolicy", lambda: to_rest(projects.get_iam_policy(
            request={"resource": f"projects/{project}", "options": {"requested_policy_version": 3}}, retry=None)))
        if policy is not None:
            sink.add(n.audit_trail(project, policy))
        tasks: list[Callable[[], bool | None]] = [
            lambda: self._storage(api, creds, session, project, policy, sink),
            lambda: self._identity(api, project, policy, sink),
            lambda: self._network(clients, project, sink),
            lambda: self._notebooks(clients, project, sink),
            lambda: self._kms(clients, project, sink),
            lambda: self._clusters(api, project, sink),
            *[(lambda r=region: self._endpoints(api, project, r, sink)) for region in self.regions],
            *[(lambda r=region: genai.collect_region(api, project, r, sink, self._guard)) for region in self.regions],
        ]
        with ThreadPoolExecutor(max_workers=min(self.max_workers, len(tasks))) as pool:
            uses_vertex = any([f.result() for f in [pool.submit(t) for t in tasks]])
        if uses_vertex:
            self._vertex_workspace(api, clients, project, sink)

    def _guard(
        self, sink: CollectionSink, project: str, operation: str, fn: Callable[[], Any], *, resource: str | None = None
    ) -> Any:
        """Run one API read; a failure becomes a CollectionError (incomplete when it is a list call)."""
        try:
            return gapic_call(operation, fn)
        except ApiError as exc:
            sink.error(
                CollectionError(
                    source="gcp",
                    operation=exc.operation,
                    account=project,
                    resource=resource,
                    message=("access denied: " if exc.denied else "") + str(exc),
                    incomplete=resource is None,
                )
            )
        except Exception as exc:  # network failures and the SDK's own exceptions
            denied = getattr(exc, "code", None) in (401, 403)
            sink.error(
                CollectionError(
                    source="gcp",
                    operation=operation,
                    account=project,
                    resource=resource,
                    message=("access denied: " if denied else "") + f"{type(exc).__name__}: {exc}",
                    incomplete=resource is None,
                )
            )
        return None

    def _storage_retry(self) -> Any:
        """google-cloud-storage retries time-outs for 120 s by default: bound it by the limits."""
        from google.cloud.storage.retry import DEFAULT_RETRY

        budget = (self.limits.connect_timeout + self.limits.read_timeout) * self.limits.max_attempts
        return DEFAULT_RETRY.with_timeout(budget) if hasattr(DEFAULT_RETRY, "with_timeout") else DEFAULT_RETRY.with_deadline(budget)

    def _storage(self, api: GcpApi, creds: Any, session: Any, project: str, policy: dict[str, Any] | None, sink: CollectionSink) -> None:
        client = self._storage_client(creds, session, project)

        def list_buckets() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = []
            for page in client.list_buckets(project=project, projection="full", retry=self._storage_retry()).pages:
                sink.call("storage:buckets.list")
                items.extend(dict(b._properties) for b in page)
            return items

        buckets = self._guard(sink, project, "storage:buckets.list", list_buckets)
        if buckets is None:
            return
        data_logged = None if policy is None else n.storage_reads_logged(policy)
        log_targets = frozenset(
            str((b.get("logging") or {}).get("logBucket")) for b in buckets if (b.get("logging") or {}).get("logBucket")
        )

        def one(item: dict[str, Any]) -> None:
            name = str(item["name"])

            def get_policy() -> dict[str, Any]:
                sink.call("storage:buckets.getIamPolicy")
                bucket = client.bucket(name)
                result: dict[str, Any] = bucket.get_iam_policy(requested_policy_version=3, retry=self._storage_retry()).to_api_repr()
                return result

            iam = self._guard(sink, project, "storage:buckets.getIamPolicy", get_policy, resource=name)
            sink.add(n.gcs_bucket(project, item, iam, data_access_logged=data_logged, log_targets=log_targets))
            if iam is not None:
                sink.add(n.bucket_policy_role(project, name, iam))

        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            list(pool.map(one, buckets))

    def _identity(self, api: GcpApi, project: str, policy: dict[str, Any] | None, sink: CollectionSink) -> None:
        accounts = self._guard(sink, project, "iam:serviceAccounts.list", lambda: list(
            api.pages("iam:serviceAccounts.list", f"/v1/projects/{project}/serviceAccounts", "accounts")
        ))
        keys: dict[str, list[dict[str, Any]] | None] = {}

        def sa_keys(sa: dict[str, Any]) -> None:
            email = str(sa["email"])
            data = self._guard(
                sink, project, "iam:serviceAccounts.keys.list",
                lambda: api.call(
                    "iam:serviceAccounts.keys.list",
                    f"/v1/projects/{project}/serviceAccounts/{email}/keys",
                    params={"keyTypes": "USER_MANAGED"},
                ),
                resource=email,
            )
            keys[email] = None if data is None else list(data.get("keys") or [])

        if accounts:
            with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
                list(pool.map(sa_keys, accounts))
        if policy is None and accounts is None:
            return
        sink.add_all(n.project_roles(project, policy or {}, accounts or [], keys))

    def _network(self, clients: GcpClients, project: str, sink: CollectionSink) -> None:
        fw_client = clients.firewalls()
        firewalls = self._guard(sink, project, "compute:firewalls.list", lambda: [
            to_rest(f) for f in fw_client.list(project=project, retry=None)])
        for fw in firewalls or []:
            sink.add(n.firewall_rule(project, fw))

        instances = self._guard(sink, project, "compute:instances.aggregatedList", lambda: self._aggregated(clients, project))
        for inst in instances or []:
            # Instances are joined with firewall rules; unreadable rules leave the join empty.
            sink.add(n.compute_instance(project, inst, firewalls or []))

    @staticmethod
    def _aggregated(clients: GcpClients, project: str) -> list[dict[str, Any]]:
        """aggregatedList answers zone -> {instances: [...]}; the pager follows pageToken. (The
        client has no returnPartialSuccess: an unreachable zone fails the call, an error rather
        than a silently shorter list.)"""
        client = clients.instances()
        return [to_rest(i) for _zone, scoped in client.aggregated_list(project=project, retry=None) for i in scoped.instances]

    def _notebooks(self, clients: GcpClients, project: str, sink: CollectionSink) -> bool:
        client = clients.notebooks()
        items = self._guard(sink, project, "notebooks:instances.list", lambda: [
            to_rest(i) for i in client.list_instances(parent=f"projects/{project}/locations/-", retry=None)])
        for item in items or []:
            sink.add(n.workbench_instance(project, item))
        return bool(items)

    def _endpoints(self, api: GcpApi, project: str, region: str, sink: CollectionSink) -> bool:
        items = self._guard(sink, project, "aiplatform:endpoints.list", lambda: list(
            api.pages("aiplatform:endpoints.list", f"/v1/projects/{project}/locations/{region}/endpoints", "endpoints", region=region)
        ))
        for item in items or []:
            sink.add(n.vertex_endpoint(project, item))
        return bool(items)

    def _clusters(self, api: GcpApi, project: str, sink: CollectionSink) -> None:
        answer = self._guard(sink, project, gke.OPERATION, lambda: api.call(
            gke.OPERATION, f"/v1/projects/{project}/locations/-/clusters"))
        if answer is None:
            return
        for item in answer.get("clusters") or []:
            sink.add(gke.normalize_cluster(project, item))
        missing = [str(z) for z in answer.get("missingZones") or []]
        if missing:  # the list is short by those zones' clusters: say so, never a smaller estate
            sink.error(CollectionError(source="gcp", operation=gke.OPERATION, account=project, incomplete=True,
                                       message=f"GKE clusters in {', '.join(missing)} could not be listed (missingZones)"))

    def _vertex_workspace(self, api: GcpApi, clients: GcpClients, project: str, sink: CollectionSink) -> None:
        """Vertex AI in use here: is its API fenced by VPC Service Controls? Reads the project's
        organization (through its folders) and the organization's service perimeters."""
        resource = f"//aiplatform.googleapis.com/projects/{project}"

        def read() -> tuple[str | None, str | None, list[dict[str, Any]] | None]:
            info = gapic_call("cloudresourcemanager:projects.get", lambda: to_rest(
                clients.projects().get_project(name=f"projects/{project}", retry=None)))
            number = str(info.get("name", "")).removeprefix("projects/") or None
            parent = str(info.get("parent") or "")
            for _ in range(12):  # folders nest at most 10 deep
                if not parent.startswith("folders/"):
                    break
                parent = str(gapic_call("cloudresourcemanager:folders.get", partial(_folder, clients, parent)).get("parent") or "")
            if not parent.startswith("organizations/"):
                return number, None, []
            perimeters: list[dict[str, Any]] = []
            for policy in api.pages("accesscontextmanager:accessPolicies.list", "/v1/accessPolicies", "accessPolicies",
                                    params={"parent": parent}):
                perimeters.extend(api.pages("accesscontextmanager:servicePerimeters.list",
                                            f"/v1/{policy['name']}/servicePerimeters", "servicePerimeters"))
            return number, parent, perimeters

        found = self._guard(sink, project, "accesscontextmanager:servicePerimeters.list", read, resource=resource)
        if found is None:  # organization or perimeters unreadable: exposure unknown
            sink.add(n.vertex_workspace(project, None, "unreadable", None))
        else:
            sink.add(n.vertex_workspace(project, *found))

    def _kms(self, clients: GcpClients, project: str, sink: CollectionSink) -> None:
        client = clients.kms()
        locations = self._guard(sink, project, "cloudkms:locations.list", lambda: _locations(client, project))

        def in_location(loc: dict[str, Any]) -> None:
            loc_id = str(loc.get("locationId") or str(loc.get("name", "")).rsplit("/", 1)[-1])
            rings = self._guard(sink, project, "cloudkms:keyRings.list", lambda: [
                to_rest(r) for r in client.list_key_rings(parent=f"projects/{project}/locations/{loc_id}", retry=None)])
            for ring in rings or []:
                ring_name = str(ring["name"])
                keys = self._guard(sink, project, "cloudkms:cryptoKeys.list", partial(_crypto_keys, client, ring_name),
                                   resource=ring_name)
                for key in keys or []:
                    if n.rotatable(key):
                        sink.add(n.kms_key(project, key))

        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            list(pool.map(in_location, locations or []))


def _locations(client: Any, project: str) -> list[dict[str, Any]]:
    """The locations mixin answers one page at a time (no pager)."""
    out: list[dict[str, Any]] = []
    token = ""
    while True:
        page = client.list_locations(request={"name": f"projects/{project}", "page_token": token}, retry=None)
        out.extend(to_rest(loc) for loc in page.locations)
        token = page.next_page_token
        if not token:
            return out


def _folder(clients: GcpClients, name: str) -> dict[str, Any]:
    return to_rest(clients.folders().get_folder(name=name, retry=None))


def _crypto_keys(client: Any, ring: str) -> list[dict[str, Any]]:
    return [to_rest(k) for k in client.list_crypto_keys(parent=ring, retry=None)]


def _pin_ca_bundle(session: Any, ca_bundle: str) -> None:
    """Trust exactly ``ca_bundle``. requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a
    session's ``verify``; an explicit --ca-bundle must win (proxy settings still come from the
    environment)."""
    session.verify = ca_bundle
    merge = session.merge_environment_settings

    def merge_keeping_ca(url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = merge(url, proxies, stream, verify, cert)
        settings["verify"] = ca_bundle
        return settings

    session.merge_environment_settings = merge_keeping_ca
