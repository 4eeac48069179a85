"""Pure normalizers: GCP REST JSON (exactly as the APIs answer) -> resource kinds.

Every provider quirk lives here: public access through IAM bindings and legacy ACLs, public
access prevention overriding both, soft delete counting as versioning, Workbench root access
defaulting to on. No I/O, no SDK types: the collector hands in plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from auditor.analysis.secrets import find_secrets
from auditor.resources import (
    AccessKey,
    AuditTrail,
    Bucket,
    Cloud,
    FirewallRule,
    Instance,
    Key,
    MLWorkload,
    Notebook,
    PortRange,
    Provider,
    Ref,
    Role,
)

PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
ADMIN_ROLES = ("roles/owner", "roles/editor")
# Project-level roles that grant every storage.objects.* permission on every bucket.
WILDCARD_DATA_ROLES = ("roles/storage.admin", "roles/storage.objectAdmin")

# Bucket IAM roles by what they let a member do with objects. An unrecognised role granted to
# the public is treated as a read grant: it is public either way, never assumed harmless.
_WRITE_ROLES = {
    "roles/storage.admin",
    "roles/storage.objectAdmin",
    "roles/storage.objectCreator",
    "roles/storage.objectUser",
    "roles/storage.legacyBucketWriter",
    "roles/storage.legacyBucketOwner",
}
_LIST_ONLY_ROLES = {"roles/storage.insightsCollectorService"}


def _ref(project: str, rid: str, name: str, region: str | None = None) -> Ref:
    return Ref(provider=Provider.GCP, cloud=Cloud.GCP, account=project, region=region, id=rid, name=name)


def _labels(item: Mapping[str, Any]) -> dict[str, str]:
    labels = item.get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()}


def _public_bindings(policy: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(role, member) pairs granted to allUsers / allAuthenticatedUsers."""
    out: list[tuple[str, str]] = []
    for binding in (policy or {}).get("bindings") or []:
        for member in binding.get("members") or []:
            if member in PUBLIC_MEMBERS:
                out.append((str(binding.get("role", "")), member))
    return out


def _public_acl(entries: Iterable[Mapping[str, Any]] | None) -> list[tuple[str, str]]:
    return [
        (str(e.get("role", "")), str(e.get("entity", "")))
        for e in entries or []
        if e.get("entity") in PUBLIC_MEMBERS
    ]


