"""Terraform AWS resources into resource kinds.

S3 follows the AWS provider v4+ split: ``aws_s3_bucket_*`` resources are joined to their bucket
by reference or by rendered name, and ``aws_s3_account_public_access_block`` applies to every
bucket. Defaults are those S3 applies to a new bucket (SSE-S3, Block Public Access on, ACLs
disabled) and the provider's argument defaults (SageMaker internet and root access Enabled).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

from auditor.analysis import iam_policy, s3_access
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
from auditor.collectors.iac.mappers.common import (
    tags_of as _tags,
)
from auditor.collectors.iac.mappers.network import aws_rule_ranges, merge_ranges
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.values import OWN_ACCOUNT, Unknown, json_document, policy_is_decidable
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
    SecretHit,
)

S3_DEFAULT_BLOCK = {flag: True for flag in s3_access.BLOCK_FLAGS}
WILDCARD_DATA_MANAGED = frozenset({"arn:aws:iam::aws:policy/AmazonS3FullAccess"})

_CANNED = {
    "public-read": [("AllUsers", "READ")],
    "public-read-write": [("AllUsers", "READ"), ("AllUsers", "WRITE")],
    "authenticated-read": [("AuthenticatedUsers", "READ")],
}


def canned_acl_grants(acl: Any) -> list[dict[str, Any]] | None:
    if acl is None:
        return []
    if not isinstance(acl, str):
        return None
    return [
        {"Grantee": {"Type": "Group", "URI": f"http://acs.amazonaws.com/groups/global/{group}"}, "Permission": perm}
        for group, perm in _CANNED.get(acl, [])
    ]


def policy_input(value: Any) -> dict[str, Any] | None:
    """A policy for the analysers: {} when absent, None when it cannot be judged."""
    if value is None or value == "":
        return {}
    doc = json_document(value)
    if doc is None or not policy_is_decidable(doc):
        return None
    return doc


def block_flags(attrs: dict[str, Any]) -> dict[str, Any] | None:
    names = {
        "BlockPublicAcls": "block_public_acls",
        "IgnorePublicAcls": "ignore_public_acls",
        "BlockPublicPolicy": "block_public_policy",
        "RestrictPublicBuckets": "restrict_public_buckets",
    }
    out: dict[str, Any] = {}
    for flag, attr in names.items():
        value = as_bool(attrs.get(attr), default=False)
        if value is None:
            return None
        out[flag] = value
    return out


class AwsTerraform(ByType):
    def __init__(self, resources: list[IacResource], own_accounts: Sequence[str] = ()) -> None:
        super().__init__(resources)
        self.own_accounts = frozenset(own_accounts)

    def steps(self) -> list[Callable[[], list[Resource]]]:
        return [self.buckets, self.roles, self.users_and_groups, self.notebooks, self.studio, self.ml_workloads, self.security_groups, self.keys, self.trails]

    def map(self) -> list[Resource]:
        return [res for step in self.steps() for res in step()]

    # -- S3 ------------------------------------------------------------------------------------
    def buckets(self) -> list[Resource]:
        buckets = self.of("aws_s3_bucket")
        if not buckets:
            return []
        split = {
            name: self._attached(f"aws_s3_bucket_{name}", "bucket", buckets, "bucket")
            for name in (
                "acl", "public_access_block", "server_side_encryption_configuration", "versioning",
                "logging", "policy", "ownership_controls",
            )
        }
        account_blocks = self.of("aws_s3_account_public_access_block")
        account_block: dict[str, Any] | None = {}
        for blk in account_blocks:
            flags = block_flags(blk.attrs)
            if flags is None:
                account_block = None
                break
            account_block = {f: bool(account_block.get(f)) or v for f, v in flags.items()} if account_block is not None else None
        log_targets = self._log_targets(buckets)
        out: list[Resource] = []
        for b in buckets:
            parts = {name: [r for r, _ in split[name].get(b.address, [])] for name in split}
            bucket = self._bucket(b, parts, account_block if account_blocks else None, b.address in log_targets)
            ambiguous = [name for name in split if "" in split[name] and not parts[name]]
            out.append(_unknown_where_ambiguous(bucket, ambiguous))
        return out

    def _log_targets(self, buckets: list[IacResource]) -> set[str]:
        by_name = index_by_name(buckets, "bucket")
        addresses = {b.address for b in buckets}
        found: set[str] = set()
        logging_specs = [r.attrs.get("target_bucket") for r in self.of("aws_s3_bucket_logging")]
        for b in buckets:
            for blk in blocks(b.attrs.get("logging")) or []:
                logging_specs.append(blk.get("target_bucket"))
        for value in logging_specs:
            found.update(targets(value, by_name, addresses) or [])
        return found

    def _bucket(self, b: IacResource, parts: dict[str, list[IacResource]], account_block: dict[str, Any] | None, log_target: bool) -> Bucket:
        a = b.attrs
        # ACL: inline (v3) and split resources
        acl_grants: list[dict[str, Any]] | None = canned_acl_grants(a.get("acl"))
        for r in parts["acl"]:
            grants = canned_acl_grants(r.attrs.get("acl"))
            acp = first(r.attrs.get("access_control_policy"))
            if isinstance(acp, dict):
                grants = []
                for grant in blocks(acp.get("grant")) or []:
                    grantee = first(grant.get("grantee"))
                    if isinstance(grantee, dict):
                        grants.append({"Grantee": {"Type": grantee.get("type"), "URI": grantee.get("uri")}, "Permission": grant.get("permission")})
            acl_grants = None if acl_grants is None or grants is None else acl_grants + grants
        # policy: inline (v3) and aws_s3_bucket_policy
        policies = [a.get("policy")] + [r.attrs.get("policy") for r in parts["policy"]]
        policy: dict[str, Any] | None = {}
        for value in policies:
            doc = policy_input(value)
            if doc is None:
                policy = None
                break
            if doc:
                stmts = policy.get("Statement", []) if policy else []
                new = doc.get("Statement", [])
                policy = {"Version": "2012-10-17", "Statement": list(stmts) + (new if isinstance(new, list) else [new])}
        # Block Public Access: bucket-level resource, else S3's default for new buckets
        if parts["public_access_block"]:
            bucket_block = block_flags(parts["public_access_block"][0].attrs)
            declared = True
        else:
            bucket_block, declared = dict(S3_DEFAULT_BLOCK), False
        effective = s3_access.effective_block(bucket_block, account_block if account_block is not None else {})
        if policy is None and effective["RestrictPublicBuckets"] is True:
            policy = {}  # whatever the unreadable policy says, RestrictPublicBuckets stops public access
            policy_unreadable = True
        else:
            policy_unreadable = policy is None
        access = s3_access.fold_public_access(
            acl_grants=acl_grants,
            policy=policy,
            policy_status_public=None,
            bucket_block=bucket_block,
            account_block=account_block if account_block is not None else {},
        )
        detail = access.block_detail
        block_on = access.block_fully_on
        if not declared:
            # A declared public grant never passes on S3's assumed default for new buckets: a
            # bucket created before April 2023 is public with exactly this code.
            declared_only = s3_access.fold_public_access(
                acl_grants=acl_grants,
                policy=None if policy_unreadable else policy,
                policy_status_public=None,
                bucket_block={},
                account_block=account_block if account_block is not None else {},
            )
            if declared_only.public_read or declared_only.public_write:
                access = s3_access.S3Access(
                    public_read=declared_only.public_read,
                    public_write=declared_only.public_write,
                    public_via=f"{declared_only.public_via}; {_NO_BLOCK_DECLARED}",
                    block_fully_on=False,
                    block_detail=None,
                )
                block_on = False
                detail = f"no public access block declared, and the bucket declares a public grant ({declared_only.public_via})"
            elif access.block_fully_on:
                detail = "no public access block declared: S3 turns all four flags on for new buckets"
                if account_block and all(account_block.values()):
                    detail = "aws_s3_account_public_access_block turns all four flags on"
        encryption, kms_key = self._encryption(a, parts["server_side_encryption_configuration"])
        tls = None if policy_unreadable else iam_policy.denies_insecure_transport(policy) if policy else False
        return Bucket(
            ref=make_ref(b, Cloud.AWS, a.get("bucket")),
            tags=_tags(a),
            ignores=b.ignores,
            public_read=access.public_read,
            public_write=access.public_write,
            public_via=access.public_via,
            public_access_block=block_on,
            public_access_block_detail=detail,
            encryption=encryption,
            kms_key=kms_key,
            tls_enforced=tls,
            versioning=self._versioning(a, parts["versioning"]),
            access_logging=bool(parts["logging"]) or bool(blocks(a.get("logging"))),
            is_log_target=log_target or a.get("acl") == "log-delivery-write",
            acls_enabled=self._acls_enabled(parts["ownership_controls"], uses_acl=_uses_acl(a, parts["acl"])),
        )

    @staticmethod
    def _encryption(a: dict[str, Any], split: list[IacResource]) -> tuple[Any, str | None]:
        configs = [c for c in blocks(a.get("server_side_encryption_configuration")) or []] + [r.attrs for r in split]
        if not configs:
            return "provider_managed", None
        for config in configs:
            rules = blocks(config.get("rule"))
            if rules is None:
                return None, None
            for rule in rules:
                default = first(rule.get("apply_server_side_encryption_by_default"))
                if isinstance(default, Unknown):
                    return None, None
                if not default:
                    continue
                algorithm = default.get("sse_algorithm")
                if isinstance(algorithm, Unknown):
                    return None, None
                if str(algorithm).startswith("aws:kms"):
                    key = default.get("kms_master_key_id")
                    if is_set(key):
                        return "customer_managed", as_str(key) or "declared KMS key"
                    if is_set(key) is None:
                        return None, None
                    return "provider_managed", "aws/s3"
        return "provider_managed", None

    @staticmethod
    def _versioning(a: dict[str, Any], split: list[IacResource]) -> bool | None:
        for r in split:
            conf = first(r.attrs.get("versioning_configuration"))
            if isinstance(conf, Unknown):
                return None
            if conf:
                status = conf.get("status")
                if isinstance(status, Unknown):
                    return None
                return status == "Enabled"
        inline = first(a.get("versioning"))
        if isinstance(inline, Unknown):
            return None
        if inline:
            return as_bool(inline.get("enabled"), default=False)
        return False

    @staticmethod
    def _acls_enabled(split: list[IacResource], uses_acl: bool) -> bool | None:
        for r in split:
            rule = first(r.attrs.get("rule"))
            if isinstance(rule, Unknown):
                return None
            if rule:
                ownership = rule.get("object_ownership")
                if isinstance(ownership, Unknown):
                    return None
                return ownership != "BucketOwnerEnforced"
        # S3's default for new buckets is BucketOwnerEnforced, unless the project relies on ACLs
        return uses_acl

    # -- IAM -----------------------------------------------------------------------------------
    def roles(self) -> list[Resource]:
        roles = self.of("aws_iam_role")
        if not roles:
            return []
        by_name = index_by_name(roles, "name")
        addresses = {r.address for r in roles}
        policy_arns: dict[str, list[Any]] = {}
        docs: dict[str, list[Any]] = {r.address: [] for r in roles}
        for rp in self.of("aws_iam_role_policy"):
            for address in targets(rp.attrs.get("role"), by_name, addresses) or []:
                docs[address].append(rp.attrs.get("policy"))
        for att in self.of("aws_iam_role_policy_attachment"):
            for address in targets(att.attrs.get("role"), by_name, addresses) or []:
                policy_arns.setdefault(address, []).append(att.attrs.get("policy_arn"))
        for att in self.of("aws_iam_policy_attachment"):
            role_values = att.attrs.get("roles")
            for value in role_values if isinstance(role_values, list) else [role_values]:
                for address in targets(value, by_name, addresses) or []:
                    policy_arns.setdefault(address, []).append(att.attrs.get("policy_arn"))
        out: list[Resource] = []
        for role in roles:
            a = role.attrs
            role_docs = list(docs[role.address])
            role_docs += [blk.get("policy") for blk in blocks(a.get("inline_policy")) or []]
            managed = a.get("managed_policy_arns")
            arn_values = list(policy_arns.get(role.address, []))
            if isinstance(managed, list):
                arn_values += managed
            perms = self._permissions(role_docs, arn_values, managed_unknown=managed is not None and not isinstance(managed, list))
            trust_doc = policy_input(a.get("assume_role_policy"))
            trust = iam_policy.trust_analysis(trust_doc, own_account=OWN_ACCOUNT) if trust_doc is not None else None
            untrusted = None if trust is None else [acc for acc in trust.untrusted_accounts if acc not in self.own_accounts]
            trust_detail = None if trust is None else trust.detail
            if trust is not None and trust.untrusted_accounts and not untrusted and not trust.trusts_any_principal:
                trust_detail = "trusts only services or the organisation's own accounts"
            out.append(
                Role(
                    ref=make_ref(role, Cloud.AWS, a.get("name")),
                    tags=_tags(a),
                    ignores=role.ignores,
                    principal_type="role",
                    trusts_any_principal=None if trust is None else trust.trusts_any_principal,
                    trust_detail=trust_detail,
                    untrusted_accounts=untrusted,
                    trust_policy=trust_doc,
                    **perms,
                )
            )
        return out

    def _permissions(self, doc_values: list[Any], arn_values: list[Any], managed_unknown: bool = False) -> dict[str, Any]:
        """Admin and wildcard-data verdicts from inline documents and attached policy ARNs (a
        reference to a declared ``aws_iam_policy`` brings its document). What cannot be read
        leaves a negative verdict unknown."""
        policies = {p.address: p for p in self.of("aws_iam_policy")}
        docs = list(doc_values)
        arns: list[str] = []
        unknown = managed_unknown
        for value in arn_values:
            if isinstance(value, str):
                arns.append(value)
                continue
            hit = [p for addr, p in policies.items() if isinstance(value, Unknown) and addr in value.refs]
            if hit:
                docs += [p.attrs.get("policy") for p in hit]
            else:
                unknown = True
        parsed = [policy_input(d) for d in docs]
        if any(d is None for d in parsed):
            unknown = True
        known_docs = [d for d in parsed if d]
        is_admin, admin_via = iam_policy.admin_analysis(known_docs, arns)
        wildcard, wildcard_via = iam_policy.wildcard_data_analysis(known_docs)
        if not wildcard and WILDCARD_DATA_MANAGED & set(arns):
            wildcard, wildcard_via = True, "managed policy AmazonS3FullAccess"
        return {
            "is_admin": True if is_admin else (None if unknown else False),
            "admin_via": admin_via,
            "wildcard_data_access": True if wildcard else (None if unknown else False),
            "wildcard_data_via": wildcard_via,
            "policy_documents": None if unknown else known_docs,
        }

    def _grants_to(self, principals: list[IacResource], inline_type: str, attach_type: str, attr: str, list_attr: str) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        """Inline documents and attached policy ARNs per user or group address."""
        by_name = index_by_name(principals, "name")
        addresses = {p.address for p in principals}
        docs: dict[str, list[Any]] = {p.address: [] for p in principals}
        arns: dict[str, list[Any]] = {p.address: [] for p in principals}
        for inline in self.of(inline_type):
            for address in targets(inline.attrs.get(attr), by_name, addresses) or []:
                docs[address].append(inline.attrs.get("policy"))
        for att in self.of(attach_type):
            for address in targets(att.attrs.get(attr), by_name, addresses) or []:
                arns[address].append(att.attrs.get("policy_arn"))
        for att in self.of("aws_iam_policy_attachment"):
            values = att.attrs.get(list_attr)
            for value in values if isinstance(values, list) else [values]:
                for address in targets(value, by_name, addresses) or []:
                    arns[address].append(att.attrs.get("policy_arn"))
        return docs, arns

    def _principal_names(self, value: Any, principals: list[IacResource]) -> list[str]:
        return targets(value, index_by_name(principals, "name"), {p.address for p in principals}) or []

    def users_and_groups(self) -> list[Resource]:
        """IAM users and groups; a user also holds the policies of the groups it belongs to."""
        users, groups = self.of("aws_iam_user"), self.of("aws_iam_group")
        if not users and not groups:
            return []
        g_docs, g_arns = self._grants_to(groups, "aws_iam_group_policy", "aws_iam_group_policy_attachment", "group", "groups")
        u_docs, u_arns = self._grants_to(users, "aws_iam_user_policy", "aws_iam_user_policy_attachment", "user", "users")
        member_of: dict[str, set[str]] = {u.address: set() for u in users}
        for m in self.of("aws_iam_group_membership"):
            values = m.attrs.get("users")
            for group in self._principal_names(m.attrs.get("group"), groups):
                for value in values if isinstance(values, list) else [values]:
                    for user in self._principal_names(value, users):
                        member_of[user].add(group)
        for m in self.of("aws_iam_user_group_membership"):
            values = m.attrs.get("groups")
            for user in self._principal_names(m.attrs.get("user"), users):
                for value in values if isinstance(values, list) else [values]:
                    for group in self._principal_names(value, groups):
                        member_of[user].add(group)
        out: list[Resource] = []
        for g in groups:
            out.append(Role(
                ref=make_ref(g, Cloud.AWS, g.attrs.get("name")),
                ignores=g.ignores,
                principal_type="group",
                **self._permissions(g_docs[g.address], g_arns[g.address]),
            ))
        for u in users:
            docs = list(u_docs[u.address])
            arns = list(u_arns[u.address])
            for group in sorted(member_of[u.address]):
                docs += g_docs[group]
                arns += g_arns[group]
            out.append(Role(
                ref=make_ref(u, Cloud.AWS, u.attrs.get("name")),
                tags=_tags(u.attrs),
                ignores=u.ignores,
                principal_type="user",
                trusts_any_principal=False,
                trust_detail="IAM users have no trust policy",
                untrusted_accounts=[],
                **self._permissions(docs, arns),
            ))
        return out

    # -- SageMaker -----------------------------------------------------------------------------
    def notebooks(self) -> list[Resource]:
        lifecycle = self.of("aws_sagemaker_notebook_instance_lifecycle_configuration")
        by_name = index_by_name(lifecycle, "name")
        addresses = {lc.address for lc in lifecycle}
        lc_by_address = {lc.address: lc for lc in lifecycle}
        out: list[Resource] = []
        for nb in self.of("aws_sagemaker_notebook_instance"):
            a = nb.attrs
            secrets: list[SecretHit] | None = []
            lc_value = a.get("lifecycle_config_name")
            if lc_value is not None:
                hit = targets(lc_value, by_name, addresses)
                if not hit:
                    secrets = None
                else:
                    for address in hit:
                        found = _lifecycle_secrets(lc_by_address[address])
                        secrets = None if found is None or secrets is None else secrets + found
            kms = a.get("kms_key_id")
            out.append(
                Notebook(
                    ref=make_ref(nb, Cloud.AWS, a.get("name")),
                    tags=_tags(a),
                    ignores=nb.ignores,
                    direct_internet_access=as_bool(a.get("direct_internet_access"), default=True),
                    root_access=as_bool(a.get("root_access"), default=True),
                    customer_managed_key=is_set(kms),
                    kms_key=as_str(kms),
                    private_network=is_set(a.get("subnet_id")),
                    startup_secrets=secrets,
                )
            )
        return out

    def studio(self) -> list[Resource]:
        """SageMaker Studio: each user profile is a notebook server judged with its domain's
        network mode and KMS key (the home volume) and the Studio lifecycle configurations that
        reach it (domain defaults, its own settings, its apps). An app whose profile is not
        declared stands for itself; a domain with no declared profile, for its default user."""
        domains = self.of("aws_sagemaker_domain")
        profiles = self.of("aws_sagemaker_user_profile")
        apps = self.of("aws_sagemaker_app")
        if not (domains or profiles or apps):
            return []
        domain_addresses = {d.address for d in domains}
        domain_by_address = {d.address: d for d in domains}
        profile_by_name = index_by_name(profiles, "user_profile_name")
        profile_addresses = {p.address for p in profiles}
        configs = self.of("aws_sagemaker_studio_lifecycle_config")
        config_names = index_by_name(configs, "studio_lifecycle_config_name")
        config_by_address = {c.address: c for c in configs}

        def domain_of(res: IacResource) -> IacResource | None:
            hit = targets(res.attrs.get("domain_id"), {}, domain_addresses)
            return domain_by_address[hit[0]] if hit else None

        def scripts(values: list[Any]) -> list[SecretHit] | None:
            hits: list[SecretHit] = []
            for value in values:
                hit = targets(value, config_names, set(config_by_address))
                if isinstance(value, str) and not hit:
                    hit = [a for a, c in config_by_address.items() if value.endswith(f"/{c.attrs.get('studio_lifecycle_config_name')}")]
                if not hit:
                    return None  # a lifecycle configuration declared elsewhere: unread
                for address in hit:
                    found = _studio_script_secrets(config_by_address[address])
                    if found is None:
                        return None
                    hits += found
            return hits

        app_configs: dict[str, list[Any]] = {}
        lone_apps: list[IacResource] = []
        for app in apps:
            arns = _lifecycle_arns({"app": [{"default_resource_spec": app.attrs.get("resource_spec")}]})
            owner = targets(app.attrs.get("user_profile_name"), profile_by_name, profile_addresses)
            if owner:
                app_configs.setdefault(owner[0], []).extend(arns)
            else:
                lone_apps.append(app)
        out: list[Resource] = []
        with_profiles = set()
        for res in [*profiles, *lone_apps]:
            domain = domain_of(res)
            if domain is not None:
                with_profiles.add(domain.address)
            own = _lifecycle_arns(first(res.attrs.get("user_settings"))) if res.type == "aws_sagemaker_user_profile" else (
                _lifecycle_arns({"app": [{"default_resource_spec": res.attrs.get("resource_spec")}]}))
            defaults = _lifecycle_arns(first(domain.attrs.get("default_user_settings"))) if domain is not None else []
            name = res.attrs.get("user_profile_name") if res.type == "aws_sagemaker_user_profile" else res.attrs.get("app_name")
            out.append(self._studio_notebook(res, domain, name, scripts(defaults + own + app_configs.get(res.address, []))))
        for domain in domains:
            if domain.address not in with_profiles:
                defaults = _lifecycle_arns(first(domain.attrs.get("default_user_settings")))
                nb = self._studio_notebook(domain, domain, f"{domain.attrs.get('domain_name') or domain.name} default user", scripts(defaults))
                out.append(nb.model_copy(update={"ref": nb.ref.model_copy(update={"id": f"{domain.address}#default_user_settings"})}))
        return out

    @staticmethod
    def _studio_notebook(res: IacResource, domain: IacResource | None, name: Any, secrets: list[SecretHit] | None) -> Notebook:
        access: Any = domain.attrs.get("app_network_access_type", "PublicInternetOnly") if domain is not None else None
        public = None if not isinstance(access, str) else access == "PublicInternetOnly"
        kms = domain.attrs.get("kms_key_id") if domain is not None else Unknown("domain not declared")
        return Notebook(
            ref=make_ref(res, Cloud.AWS, name),
            tags=_tags(res.attrs),
            ignores=res.ignores,
            direct_internet_access=public,
            root_access=None,  # Studio has no root-access switch in the domain or profile settings
            customer_managed_key=None if domain is None else is_set(kms),
            kms_key=as_str(kms),
            private_network=None if public is None else not public,
            startup_secrets=secrets,
        )

    def ml_workloads(self) -> list[Resource]:
        out: list[Resource] = []
        from auditor.collectors.iac.mappers.genai_tf import sagemaker_capture_fields, sagemaker_model_pointers

        for m in self.of("aws_sagemaker_model"):
            role, artifact_buckets = sagemaker_model_pointers(self, m.attrs)  # joined in auditor/linking_genai.py
            out.append(
                MLWorkload(
                    ref=make_ref(m, Cloud.AWS, m.attrs.get("name")),
                    tags=_tags(m.attrs),
                    ignores=m.ignores,
                    workload_type="model",
                    network_isolation=as_bool(m.attrs.get("enable_network_isolation"), default=False),
                    role=role,
                    artifact_buckets=artifact_buckets,
                )
            )
        for c in self.of("aws_sagemaker_endpoint_configuration"):
            kms = c.attrs.get("kms_key_arn")
            out.append(
                MLWorkload(
                    ref=make_ref(c, Cloud.AWS, c.attrs.get("name")),
                    tags=_tags(c.attrs),
                    ignores=c.ignores,
                    workload_type="endpoint_config",
                    customer_managed_key=is_set(kms),
                    kms_key=as_str(kms),
                    **sagemaker_capture_fields(self, c.attrs),  # joined with the bucket in auditor/linking_genai.py
                )
            )
        for d in self.of("aws_sagemaker_domain"):
            access = d.attrs.get("app_network_access_type", "PublicInternetOnly")
            kms = d.attrs.get("kms_key_id")
            out.append(
                MLWorkload(
                    ref=make_ref(d, Cloud.AWS, d.attrs.get("domain_name")),
                    tags=_tags(d.attrs),
                    ignores=d.ignores,
                    workload_type="domain",
                    public_access=None if isinstance(access, Unknown) else access == "PublicInternetOnly",
                    customer_managed_key=is_set(kms),
                    kms_key=as_str(kms),
                )
            )
        return out

    # -- network -------------------------------------------------------------------------------
    def security_groups(self) -> list[Resource]:
        groups = self.of("aws_security_group")
        if not groups:
            return []
        by_name: dict[str, list[str]] = {}
        addresses = {g.address for g in groups}
        extra: dict[str, list[list[PortRange] | None]] = {}
        for rule in self.of("aws_security_group_rule"):
            if rule.attrs.get("type") != "ingress":
                if isinstance(rule.attrs.get("type"), Unknown):
                    for address in targets(rule.attrs.get("security_group_id"), by_name, addresses) or []:
                        extra.setdefault(address, []).append(None)
                continue
            for address in targets(rule.attrs.get("security_group_id"), by_name, addresses) or []:
                extra.setdefault(address, []).append(aws_rule_ranges(rule.attrs))
        for rule in self.of("aws_vpc_security_group_ingress_rule"):
            attrs = {
                "protocol": rule.attrs.get("ip_protocol"),
                "from_port": rule.attrs.get("from_port"),
                "to_port": rule.attrs.get("to_port"),
                "cidr_blocks": [rule.attrs["cidr_ipv4"]] if "cidr_ipv4" in rule.attrs else [],
                "ipv6_cidr_blocks": [rule.attrs["cidr_ipv6"]] if "cidr_ipv6" in rule.attrs else [],
            }
            for address in targets(rule.attrs.get("security_group_id"), by_name, addresses) or []:
                extra.setdefault(address, []).append(aws_rule_ranges(attrs))
        out: list[Resource] = []
        for g in groups:
            ingress = blocks(g.attrs.get("ingress"))
            ranges: list[list[PortRange] | None] = [None] if ingress is None else [aws_rule_ranges(r) for r in ingress]
            ranges += extra.get(g.address, [])
            out.append(
                FirewallRule(
                    ref=make_ref(g, Cloud.AWS, g.attrs.get("name")),
                    tags=_tags(g.attrs),
                    ignores=g.ignores,
                    world_open_ports=merge_ranges(ranges),
                    network=as_str(g.attrs.get("vpc_id")),
                )
            )
        return out

    # -- KMS, CloudTrail -------------------------------------------------------------------------
    def keys(self) -> list[Resource]:
        out: list[Resource] = []
        for k in self.of("aws_kms_key"):
            a = k.attrs
            spec = a.get("customer_master_key_spec", "SYMMETRIC_DEFAULT")
            rotation = as_bool(a.get("enable_key_rotation"), default=False)
            if isinstance(spec, str) and spec != "SYMMETRIC_DEFAULT":
                rotation = None  # asymmetric and HMAC keys cannot rotate; not a failure
            doc = policy_input(a.get("policy"))
            public, via = (None, None) if doc is None else iam_policy.key_policy_public(doc) if doc else (False, None)
            out.append(
                Key(
                    ref=make_ref(k, Cloud.AWS, a.get("description")),
                    tags=_tags(a),
                    ignores=k.ignores,
                    customer_managed=True,
                    rotation_enabled=rotation,
                    policy_public=public,
                    policy_public_via=via,
                    enabled=as_bool(a.get("is_enabled"), default=True),
                )
            )
        return out

    def trails(self) -> list[Resource]:
        out: list[Resource] = []
        for t in self.of("aws_cloudtrail"):
            out.append(
                AuditTrail(
                    ref=make_ref(t, Cloud.AWS, t.attrs.get("name")),
                    tags=_tags(t.attrs),
                    ignores=t.ignores,
                    scope="trail",
                    enabled=as_bool(t.attrs.get("enable_logging"), default=True),
                    multi_region=as_bool(t.attrs.get("is_multi_region_trail"), default=False),
                    detail="declared CloudTrail trail",
                )
            )
        return out


_NO_BLOCK_DECLARED = (
    "no public access block is declared: aws_s3_bucket_public_access_block (or "
    "aws_s3_account_public_access_block) with block_public_acls and ignore_public_acls would block "
    "public ACLs, with block_public_policy and restrict_public_buckets a public policy; S3's default "
    "block for buckets created since April 2023 is not assumed"
)

# which Bucket fields a split resource of each kind can change
_SPLIT_FIELDS = {
    "acl": ("public_read", "public_write", "acls_enabled"),
    "public_access_block": ("public_read", "public_write", "public_access_block"),
    "policy": ("public_read", "public_write", "tls_enforced"),
    "server_side_encryption_configuration": ("encryption", "kms_key"),
    "versioning": ("versioning",),
    "logging": ("access_logging",),
    "ownership_controls": ("acls_enabled",),
}


def _unknown_where_ambiguous(bucket: Bucket, kinds: list[str]) -> Bucket:
    """A split resource whose bucket cannot be told might be this bucket's: what it could change
    becomes unknown, except a failure that it could not undo (public stays public)."""
    update: dict[str, Any] = {}
    for kind in kinds:
        for name in _SPLIT_FIELDS[kind]:
            value = getattr(bucket, name)
            if name in ("public_read", "public_write") and value is True and kind != "public_access_block":
                continue
            update[name] = None
    return bucket.model_copy(update=update) if update else bucket


def _uses_acl(attrs: dict[str, Any], split: list[IacResource]) -> bool:
    acls = [attrs.get("acl")] + [r.attrs.get("acl") or r.attrs.get("access_control_policy") for r in split]
    return any(a not in (None, "private") for a in acls)


_STUDIO_APP_SETTINGS = ("jupyter_server_app_settings", "kernel_gateway_app_settings", "jupyter_lab_app_settings", "code_editor_app_settings", "app")


def _lifecycle_arns(settings: Any) -> list[Any]:
    """Lifecycle configuration ARNs in a Studio user settings block (domain default or profile)."""
    if not isinstance(settings, dict):
        return [] if settings is None else [Unknown("user settings are unknown")]
    out: list[Any] = []
    for key in _STUDIO_APP_SETTINGS:
        app = first(settings.get(key))
        if isinstance(app, Unknown):
            out.append(app)
            continue
        if not app:
            continue
        arns = app.get("lifecycle_config_arns")
        out += arns if isinstance(arns, list) else ([] if arns is None else [arns])
        spec = first(app.get("default_resource_spec"))
        if isinstance(spec, dict) and spec.get("lifecycle_config_arn") is not None:
            out.append(spec["lifecycle_config_arn"])
    return out


def _studio_script_secrets(lc: IacResource) -> list[SecretHit] | None:
    value = lc.attrs.get("studio_lifecycle_config_content")
    if value is None:
        return []
    if not isinstance(value, str):
        return None
    try:
        script = base64.b64decode(value, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        script = value
    return find_secrets(script, f"{lc.address}.studio_lifecycle_config_content")


def _lifecycle_secrets(lc: IacResource) -> list[SecretHit] | None:
    hits: list[SecretHit] = []
    for field in ("on_create", "on_start"):
        value = lc.attrs.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            return None
        try:
            script = base64.b64decode(value, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            script = value
        hits += find_secrets(script, f"{lc.address}.{field}")
    return hits
