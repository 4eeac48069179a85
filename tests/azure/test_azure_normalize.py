"""Azure normalizers on JSON shaped exactly like ARM's answers."""

from __future__ import annotations

from typing import Any

from auditor.collectors.azure import normalize as n

SUB = "00000000-1111-2222-3333-444444444444"
ACCOUNT_ID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/mldata"


def account(**props: Any) -> dict[str, Any]:
    return {
        "sku": {"name": "Standard_RAGRS", "tier": "Standard"},
        "kind": "StorageV2",
        "id": ACCOUNT_ID,
        "name": "mldata",
        "type": "Microsoft.Storage/storageAccounts",
        "location": "westeurope",
        "tags": {"env": "prod"},
        "properties": {
            "keyCreationTime": {"key1": "2025-01-01T00:00:00.0000000Z", "key2": "2025-01-01T00:00:00.0000000Z"},
            "privateEndpointConnections": [],
            "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"},
            "supportsHttpsTrafficOnly": True,
            "encryption": {"services": {"file": {"keyType": "Account", "enabled": True}, "blob": {"keyType": "Account", "enabled": True}},
                           "keySource": "Microsoft.Storage"},
            "accessTier": "Hot",
            "provisioningState": "Succeeded",
            **props,
        },
    }


def container(name: str, access: str) -> dict[str, Any]:
    return {"id": f"{ACCOUNT_ID}/blobServices/default/containers/{name}", "name": name,
            "type": "Microsoft.Storage/storageAccounts/blobServices/containers", "etag": '"0x8D"',
            "properties": {"publicAccess": access, "leaseStatus": "Unlocked", "deleted": False}}


BLOB = {"id": f"{ACCOUNT_ID}/blobServices/default", "name": "default", "properties": {
    "deleteRetentionPolicy": {"allowPermanentDelete": False, "enabled": False}, "isVersioningEnabled": False}}


def build(acc: dict[str, Any], access: list[tuple[str, str]] | None = (), **kw: Any) -> tuple[Any, list[Any]]:
    cs = None if access is None else [n.container(SUB, acc, container(name, a)) for name, a in access]
    kw.setdefault("blob_service", BLOB)
    kw.setdefault("diagnostic_settings", [])
    return n.storage_account(SUB, acc, containers=cs, **kw), cs or []


def test_account_defaults_of_an_old_account() -> None:
    b, _ = build(account())
    assert b.public_access_block is False and "not set" in b.public_access_block_detail
    assert b.min_tls_version == "1.0" and b.tls_enforced is True and b.network_open is True
    assert b.encryption == "provider_managed" and b.versioning is False and b.access_logging is False
    assert b.public_read is False and b.scope == "account" and b.tags == {"env": "prod"}


def test_hardened_account() -> None:
    acc = account(allowBlobPublicAccess=False, minimumTlsVersion="TLS1_2", publicNetworkAccess="Disabled",
                  encryption={"keySource": "Microsoft.Keyvault", "keyvaultproperties": {"keyname": "cmk", "keyvaulturi": "https://kv.vault.azure.net/"}})
    blob = {**BLOB, "properties": {"deleteRetentionPolicy": {"enabled": True, "days": 7}, "isVersioningEnabled": False}}
    diag = [{"id": "x", "name": "audit", "properties": {"workspaceId": "/subscriptions/s/.../law",
                                                        "logs": [{"categoryGroup": "audit", "enabled": True}]}}]
    b, _ = build(acc, blob_service=blob, diagnostic_settings=diag)
    assert (b.public_access_block, b.min_tls_version, b.network_open, b.encryption, b.kms_key) == (True, "1.2", False, "customer_managed", "cmk")
    assert b.versioning is True and b.access_logging is True


def test_container_public_levels_and_account_guard() -> None:
    open_acc = account(allowBlobPublicAccess=True)
    b, cs = build(open_acc, [("public", "Container"), ("blobs", "Blob"), ("private", "None")])
    assert [c.public_read for c in cs] == [True, True, False]
    assert all(c.public_write is False and c.parent == ACCOUNT_ID for c in cs)
    assert b.public_read is True and "public:" in b.public_via
    closed = account(allowBlobPublicAccess=False)
    b2, cs2 = build(closed, [("public", "Container")])
    assert cs2[0].public_read is False and "blocked" in cs2[0].public_via and b2.public_read is False


def test_unreadable_parts_stay_unknown() -> None:
    b, _ = build(account(), None, blob_service=None, diagnostic_settings=None)
    assert b.public_read is None and b.public_write is None and b.versioning is None and b.access_logging is None
    b2, _ = build(account(allowBlobPublicAccess=False), None)
    assert b2.public_read is False  # no container can be public when the account forbids it


def test_diagnostic_setting_without_destination_or_disabled_does_not_count() -> None:
    settings = [{"name": "a", "properties": {"logs": [{"category": "StorageRead", "enabled": True}]}},
                {"name": "b", "properties": {"storageAccountId": "/x", "logs": [{"category": "StorageRead", "enabled": False}]}}]
    assert n.diagnostic_logs_on(settings, n.STORAGE_LOG_CATEGORIES, n.STORAGE_LOG_GROUPS) is False
    assert n.log_targets(settings) == {"/x"}


