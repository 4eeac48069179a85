"""Terraform azurerm resources into resource kinds, for provider v3 and v4 attribute names.

Defaults are the provider's: ``allow_nested_items_to_be_public`` true, ``min_tls_version``
TLS1_2, HTTPS-only true, network rules default action Allow when none are declared, ML
workspaces public, compute instances with a public IP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditor.analysis.nsg import InboundRule, world_open_ports
from auditor.analysis.ports import could_open_judged_port
from auditor.collectors.iac.mappers.common import (
    ByType,
    as_bool,
    as_str,
    blocks,
    first,
    index_by_name,
    is_set,
    make_ref,
    targets,
)
from auditor.collectors.iac.mappers.common import (
    tags_of as _tags,
)
from auditor.collectors.iac.mappers.network import port_spec, protocol_name
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.values import Unknown, collect_refs
from auditor.resources import (
    AuditTrail,
    Bucket,
    Cloud,
    FirewallRule,
    Key,
    MLWorkload,
    Notebook,
    PortRange,
    Resource,
    Role,
)

# Built-in roles that own a subscription: write everything, or grant oneself anything.
ADMIN_ROLES = frozenset({"Owner", "Contributor", "User Access Administrator"})
# Principals that are not service principals; everything else with an identity is one.
_HUMAN_PRINCIPALS = ("azuread_user", "azuread_group")
WORLD_SOURCES = frozenset({"*", "internet", "0.0.0.0/0", "::/0", "any", "0.0.0.0"})
_TLS = {"TLS1_0": "1.0", "TLS1_1": "1.1", "TLS1_2": "1.2", "TLS1_3": "1.3"}


def attr(attrs: dict[str, Any], *names: str, default: Any = None) -> Any:
    """The first of several spellings (v4 name first, then v3/v2 names) that is present."""
    for name in names:
        if name in attrs:
            return attrs[name]
    return default


class AzureTerraform(ByType):
    def steps(self) -> list[Callable[[], list[Resource]]]:
        return [
            self.storage, self.workspaces, self.compute_instances, self.nsgs,
            self.role_assignments, self.keys, self.activity_logs,
        ]

    def map(self) -> list[Resource]:
        return [res for step in self.steps() for res in step()]

    def _diagnostics_for(self, owners: list[IacResource]) -> set[str]:
        by_name: dict[str, list[str]] = {}
        addresses = {o.address for o in owners}
        found: set[str] = set()
        for diag in self.of("azurerm_monitor_diagnostic_setting"):
            logs = blocks(diag.attrs.get("enabled_log")) or blocks(diag.attrs.get("log")) or []
            if not logs:
                continue
            found.update(targets(diag.attrs.get("target_resource_id"), by_name, addresses) or [])
        return found

    # -- storage -------------------------------------------------------------------------------
    def storage(self) -> list[Resource]:
        accounts = self.of("azurerm_storage_account")
        by_name = index_by_name(accounts, "name")
        addresses = {a.address for a in accounts}
        rules_for: dict[str, list[IacResource]] = {}
        for nr in self.of("azurerm_storage_account_network_rules"):
            for address in targets(attr(nr.attrs, "storage_account_id", "storage_account_name"), by_name, addresses) or []:
                rules_for.setdefault(address, []).append(nr)
        cmk_for: set[str] = set()
        for cmk in self.of("azurerm_storage_account_customer_managed_key"):
            cmk_for.update(targets(cmk.attrs.get("storage_account_id"), by_name, addresses) or [])
        logged = self._diagnostics_for(accounts)
        containers: dict[str, list[IacResource]] = {}
        orphans: list[IacResource] = []
        for c in self.of("azurerm_storage_container"):
            hit = targets(attr(c.attrs, "storage_account_id", "storage_account_name"), by_name, addresses)
            if hit:
                containers.setdefault(hit[0], []).append(c)
            else:
                orphans.append(c)
        out: list[Resource] = []
        for acc in accounts:
            a = acc.attrs
            nested = as_bool(attr(a, "allow_nested_items_to_be_public", "allow_blob_public_access"), default=True)
            https = as_bool(attr(a, "https_traffic_only_enabled", "enable_https_traffic_only"), default=True)
            tls_raw = a.get("min_tls_version", "TLS1_2")
            public_network = as_bool(a.get("public_network_access_enabled"), default=True)
            network_open = self._network_open(a, rules_for.get(acc.address, []), public_network)
            blob = first(a.get("blob_properties"))
            versioning: bool | None
            if isinstance(blob, Unknown):
                versioning = None
            elif blob:
                versioning = bool(as_bool(blob.get("versioning_enabled"), default=False)) or bool(blocks(blob.get("delete_retention_policy")))
            else:
                versioning = False
            inline_cmk = first(a.get("customer_managed_key"))
            customer = acc.address in cmk_for or isinstance(inline_cmk, dict)
            container_buckets = [self._container(c, acc, nested) for c in containers.get(acc.address, [])]
            reads = [c.public_read for c in container_buckets]
            account_read = True if any(r is True for r in reads) else (None if any(r is None for r in reads) else False)
            out.append(
                Bucket(
                    ref=make_ref(acc, Cloud.AZURE, a.get("name")),
                    tags=_tags(a),
                    ignores=acc.ignores,
                    scope="account",
                    public_read=account_read,
                    public_write=False if account_read is not None else None,
                    public_via="; ".join(c.public_via for c in container_buckets if c.public_via) or None,
                    public_access_block=None if nested is None else not nested,
                    public_access_block_detail=f"allow_nested_items_to_be_public = {str(nested).lower()}" if nested is not None else None,
                    encryption="customer_managed" if customer else "provider_managed",
                    tls_enforced=https,
                    min_tls_version=_TLS.get(tls_raw) if isinstance(tls_raw, str) else None,
                    versioning=versioning,
                    access_logging=acc.address in logged,
                    network_open=network_open,
                )
            )
            out.extend(container_buckets)
        for c in orphans:
            out.append(self._container(c, None, None))
        return out

    @staticmethod
    def _network_open(a: dict[str, Any], split: list[IacResource], public_network: bool | None) -> bool | None:
        if public_network is False:
            return False
        rules = [r.attrs for r in split]
        inline = first(a.get("network_rules"))
        if isinstance(inline, Unknown):
            return None
        if isinstance(inline, dict):
            rules.append(inline)
        if not rules:
            return True if public_network else None  # no rules: default action Allow
        action = rules[-1].get("default_action")
        if not isinstance(action, str):
            return None
        return action.lower() == "allow"

    @staticmethod
    def _container(c: IacResource, account: IacResource | None, nested: bool | None) -> Bucket:
        access = c.attrs.get("container_access_type", "private")
        read: bool | None
        via: str | None = None
        if isinstance(access, Unknown):
            read = None
        elif access in ("blob", "container"):
            # A declared public access level never passes on what an undeclared account might say.
            read = True if account is None else nested
            if account is None:
                via = (f"container_access_type = {access}; its storage account is not declared in this scan, so "
                       "nothing here sets allow_nested_items_to_be_public = false, which would block it")
            elif nested:
                declared = "allow_nested_items_to_be_public" in account.attrs or "allow_blob_public_access" in account.attrs
                via = (f"container_access_type = {access}; allow_nested_items_to_be_public = false on the storage "
                       "account would block it, and it is " + ("set to true" if declared else "not set (provider default true)"))
        else:
            read = False
        return Bucket(
            ref=make_ref(c, Cloud.AZURE, c.attrs.get("name")),
            ignores=c.ignores,
            scope="container",
            parent=account.address if account is not None else None,
            public_read=read,
            public_write=False if read is not None else None,
            public_via=via if read else None,
        )

    # -- Azure ML ------------------------------------------------------------------------------
    def workspaces(self) -> list[Resource]:
        out: list[Resource] = []
        for ws in self.of("azurerm_machine_learning_workspace"):
            a = ws.attrs
            enc = first(a.get("encryption"))
            out.append(
                MLWorkload(
                    ref=make_ref(ws, Cloud.AZURE, a.get("name")),
                    tags=_tags(a),
                    ignores=ws.ignores,
                    workload_type="workspace",
                    public_access=as_bool(a.get("public_network_access_enabled"), default=True),
                    customer_managed_key=None if isinstance(enc, Unknown) else isinstance(enc, dict) and bool(is_set(enc.get("key_id"))),
                    kms_key=as_str(enc.get("key_id")) if isinstance(enc, dict) else None,
                )
            )
        return out

    def compute_instances(self) -> list[Resource]:
        workspaces = self.of("azurerm_machine_learning_workspace")
        ws_by_address = {w.address: w for w in workspaces}
        out: list[Resource] = []
        for ci in self.of("azurerm_machine_learning_compute_instance"):
            a = ci.attrs
            ws_hit = targets(a.get("machine_learning_workspace_id"), {}, set(ws_by_address))
            cmk: bool | None = None
            if ws_hit:
                enc = first(ws_by_address[ws_hit[0]].attrs.get("encryption"))
                cmk = None if isinstance(enc, Unknown) else isinstance(enc, dict)
            out.append(
                Notebook(
                    ref=make_ref(ci, Cloud.AZURE, a.get("name")),
                    tags=_tags(a),
                    ignores=ci.ignores,
                    direct_internet_access=as_bool(a.get("node_public_ip_enabled"), default=True),
                    root_access=True,  # Azure ML gives the assigned user sudo; azurerm cannot turn it off
                    customer_managed_key=cmk,
                    private_network=is_set(a.get("subnet_resource_id")),
                    startup_secrets=[],
                )
            )
        for cc in self.of("azurerm_machine_learning_compute_cluster"):
            # a cluster's nodes run the workspace's jobs and remote kernels: public IPs by default
            a = cc.attrs
            ws_hit = targets(a.get("machine_learning_workspace_id"), {}, set(ws_by_address))
            cmk = None
            if ws_hit:
                enc = first(ws_by_address[ws_hit[0]].attrs.get("encryption"))
                cmk = None if isinstance(enc, Unknown) else isinstance(enc, dict)
            ssh = first(a.get("ssh"))
            ssh_public = as_bool(a.get("ssh_public_access_enabled"), default=False)
            out.append(
                Notebook(
                    ref=make_ref(cc, Cloud.AZURE, a.get("name")),
                    tags=_tags(a),
                    ignores=cc.ignores,
                    direct_internet_access=as_bool(a.get("node_public_ip_enabled"), default=True),
                    # the only interactive user of a node is the SSH admin account, which has sudo
                    root_access=None if isinstance(ssh, Unknown) or ssh_public is None else bool(ssh) and ssh_public,
                    customer_managed_key=cmk,
                    private_network=is_set(a.get("subnet_resource_id")),
                    startup_secrets=[],
                )
            )
        return out

    # -- network -------------------------------------------------------------------------------
    def nsgs(self) -> list[Resource]:
        groups = self.of("azurerm_network_security_group")
        by_name = index_by_name(groups, "name")
        addresses = {g.address for g in groups}
        extra: dict[str, list[InboundRule]] = {}
        for rule in self.of("azurerm_network_security_rule"):
            standalone = nsg_inbound_rule(rule.attrs)
            for address in targets(rule.attrs.get("network_security_group_name"), by_name, addresses) or []:
                if standalone is not None:
                    extra.setdefault(address, []).append(standalone)
        out: list[Resource] = []
        for g in groups:
            rules = blocks(g.attrs.get("security_rule"))
            world: list[PortRange] | None = None
            if rules is not None:
                inbound = [r for r in (nsg_inbound_rule(rule) for rule in rules) if r is not None]
                # Azure evaluates by priority, first match wins: a higher-priority Deny shadows an Allow
                world = world_open_ports(inbound + extra.get(g.address, []))
            out.append(
                FirewallRule(
                    ref=make_ref(g, Cloud.AZURE, g.attrs.get("name")),
                    tags=_tags(g.attrs),
                    ignores=g.ignores,
                    world_open_ports=world,
                )
            )
        return out

    # -- identity, keys, logging ---------------------------------------------------------------
    def role_assignments(self) -> list[Resource]:
        out: list[Resource] = []
        for ra in self.of("azurerm_role_assignment"):
            a = ra.attrs
            role = a.get("role_definition_name")
            admin: bool | None
            via: str | None = None
            if not isinstance(role, str):
                admin = None  # a role definition id or an unresolved name
            elif role not in ADMIN_ROLES:
                admin = False
            else:
                sub = _subscription_scope(a.get("scope"))
                holder, holder_detail = _service_principal(a.get("principal_type"), a.get("principal_id"))
                if sub is False or holder is False:
                    admin = False
                elif sub is None or holder is None:
                    admin = None
                else:
                    admin = True
                    via = f"built-in role {role} at subscription scope held by a service principal ({holder_detail})"
            out.append(
                Role(
                    ref=make_ref(ra, Cloud.AZURE, a.get("name") or (f"{role} assignment" if isinstance(role, str) else None)),
                    ignores=ra.ignores,
                    principal_type="role_assignment",
                    is_admin=admin,
                    admin_via=via,
                )
            )
        return out

    def keys(self) -> list[Resource]:
        out: list[Resource] = []
        for k in self.of("azurerm_key_vault_key"):
            policy = first(k.attrs.get("rotation_policy"))
            rotation: bool | None
            if isinstance(policy, Unknown):
                rotation = None
            elif isinstance(policy, dict):
                auto = first(policy.get("automatic"))
                rotation = None if isinstance(auto, Unknown) else bool(auto)
            else:
                rotation = False
            out.append(
                Key(
                    ref=make_ref(k, Cloud.AZURE, k.attrs.get("name")),
                    tags=_tags(k.attrs),
                    ignores=k.ignores,
                    customer_managed=True,
                    rotation_enabled=rotation,
                )
            )
        return out

    def activity_logs(self) -> list[Resource]:
        out: list[Resource] = []
        for diag in self.of("azurerm_monitor_diagnostic_setting"):
            target = diag.attrs.get("target_resource_id")
            if _subscription_scope(target) is not True:
                continue
            logs = blocks(diag.attrs.get("enabled_log"))
            legacy = blocks(diag.attrs.get("log"))
            enabled: bool | None
            if logs is None or legacy is None:
                enabled = None
            else:
                enabled = bool(logs) or any(as_bool(b.get("enabled"), default=True) for b in legacy)
            out.append(
                AuditTrail(
                    ref=make_ref(diag, Cloud.AZURE, diag.attrs.get("name")),
                    ignores=diag.ignores,
                    scope="trail",
                    enabled=enabled,
                    multi_region=True,
                    detail="subscription activity log export (diagnostic setting)",
                )
            )
        return out


def _service_principal(ptype: Any, principal_id: Any) -> tuple[bool | None, str]:
    """Whether the assignee is a service principal: declared ``principal_type``, else what
    ``principal_id`` refers to (a managed identity or ``azuread_service_principal`` is one; an
    ``azuread_user`` or ``azuread_group`` is not)."""
    if isinstance(ptype, str):
        return ptype == "ServicePrincipal", f"principal_type = {ptype}"
    if ptype is not None:
        return None, "principal type unknown"
    refs = sorted(collect_refs(principal_id))
    if any(f"{kind}." in r for r in refs for kind in _HUMAN_PRINCIPALS):
        return False, "a user or group"
    identities = [r for r in refs if not r.startswith("data.azurerm_client_config")]
    if identities:
        return True, f"identity of {identities[0]}"
    return None, "principal unknown"


def _subscription_scope(scope: Any) -> bool | None:
    if isinstance(scope, str):
        parts = [p for p in scope.split("/") if p]
        return len(parts) == 2 and parts[0].lower() == "subscriptions"
    if isinstance(scope, Unknown) and isinstance(scope.partial, str) and scope.partial.lower().startswith("/subscriptions/"):
        parts = [p for p in scope.partial.split("/") if p]
        return len(parts) == 2
    if isinstance(scope, Unknown):
        refs = collect_refs(scope)
        if any("azurerm_subscription" in r for r in refs):
            return True
        if refs:
            return False
    return None


def nsg_inbound_rule(rule: dict[str, Any]) -> InboundRule | None:
    """One azurerm security rule for the priority evaluation; None when it is outbound."""
    direction, access = rule.get("direction"), rule.get("access")
    if not isinstance(direction, Unknown) and str(direction).lower() != "inbound":
        return None
    priority = rule.get("priority")
    ports = nsg_rule_ports(rule)
    return InboundRule(
        priority=priority if isinstance(priority, int) else None,
        allow=None if isinstance(direction, Unknown) or isinstance(access, Unknown) else str(access).lower() == "allow",
        from_world=_from_world(rule, ports),
        ports=ports,
    )


def _from_world(rule: dict[str, Any], ports: list[PortRange] | None) -> bool | None:
    sources = attr(rule, "source_address_prefixes")
    single = rule.get("source_address_prefix")
    values = (sources if isinstance(sources, list) else []) + ([single] if single is not None else [])
    if any(isinstance(v, str) and v.lower() in WORLD_SOURCES for v in values):
        return True
    if isinstance(sources, Unknown) or any(isinstance(v, Unknown) for v in values):
        # an unresolved source on ports no network check judges cannot open one
        return False if ports is not None and not could_open_judged_port(ports) else None
    return False


def nsg_rule_ports(rule: dict[str, Any]) -> list[PortRange] | None:
    proto = protocol_name(rule.get("protocol"))
    if proto is None:
        return None
    ports: list[PortRange] = []
    for key in ("destination_port_range", "destination_port_ranges"):
        value = rule.get(key)
        if value is None:
            continue
        spec = port_spec(value, proto)
        if spec is None:
            return None
        ports += spec
    if proto == "all":
        if not ports or any(p.start <= 0 and p.end >= 65535 for p in ports):
            return [PortRange(protocol="all")]
        # "*" on given ports: TCP and UDP on those ports only, not every port
        return [PortRange(protocol=pr, start=p.start, end=p.end) for p in ports for pr in ("tcp", "udp")]
    return ports