def gcs_bucket(
    project: str,
    item: Mapping[str, Any],
    iam_policy: Mapping[str, Any] | None,
    *,
    data_access_logged: bool | None = None,
    log_targets: frozenset[str] = frozenset(),
) -> Bucket:
    """A GCS bucket from ``buckets.list?projection=full`` plus its ``getIamPolicy`` (None = unreadable).

    ``data_access_logged``: the project's Data Access audit logs cover Cloud Storage reads.
    """
    name = str(item["name"])
    iam_cfg = item.get("iamConfiguration") or {}
    ubla = bool((iam_cfg.get("uniformBucketLevelAccess") or {}).get("enabled"))
    pap = str(iam_cfg.get("publicAccessPrevention") or "inherited")
    pap_enforced = pap == "enforced"

    grants = [(role, f"IAM binding {role} to {member}") for role, member in _public_bindings(iam_policy)]
    acl_known = True
    if not ubla:
        # Legacy ACLs apply only while uniform bucket-level access is off. With projection=full the
        # API returns them only to callers with storage.buckets.getIamPolicy; absent means unreadable.
        if "acl" in item:
            for role, entity in _public_acl(item.get("acl")):
                grants.append(("acl:" + role, f"bucket ACL {role} to {entity}"))
            for role, entity in _public_acl(item.get("defaultObjectAcl")):
                grants.append(("acl:READER", f"default object ACL {role} to {entity}"))
        else:
            acl_known = False

    def is_write(role: str) -> bool:
        return role in _WRITE_ROLES or role in ("acl:WRITER", "acl:OWNER")

    reads = [via for role, via in grants if role not in _LIST_ONLY_ROLES]
    writes = [via for role, via in grants if is_write(role)]
    public_read: bool | None
    public_write: bool | None
    if pap_enforced:
        public_read = public_write = False
        via = "public access prevention is enforced" if grants else None
        if grants:
            via = f"public access prevention is enforced (blocks: {'; '.join(reads)})"
    else:
        readable = iam_policy is not None and acl_known
        public_read = True if reads else (False if readable else None)
        public_write = True if writes else (False if readable else None)
        via = "; ".join(reads) or None

    kms = (item.get("encryption") or {}).get("defaultKmsKeyName")
    versioning_on = bool((item.get("versioning") or {}).get("enabled"))
    soft_delete = int((item.get("softDeletePolicy") or {}).get("retentionDurationSeconds") or 0)
    log_bucket = (item.get("logging") or {}).get("logBucket")
    access_logging: bool | None = True if log_bucket or data_access_logged else data_access_logged

    return Bucket(
        ref=_ref(project, f"//storage.googleapis.com/{name}", name, str(item.get("location", "")).lower() or None),
        tags=_labels(item),
        scope="bucket",
        public_read=public_read,
        public_write=public_write,
        public_via=via,
        public_access_block=pap_enforced,
        public_access_block_detail=f"publicAccessPrevention={pap}",
        # Every GCS object is encrypted at rest; a default KMS key makes it customer-managed.
        encryption="customer_managed" if kms else "provider_managed",
        kms_key=kms,
        versioning=versioning_on or soft_delete > 0,
        access_logging=access_logging,
        is_log_target=name in log_targets,
        acls_enabled=not ubla,
    )


def bucket_policy_role(project: str, bucket_name: str, policy: Mapping[str, Any]) -> Role:
    """A bucket's IAM policy as a ``binding`` Role, for role_public_binding."""
    public = _public_bindings(policy)
    return Role(
        ref=_ref(project, f"//storage.googleapis.com/{bucket_name}/iamPolicy", f"{bucket_name} IAM policy"),
        principal_type="binding",
        is_admin=False,
        wildcard_data_access=False,
        public_members=sorted({f"{member} ({role})" for role, member in public}),
    )


def data_access_logging(policy: Mapping[str, Any] | None) -> dict[str, set[str]]:
    """service -> the Data Access log types (DATA_READ, DATA_WRITE, ADMIN_READ) turned on."""
    out: dict[str, set[str]] = {}
    for cfg in (policy or {}).get("auditConfigs") or []:
        types = {str(c.get("logType")) for c in cfg.get("auditLogConfigs") or [] if c.get("logType")}
        out.setdefault(str(cfg.get("service")), set()).update(types)
    return out


def storage_reads_logged(policy: Mapping[str, Any] | None) -> bool:
    logs = data_access_logging(policy)
    return "DATA_READ" in logs.get("allServices", set()) | logs.get("storage.googleapis.com", set())


def audit_trail(project: str, policy: Mapping[str, Any]) -> AuditTrail:
    """Project-wide Data Access audit logs (Admin Activity logs are always on and cannot be turned off)."""
    logs = data_access_logging(policy)
    all_services = logs.get("allServices", set())
    enabled = {"DATA_READ", "DATA_WRITE"} <= all_services
    if enabled:
        detail = "Data Access audit logs (DATA_READ, DATA_WRITE) on for allServices"
    elif logs:
        detail = "Data Access audit logs only for: " + ", ".join(
            f"{svc} [{', '.join(sorted(t))}]" for svc, t in sorted(logs.items())
        )
    else:
        detail = "no Data Access audit log configuration in the project IAM policy"
    return AuditTrail(
        ref=_ref(project, f"//cloudresourcemanager.googleapis.com/projects/{project}/auditConfigs", f"{project} audit logs"),
        scope="account",
        enabled=enabled,
        multi_region=True,
        detail=detail,
    )


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _principal_type(member: str) -> str:
    kind = member.split(":", 1)[0]
    return {"user": "user", "group": "group", "serviceAccount": "service_account"}.get(kind, "binding")


