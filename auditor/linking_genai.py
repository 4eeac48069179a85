"""Generative-AI joins (pure, no I/O), run by ``auditor.linking.link``.

- An agent's (or knowledge base's) role is looked up among the scan's Roles: its admin and
  wildcard-data verdicts become the workload's ``role_admin`` / ``role_wildcard_data``.
- Poisoned retrieval: a knowledge base or vector index whose source bucket anyone can read or
  write, or whose backing vector store is public, gets an ``exposure_chain`` naming every hop.
- Swapped model: a workload whose model artifacts load from a bucket that anyone, or its own
  role, can write gets an ``exposure_chain`` (workload, role, grant, bucket).
- Prompt logs: the log bucket's public access and key (Bedrock invocation logs, SageMaker data
  capture, Azure diagnostic settings) decide ``log_public`` and ``log_customer_key``.

Pointers (``role``, ``source_buckets``, ``backing_store``, ``artifact_buckets``, ``log_targets``)
are resource ids: ARNs in a live scan, Terraform addresses in IaC. A pointer to something the scan
did not read leaves the verdict unknown unless another hop already proves the exposure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.analysis.genai_policy import bucket_write_grant
from auditor.resources import MLWorkload, Resource, Role

if TYPE_CHECKING:
    from auditor.linking import JoinIndex

_STORE_TYPES = ("knowledge_base", "vector_store")


# A workload's pointers to other resources (role, buckets, vector store): any of them set means a join.
POINTERS = ("role", "action_roles", "source_buckets", "backing_store", "artifact_buckets")


def needs_linking(resource: Resource) -> bool:
    return isinstance(resource, MLWorkload) and needs_joins(
        {name: getattr(resource, name) for name in (*POINTERS, "invocation_logging", "log_targets")})


def needs_joins(workload: dict[str, object]) -> bool:
    """``needs_linking`` on a workload's fields (a dictionary read from an inventory line)."""
    return any(workload.get(name) for name in POINTERS) or bool(
        workload.get("invocation_logging") is True and workload.get("log_targets"))


def genai_update(w: MLWorkload, index: JoinIndex) -> dict[str, object]:
    """The fields the generative-AI joins set on a workload that ``needs_linking``."""
    update: dict[str, object] = {}
    role = index.role(w.role) if w.role else None
    if w.workload_type == "agent":
        update.update(_agent_rights(w, index))
    elif role is not None:
        update.update(role_admin=role.is_admin, role_wildcard_data=role.wildcard_data_access,
                      role_detail=role.admin_via if role.is_admin else role.wildcard_data_via)
    if w.workload_type in _STORE_TYPES and (w.source_buckets or w.backing_store):
        update["exposure_chain"] = _retrieval_chain(w, index)
    elif w.artifact_buckets:
        update["exposure_chain"] = _artifact_chain(w, role, index)
    if w.invocation_logging is True and w.log_targets:
        update.update(_log_protection(w, index))
    return update


def _agent_rights(w: MLWorkload, index: JoinIndex) -> dict[str, object]:
    """An agent acts with its service role and with its action groups' function roles: the worst
    of them decides; one that is not in the scan leaves a clean verdict unknown."""
    pointers = [("service role", w.role)] if w.role else []
    pointers += [("action-group role", r) for r in w.action_roles or []]
    admin: bool | None = False
    wildcard: bool | None = False
    details: list[str] = []
    for what, pointer in pointers:
        role = index.role(pointer)
        if role is None:
            admin = None if admin is False else admin
            wildcard = None if wildcard is False else wildcard
            continue
        if role.is_admin:
            admin = True
            details.append(f"{what} {role.ref.name}: {role.admin_via}")
        elif role.is_admin is None and admin is False:
            admin = None
        if role.wildcard_data_access:
            wildcard = True
            if not role.is_admin:
                details.append(f"{what} {role.ref.name}: {role.wildcard_data_via}")
        elif role.wildcard_data_access is None and wildcard is False:
            wildcard = None
    if w.action_roles is None:  # the action groups could not be read
        admin = None if admin is False else admin
        wildcard = None if wildcard is False else wildcard
    if not pointers and w.action_roles is not None:
        return {}
    return {"role_admin": admin, "role_wildcard_data": wildcard, "role_detail": "; ".join(details) or None}


def _name(w: MLWorkload) -> str:
    return f"{w.workload_type.replace('_', ' ')} {w.ref.name}"


def _retrieval_chain(w: MLWorkload, index: JoinIndex) -> list[str] | None:
    unknown = False
    for pointer in w.source_buckets:
        bucket = index.bucket(pointer)
        if bucket is None:
            unknown = True
            continue
        via = f" ({bucket.public_via})" if bucket.public_via else ""
        if bucket.public_write:
            return [_name(w), f"data source bucket {bucket.ref.name} writable by anyone{via}"]
        if bucket.public_read:
            return [_name(w), f"data source bucket {bucket.ref.name} readable by anyone{via}"]
        if bucket.public_write is None or bucket.public_read is None:
            unknown = True
    if w.backing_store:
        store = index.workload(w.backing_store)
        if store is None or store.public_access is None:
            unknown = True
        elif store.public_access:
            via = f" ({store.public_via})" if store.public_via else ""
            return [_name(w), f"backing {_name(store)} reachable from the internet{via}"]
    return None if unknown else []


def _artifact_chain(w: MLWorkload, role: Role | None, index: JoinIndex) -> list[str] | None:
    unknown = False
    for pointer in w.artifact_buckets:
        bucket = index.bucket(pointer)
        name = bucket.ref.name if bucket else pointer.removeprefix("arn:aws:s3:::").removeprefix("s3://").split("/", 1)[0]
        if bucket is not None and bucket.public_write:
            via = f" ({bucket.public_via})" if bucket.public_via else ""
            return [_name(w), f"artifact bucket {name} writable by anyone{via}"]
        if bucket is None or bucket.public_write is None:
            unknown = True
        if role is None or role.policy_documents is None:
            unknown = unknown or bool(w.role)
            continue
        grant = bucket_write_grant(role.policy_documents, name)
        if grant:
            return [_name(w), f"role {role.ref.name}", grant, f"artifact bucket {name}"]
    if w.role and role is None:
        unknown = True
    return None if unknown else []


def _log_protection(w: MLWorkload, index: JoinIndex) -> dict[str, object]:
    """Public access and key of the log buckets; log groups keep what their collector read."""
    targets = w.log_targets or []
    found = [b for b in (index.bucket(t) for t in targets) if b is not None]
    if not found:
        return {}
    every_target_is_a_bucket = len(found) == len(targets)
    out: dict[str, object] = {}
    exposed = [b for b in found if b.public_read]
    if exposed:
        out.update(log_public=True, log_detail=f"log bucket {exposed[0].ref.name}: {exposed[0].public_via or 'public'}")
    elif every_target_is_a_bucket and all(b.public_read is False for b in found):
        out["log_public"] = False
    keys = [None if b.encryption is None else b.encryption == "customer_managed" for b in found]
    if w.log_customer_key is True:
        pass  # the logs carry their own key (SageMaker data capture KmsKeyId), whatever the bucket's default
    elif False in keys:
        out["log_customer_key"] = False
    elif every_target_is_a_bucket and all(keys):
        out["log_customer_key"] = True
    return out
