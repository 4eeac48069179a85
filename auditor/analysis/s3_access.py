"""Fold S3's several public-access mechanisms into one answer (pure, no I/O).

An S3 bucket can be opened by ACL grants or by its bucket policy, and closed again by Block
Public Access at bucket or account level. Inputs that could not be read are ``None`` and make
the outputs that depend on them ``None`` (unknown), never "not public". An empty value means
"read and absent": ``[]`` no ACL grants, ``{}`` no bucket policy or no block configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.analysis.iam_policy import resource_policy_public

BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
_PUBLIC_GROUPS = {ALL_USERS: "AllUsers", AUTHENTICATED_USERS: "AuthenticatedUsers"}
_READ_PERMISSIONS = {"READ", "FULL_CONTROL"}
_WRITE_PERMISSIONS = {"WRITE", "WRITE_ACP", "FULL_CONTROL"}


@dataclass(frozen=True)
class S3Access:
    public_read: bool | None
    public_write: bool | None
    public_via: str | None
    block_fully_on: bool | None
    block_detail: str | None


def _any_true(*values: bool | None) -> bool | None:
    """Three-valued OR."""
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def effective_block(bucket_block: dict[str, Any] | None, account_block: dict[str, Any] | None) -> dict[str, bool | None]:
    """Each flag is on if either level turns it on; unknown if off where read and one level unread."""
    out: dict[str, bool | None] = {}
    for flag in BLOCK_FLAGS:
        bucket = None if bucket_block is None else bool(bucket_block.get(flag, False))
        account = None if account_block is None else bool(account_block.get(flag, False))
        out[flag] = _any_true(bucket, account)
    return out


def _block_summary(
    flags: dict[str, bool | None], bucket_block: dict[str, Any] | None, account_block: dict[str, Any] | None
) -> tuple[bool | None, str]:
    if all(v is True for v in flags.values()):
        levels = [
            name
            for name, block in (("account", account_block), ("bucket", bucket_block))
            if block is not None and all(block.get(f) for f in BLOCK_FLAGS)
        ]
        return True, f"all four flags on ({' and '.join(levels) or 'account and bucket combined'})"
    off = [f for f, v in flags.items() if v is False]
    unread = [name for name, block in (("bucket", bucket_block), ("account", account_block)) if block is None]
    if off:
        return False, f"off: {', '.join(off)}"
    return None, f"{' and '.join(unread)}-level Block Public Access could not be read"


def _acl_public(acl_grants: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    read, write = [], []
    for grant in acl_grants:
        grantee = grant.get("Grantee") or {}
        group = _PUBLIC_GROUPS.get(str(grantee.get("URI", "")))
        if group is None:
            continue
        permission = str(grant.get("Permission", ""))
        if permission in _READ_PERMISSIONS:
            read.append(f"ACL grants {permission} to {group}")
        if permission in _WRITE_PERMISSIONS:
            write.append(f"ACL grants {permission} to {group}")
    return read, write


def fold_public_access(
    *,
    acl_grants: list[dict[str, Any]] | None,
    policy: dict[str, Any] | None,
    policy_status_public: bool | None,
    bucket_block: dict[str, Any] | None,
    account_block: dict[str, Any] | None,
) -> S3Access:
    """Public read/write of one bucket after the bucket- and account-level guards."""
    flags = effective_block(bucket_block, account_block)
    block_on, block_detail = _block_summary(flags, bucket_block, account_block)

    # Each path gives (read, write) as True / False / None and its reasons.
    paths: list[tuple[bool | None, bool | None, list[str]]] = []

    if acl_grants is None:
        paths.append((None, None, []))
    else:
        read, write = _acl_public(acl_grants)
        ignored = flags["IgnorePublicAcls"]
        if (read or write) and ignored is True:
            paths.append((False, False, []))
        elif (read or write) and ignored is None:
            paths.append((None if read else False, None if write else False, []))
        else:
            paths.append((bool(read), bool(write), read + write))

    if policy is None:
        paths.append((None, None, []))
    else:
        analysis = resource_policy_public(policy) if policy else None
        p_read = bool(analysis and analysis.read)
        p_write = bool(analysis and analysis.write)
        via = [analysis.via] if analysis and analysis.via else []
        if policy_status_public is False:
            p_read = p_write = False  # S3's own evaluation is authoritative when it says no
            via = []
        elif policy_status_public is True and not (p_read or p_write):
            p_read = True
            via = ["bucket policy (S3 policy status IsPublic)"]
        restricted = flags["RestrictPublicBuckets"]
        if (p_read or p_write) and restricted is True:
            paths.append((False, False, []))
        elif (p_read or p_write) and restricted is None:
            paths.append((None if p_read else False, None if p_write else False, []))
        else:
            paths.append((p_read, p_write, via))

    public_read = _any_true(*(p[0] for p in paths))
    public_write = _any_true(*(p[1] for p in paths))
    reasons = [r for p in paths for r in p[2]]
    return S3Access(
        public_read=public_read,
        public_write=public_write,
        public_via="; ".join(reasons) or None,
        block_fully_on=block_on,
        block_detail=block_detail,
    )
