"""Pure normalizers: Azure Resource Manager JSON (exactly as ARM answers) -> resource kinds.

Provider defaults count as set: an account without ``allowBlobPublicAccess`` in its properties
predates the 2023 default and allows public containers; one without ``minimumTlsVersion``
accepts TLS 1.0; ``supportsHttpsTrafficOnly`` absent is true. No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from auditor.analysis.nsg import InboundRule, world_open_ports
from auditor.resources import (
    AuditTrail,
    Bucket,
    Cloud,
    FirewallRule,
    Key,
    MLWorkload,
    Notebook,
    PortRange,
    Provider,
    Ref,
    Role,
)

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
BUILTIN_ROLES = {
    OWNER: "Owner",
    CONTRIBUTOR: "Contributor",
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "f6c7c914-8db3-469d-8ca1-694a8f32e121": "AzureML Data Scientist",
}
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
ADMIN_ROLES = (OWNER, CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR)
ADMIN_ROLE_NAMES = frozenset(BUILTIN_ROLES[guid] for guid in ADMIN_ROLES)
WILDCARD_DATA_ROLES = ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "ba92f5b4-2d11-453d-a403-e96b0029c9fe")
_TLS = {"TLS1_0": "1.0", "TLS1_1": "1.1", "TLS1_2": "1.2", "TLS1_3": "1.3"}
WORLD = {"*", "internet", "any", "0.0.0.0/0", "0.0.0.0", "::/0"}
STORAGE_LOG_CATEGORIES = {"storageread", "storagewrite", "storagedelete"}
STORAGE_LOG_GROUPS = {"alllogs", "audit"}


def _props(item: Mapping[str, Any]) -> dict[str, Any]:
    return dict(item.get("properties") or {})


def resource_group(resource_id: str) -> str | None:
    parts = resource_id.split("/")
    lower = [p.lower() for p in parts]
    return parts[lower.index("resourcegroups") + 1] if "resourcegroups" in lower else None


def _ref(subscription: str, item: Mapping[str, Any], name: str | None = None) -> Ref:
    rid = str(item["id"])
    return Ref(
        provider=Provider.AZURE,
        cloud=Cloud.AZURE,
        account=subscription,
        region=item.get("location"),
        id=rid,
        name=name or str(item.get("name") or rid.rsplit("/", 1)[-1]),
    )


def _tags(item: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (item.get("tags") or {}).items()}


def diagnostic_logs_on(settings: Iterable[Mapping[str, Any]] | None, categories: set[str], groups: set[str]) -> bool | None:
    """A diagnostic setting sends any of these log categories (or category groups) somewhere."""
    if settings is None:
        return None
    for setting in settings:
        p = _props(setting)
        if not (p.get("storageAccountId") or p.get("workspaceId") or p.get("eventHubAuthorizationRuleId") or p.get("marketplacePartnerId")):
            continue
        for log in p.get("logs") or []:
            if not log.get("enabled"):
                continue
            if str(log.get("category") or "").lower() in categories or str(log.get("categoryGroup") or "").lower() in groups:
                return True
    return False


def log_targets(settings: Iterable[Mapping[str, Any]]) -> set[str]:
    """Storage accounts that receive logs through diagnostic settings (lower-cased ids)."""
    return {str(_props(s).get("storageAccountId")).lower() for s in settings if _props(s).get("storageAccountId")}


def container(subscription: str, account: Mapping[str, Any], item: Mapping[str, Any]) -> Bucket:
    """A blob container: public only if its access level is Blob/Container AND the account allows it."""
    access = str(_props(item).get("publicAccess") or "None")
    allowed = _props(account).get("allowBlobPublicAccess", True) is not False
    public = access.lower() in ("blob", "container") and allowed
    via = None
    if public:
        via = f"container public access level {access}" + (" (anonymous list and read)" if access.lower() == "container" else " (anonymous read of blobs)")
        via += "; allowBlobPublicAccess=false on the storage account would block it, and it is " + (
            "set to true" if "allowBlobPublicAccess" in _props(account) else "not set")
    elif access.lower() in ("blob", "container"):
        via = f"container level {access}, blocked by the account's allowBlobPublicAccess=false"
    return Bucket(
        ref=_ref(subscription, {**item, "location": account.get("location")}),
        scope="container",
        parent=str(account["id"]),
        public_read=public,
        public_write=False,  # anonymous access to Azure blobs is read-only
        public_via=via,
    )


def storage_account(
    subscription: str,
    item: Mapping[str, Any],
    *,
    blob_service: Mapping[str, Any] | None,
    containers: Sequence[Bucket] | None,
    diagnostic_settings: Sequence[Mapping[str, Any]] | None,
    targets: set[str] | None = None,
) -> Bucket:
    """A storage account from ``storageAccounts.list`` plus its blob service, containers and the
    blob service's diagnostic settings (each None when it could not be read)."""
    p = _props(item)
    allow_public = p.get("allowBlobPublicAccess", True) is not False
    https = p.get("supportsHttpsTrafficOnly", True) is not False
    tls = _TLS.get(str(p.get("minimumTlsVersion") or "TLS1_0"))
    enc = p.get("encryption") or {}
    key_source = str(enc.get("keySource") or "Microsoft.Storage")
    kv = enc.get("keyvaultproperties") or enc.get("keyVaultProperties") or {}
    network = p.get("networkAcls") or {}
    if str(p.get("publicNetworkAccess") or "Enabled").lower() == "disabled":
        network_open = False
    else:
        network_open = str(network.get("defaultAction") or "Allow").lower() == "allow"

    versioning: bool | None = None
    if blob_service is not None:
        bp = _props(blob_service)
        versioning = bool(bp.get("isVersioningEnabled")) or bool((bp.get("deleteRetentionPolicy") or {}).get("enabled"))

    if containers is None:
        public_read = None if allow_public else False
    else:
        reads = [c.public_read for c in containers]
        public_read = True if any(r is True for r in reads) else (None if any(r is None for r in reads) else False)
    via = "; ".join(f"{c.ref.name}: {c.public_via}" for c in containers or [] if c.public_read) or None

    return Bucket(
        ref=_ref(subscription, item),
        tags=_tags(item),
        scope="account",
        public_read=public_read,
        public_write=False if public_read is not None else None,
        public_via=via,
        public_access_block=not allow_public,
        public_access_block_detail=f"allowBlobPublicAccess={str(p['allowBlobPublicAccess']).lower()}"
        if "allowBlobPublicAccess" in p
        else "allowBlobPublicAccess not set (allowed for accounts created before November 2023)",
        encryption="customer_managed" if key_source.lower() == "microsoft.keyvault" else "provider_managed",
        kms_key=kv.get("keyname") or kv.get("keyName"),
        tls_enforced=https,
        min_tls_version=tls,
        versioning=versioning,
        access_logging=diagnostic_logs_on(diagnostic_settings, STORAGE_LOG_CATEGORIES, STORAGE_LOG_GROUPS),
        is_log_target=None if targets is None else str(item["id"]).lower() in targets,
        network_open=network_open,
    )