def project_roles(
    project: str,
    policy: Mapping[str, Any],
    service_accounts: Iterable[Mapping[str, Any]] = (),
    sa_keys: Mapping[str, Sequence[Mapping[str, Any]] | None] | None = None,
) -> list[Role]:
    """One Role per member of the project IAM policy, merged with the project's service accounts.

    ``sa_keys`` maps a service-account email to its USER_MANAGED keys (None = could not be listed).
    """
    sa_keys = sa_keys or {}
    roles_by_member: dict[str, set[str]] = {}
    # A conditional grant confers its role while the condition holds, so it counts like any other.
    for binding in policy.get("bindings") or []:
        for member in binding.get("members") or []:
            roles_by_member.setdefault(str(member), set()).add(str(binding.get("role", "")))
    accounts = {str(sa["email"]): sa for sa in service_accounts if sa.get("email")}
    for email in accounts:
        roles_by_member.setdefault(f"serviceAccount:{email}", set())

    out: list[Role] = []
    for member, roles in sorted(roles_by_member.items()):
        kind = _principal_type(member)
        email = member.split(":", 1)[1] if ":" in member else member
        admin = sorted(r for r in roles if r in ADMIN_ROLES)
        wildcard = sorted(r for r in roles if r in WILDCARD_DATA_ROLES)
        keys: list[AccessKey] | None = None
        tags: dict[str, str] = {}
        if kind == "service_account" and email in accounts:
            rid = f"//iam.googleapis.com/projects/{project}/serviceAccounts/{email}"
            raw_keys = sa_keys.get(email, [])
            keys = None if raw_keys is None else [_sa_key(k) for k in raw_keys]
            if accounts[email].get("disabled"):
                tags["disabled"] = "true"
        else:
            rid = f"//cloudresourcemanager.googleapis.com/projects/{project}/members/{member}"
            if kind == "service_account":
                keys = None  # a service account of another project: its keys are not ours to list
        public = sorted(f"{member} ({r})" for r in roles) if member in PUBLIC_MEMBERS else []
        out.append(
            Role(
                ref=_ref(project, rid, email),
                tags=tags,
                principal_type=kind,  # type: ignore[arg-type]
                is_admin=bool(admin),
                admin_via=", ".join(admin) + f" on project {project}" if admin else None,
                wildcard_data_access=bool(wildcard),
                wildcard_data_via=", ".join(wildcard) + f" on project {project}" if wildcard else None,
                public_members=public,
                access_keys=keys if kind == "service_account" else None,
            )
        )
    return out


def _sa_key(item: Mapping[str, Any]) -> AccessKey:
    return AccessKey(
        id=str(item.get("name", "")).rsplit("/", 1)[-1],
        active=not item.get("disabled", False),
        created=_parse_time(item.get("validAfterTime")),
    )


_TRUE = ("true", "1", "yes")


def workbench_instance(project: str, item: Mapping[str, Any], cmek_default: bool = False) -> Notebook:
    """A Vertex AI Workbench instance (notebooks v2 ``Instance``)."""
    name = str(item["name"])
    setup = item.get("gceSetup") or {}
    metadata = {str(k): str(v) for k, v in (setup.get("metadata") or {}).items()}
    disks = [setup.get("bootDisk") or {}, *(setup.get("dataDisks") or [])]
    cmek = [d for d in disks if d.get("diskEncryption") == "CMEK"]
    all_cmek = bool(disks) and len(cmek) == len(disks)
    kms = next((d.get("kmsKey") for d in cmek if d.get("kmsKey")), None)
    nics = setup.get("networkInterfaces") or []
    hits = []
    for key, value in sorted(metadata.items()):
        hits.extend(find_secrets(value, f"metadata.{key}"))
    location = name.split("/locations/", 1)[1].split("/", 1)[0] if "/locations/" in name else None
    return Notebook(
        ref=_ref(project, f"//notebooks.googleapis.com/{name}", name.rsplit("/", 1)[-1], location),
        tags=_labels(item),
        # A Workbench instance gets an external IP unless disablePublicIp is set.
        direct_internet_access=not bool(setup.get("disablePublicIp", False)),
        # Users get sudo unless the notebook-disable-root metadata key is true.
        root_access=metadata.get("notebook-disable-root", "false").lower() not in _TRUE,
        customer_managed_key=all_cmek,
        kms_key=kms,
        private_network=any(n.get("network") or n.get("subnet") for n in nics) if nics else False,
        startup_secrets=hits,
        status=item.get("state"),
    )


