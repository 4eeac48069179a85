"""Live Azure collector: storage accounts and containers, subscription role assignments, Azure
ML workspaces and compute instances, NSGs, Key Vault keys and activity-log export, for each
subscription the credential can see. Subscriptions, and each subscription's services, are read
side by side.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, ClassVar

from auditor.collectors.azure import normalize as n
from auditor.collectors.azure.arm import CLOUDS, ArmApi, ArmError
from auditor.collectors.base import CollectionError, CollectionSink
from auditor.config import ConfigError
from auditor.resources import Bucket

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
)


def require_sdk() -> None:
    for module in ("azure.core", "azure.mgmt.core", "azure.identity"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            raise ConfigError(MISSING_EXTRA)


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
    ) -> None:
        require_sdk()
        if cloud not in CLOUDS:
            raise ConfigError(f"unknown Azure cloud {cloud!r}; choose one of {', '.join(CLOUDS)}")
        if resource_manager_url and not resource_manager_url.startswith(("https://", "http://")):
            raise ConfigError(f"resource manager URL must start with https://, got {resource_manager_url!r}")
        self.subscriptions = list(subscriptions or [])
        self.credential = credential
        self.cloud = cloud
        self.base_url = (resource_manager_url or CLOUDS[cloud][0]).rstrip("/")
        # Tokens are issued for the cloud's resource manager audience.
        self.token_scope = CLOUDS[cloud][0] + "/.default"
        self.ca_bundle = ca_bundle
        self.max_workers = max_workers
        self.retry_backoff = retry_backoff

    def scope(self) -> str:
        return "azure-" + ("-".join(s[:8] for s in self.subscriptions[:3]) if self.subscriptions else "all-subscriptions")

    def prepare(self) -> None:
        """Build the credential now, so a broken set-up is a configuration error (exit 2)."""
        if self.credential is None:
            from azure.identity import DefaultAzureCredential

            self.credential = DefaultAzureCredential(authority=CLOUDS[self.cloud][1])

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
        api = ArmApi(self.credential, sink, base_url=self.base_url, scope=self.token_scope, ca_bundle=self.ca_bundle,
                     retry_backoff=self.retry_backoff, pool_size=self.max_workers * 2)
        try:
            subscriptions = self.subscriptions or self._visible(api, sink)
            with ThreadPoolExecutor(max_workers=max(1, min(self.max_workers, len(subscriptions) or 1))) as pool:
                for future in [pool.submit(self._subscription, api, s, sink) for s in subscriptions]:
                    future.result()
        finally:
            api.close()

    def _visible(self, api: ArmApi, sink: CollectionSink) -> list[str]:
        try:
            return [
                str(s["subscriptionId"])
                for s in api.pages("subscriptions.list", "/subscriptions")
                if str(s.get("state", "Enabled")) == "Enabled"
            ]
        except ArmError as exc:
            sink.error(CollectionError(source="azure", operation=exc.operation, message=f"cannot list subscriptions: {exc}", incomplete=True))
            return []

    def _guard(self, sink: CollectionSink, subscription: str, fn: Callable[[], Any], *, resource: str | None = None) -> Any:
        """One ARM read; a failure becomes a CollectionError (incomplete for a list call)."""
        try:
            return fn()
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

    def _subscription(self, api: ArmApi, sub: str, sink: CollectionSink) -> None:
        sink.progress(f"azure: scanning subscription {sub}")
        base = f"/subscriptions/{sub}"
        diag = self._guard(sink, sub, lambda: list(api.pages(
            "subscriptionDiagnosticSettings.list", f"{base}/providers/Microsoft.Insights/diagnosticSettings")))
        if diag is not None:
            sink.add(n.activity_log_export(sub, diag))
        tasks: list[Callable[[], None]] = [
            lambda: self._storage(api, sub, diag, sink),
            lambda: self._roles(api, sub, sink),
            lambda: self._ml(api, sub, sink),
            lambda: self._nsgs(api, sub, sink),
            lambda: self._keys(api, sub, sink),
        ]
        with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
            for future in [pool.submit(t) for t in tasks]:
                future.result()

    def _storage(self, api: ArmApi, sub: str, sub_diag: list[dict[str, Any]] | None, sink: CollectionSink) -> None:
        accounts = self._guard(sink, sub, lambda: list(api.pages(
            "storageAccounts.list", f"/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts")))
        if not accounts:
            return
        raw: dict[str, dict[str, Any]] = {}

        def read(account: dict[str, Any]) -> None:
            aid = str(account["id"])
            blob = f"{aid}/blobServices/default"
            raw[aid] = {
                "service": self._guard(sink, sub, lambda: api.get("blobServices.get", blob), resource=aid),
                "containers": self._guard(sink, sub, lambda: list(api.pages("blobContainers.list", f"{blob}/containers")), resource=aid),
                "diag": self._guard(sink, sub, lambda: list(api.pages(
                    "blobDiagnosticSettings.list", f"{blob}/providers/Microsoft.Insights/diagnosticSettings")), resource=aid),
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

    def _roles(self, api: ArmApi, sub: str, sink: CollectionSink) -> None:
        items = self._guard(sink, sub, lambda: list(api.pages(
            "roleAssignments.list", f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments",
            {"$filter": "atScope()"})))
        for item in items or []:
            sink.add(n.role_assignment(sub, item))

    def _ml(self, api: ArmApi, sub: str, sink: CollectionSink) -> None:
        workspaces = self._guard(sink, sub, lambda: list(api.pages(
            "workspaces.list", f"/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/workspaces")))

        def one(ws: dict[str, Any]) -> None:
            sink.add(n.ml_workspace(sub, ws))
            wid = str(ws["id"])
            computes = self._guard(sink, sub, lambda: list(api.pages("computes.list", f"{wid}/computes")), resource=wid)
            for item in computes or []:
                notebook = n.compute_instance(sub, ws, item)
                if notebook is not None:
                    sink.add(notebook)

        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            list(pool.map(one, workspaces or []))

    def _nsgs(self, api: ArmApi, sub: str, sink: CollectionSink) -> None:
        items = self._guard(sink, sub, lambda: list(api.pages(
            "networkSecurityGroups.listAll", f"/subscriptions/{sub}/providers/Microsoft.Network/networkSecurityGroups")))
        for item in items or []:
            sink.add(n.nsg(sub, item))

    def _keys(self, api: ArmApi, sub: str, sink: CollectionSink) -> None:
        vaults = self._guard(sink, sub, lambda: list(api.pages(
            "vaults.list", f"/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults")))

        def one(vault: dict[str, Any]) -> None:
            vid = str(vault["id"])
            keys = self._guard(sink, sub, lambda: list(api.pages("keys.list", f"{vid}/keys")), resource=vid)
            for key in keys or []:
                if "rotationPolicy" not in (key.get("properties") or {}):
                    kid = str(key["id"])
                    full = self._guard(sink, sub, partial(api.get, "keys.get", kid), resource=kid)
                    if full is None:
                        continue  # the error names the key; rotation stays unknown
                    key = full
                sink.add(n.vault_key(sub, vault, key))

        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            list(pool.map(one, vaults or []))