def role_assignment(subscription: str, item: Mapping[str, Any]) -> Role:
    """A role assignment. Admin = Owner, Contributor or User Access Administrator (which can grant
    itself any role) at subscription scope or above, held by a service principal."""
    p = _props(item)
    role_guid = str(p.get("roleDefinitionId") or "").rsplit("/", 1)[-1].lower()
    role_name = BUILTIN_ROLES.get(role_guid, role_guid)
    scope = str(p.get("scope") or "/")
    # The subscription itself, or above it (a management group, the root "/"), covers every resource.
    at_subscription = not scope.lower().startswith(f"/subscriptions/{subscription}/".lower())
    principal_type = str(p.get("principalType") or "Unknown")
    sp = principal_type == "ServicePrincipal"
    admin = role_guid in ADMIN_ROLES and at_subscription and sp
    wildcard = role_guid in WILDCARD_DATA_ROLES and at_subscription
    name = f"{role_name} for {principal_type} {p.get('principalId', '?')}"
    return Role(
        ref=_ref(subscription, item, name),
        principal_type="role_assignment",
        is_admin=admin,
        admin_via=f"built-in role {role_name} at {scope or 'subscription'} scope held by a service principal" if admin else None,
        wildcard_data_access=wildcard,
        wildcard_data_via=f"{role_name} on every storage account in the subscription" if wildcard else None,
        public_members=[],
    )