def vertex_endpoint(project: str, item: Mapping[str, Any]) -> MLWorkload:
    """A Vertex AI endpoint (aiplatform v1 ``Endpoint``)."""
    name = str(item["name"])
    kms = (item.get("encryptionSpec") or {}).get("kmsKeyName")
    psc = (item.get("privateServiceConnectConfig") or {}).get("enablePrivateServiceConnect")
    private = bool(item.get("network")) or bool(psc)
    location = name.split("/locations/", 1)[1].split("/", 1)[0] if "/locations/" in name else None
    return MLWorkload(
        ref=_ref(project, f"//aiplatform.googleapis.com/{name}", str(item.get("displayName") or name.rsplit("/", 1)[-1]), location),
        tags=_labels(item),
        workload_type="endpoint",
        service="vertex_ai",
        customer_managed_key=bool(kms),
        kms_key=kms,
        public_access=not private,
        public_via=None if private else "no private network or Private Service Connect",
        private_endpoint=private,
        # request-response logging is off unless the endpoint says otherwise
        invocation_logging=bool((item.get("predictRequestResponseLoggingConfig") or {}).get("enabled")),
        log_targets=_bq_target(item),
    )


def _bq_target(item: Mapping[str, Any]) -> list[str]:
    config = item.get("predictRequestResponseLoggingConfig") or {}
    uri = (config.get("bigqueryDestination") or {}).get("outputUri")
    return [str(uri)] if config.get("enabled") and uri else []


def _ports(allowed: Mapping[str, Any]) -> list[PortRange]:
    proto = str(allowed.get("IPProtocol", "all")).lower()
    if proto in ("all", "-1"):
        return [PortRange(protocol="all")]
    if proto not in ("tcp", "udp", "sctp", "6", "17"):
        return [PortRange(protocol=proto, start=0, end=65535)] if proto in ("icmp", "esp", "ah") else []
    proto = {"6": "tcp", "17": "udp"}.get(proto, proto)
    ports = allowed.get("ports")
    if not ports:
        return [PortRange(protocol=proto)]
    out = []
    for spec in ports:
        lo, _, hi = str(spec).partition("-")
        out.append(PortRange(protocol=proto, start=int(lo), end=int(hi or lo)))
    return out


WORLD = ("0.0.0.0/0", "::/0")


def firewall_rule(project: str, item: Mapping[str, Any]) -> FirewallRule:
    """A VPC firewall rule; only enabled INGRESS allow rules from 0.0.0.0/0 or ::/0 open ports."""
    name = str(item["name"])
    open_ports: list[PortRange] = []
    ingress = str(item.get("direction", "INGRESS")) == "INGRESS"
    world = any(r in WORLD for r in item.get("sourceRanges") or [])
    if ingress and world and not item.get("disabled"):
        for allowed in item.get("allowed") or []:
            open_ports.extend(p for p in _ports(allowed) if p.protocol in ("tcp", "udp", "sctp", "all"))
    targets = [f"tag:{t}" for t in item.get("targetTags") or []]
    targets += [f"serviceAccount:{s}" for s in item.get("targetServiceAccounts") or []]
    return FirewallRule(
        ref=_ref(project, f"//compute.googleapis.com/projects/{project}/global/firewalls/{name}", name),
        world_open_ports=open_ports,
        attached_to=targets or ["all instances in the network"],
        network=item.get("network"),
    )


