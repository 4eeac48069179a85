"""A local Azure estate: a loopback server speaking Azure Resource Manager JSON over https
(throwaway trustme CA, so the real ARM bearer-token policy stays in place), plus an App Service
managed-identity token endpoint for DefaultAzureCredential.

Answers follow the ARM REST reference field for field: ``value`` + ``nextLink`` paging with a
``$skiptoken``, ``properties`` envelopes, ARM error bodies. Used by the tests, the demo-data
recorder and the benchmark.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gcp.loopback import LoopbackServer, NotFound, Query


@dataclass
class SubscriptionSpec:
    subscription_id: str
    display_name: str
    storage_accounts: list[dict[str, Any]] = field(default_factory=list)
    blob_services: dict[str, dict[str, Any]] = field(default_factory=dict)  # account id -> blobServices/default
    containers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # account id -> containers
    blob_diagnostics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    role_assignments: list[dict[str, Any]] = field(default_factory=list)
    workspaces: list[dict[str, Any]] = field(default_factory=list)
    computes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # workspace id -> computes
    nsgs: list[dict[str, Any]] = field(default_factory=list)
    vaults: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # vault id -> keys (list form)
    key_details: dict[str, dict[str, Any]] = field(default_factory=dict)  # key id -> full key (GET form)
    diagnostic_settings: list[dict[str, Any]] = field(default_factory=list)
    managed_clusters: list[dict[str, Any]] = field(default_factory=list)  # AKS
    cognitive_accounts: list[dict[str, Any]] = field(default_factory=list)  # Azure OpenAI / AI services
    cognitive_deployments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # account id -> deployments
    rai_policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # account id -> content filters
    cognitive_diagnostics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # account id -> settings
    search_services: list[dict[str, Any]] = field(default_factory=list)
    registries: list[dict[str, Any]] = field(default_factory=list)  # container registries


def account_json(sub: str, rg: str, name: str, location: str, props: dict[str, Any], tags: dict[str, str] | None = None) -> dict[str, Any]:
    base = {
        "provisioningState": "Succeeded",
        "creationTime": "2025-02-11T09:30:00.0000000Z",
        "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/", "dfs": f"https://{name}.dfs.core.windows.net/"},
        "primaryLocation": location,
        "statusOfPrimary": "available",
        "accessTier": "Hot",
    }
    return {
        "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}",
        "name": name,
        "type": "Microsoft.Storage/storageAccounts",
        "location": location,
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS", "tier": "Standard"},
        "tags": tags or {},
        "properties": {**base, **props},
    }


def encryption_json(keyvault: str | None = None) -> dict[str, Any]:
    enc: dict[str, Any] = {
        "services": {"blob": {"enabled": True, "keyType": "Account", "lastEnabledTime": "2025-02-11T09:30:00.0000000Z"},
                     "file": {"enabled": True, "keyType": "Account"}},
        "keySource": "Microsoft.Keyvault" if keyvault else "Microsoft.Storage",
        "requireInfrastructureEncryption": False,
    }
    if keyvault:
        enc["keyvaultproperties"] = {"keyname": "cmk-storage", "keyvaulturi": keyvault, "keyversion": ""}
    return enc


def blob_service_json(account_id: str, versioning: bool, soft_delete: bool) -> dict[str, Any]:
    return {
        "id": f"{account_id}/blobServices/default",
        "name": "default",
        "type": "Microsoft.Storage/storageAccounts/blobServices",
        "sku": {"name": "Standard_LRS", "tier": "Standard"},
        "properties": {
            "cors": {"corsRules": []},
            "deleteRetentionPolicy": {"enabled": soft_delete, **({"days": 14} if soft_delete else {}), "allowPermanentDelete": False},
            "isVersioningEnabled": versioning,
            "containerDeleteRetentionPolicy": {"enabled": soft_delete, **({"days": 7} if soft_delete else {})},
        },
    }


def container_json(account_id: str, name: str, access: str) -> dict[str, Any]:
    return {
        "id": f"{account_id}/blobServices/default/containers/{name}",
        "name": name,
        "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
        "etag": '"0x8DC2A1B3C4D5E6F"',
        "properties": {"publicAccess": access, "leaseStatus": "Unlocked", "leaseState": "Available",
                       "hasImmutabilityPolicy": False, "hasLegalHold": False, "deleted": False,
                       "lastModifiedTime": "2026-01-05T10:00:00.0000000Z"},
    }


def _diag(resource_id: str, name: str, storage_account: str | None, logs: list[dict[str, Any]], workspace: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"logs": logs, "metrics": []}
    if storage_account:
        props["storageAccountId"] = storage_account
    if workspace:
        props["workspaceId"] = workspace
    return {"id": f"{resource_id}/providers/microsoft.insights/diagnosticSettings/{name}", "name": name,
            "type": "Microsoft.Insights/diagnosticSettings", "properties": props}


def _assignment(sub: str, guid: str, role_guid: str, principal_type: str, principal: str, scope: str | None = None) -> dict[str, Any]:
    scope = scope or f"/subscriptions/{sub}"
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}",
        "name": guid,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}",
            "principalId": principal,
            "principalType": principal_type,
            "scope": scope,
            "createdOn": "2025-06-01T12:00:00.0000000Z",
        },
    }


def _nsg(sub: str, rg: str, name: str, rules: list[dict[str, Any]], nics: list[str]) -> dict[str, Any]:
    nid = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkSecurityGroups/{name}"
    return {
        "id": nid, "name": name, "type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope",
        "etag": 'W/"6c2d1a3e-0000-0000-0000-000000000000"',
        "properties": {
            "provisioningState": "Succeeded",
            "securityRules": [
                {"id": f"{nid}/securityRules/{r['name']}", "name": r["name"], "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                 "properties": {"provisioningState": "Succeeded", "sourcePortRange": "*", "destinationAddressPrefix": "*",
                                **{k: v for k, v in r.items() if k != "name"}}}
                for r in rules
            ],
            "defaultSecurityRules": [
                {"id": f"{nid}/defaultSecurityRules/DenyAllInBound", "name": "DenyAllInBound",
                 "properties": {"protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*", "sourceAddressPrefix": "*",
                                "destinationAddressPrefix": "*", "access": "Deny", "priority": 65500, "direction": "Inbound"}},
            ],
            "networkInterfaces": [{"id": nic} for nic in nics],
        },
    }


def managed_cluster(sub: str, rg: str, name: str, *, private: bool = False, ranges: list[str] | None = None) -> dict[str, Any]:
    """An AKS cluster as ``managedClusters`` list answers it (trimmed around the API server)."""
    dns = f"{name}-dns"
    props: dict[str, Any] = {
        "provisioningState": "Succeeded", "powerState": {"code": "Running"},
        "kubernetesVersion": "1.33.3", "currentKubernetesVersion": "1.33.3", "dnsPrefix": dns,
        "azurePortalFQDN": f"{dns}-portal.hcp.westeurope.azmk8s.io",
        "agentPoolProfiles": [{"name": "system", "count": 2, "vmSize": "Standard_D4s_v5", "mode": "System", "osType": "Linux",
                               "type": "VirtualMachineScaleSets", "provisioningState": "Succeeded"}],
        "enableRBAC": True,
        "networkProfile": {"networkPlugin": "azure", "networkPolicy": "cilium", "loadBalancerSku": "standard",
                           "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10"},
        "nodeResourceGroup": f"MC_{rg}_{name}_westeurope",
        "publicNetworkAccess": "Enabled",
    }
    if private:
        props["privateFQDN"] = f"{dns}-1a2b3c4d.privatelink.westeurope.azmk8s.io"
        props["apiServerAccessProfile"] = {"enablePrivateCluster": True, "privateDNSZone": "system",
                                           "enablePrivateClusterPublicFQDN": False}
    else:
        props["fqdn"] = f"{dns}-1a2b3c4d.hcp.westeurope.azmk8s.io"
        if ranges is not None:
            props["apiServerAccessProfile"] = {"authorizedIPRanges": ranges, "enablePrivateCluster": False}
    return {
        # ARM returns this provider's ids with a lower-case "resourcegroups"
        "id": f"/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}",
        "name": name, "type": "Microsoft.ContainerService/ManagedClusters", "location": "westeurope",
        "tags": {"team": "ml-platform"}, "sku": {"name": "Base", "tier": "Standard"},
        "identity": {"type": "SystemAssigned", "principalId": "e1f2a3b4-1111-4222-8333-944455556666",
                     "tenantId": "72f988bf-0000-4000-8000-000000000000"},
        "properties": props,
    }


OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
DATA_SCIENTIST = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def ml_team_subscription(sub: str = "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f") -> SubscriptionSpec:
    """A realistic ML platform subscription: some resources hardened, some misconfigured."""
    rg = "rg-ml-prod"
    vault_uri = "https://kv-ml-prod.vault.azure.net/"
    training = account_json(sub, rg, "mlprodtraining", "westeurope", {
        "allowBlobPublicAccess": False, "supportsHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2",
        "encryption": encryption_json(vault_uri), "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Deny"},
        "publicNetworkAccess": "Enabled", "allowSharedKeyAccess": False,
    }, {"data-classification": "pii", "team": "ml-platform"})
    logs = account_json(sub, rg, "mlprodlogs", "westeurope", {
        "allowBlobPublicAccess": False, "supportsHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2",
        "encryption": encryption_json(), "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"},
    })
    public = account_json(sub, "rg-ml-demo", "mlpublicdemo", "eastus", {
        "allowBlobPublicAccess": True, "supportsHttpsTrafficOnly": False, "minimumTlsVersion": "TLS1_0",
        "encryption": encryption_json(), "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"},
    }, {"team": "devrel"})
    legacy = account_json(sub, "rg-ml-demo", "mllegacyexports", "eastus", {
        # created before the 2023 defaults: no allowBlobPublicAccess, no minimumTlsVersion in the answer
        "supportsHttpsTrafficOnly": True, "encryption": encryption_json(),
        "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"},
    })
    accounts = [training, logs, public, legacy]
    ids = {a["name"]: a["id"] for a in accounts}
    ws_research = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-research"
    ws_secure = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-secure"
    vault_id = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/kv-ml-prod"
    la = f"/subscriptions/{sub}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-ml"
    return SubscriptionSpec(
        subscription_id=sub,
        display_name="ml-platform-prod",
        storage_accounts=accounts,
        blob_services={
            ids["mlprodtraining"]: blob_service_json(ids["mlprodtraining"], True, True),
            ids["mlprodlogs"]: blob_service_json(ids["mlprodlogs"], False, True),
            ids["mlpublicdemo"]: blob_service_json(ids["mlpublicdemo"], False, False),
            ids["mllegacyexports"]: blob_service_json(ids["mllegacyexports"], False, False),
        },
        containers={
            ids["mlprodtraining"]: [container_json(ids["mlprodtraining"], "datasets", "None"), container_json(ids["mlprodtraining"], "checkpoints", "None")],
            ids["mlprodlogs"]: [container_json(ids["mlprodlogs"], "insights-logs-storageread", "None")],
            ids["mlpublicdemo"]: [container_json(ids["mlpublicdemo"], "demo-datasets", "Container"), container_json(ids["mlpublicdemo"], "staging", "None")],
            ids["mllegacyexports"]: [container_json(ids["mllegacyexports"], "model-exports", "Blob")],
        },
        blob_diagnostics={
            ids["mlprodtraining"]: [_diag(f"{ids['mlprodtraining']}/blobServices/default", "blob-audit", ids["mlprodlogs"],
                                          [{"category": "StorageRead", "enabled": True}, {"category": "StorageWrite", "enabled": True},
                                           {"category": "StorageDelete", "enabled": True}])],
        },
        role_assignments=[
            _assignment(sub, "0b1c2d3e-0000-4000-8000-000000000001", OWNER, "ServicePrincipal", "7d0c9a1e-1111-4222-8333-944455556666"),
            _assignment(sub, "0b1c2d3e-0000-4000-8000-000000000002", CONTRIBUTOR, "User", "a1b2c3d4-1111-4222-8333-944455556666"),
            _assignment(sub, "0b1c2d3e-0000-4000-8000-000000000003", DATA_SCIENTIST, "ServicePrincipal", "b2c3d4e5-1111-4222-8333-944455556666"),
            _assignment(sub, "0b1c2d3e-0000-4000-8000-000000000004", BLOB_CONTRIBUTOR, "ServicePrincipal", "c3d4e5f6-1111-4222-8333-944455556666"),
            _assignment(sub, "0b1c2d3e-0000-4000-8000-000000000005", CONTRIBUTOR, "Group", "d4e5f6a7-1111-4222-8333-944455556666"),
        ],
        workspaces=[
            {"id": ws_research, "name": "mlw-research", "type": "Microsoft.MachineLearningServices/workspaces", "location": "westeurope",
             "kind": "Default", "sku": {"name": "Basic", "tier": "Basic"}, "identity": {"type": "SystemAssigned"},
             "tags": {"team": "research"},
             "properties": {"friendlyName": "Research", "storageAccount": ids["mlprodtraining"], "keyVault": vault_id,
                            "publicNetworkAccess": "Enabled", "hbiWorkspace": False, "provisioningState": "Succeeded",
                            "encryption": {"status": "Disabled", "keyVaultProperties": {"keyVaultArmId": "", "keyIdentifier": ""}}}},
            {"id": ws_secure, "name": "mlw-secure", "type": "Microsoft.MachineLearningServices/workspaces", "location": "westeurope",
             "kind": "Default", "sku": {"name": "Basic", "tier": "Basic"}, "identity": {"type": "SystemAssigned"},
             "properties": {"friendlyName": "Secure", "publicNetworkAccess": "Disabled", "hbiWorkspace": True, "provisioningState": "Succeeded",
                            "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"},
                            "encryption": {"status": "Enabled", "keyVaultProperties": {"keyVaultArmId": vault_id,
                                                                                       "keyIdentifier": f"{vault_uri}keys/cmk-ml/1f2e3d4c"}}}},
        ],
        computes={
            ws_research: [
                {"id": f"{ws_research}/computes/ci-alice", "name": "ci-alice", "type": "Microsoft.MachineLearningServices/workspaces/computes",
                 "location": "westeurope",
                 "properties": {"computeType": "ComputeInstance", "provisioningState": "Succeeded", "computeLocation": "westeurope",
                                "properties": {"vmSize": "STANDARD_DS3_V2", "state": "Running",
                                               "connectivityEndpoints": {"publicIpAddress": "20.61.14.9", "privateIpAddress": "10.0.0.4"},
                                               "sshSettings": {"sshPublicAccess": "Disabled", "adminUserName": "azureuser"}}}},
                {"id": f"{ws_research}/computes/gpu-cluster", "name": "gpu-cluster", "type": "Microsoft.MachineLearningServices/workspaces/computes",
                 "location": "westeurope",
                 "properties": {"computeType": "AmlCompute", "provisioningState": "Succeeded",
                                "properties": {"vmSize": "STANDARD_NC6S_V3", "scaleSettings": {"maxNodeCount": 4, "minNodeCount": 0}}}},
            ],
            ws_secure: [
                {"id": f"{ws_secure}/computes/ci-secure", "name": "ci-secure", "type": "Microsoft.MachineLearningServices/workspaces/computes",
                 "location": "westeurope",
                 "properties": {"computeType": "ComputeInstance", "provisioningState": "Succeeded",
                                "properties": {"vmSize": "STANDARD_DS3_V2", "state": "Stopped", "enableNodePublicIp": False,
                                               "enableRootAccess": False,
                                               "subnet": {"id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/compute"}}}},
            ],
        },
        nsgs=[
            _nsg(sub, rg, "nsg-jupyter-vm", [
                {"name": "allow-jupyter", "protocol": "Tcp", "destinationPortRange": "8888", "sourceAddressPrefix": "Internet",
                 "access": "Allow", "priority": 100, "direction": "Inbound"},
                {"name": "allow-ssh", "protocol": "*", "destinationPortRange": "22", "sourceAddressPrefix": "*",
                 "access": "Allow", "priority": 110, "direction": "Inbound"},
            ], [f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/jupyter-vm-nic"]),
            _nsg(sub, rg, "nsg-inference", [
                {"name": "allow-https-from-vnet", "protocol": "Tcp", "destinationPortRange": "443", "sourceAddressPrefix": "VirtualNetwork",
                 "access": "Allow", "priority": 100, "direction": "Inbound"},
                {"name": "deny-internet", "protocol": "*", "destinationPortRange": "*", "sourceAddressPrefix": "Internet",
                 "access": "Deny", "priority": 200, "direction": "Inbound"},
                {"name": "allow-triton-old", "protocol": "Tcp", "destinationPortRanges": ["8000-8002"], "sourceAddressPrefix": "*",
                 "access": "Allow", "priority": 300, "direction": "Inbound"},
            ], []),
        ],
        vaults=[{"id": vault_id, "name": "kv-ml-prod", "type": "Microsoft.KeyVault/vaults", "location": "westeurope", "tags": {}}],
        keys={vault_id: [
            {"id": f"{vault_id}/keys/cmk-storage", "name": "cmk-storage", "type": "Microsoft.KeyVault/vaults/keys", "location": "westeurope",
             "properties": {"attributes": {"enabled": True, "created": 1739266200, "updated": 1739266200, "recoveryLevel": "Recoverable"},
                            "kty": "RSA", "keyUri": f"{vault_uri}keys/cmk-storage",
                            "rotationPolicy": {"attributes": {"expiryTime": "P2Y"},
                                               "lifetimeActions": [{"trigger": {"timeAfterCreate": "P1Y"}, "action": {"type": "rotate"}},
                                                                   {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "notify"}}]}}},
            {"id": f"{vault_id}/keys/cmk-ml", "name": "cmk-ml", "type": "Microsoft.KeyVault/vaults/keys", "location": "westeurope",
             "properties": {"attributes": {"enabled": True, "created": 1739266200, "updated": 1739266200}, "kty": "RSA-HSM",
                            "keyUri": f"{vault_uri}keys/cmk-ml"}},
        ]},
        key_details={
            f"{vault_id}/keys/cmk-ml": {
                "id": f"{vault_id}/keys/cmk-ml", "name": "cmk-ml", "type": "Microsoft.KeyVault/vaults/keys", "location": "westeurope",
                "properties": {"attributes": {"enabled": True, "created": 1739266200, "updated": 1739266200}, "kty": "RSA-HSM",
                               "keyUri": f"{vault_uri}keys/cmk-ml",
                               "rotationPolicy": {"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "notify"}}]}}},
        },
        managed_clusters=[
            managed_cluster(sub, "rg-ml-aks", "aks-ray"),  # public, any address
            managed_cluster(sub, "rg-ml-aks", "aks-training", ranges=["203.0.113.0/24", "198.51.100.7/32"]),
            managed_cluster(sub, "rg-ml-aks", "aks-serving", private=True),
        ],
        # Azure OpenAI reachable from anywhere with its API keys on; the deployment has the default content filter
        cognitive_accounts=[{
            "id": f"/subscriptions/{sub}/resourceGroups/rg-ml-genai/providers/Microsoft.CognitiveServices/accounts/oai-ml-chat", "name": "oai-ml-chat", "type": "Microsoft.CognitiveServices/accounts", "kind": "OpenAI",
            "location": "swedencentral", "sku": {"name": "S0"}, "tags": {"team": "ml-platform"},
            "properties": {"publicNetworkAccess": "Enabled", "endpoint": "https://oai-ml-chat.openai.azure.com/"},
        }],
        cognitive_deployments={f"/subscriptions/{sub}/resourceGroups/rg-ml-genai/providers/Microsoft.CognitiveServices/accounts/oai-ml-chat": [{
            "id": f"/subscriptions/{sub}/resourceGroups/rg-ml-genai/providers/Microsoft.CognitiveServices/accounts/oai-ml-chat" + "/deployments/gpt-4o", "name": "gpt-4o", "type": "Microsoft.CognitiveServices/accounts/deployments",
            "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"}},
        }]},
        diagnostic_settings=[
            # exports only Security events: Administrative (the control-plane audit trail) is not exported
            _diag(f"/subscriptions/{sub}", "security-to-law", None, [{"category": "Security", "enabled": False},
                                                                   {"category": "Administrative", "enabled": False}], workspace=la),
        ],
    )


def sandbox_subscription(sub: str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d") -> SubscriptionSpec:
    la = f"/subscriptions/{sub}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-sandbox"
    return SubscriptionSpec(
        subscription_id=sub, display_name="ml-sandbox",
        diagnostic_settings=[_diag(f"/subscriptions/{sub}", "activity-to-law", None, [{"categoryGroup": "allLogs", "enabled": True}], workspace=la)],
    )


class FakeArm:
    """The ARM fake (https) and a managed-identity token endpoint (http), on 127.0.0.1."""

    def __init__(self, subscriptions: list[SubscriptionSpec], ca: Any, *, page_size: int = 2) -> None:
        self.subs = {s.subscription_id: s for s in subscriptions}
        self.page_size = page_size
        cert = ca.issue_cert("127.0.0.1", "localhost")
        import ssl

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        self.ca = ca
        self.arm = LoopbackServer(ssl_context=ctx)
        self.identity = LoopbackServer()
        self.tokens_issued = 0
        self._register()

    @property
    def requests(self) -> list[Any]:
        return self.arm.requests

    def write_ca(self, path: Path) -> Path:
        self.ca.cert_pem.write_to_path(str(path))
        return path

    def identity_env(self) -> dict[str, str]:
        """Environment that makes DefaultAzureCredential use App Service managed identity here."""
        return {"IDENTITY_ENDPOINT": f"{self.identity.url}/msi/token", "IDENTITY_HEADER": "loopback-identity-header"}

    def _sub(self, sid: str) -> SubscriptionSpec:
        if sid not in self.subs:
            raise NotFound
        return self.subs[sid]

    def _page(self, path: str, items: list[Any], query: Query) -> dict[str, Any]:
        start = int(query.get("$skiptoken") or 0)
        end = start + self.page_size
        out: dict[str, Any] = {"value": copy.deepcopy(items[start:end])}
        if end < len(items):
            out["nextLink"] = f"{self.arm.url}{path}?api-version={query.get('api-version', '')}&$skiptoken={end}"
        return out

    def _find(self, sid: str, key: str, path: str) -> Any:
        mapping = getattr(self._sub(sid), key)
        if path in mapping:
            return mapping[path]
        for rid, value in mapping.items():
            if rid.lower() == path.lower():
                return value
        raise NotFound

    def _register(self) -> None:
        r = self.arm.route
        rg = r"/subscriptions/([^/]+)/resourceGroups/[^/]+"
        r("GET", r"/subscriptions", lambda m, q, b: self._page("/subscriptions", [
            {"id": f"/subscriptions/{s.subscription_id}", "subscriptionId": s.subscription_id, "tenantId": "72f988bf-0000-4000-8000-000000000000",
             "displayName": s.display_name, "state": "Enabled"} for s in self.subs.values()], q))
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.Storage/storageAccounts",
          lambda m, q, b: self._page(m[0], self._sub(m[1]).storage_accounts, q))
        account = rg + r"/providers/Microsoft\.Storage/storageAccounts/[^/]+"
        r("GET", account + r"/blobServices/default", lambda m, q, b: copy.deepcopy(self._find(m[1], "blob_services", m[0].rsplit("/blobServices", 1)[0])))
        r("GET", account + r"/blobServices/default/containers", lambda m, q, b: self._page(
            m[0], self._find_or(m[1], "containers", m[0].rsplit("/blobServices", 1)[0]), q))
        r("GET", account + r"/blobServices/default/providers/Microsoft\.Insights/diagnosticSettings", lambda m, q, b: {
            "value": self._find_or(m[1], "blob_diagnostics", m[0].rsplit("/blobServices", 1)[0])})
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.Authorization/roleAssignments",
          lambda m, q, b: self._page(m[0], self._sub(m[1]).role_assignments, q))
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.MachineLearningServices/workspaces",
          lambda m, q, b: self._page(m[0], self._sub(m[1]).workspaces, q))
        r("GET", rg + r"/providers/Microsoft\.MachineLearningServices/workspaces/[^/]+/computes",
          lambda m, q, b: self._page(m[0], self._find_or(m[1], "computes", m[0].rsplit("/computes", 1)[0]), q))
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.Network/networkSecurityGroups",
          lambda m, q, b: self._page(m[0], self._sub(m[1]).nsgs, q))
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.KeyVault/vaults", lambda m, q, b: self._page(m[0], self._sub(m[1]).vaults, q))
        r("GET", rg + r"/providers/Microsoft\.KeyVault/vaults/[^/]+/keys",
          lambda m, q, b: self._page(m[0], self._find_or(m[1], "keys", m[0].rsplit("/keys", 1)[0]), q))
        r("GET", rg + r"/providers/Microsoft\.KeyVault/vaults/[^/]+/keys/[^/]+",
          lambda m, q, b: copy.deepcopy(self._find(m[1], "key_details", m[0])))
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.ContainerService/managedClusters",
          lambda m, q, b: self._page(m[0], self._sub(m[1]).managed_clusters, q))
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.Insights/diagnosticSettings",
          lambda m, q, b: {"value": copy.deepcopy(self._sub(m[1]).diagnostic_settings)})
        ai = rg + r"/providers/Microsoft\.CognitiveServices/accounts/[^/]+"
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.CognitiveServices/accounts",
          lambda m, q, b: self._page(m[0], self._sub(m[1]).cognitive_accounts, q))
        # (path under the account, spec field, the segment where the account id ends)
        for suffix, key, cut in (("/deployments", "cognitive_deployments", "/deployments"),
                                 ("/raiPolicies", "rai_policies", "/raiPolicies"),
                                 (r"/providers/Microsoft\.Insights/diagnosticSettings", "cognitive_diagnostics", "/providers/")):
            r("GET", ai + suffix, lambda m, q, b, key=key, cut=cut: self._page(
                m[0], self._find_or(m[1], key, m[0].rsplit(cut, 1)[0]), q))
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.Search/searchServices",
          lambda m, q, b: self._page(m[0], self._sub(m[1]).search_services, q))
        r("GET", r"/subscriptions/([^/]+)/providers/Microsoft\.ContainerRegistry/registries",
          lambda m, q, b: self._page(m[0], self._sub(m[1]).registries, q))
        # Operations a careless collector might call; answered like ARM would, so a test catches them.
        r("POST", account + r"/listKeys", lambda m, q, b: {"keys": [{"keyName": "key1", "value": "bG9vcGJhY2sta2V5", "permissions": "FULL"}]})
        self.identity.route("GET", r"/msi/token", self._token)

    def _find_or(self, sid: str, key: str, rid: str) -> list[Any]:
        try:
            return list(self._find(sid, key, rid))
        except NotFound:
            self._sub(sid)
            return []

    def _token(self, m: Any, q: Query, b: Any) -> dict[str, Any]:
        self.tokens_issued += 1
        return {"access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.loopback.token", "expires_on": str(int(time.time()) + 3600),
                "resource": q.get("resource", ""), "token_type": "Bearer", "client_id": "00000000-0000-0000-0000-000000000001"}

    def start(self) -> FakeArm:
        self.arm.start()
        self.identity.start()
        return self

    def stop(self) -> None:
        self.arm.stop()
        self.identity.stop()

    def __enter__(self) -> FakeArm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class StaticTokenCredential:
    """A TokenCredential (azure-core protocol) that hands out a fixed token, for collector tests.
    It is not an SDK imitation: azure-core documents the protocol for exactly this use."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.requests.append(scopes)
        return AccessToken("loopback-arm-token", int(time.time()) + 3600)