def ml_workspace(subscription: str, item: Mapping[str, Any]) -> MLWorkload:
    p = _props(item)
    enc = p.get("encryption") or {}
    cmk = str(enc.get("status") or "Disabled").lower() == "enabled"
    kv = (enc.get("keyVaultProperties") or {}).get("keyIdentifier") or None
    return MLWorkload(
        ref=_ref(subscription, item),
        tags=_tags(item),
        workload_type="workspace",
        customer_managed_key=cmk,
        kms_key=kv,
        public_access=str(p.get("publicNetworkAccess") or "Enabled").lower() != "disabled",
    )


def compute_instance(subscription: str, workspace: Mapping[str, Any], item: Mapping[str, Any]) -> Notebook | None:
    """An Azure ML compute instance, or a compute cluster (``AmlCompute``: its nodes run the
    workspace's jobs and remote kernels, judged for public IPs, network and key alike). Other
    compute types (attached Kubernetes, Databricks) are not notebook servers."""
    p = _props(item)
    if str(p.get("computeType")) == "AmlCompute":
        return compute_cluster(subscription, workspace, item)
    if str(p.get("computeType")) != "ComputeInstance":
        return None
    inner = p.get("properties") or {}
    wp = _props(workspace)
    managed = str((wp.get("managedNetwork") or {}).get("isolationMode") or "Disabled").lower()
    subnet = (inner.get("subnet") or {}).get("id")
    enc = wp.get("encryption") or {}
    return Notebook(
        ref=_ref(subscription, {**item, "location": item.get("location") or workspace.get("location")}),
        tags=_tags(item),
        # A compute instance gets a public IP unless enableNodePublicIp is false (no public IP).
        direct_internet_access=inner.get("enableNodePublicIp", True) is not False,
        # Users of a compute instance have sudo unless root access is turned off.
        root_access=inner.get("enableRootAccess", True) is not False,
        customer_managed_key=str(enc.get("status") or "Disabled").lower() == "enabled",
        kms_key=(enc.get("keyVaultProperties") or {}).get("keyIdentifier") or None,
        private_network=bool(subnet) or managed in ("allowinternetoutbound", "allowonlyapprovedoutbound"),
        startup_secrets=None,  # setup scripts live in the workspace's file share, which we do not read
        status=inner.get("state") or p.get("provisioningState"),
    )


def compute_cluster(subscription: str, workspace: Mapping[str, Any], item: Mapping[str, Any]) -> Notebook:
    p = _props(item)
    inner = p.get("properties") or {}
    wp = _props(workspace)
    enc = wp.get("encryption") or {}
    managed = str((wp.get("managedNetwork") or {}).get("isolationMode") or "Disabled").lower()
    ssh = str(inner.get("remoteLoginPortPublicAccess") or "NotSpecified").lower()
    admin = bool((inner.get("userAccountCredentials") or {}).get("adminUserName"))
    return Notebook(
        ref=_ref(subscription, {**item, "location": item.get("location") or workspace.get("location")}),
        tags=_tags(item),
        direct_internet_access=inner.get("enableNodePublicIp", True) is not False,
        # the only interactive user of a cluster node is the SSH admin account, which has sudo
        root_access=admin and ssh != "disabled",
        customer_managed_key=str(enc.get("status") or "Disabled").lower() == "enabled",
        kms_key=(enc.get("keyVaultProperties") or {}).get("keyIdentifier") or None,
        private_network=bool((inner.get("subnet") or {}).get("id")) or managed in ("allowinternetoutbound", "allowonlyapprovedoutbound"),
        startup_secrets=[],  # clusters run no setup scripts
        status=p.get("provisioningState"),
    )