def assignment(role: str, ptype: str, scope: str) -> dict[str, Any]:
    return {"id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/a1", "name": "a1", "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}",
                           "principalId": "p1", "principalType": ptype, "scope": scope}}


def test_role_assignments() -> None:
    sub_scope = f"/subscriptions/{SUB}"
    assert n.role_assignment(SUB, assignment(n.OWNER, "ServicePrincipal", sub_scope)).is_admin is True
    assert n.role_assignment(SUB, assignment(n.CONTRIBUTOR, "ServicePrincipal", "/")).is_admin is True  # root scope covers it
    mg = "/providers/Microsoft.Management/managementGroups/ml"
    assert n.role_assignment(SUB, assignment(n.OWNER, "ServicePrincipal", mg)).is_admin is True
    assert n.role_assignment(SUB, assignment(n.CONTRIBUTOR, "User", sub_scope)).is_admin is False
    assert n.role_assignment(SUB, assignment(n.OWNER, "ServicePrincipal", f"{sub_scope}/resourceGroups/rg")).is_admin is False
    reader = n.role_assignment(SUB, assignment("acdd72a7-3385-48ef-bd42-f606fba81ae7", "ServicePrincipal", sub_scope))
    assert reader.is_admin is False and reader.ref.name.startswith("Reader for ServicePrincipal")
    assert n.role_assignment(SUB, assignment(n.WILDCARD_DATA_ROLES[0], "ServicePrincipal", sub_scope)).wildcard_data_access is True


def test_nsg_rules() -> None:
    def rule(name: str, prio: int, access: str, src: Any, ports: Any, proto: str = "Tcp") -> dict[str, Any]:
        props: dict[str, Any] = {"protocol": proto, "access": access, "priority": prio, "direction": "Inbound", "sourcePortRange": "*",
                                 "destinationAddressPrefix": "*"}
        props.update({"sourceAddressPrefix": src} if isinstance(src, str) else {"sourceAddressPrefixes": src, "sourceAddressPrefix": ""})
        props.update({"destinationPortRange": ports} if isinstance(ports, str) else {"destinationPortRanges": ports, "destinationPortRange": ""})
        return {"name": name, "id": f"/x/securityRules/{name}", "properties": props}

    nsg = {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n", "name": "n",
           "location": "westeurope", "properties": {"securityRules": [
               rule("ray", 300, "Allow", ["10.0.0.0/8", "0.0.0.0/0"], ["8265", "10001"]),
               rule("vnet", 100, "Allow", "VirtualNetwork", "*", "*"),
               rule("ssh", 200, "Allow", "Internet", "22"),
               rule("udp-deny", 150, "Deny", "*", "*", "Udp"),
               rule("icmp", 210, "Allow", "*", "*", "Icmp"),
               rule("deny-all", 400, "Deny", "Internet", "*", "*"),
               rule("shadowed", 500, "Allow", "*", "8888"),
           ], "subnets": [{"id": "/subnet/a"}]}}
    fw = n.nsg(SUB, nsg)
    assert [(p.protocol, p.start, p.end) for p in fw.world_open_ports] == [("tcp", 22, 22), ("tcp", 8265, 8265), ("tcp", 10001, 10001)]
    assert fw.attached_to == ["/subnet/a"]


def test_ml_workspace_and_compute_instances() -> None:
    ws = {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w", "name": "w",
          "location": "eastus", "properties": {"encryption": {"status": "Enabled", "keyVaultProperties": {"keyIdentifier": "https://kv/keys/k/1"}}}}
    w = n.ml_workspace(SUB, ws)
    assert w.public_access is True and w.customer_managed_key is True and w.kms_key == "https://kv/keys/k/1"
    ci = {"id": f"{ws['id']}/computes/ci", "name": "ci",
          "properties": {"computeType": "ComputeInstance", "properties": {"state": "Running"}}}
    nb = n.compute_instance(SUB, ws, ci)
    assert nb is not None and nb.direct_internet_access is True and nb.root_access is True and nb.customer_managed_key is True
    assert nb.ref.region == "eastus" and nb.private_network is False and nb.startup_secrets is None
    assert n.compute_instance(SUB, ws, {**ci, "properties": {"computeType": "Kubernetes"}}) is None


def test_key_rotation_and_activity_log() -> None:
    vault = {"id": "/v", "location": "westeurope"}
    key = {"id": "/v/keys/k", "name": "k", "properties": {"attributes": {"enabled": True},
                                                         "rotationPolicy": {"lifetimeActions": [{"action": {"type": "Rotate"}, "trigger": {"timeAfterCreate": "P90D"}}]}}}
    assert n.vault_key(SUB, vault, key).rotation_enabled is True
    assert n.vault_key(SUB, vault, {**key, "properties": {"attributes": {"enabled": False}}}).rotation_enabled is False
    exported = [{"name": "to-law", "properties": {"workspaceId": "/law", "logs": [{"category": "Administrative", "enabled": True}]}}]
    assert n.activity_log_export(SUB, exported).enabled is True
    assert n.activity_log_export(SUB, []).enabled is False
