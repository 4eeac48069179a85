"""Live Azure collector: storage accounts and containers, subscription role assignments, Azure
ML workspaces and compute instances, NSGs, Key Vault keys, AKS control planes and activity-log
export, for each subscription the credential can see. Subscriptions, and each subscription's
services, are read side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, ClassVar, TypeVar

from auditor.collectors.azure import aks, genai
from auditor.collectors.azure import normalize as n
from auditor.collectors.azure.arm import CLOUDS, ArmApi, ArmClients, ArmError, arm_call, wire
from auditor.collectors.base import CollectionError, CollectionSink, require_modules
from auditor.collectors.sdk_limits import DEFAULT_LIMITS, SdkLimits
from auditor.config import ConfigError, SettingError
from auditor.resources import Bucket

T = TypeVar("T")

MISSING_EXTRA = "the azure extra is not installed: pip install 'ml-posture-auditor[azure]'"

# Read-only permissions the collector needs (the built-in Reader role covers them all).
PERMISSIONS = (
    "Microsoft.Resources/subscriptions/read",
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/blobServices/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    "Microsoft.Insights/diagnosticSettings/read",
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.MachineLearningServices/workspaces/read",
    "Microsoft.MachineLearningServices/workspaces/computes/read",
    "Microsoft.Network/networkSecurityGroups/read",
    "Microsoft.KeyVault/vaults/read",
    "Microsoft.KeyVault/vaults/keys/read",
    aks.PERMISSION,
    *genai.PERMISSIONS,
)


# The official management clients the collector uses (Azure ML is read without one, see arm.py).
CLIENT_MODULES = (
    "azure.mgmt.resource.subscriptions",
    "azure.mgmt.storage",
    "azure.mgmt.monitor",
    "azure.mgmt.authorization",
    "azure.mgmt.network",
    "azure.mgmt.keyvault",
    "azure.mgmt.containerservice",
)


def require_sdk() -> None:
    require_modules(("azure.core", "azure.mgmt.core", "azure.identity", *CLIENT_MODULES), MISSING_EXTRA)


class AzureCollector:
    name: ClassVar[str] = "azure"

    def __init__(
        self,
        subscriptions: Sequence[str] | None = None,
        *,
        credential: Any = None,
        cloud: str = "public",
        resource_manager_url: str | None = None,
        ca_bundle: str | None = None,
        max_workers: int = 8,
        retry_backoff: float = 0.5,
        limits: SdkLimits = DEFAULT_LIMITS,
    ) -> None:
        require_sdk()
        if cloud not in CLOUDS:
            raise SettingError("cloud", f"unknown Azure cloud {cloud!r}; choose one of {', '.join(CLOUDS)}")
        if resource_manager_url and not resource_manager_url.startswith(("https://", "http://")):
            raise SettingError("resource_manager_url", f"must start with https://, got {resource_manager_url!r}")
        self.subscriptions = list(subscriptions or [])
        self.credential = credential
        self.cloud = cloud
        self.base_url = (resource_manager_url or CLOUDS[cloud][0]).rstrip("/")
        # Tokens are issued for the cloud's resource manager audience.
        self.token_scope = CLOUDS[cloud][0] + "/.default"
        self.ca_bundle = ca_bundle
        self.max_workers = max_workers
        self.retry_backoff = retry_backoff
        self.limits = limits

    def scope(self) -> str:
        return "azure-" + ("-".join(s[:8] for s in self.subscriptions[:3]) if self.subscriptions else "all-subscriptions")

    def prepare(self) -> None:
        """Build the credential now, so a broken set-up is a configuration error (exit 2)."""
        if self.credential is None:
            from azure.identity import DefaultAzureCredential

            # the credentials' own pipelines (managed identity, workload identity) wait 300 s per
            # read unless told otherwise: a silent token endpoint must end like a silent API
            limits = self.limits
            self.credential = DefaultAzureCredential(
                authority=CLOUDS[self.cloud][1], connection_timeout=limits.connect_timeout,
                read_timeout=limits.read_timeout, retry_total=limits.retries,
            )

    def _first_token(self) -> None:
        """Get a token once up front: a credential that cannot get one fails the source at once,
        with the credential chain's own explanation, instead of failing every call."""
        from azure.core.exceptions import ClientAuthenticationError

        try:
            self.credential.get_token(self.token_scope)
        except ClientAuthenticationError as exc:
            raise ConfigError(f"cannot obtain an Azure access token: {exc.message}") from exc

    # -- collection ---------------------------------------------------------------------------

    def collect(self, sink: CollectionSink) -> None:
        self.prepare()
        self._first_token()
        arm = ArmClients(self.credential, sink, base_url=self.base_url, scope=self.token_scope, ca_bundle=self.ca_bundle,
                         retry_backoff=self.retry_backoff, pool_size=self.max_workers * 2, limits=self.limits)
        try:
            subscriptions = self.subscriptions or self._visible(arm, sink)
            with ThreadPoolExecutor(max_workers=max(1, min(self.max_workers, len(subscriptions) or 1))) as pool:
                for future in [pool.submit(self._subscription, arm, s, sink) for s in subscriptions]:
                    future.result()
        finally:
            arm.close()

    def _visible(self, arm: ArmClients, sink: CollectionSink) -> list[str]:
        client = arm.subscriptions()
        try:
            items = arm_call("subscriptions.list", lambda: [wire(s) for s in client.subscriptions.list()])
        except ArmError as exc:
            sink.error(CollectionError(source="azure", operation=exc.operation, message=f"cannot list subscriptions: {exc}", incomplete=True))
            return []
        return [str(s["subscriptionId"]) for s in items if str(s.get("state", "Enabled")) == "Enabled"]

    def _guard(self, sink: CollectionSink, subscription: str, operation: str, fn: Callable[[], T], *,
               resource: str | None = None) -> T | None:
        """One ARM read; a failure becomes a CollectionError (incomplete for a list call)."""
        try:
            return arm_call(operation, fn)
        except ArmError as exc:
            sink.error(CollectionError(
                source="azure",
                operation=exc.operation,
                account=subscription,
                resource=resource,
                message=("access denied: " if exc.denied else "") + str(exc),
                incomplete=resource is None,
            ))
            return None

    def _subscription(self, arm: ArmClients, sub: str, sink: CollectionSink) -> None:
        sink.progress(f"azure: scanning subscription {sub}")
        monitor = arm.monitor(sub)
        diag = self._guard(sink, sub, "subscriptionDiagnosticSettings.list", lambda: _settings(monitor, f"/subscriptions/{sub}"))
        if diag is not None:
            sink.add(n.activity_log_export(sub, diag))
        tasks: list[Callable[[], None]] = [
            lambda: self._storage(arm, monitor, sub, diag, sink),
            lambda: self._roles(arm, sub, sink),
            lambda: self._ml(arm.raw, sub, sink),
            lambda: self._nsgs(arm, sub, sink),
            lambda: self._keys(arm, sub, sink),
            lambda: self._clusters(arm, sub, sink),
            lambda: genai.collect(arm.raw, sub, sink, self._guard, self.max_workers),
        ]
        with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
            for future in [pool.submit(t) for t in tasks]:
                future.result()

    def _storage(self, arm: ArmClients, monitor: Any, sub: str, sub_diag: list[dict[str, Any]] | None,
                 sink: CollectionSink) -> None:
        client = arm.storage(sub)
        accounts = self._guard(sink, sub, "storageAccounts.list", lambda: [wire(a) for a in client.storage_accounts.list()])
        if not accounts:
            return
        raw: dict[str, dict[str, Any]] = {}

        def read(account: dict[str, Any]) -> None:
            aid = str(account["id"])
            rg, name = _group_and_name(aid)
            raw[aid] = {
                "service": self._guard(sink, sub, "blobServices.get", lambda: wire(
                    client.blob_services.get_service_properties(rg, name)), resource=aid),
                "containers": self._guard(sink, sub, "blobContainers.list", lambda: [
                    wire(c) for c in client.blob_containers.list(rg, name)], resource=aid),
                "diag": self._guard(sink, sub, "blobDiagnosticSettings.list", lambda: _settings(
                    monitor, f"{aid}/blobServices/default"), resource=aid),
            }

        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            list(pool.map(read, accounts))
        # Log targets are known only once every diagnostic setting in the subscription is read.
        settings = list(sub_diag or [])
        complete = sub_diag is not None
        for data in raw.values():
            settings.extend(data["diag"] or [])
            complete = complete and data["diag"] is not None
        targets = n.log_targets(settings)
        for account in accounts:
            data = raw[str(account["id"])]
            containers: list[Bucket] | None = None
            if data["containers"] is not None:
                containers = [n.container(sub, account, c) for c in data["containers"]]
                sink.add_all(containers)
            sink.add(n.storage_account(
                sub, account, blob_service=data["service"], containers=containers,
                diagnostic_settings=data["diag"],
                # an account named as a target is one even if other settings were unreadable
                targets=targets if complete or str(account["id"]).lower() in targets else None,
            ))

    def _roles(self, arm: ArmClients, sub: str, sink: CollectionSink) -> None:
        client = arm.authorization(sub)
        items = self._guard(sink, sub, "roleAssignments.list", lambda: [
            wire(a) for a in client.role_assignments.list_for_subscription(filter="atScope()")])
        for item in items or []:
            sink.add(n.role_assignment(sub, item))

    def _ml(self, api: ArmApi, sub: str, sink: CollectionSink) -> None:
        workspaces = self._guard(sink, sub, "workspaces.list", lambda: list(api.pages(
            "workspaces.list", f"/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/workspaces")))

        def one(ws: dict[str, Any]) -> None:
            sink.add(n.ml_workspace(sub, ws))
            wid = str(ws["id"])
            computes = self._guard(sink, sub, "computes.list", lambda: list(api.pages("computes.list", f"{wid}/computes")),
                                   resource=wid)
            for item in computes or []:
                notebook = n.compute_instance(sub, ws, item)
                if notebook is not None:
                    sink.add(notebook)

        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            list(pool.map(one, workspaces or []))

    def _nsgs(self, arm: ArmClients, sub: str, sink: CollectionSink) -> None:
        client = arm.network(sub)
        items = self._guard(sink, sub, "networkSecurityGroups.listAll", lambda: [
            wire(g) for g in client.network_security_groups.list_all()])
        for item in items or []:
            sink.add(n.nsg(sub, item))

    def _keys(self, arm: ArmClients, sub: str, sink: CollectionSink) -> None:
        client = arm.keyvault(sub)
        vaults = self._guard(sink, sub, "vaults.list", lambda: [wire(v) for v in client.vaults.list_by_subscription()])

        def one(vault: dict[str, Any]) -> None:
            vid = str(vault["id"])
            rg, name = _group_and_name(vid)
            keys = self._guard(sink, sub, "keys.list", lambda: [wire(k) for k in client.keys.list(rg, name)], resource=vid)
            for key in keys or []:
                if "rotationPolicy" not in (key.get("properties") or {}):
                    kid = str(key["id"])
                    full = self._guard(sink, sub, "keys.get", partial(_key, client, rg, name, str(key["name"])), resource=kid)
                    if full is None:
                        continue  # the error names the key; rotation stays unknown
                    key = full
                sink.add(n.vault_key(sub, vault, key))

        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            list(pool.map(one, vaults or []))

    def _clusters(self, arm: ArmClients, sub: str, sink: CollectionSink) -> None:
        client = arm.containerservice(sub)
        items = self._guard(sink, sub, aks.OPERATION, lambda: [wire(c) for c in client.managed_clusters.list()])
        for item in items or []:
            sink.add(aks.normalize_cluster(sub, item))


def _group_and_name(resource_id: str) -> tuple[str, str]:
    from azure.mgmt.core.tools import parse_resource_id

    parts = parse_resource_id(resource_id)
    return str(parts["resource_group"]), str(parts["name"])


def _settings(monitor: Any, resource_id: str) -> list[dict[str, Any]]:
    """Diagnostic settings of a resource (the operation takes the id without its leading slash)."""
    return [wire(s) for s in monitor.diagnostic_settings.list(resource_id.lstrip("/"))]


def _key(client: Any, group: str, vault: str, name: str) -> dict[str, Any]:
    return wire(client.keys.get(group, vault, name))