def _world(prefix: Any, prefixes: Any) -> bool:
    values = [prefix] if prefix else []
    values += list(prefixes or [])
    return any(str(v).strip().lower() in WORLD for v in values)


def _port_ranges(protocol: str, single: Any, many: Any) -> list[PortRange]:
    proto = {"tcp": "tcp", "udp": "udp", "*": "all", "any": "all"}.get(protocol.lower())
    if proto is None:
        return []  # ICMP, ESP, AH carry no ports
    specs = ([single] if single else []) + list(many or [])
    out = []
    for spec in specs:
        text = str(spec).strip()
        if text == "*":
            out.append(PortRange(protocol=proto))
            continue
        lo, _, hi = text.partition("-")
        # "any protocol" on given ports carries TCP and UDP there; only "*" on "*" is everything
        for p in ("tcp", "udp") if proto == "all" else (proto,):
            out.append(PortRange(protocol=p, start=int(lo), end=int(hi or lo)))
    return out


def nsg(subscription: str, item: Mapping[str, Any]) -> FirewallRule:
    """A network security group: the ports its inbound rules open to the internet, evaluated as
    Azure does (by priority, first match wins: a higher-priority Deny shadows an Allow)."""
    p = _props(item)
    rules = [
        InboundRule(
            priority=_priority(rule.get("priority")),
            allow=str(rule.get("access")).lower() == "allow",
            from_world=_world(rule.get("sourceAddressPrefix"), rule.get("sourceAddressPrefixes")),
            ports=_port_ranges(str(rule.get("protocol") or "*"), rule.get("destinationPortRange"), rule.get("destinationPortRanges")),
        )
        for rule in (_props(r) for r in p.get("securityRules") or [])
        if str(rule.get("direction")) == "Inbound"
    ]
    open_ports = world_open_ports(rules) or []
    attached = [str(x["id"]) for x in (p.get("networkInterfaces") or []) + (p.get("subnets") or []) if x.get("id")]
    return FirewallRule(ref=_ref(subscription, item), tags=_tags(item), world_open_ports=open_ports, attached_to=attached)


def _priority(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def vault_key(subscription: str, vault: Mapping[str, Any], item: Mapping[str, Any]) -> Key:
    """A Key Vault key (ARM ``vaults/keys``). Rotation is on when the rotation policy has a Rotate action."""
    p = _props(item)
    policy = p.get("rotationPolicy")
    actions = (policy or {}).get("lifetimeActions") or []
    rotate = any(str((a.get("action") or {}).get("type") or "").lower() == "rotate" for a in actions)
    attrs = p.get("attributes") or {}
    return Key(
        ref=_ref(subscription, {**item, "location": item.get("location") or vault.get("location")}),
        tags=_tags(item),
        customer_managed=True,
        rotation_enabled=rotate,
        enabled=attrs.get("enabled"),
    )


def activity_log_export(subscription: str, settings: Sequence[Mapping[str, Any]]) -> AuditTrail:
    """Subscription diagnostic settings that export the activity log (Administrative at least)."""
    exported = diagnostic_logs_on(settings, {"administrative", "security", "policy"}, {"alllogs", "audit"})
    names = [str(s.get("name")) for s in settings]
    return AuditTrail(
        ref=Ref(provider=Provider.AZURE, cloud=Cloud.AZURE, account=subscription,
                id=f"/subscriptions/{subscription}/providers/microsoft.insights/diagnosticSettings",
                name=f"{subscription} activity log export"),
        scope="account",
        enabled=exported,
        multi_region=True,
        detail=("activity log exported by diagnostic setting(s): " + ", ".join(names)) if exported
        else "no diagnostic setting exports the subscription activity log",
    )
