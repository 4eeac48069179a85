"""Terraform Google resources into resource kinds.

Defaults follow the google provider: Workbench ``disable_public_ip`` and notebooks
``no_public_ip`` false (a public IP), uniform bucket-level access off, public access prevention
``inherited`` (not enforced), GCS encrypts with Google-managed keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from auditor.analysis.ports import could_open_judged_port
from auditor.analysis.secrets import find_secrets
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
from auditor.collectors.iac.mappers.network import merge_ranges, port_spec, protocol_name
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.values import Unknown, collect_refs
from auditor.resources import Bucket, Cloud, FirewallRule, Key, Notebook, PortRange, Resource, Role, SecretHit

PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
ADMIN_ROLES = frozenset({"roles/owner", "roles/editor"})
WILDCARD_DATA_ROLES = frozenset({"roles/storage.admin", "roles/storage.objectAdmin"})
READ_ROLES = frozenset({"roles/storage.objectViewer", "roles/storage.legacyObjectReader", "roles/storage.legacyBucketReader", "roles/storage.objectUser"})
WRITE_ROLES = frozenset({"roles/storage.objectAdmin", "roles/storage.objectCreator", "roles/storage.admin", "roles/storage.legacyBucketWriter", "roles/storage.legacyBucketOwner", "roles/storage.objectUser"})


def _members(attrs: dict[str, Any]) -> list[Any] | None:
    if "members" in attrs:
        value = attrs["members"]
        if not isinstance(value, list):
            return None
        return value
    if "member" in attrs:
        return [attrs["member"]]
    return []


# A member whose text is only partly known but starts with one of these kinds can never be
# allUsers or allAuthenticatedUsers (``serviceAccount:${google_service_account.x.email}``).
_NAMED_MEMBER_KINDS = (
    "serviceAccount:", "user:", "group:", "domain:", "principal:", "principalSet:",
    "projectOwner:", "projectEditor:", "projectViewer:", "deleted:",
)


def _named_member(value: Any) -> bool:
    return isinstance(value, Unknown) and isinstance(value.partial, str) and value.partial.startswith(_NAMED_MEMBER_KINDS)


def _public(members: list[Any] | None) -> list[str] | None:
    if members is None or any(isinstance(m, Unknown) and not _named_member(m) for m in members):
        return None
    return sorted({m for m in members if isinstance(m, str) and m in PUBLIC_MEMBERS})


class GcpTerraform(ByType):
    def steps(self) -> list[Callable[[], list[Resource]]]:
        return [self.buckets, self.bindings, self.notebooks, self.firewalls, self.keys]

    def map(self) -> list[Resource]:
        return [res for step in self.steps() for res in step()]

    def _bucket_iam(self) -> list[IacResource]:
        return self.of("google_storage_bucket_iam_binding") + self.of("google_storage_bucket_iam_member")

    def buckets(self) -> list[Resource]:
        buckets = self.of("google_storage_bucket")
        by_name = index_by_name(buckets, "name")
        addresses = {b.address for b in buckets}
        grants: dict[str, list[tuple[Any, list[str] | None]]] = {}
        for iam in self._bucket_iam():
            for address in targets(iam.attrs.get("bucket"), by_name, addresses) or []:
                grants.setdefault(address, []).append((iam.attrs.get("role"), _public(_members(iam.attrs))))
        for pol in self.of("google_storage_bucket_iam_policy"):
            policy_bindings = self._policy_bindings(pol)
            for address in targets(pol.attrs.get("bucket"), by_name, addresses) or []:
                if policy_bindings is None:
                    grants.setdefault(address, []).append((Unknown("bucket IAM policy document"), None))
                    continue
                for binding in policy_bindings:
                    grants.setdefault(address, []).append((binding.get("role"), _public(_members(binding))))
        acl_grants = self._bucket_acls(by_name, addresses)
        out: list[Resource] = []
        for b in buckets:
            a = b.attrs
            read: bool | None = False
            write: bool | None = False
            via: list[str] = []
            if as_bool(a.get("uniform_bucket_level_access"), default=False) is not True:
                for acl_read, acl_write, acl_via in acl_grants.get(b.address, []):
                    read = _or(read, acl_read)
                    write = _or(write, acl_write)
                    via += acl_via
            for role, public in grants.get(b.address, []):
                if public is None or isinstance(role, Unknown):
                    read = None if read is False else read
                    write = None if write is False else write
                    continue
                if not public:
                    continue
                if role in READ_ROLES or role in WRITE_ROLES or role == "roles/storage.legacyObjectReader":
                    if role in READ_ROLES or role in WRITE_ROLES:
                        read = True
                    if role in WRITE_ROLES:
                        write = True
                    via.append(f"{role} granted to {', '.join(public)}")
            pap = a.get("public_access_prevention", "inherited")
            prevention = None if isinstance(pap, Unknown) else pap == "enforced"
            if via and prevention is False:
                via.append(
                    f'public_access_prevention = "enforced" would block it; the bucket declares "{pap}"'
                    + (" (the default)" if "public_access_prevention" not in a else "")
                )
            if prevention:  # enforced prevention overrides allUsers grants
                read = write = False
                via = []
            elif prevention is None and (read or write):
                read, write = (None if read else read), (None if write else write)
            ubla = as_bool(a.get("uniform_bucket_level_access"), default=False)
            enc = first(a.get("encryption"))
            if isinstance(enc, Unknown):
                encryption: Any = None
                kms = None
            elif enc and is_set(enc.get("default_kms_key_name")):
                encryption, kms = "customer_managed", as_str(enc.get("default_kms_key_name"))
            else:
                encryption, kms = "provider_managed", None
            versioning = first(a.get("versioning"))
            soft_delete = first(a.get("soft_delete_policy"))
            out.append(
                Bucket(
                    ref=make_ref(b, Cloud.GCP, a.get("name")),
                    tags=_labels(a),
                    ignores=b.ignores,
                    public_read=read,
                    public_write=write,
                    public_via="; ".join(via) or None,
                    public_access_block=prevention,
                    public_access_block_detail=f"public_access_prevention = {pap}" if isinstance(pap, str) else "unknown",
                    encryption=encryption,
                    kms_key=kms,
                    versioning=None if isinstance(versioning, Unknown) else (
                        bool(versioning and as_bool(versioning.get("enabled"), default=False))
                        or bool(isinstance(soft_delete, dict) and soft_delete.get("retention_duration_seconds") not in (None, 0))
                    ),
                    access_logging=None if isinstance(first(a.get("logging")), Unknown) else bool(blocks(a.get("logging"))),
                    acls_enabled=None if ubla is None else not ubla,
                )
            )
        return out

    def _bucket_acls(self, by_name: dict[str, list[str]], addresses: set[str]) -> dict[str, list[tuple[bool | None, bool | None, list[str]]]]:
        """Legacy ACLs granted to allUsers / allAuthenticatedUsers, per bucket: (read, write, via).
        ACL resources apply only while uniform bucket-level access is off."""
        out: dict[str, list[tuple[bool | None, bool | None, list[str]]]] = {}
        for rtype in ("google_storage_bucket_acl", "google_storage_default_object_acl"):
            for acl in self.of(rtype):
                entries: list[Any] | None
                predefined = acl.attrs.get("predefined_acl")
                role_entity = acl.attrs.get("role_entity")
                if isinstance(predefined, str):
                    entries = _PREDEFINED_ACLS.get(predefined, [])
                elif isinstance(role_entity, list) and not any(isinstance(e, Unknown) for e in role_entity):
                    entries = role_entity
                elif predefined is None and role_entity is None:
                    entries = []
                else:
                    entries = None
                for address in targets(acl.attrs.get("bucket"), by_name, addresses) or []:
                    out.setdefault(address, []).append(_acl_access(entries, rtype))
        for rtype in ("google_storage_bucket_access_control", "google_storage_default_object_access_control"):
            for ctl in self.of(rtype):
                role, entity = ctl.attrs.get("role"), ctl.attrs.get("entity")
                entries = None if isinstance(role, Unknown) or isinstance(entity, Unknown) else [f"{role}:{entity}"]
                for address in targets(ctl.attrs.get("bucket"), by_name, addresses) or []:
                    out.setdefault(address, []).append(_acl_access(entries, rtype))
        return out

    def _policy_bindings(self, res: IacResource) -> list[dict[str, Any]] | None:
        """The ``binding`` blocks of the ``data "google_iam_policy"`` a policy resource points at."""
        value = res.attrs.get("policy_data")
        refs = collect_refs(value)
        for doc in self.of("data.google_iam_policy"):
            if doc.address in refs:
                return blocks(doc.attrs.get("binding"))
        return None

    def bindings(self) -> list[Resource]:
        out: list[Resource] = []
        for rtype in ("google_project_iam_policy", "google_storage_bucket_iam_policy"):
            for pol in self.of(rtype):
                policy_bindings = self._policy_bindings(pol)
                project_level = rtype.startswith("google_project")
                if policy_bindings is None:
                    out.append(Role(ref=make_ref(pol, Cloud.GCP), ignores=pol.ignores, principal_type="binding"))
                    continue
                for binding in policy_bindings:
                    out.append(self._binding_role(pol, binding.get("role"), _members(binding), project_level, suffix=True))
        for rtype in ("google_project_iam_binding", "google_project_iam_member", *(
            "google_storage_bucket_iam_binding", "google_storage_bucket_iam_member"), *_RESOURCE_IAM_TYPES):
            for iam in self.of(rtype):
                project_level = rtype.startswith("google_project")
                role = iam.attrs.get("role")
                custom = self._custom_role(role)
                if custom is not None:
                    out.append(_custom_binding_role(iam, custom, _members(iam.attrs), project_level))
                    continue
                out.append(self._binding_role(iam, role, _members(iam.attrs), project_level))
        return out

    def _custom_role(self, role: Any) -> IacResource | None:
        """The ``google_project_iam_custom_role`` / ``google_organization_iam_custom_role`` a role
        reference points at (``google_project_iam_custom_role.x.id``, or its literal name)."""
        customs = self.of("google_project_iam_custom_role") + self.of("google_organization_iam_custom_role")
        if isinstance(role, str):
            return next((c for c in customs if isinstance(c.attrs.get("role_id"), str) and role.endswith(f"/roles/{c.attrs['role_id']}")), None)
        refs = collect_refs(role)
        return next((c for c in customs if c.address in refs), None)

    @staticmethod
    def _binding_role(res: IacResource, role: Any, members: list[Any] | None, project_level: bool, suffix: bool = False) -> Role:
        public = _public(members)
        role_known = isinstance(role, str)
        ref = make_ref(res, Cloud.GCP, f"{role} on {_target_label(res)}" if role_known else None)
        if suffix:  # one policy resource holds several bindings: one Role each
            ref = ref.model_copy(update={"id": f"{res.address}[{json.dumps(str(role))}]"})
        return Role(
            ref=ref,
            ignores=res.ignores,
            principal_type="binding",
            public_members=public,
            is_admin=(role in ADMIN_ROLES) if role_known and project_level else (None if project_level else False),
            admin_via=f"{role} on the project" if role_known and role in ADMIN_ROLES and project_level else None,
            wildcard_data_access=(role in WILDCARD_DATA_ROLES) if role_known and project_level else (None if project_level else False),
            wildcard_data_via=f"{role} on the whole project" if role_known and role in WILDCARD_DATA_ROLES and project_level else None,
        )

    def notebooks(self) -> list[Resource]:
        out: list[Resource] = []
        for nb in self.of("google_workbench_instance"):
            found = first(nb.attrs.get("gce_setup"))
            setup: dict[str, Any] | None = found if isinstance(found, dict) else ({} if found is None else None)
            if setup is None:
                out.append(Notebook(ref=make_ref(nb, Cloud.GCP, nb.attrs.get("name")), ignores=nb.ignores))
                continue
            metadata: dict[str, Any] = setup["metadata"] if isinstance(setup.get("metadata"), dict) else {}
            disk = first(setup.get("boot_disk"))
            data_disk = first(setup.get("data_disks"))
            cmek = _cmek([disk, data_disk])
            nics = blocks(setup.get("network_interfaces"))
            private = None if nics is None else bool(nics) and all(is_set(n.get("subnet")) or is_set(n.get("network")) for n in nics)
            root = metadata.get("notebook-disable-root")
            out.append(
                Notebook(
                    ref=make_ref(nb, Cloud.GCP, nb.attrs.get("name")),
                    tags=_labels(nb.attrs),
                    ignores=nb.ignores,
                    direct_internet_access=_not(as_bool(setup.get("disable_public_ip"), default=False)),
                    root_access=_not(as_bool(root, default=False)),
                    customer_managed_key=cmek,
                    private_network=private,
                    startup_secrets=_metadata_secrets(metadata, nb.address),
                )
            )
        for nb in self.of("google_notebooks_instance"):
            a = nb.attrs
            metadata = a["metadata"] if isinstance(a.get("metadata"), dict) else {}
            enc = a.get("disk_encryption", "GMEK")
            out.append(
                Notebook(
                    ref=make_ref(nb, Cloud.GCP, a.get("name")),
                    tags=_labels(a),
                    ignores=nb.ignores,
                    direct_internet_access=_not(as_bool(a.get("no_public_ip"), default=False)),
                    root_access=_not(as_bool(metadata.get("notebook-disable-root"), default=False)),
                    customer_managed_key=None if isinstance(enc, Unknown) else enc == "CMEK",
                    kms_key=as_str(a.get("kms_key")),
                    private_network=_and(is_set(a.get("network")), is_set(a.get("subnet"))),
                    startup_secrets=_metadata_secrets(metadata, nb.address, a.get("post_startup_script")),
                )
            )
        return out

    def firewalls(self) -> list[Resource]:
        out: list[Resource] = []
        for fw in self.of("google_compute_firewall"):
            a = fw.attrs
            direction = a.get("direction", "INGRESS")
            disabled = as_bool(a.get("disabled"), default=False)
            sources = a.get("source_ranges")
            if isinstance(sources, str):
                sources = [sources]
            world: list[PortRange] | None
            unresolved = isinstance(sources, Unknown) or (isinstance(sources, list) and any(isinstance(s, Unknown) for s in sources))
            if isinstance(direction, Unknown) or disabled is None:
                world = None
            elif direction != "INGRESS" or disabled:
                world = []
            elif isinstance(sources, list) and any(s in ("0.0.0.0/0", "::/0") for s in sources):
                world = _allowed_ports(a)
            elif unresolved:
                # an unresolved source on ports no network check judges cannot open one
                ports = _allowed_ports(a)
                world = [] if ports is not None and not could_open_judged_port(ports) else None
            else:
                world = []
            out.append(
                FirewallRule(
                    ref=make_ref(fw, Cloud.GCP, a.get("name")),
                    ignores=fw.ignores,
                    world_open_ports=world,
                    network=as_str(a.get("network")),
                )
            )
        return out

    def keys(self) -> list[Resource]:
        out: list[Resource] = []
        for k in self.of("google_kms_crypto_key"):
            purpose = k.attrs.get("purpose", "ENCRYPT_DECRYPT")
            rotation: bool | None = is_set(k.attrs.get("rotation_period"))
            if isinstance(purpose, str) and purpose != "ENCRYPT_DECRYPT":
                rotation = None  # asymmetric keys cannot rotate automatically
            out.append(
                Key(
                    ref=make_ref(k, Cloud.GCP, k.attrs.get("name")),
                    tags=_labels(k.attrs),
                    ignores=k.ignores,
                    customer_managed=True,
                    rotation_enabled=rotation,
                    policy_public=None,
                )
            )
        return out


# predefined ACLs as the role:entity pairs they grant
_PREDEFINED_ACLS: dict[str, list[Any]] = {
    "publicRead": ["READER:allUsers"],
    "publicReadWrite": ["READER:allUsers", "WRITER:allUsers"],
    "authenticatedRead": ["READER:allAuthenticatedUsers"],
}


def _acl_access(entries: list[Any] | None, rtype: str) -> tuple[bool | None, bool | None, list[str]]:
    if entries is None:
        return None, None, []
    read = write = False
    via: list[str] = []
    for entry in entries:
        role, _, entity = str(entry).partition(":")
        if entity not in PUBLIC_MEMBERS:
            continue
        role = role.upper()
        if role in ("READER", "WRITER", "OWNER"):
            read = True
        if role in ("WRITER", "OWNER"):
            write = True
        via.append(f"{rtype} grants {role} to {entity}")
    return read, write, via


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _allowed_ports(a: dict[str, Any]) -> list[PortRange] | None:
    allows = blocks(a.get("allow"))
    if allows is None:
        return None
    parts: list[list[PortRange] | None] = []
    for allow in allows:
        proto = protocol_name(allow.get("protocol"))
        if proto is None:
            parts.append(None)
        elif proto == "all":
            parts.append([PortRange(protocol="all", start=0, end=65535)])
        elif allow.get("ports") in (None, []):
            parts.append([PortRange(protocol=proto, start=0, end=65535)])
        else:
            parts.append(port_spec(allow.get("ports"), proto))
    return merge_ranges(parts)


# IAM on one service account or one KMS key / key ring: judged for public members only.
_RESOURCE_IAM_TYPES = (
    "google_service_account_iam_binding", "google_service_account_iam_member",
    "google_kms_crypto_key_iam_binding", "google_kms_crypto_key_iam_member",
    "google_kms_key_ring_iam_binding", "google_kms_key_ring_iam_member",
)
# A custom role holding these can grant itself anything on the project: admin.
_ADMIN_PERMISSIONS = frozenset({"resourcemanager.projects.setIamPolicy"})
# ... and these together are full object access on every bucket of the project.
_DATA_PERMISSIONS = frozenset({"storage.objects.get", "storage.objects.list", "storage.objects.create", "storage.objects.delete"})


def _target_label(res: IacResource) -> str:
    """What a binding is on, for display: a literal project/bucket/account/key, else its type."""
    for key in ("project", "bucket", "service_account_id", "crypto_key_id", "key_ring_id"):
        value = res.attrs.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, Unknown) and value.owner:
            return value.owner
    return res.type.removeprefix("google_").replace("_iam_binding", "").replace("_iam_member", "")


def _custom_binding_role(res: IacResource, custom: IacResource, members: list[Any] | None, project_level: bool) -> Role:
    permissions = custom.attrs.get("permissions")
    role_id = custom.attrs.get("role_id")
    label = f"custom role {role_id if isinstance(role_id, str) else custom.address}"
    admin: bool | None = None
    data: bool | None = None
    if isinstance(permissions, list) and all(isinstance(p, str) for p in permissions):
        granted = set(permissions)
        admin = project_level and bool(_ADMIN_PERMISSIONS & granted)
        data = project_level and granted >= _DATA_PERMISSIONS
    elif not project_level:
        admin = data = False
    return Role(
        ref=make_ref(res, Cloud.GCP, f"{label} on {_target_label(res)}"),
        ignores=res.ignores,
        principal_type="binding",
        public_members=_public(members),
        is_admin=admin,
        admin_via=f"{label} holds {', '.join(sorted(_ADMIN_PERMISSIONS))} on the project" if admin else None,
        wildcard_data_access=data,
        wildcard_data_via=f"{label} holds {', '.join(sorted(_DATA_PERMISSIONS))} on the whole project" if data else None,
    )


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _cmek(disks: list[Any]) -> bool | None:
    for disk in disks:
        if isinstance(disk, Unknown):
            return None
        if isinstance(disk, dict) and disk.get("disk_encryption") == "CMEK":
            return True
    return False


def _labels(attrs: dict[str, Any]) -> dict[str, str]:
    labels = attrs.get("labels")
    return {str(k): str(v) for k, v in labels.items() if isinstance(v, str | int | float | bool)} if isinstance(labels, dict) else {}


def _metadata_secrets(metadata: dict[str, Any], address: str, *extra: Any) -> list[SecretHit] | None:
    hits: list[SecretHit] = []
    unknown = False
    for key, value in [*metadata.items(), *(("post_startup_script", v) for v in extra if v is not None)]:
        if isinstance(value, str):
            hits += find_secrets(value, f"{address} metadata {key}")
        elif isinstance(value, Unknown) and key in ("startup-script", "post-startup-script", "post_startup_script"):
            unknown = True
    return None if unknown and not hits else hits