def _applies(rule: Mapping[str, Any], network: str, tags: set[str], sas: set[str]) -> bool:
    if str(rule.get("direction", "INGRESS")) != "INGRESS" or rule.get("disabled"):
        return False
    if rule.get("network") and network and rule["network"].rsplit("/", 1)[-1] != network.rsplit("/", 1)[-1]:
        return False
    target_tags = set(rule.get("targetTags") or [])
    target_sas = set(rule.get("targetServiceAccounts") or [])
    if not target_tags and not target_sas:
        return True
    return bool(target_tags & tags) or bool(target_sas & sas)


def compute_instance(project: str, item: Mapping[str, Any], firewalls: Iterable[Mapping[str, Any]]) -> Instance:
    """A Compute Engine instance with its external IPs and the firewall rules that reach it."""
    name = str(item["name"])
    zone = str(item.get("zone", "")).rsplit("/", 1)[-1] or None
    tags = set((item.get("tags") or {}).get("items") or [])
    sas = {str(s.get("email")) for s in item.get("serviceAccounts") or []}
    public, private, rules = [], [], []
    fw = list(firewalls)
    for nic in item.get("networkInterfaces") or []:
        if nic.get("networkIP"):
            private.append(str(nic["networkIP"]))
        for ac in nic.get("accessConfigs") or []:
            if ac.get("natIP"):
                public.append(str(ac["natIP"]))
        for rule in fw:
            if _applies(rule, str(nic.get("network", "")), tags, sas):
                rid = f"//compute.googleapis.com/projects/{project}/global/firewalls/{rule['name']}"
                if rid not in rules:
                    rules.append(rid)
    return Instance(
        ref=_ref(project, f"//compute.googleapis.com/projects/{project}/zones/{zone}/instances/{name}", name, zone),
        tags=_labels(item),
        public_ips=public,
        private_ips=private,
        firewall_rules=rules,
    )


def kms_key(project: str, item: Mapping[str, Any]) -> Key:
    """A Cloud KMS CryptoKey. Automatic rotation exists only for symmetric ENCRYPT_DECRYPT keys."""
    name = str(item["name"])
    location = name.split("/locations/", 1)[1].split("/", 1)[0] if "/locations/" in name else None
    primary = item.get("primary") or {}
    state = primary.get("state")
    return Key(
        ref=_ref(project, f"//cloudkms.googleapis.com/{name}", name.rsplit("/", 1)[-1], location),
        tags=_labels(item),
        customer_managed=True,
        rotation_enabled=bool(item.get("rotationPeriod")),
        policy_public=None,
        enabled=None if state is None else state == "ENABLED",
    )


def rotatable(item: Mapping[str, Any]) -> bool:
    return str(item.get("purpose", "ENCRYPT_DECRYPT")) == "ENCRYPT_DECRYPT"


VERTEX_SERVICE = "aiplatform.googleapis.com"


def vertex_workspace(
    project: str, project_number: str | None, organization: str | None, perimeters: Sequence[Mapping[str, Any]] | None
) -> MLWorkload:
    """Vertex AI in a project, as a workspace: private only when an enforced VPC Service Controls
    perimeter holds the project and restricts aiplatform.googleapis.com (a dry-run ``spec`` does not
    count). ``perimeters`` None = the organization's perimeters could not be read."""
    public: bool | None
    if organization is None:
        public = True  # no organization, so no VPC Service Controls perimeter can hold the project
    elif perimeters is None or project_number is None:
        public = None
    else:
        member = f"projects/{project_number}"
        public = not any(
            member in (p.get("status") or {}).get("resources", [])
            and {VERTEX_SERVICE, "*"} & set((p.get("status") or {}).get("restrictedServices", []))
            for p in perimeters
        )
    return MLWorkload(
        ref=_ref(project, f"//aiplatform.googleapis.com/projects/{project}", f"Vertex AI in {project}"),
        workload_type="workspace",
        customer_managed_key=None,
        public_access=public,
    )
