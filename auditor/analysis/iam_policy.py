"""Pure analysis of AWS IAM policy documents (identity, trust, bucket and key policies).

Shared by the live AWS collector and the Terraform/CloudFormation readers, which build the same
IAM JSON from code. Nothing here does I/O. The analysis is deliberately conservative about what
counts as a *restricting* condition: only condition keys that pin the caller to an account,
organization, source or external id count, and a wildcard value restricts nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

ADMIN_MANAGED_POLICIES = frozenset(
    {
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
        "arn:aws-cn:iam::aws:policy/AdministratorAccess",
    }
)

_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")

# Condition keys (lower case) that tie a trust statement to a known caller.
_TRUST_RESTRICTING_KEYS = frozenset(
    {
        "sts:externalid",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:userid",
    }
)
# For cross-account trust, what makes it safe: an external id, or a source/org pin.
_CROSS_ACCOUNT_RESTRICTING_KEYS = frozenset(
    {
        "sts:externalid",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
    }
)
# Resource policies (S3, KMS): network and caller pins also keep anonymous callers out.
_RESOURCE_RESTRICTING_KEYS = _TRUST_RESTRICTING_KEYS | {
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:username",
    "kms:calleraccount",
    "kms:viaservice",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
}
_OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})

_READ_ACTIONS = ("s3:GetObject", "s3:ListBucket", "s3:GetObjectVersion")
_WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:DeleteBucket",
)

_ACCOUNT_IN_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")


@dataclass(frozen=True)
class TrustAnalysis:
    trusts_any_principal: bool
    detail: str
    untrusted_accounts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PublicAnalysis:
    read: bool
    write: bool
    via: str = ""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def normalize_policy(doc: dict[str, Any] | str | None) -> dict[str, Any]:
    """A policy in one shape: ``Statement`` a list; actions, resources and principal values lists.

    Accepts a JSON string (also URL-encoded JSON as IAM returns it in some calls). ``Principal:
    "*"`` becomes ``{"AWS": ["*"]}``, which AWS defines as the same thing.
    """
    if doc is None:
        return {"Statement": []}
    if isinstance(doc, str):
        text = doc.strip()
        if text.startswith("%7B") or text.startswith("%7b"):
            from urllib.parse import unquote

            text = unquote(text)
        doc = json.loads(text) if text else {}
    if not isinstance(doc, dict):
        raise ValueError(f"policy document is not a JSON object: {type(doc).__name__}")
    out: dict[str, Any] = {k: v for k, v in doc.items() if k != "Statement"}
    statements = []
    for raw in _as_list(doc.get("Statement")):
        if not isinstance(raw, dict):
            continue
        stmt = dict(raw)
        for key in _LIST_KEYS:
            if key in stmt:
                stmt[key] = [str(v) for v in _as_list(stmt[key])]
        for key in ("Principal", "NotPrincipal"):
            if key in stmt:
                stmt[key] = _normalize_principal(stmt[key])
        if "Condition" in stmt and not isinstance(stmt["Condition"], dict):
            stmt["Condition"] = {}
        statements.append(stmt)
    out["Statement"] = statements
    return out


def _normalize_principal(value: Any) -> dict[str, list[str]]:
    if isinstance(value, str):
        return {"AWS": [value]}
    if isinstance(value, dict):
        return {str(k): [str(v) for v in _as_list(vs)] for k, vs in value.items()}
    return {}


def _statements(doc: dict[str, Any] | str | None) -> list[dict[str, Any]]:
    return normalize_policy(doc)["Statement"]


def _action_matches(patterns: Iterable[str], action: str) -> bool:
    action = action.lower()
    return any(fnmatchcase(action, p.lower()) for p in patterns)


def _allowed_actions(stmt: dict[str, Any], candidates: Sequence[str]) -> list[str]:
    """Which of ``candidates`` an Allow statement grants (Action or NotAction)."""
    if "Action" in stmt:
        return [a for a in candidates if _action_matches(stmt["Action"], a)]
    if "NotAction" in stmt:
        return [a for a in candidates if not _action_matches(stmt["NotAction"], a)]
    return []


def _condition_items(stmt: dict[str, Any]) -> Iterable[tuple[str, str, list[str]]]:
    for operator, block in (stmt.get("Condition") or {}).items():
        if not isinstance(block, dict):
            continue
        for key, values in block.items():
            yield str(operator), str(key).lower(), [str(v) for v in _as_list(values)]


def _restricting_keys(stmt: dict[str, Any], allowed: frozenset[str]) -> list[str]:
    """Condition keys in ``allowed`` whose values actually pin something (no bare wildcard)."""
    found = []
    for operator, key, values in _condition_items(stmt):
        if key not in allowed or not values:
            continue
        if operator.lower().startswith("null") or operator.lower().startswith("forallvalues"):
            continue  # Null checks only existence; ForAllValues holds on an empty set
        if all(v.strip() in ("*", "") or v.strip() in _OPEN_CIDRS for v in values):
            continue
        found.append(key)
    return found


def _principal_values(stmt: dict[str, Any]) -> list[tuple[str, str]]:
    return [(ptype, value) for ptype, values in (stmt.get("Principal") or {}).items() for value in values]


def _is_anyone(ptype: str, value: str) -> bool:
    return value == "*" and ptype in ("AWS", "CanonicalUser", "*")


def _account_of(value: str) -> str | None:
    if re.fullmatch(r"\d{12}", value):
        return value
    match = _ACCOUNT_IN_ARN.match(value)
    return match.group(1) if match else None


def _is_allow(stmt: dict[str, Any]) -> bool:
    return str(stmt.get("Effect", "")).lower() == "allow"


def trust_analysis(doc: dict[str, Any] | str | None, own_account: str | None = None) -> TrustAnalysis:
    """Who may assume a role, judged from its trust policy.

    Any principal (``*`` / ``{"AWS": "*"}``) without a restricting condition is trust-anyone.
    A foreign account root or ARN without ``sts:ExternalId``, a source or an org condition is an
    untrusted account. With ``own_account`` unknown every account principal counts as foreign,
    since it cannot be shown to be the role's own. Service principals are fine.
    """
    any_reasons: list[str] = []
    untrusted: list[str] = []
    trusted_notes: list[str] = []
    for stmt in _statements(doc):
        if not _is_allow(stmt):
            continue
        assume = _allowed_actions(
            stmt, ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")
        )
        if not assume:
            continue
        for ptype, value in _principal_values(stmt):
            if _is_anyone(ptype, value) or (ptype == "Federated" and value == "*"):
                pins = _restricting_keys(stmt, _TRUST_RESTRICTING_KEYS)
                if pins:
                    trusted_notes.append(f"any principal, restricted by {', '.join(sorted(set(pins)))}")
                else:
                    any_reasons.append(f"Principal {ptype}: * may {'/'.join(assume)} with no restricting condition")
                continue
            if ptype != "AWS":
                continue
            account = _account_of(value)
            if account is None or (own_account is not None and account == own_account):
                continue
            pins = _restricting_keys(stmt, _CROSS_ACCOUNT_RESTRICTING_KEYS)
            if pins:
                trusted_notes.append(f"account {account} with {', '.join(sorted(set(pins)))}")
            elif account not in untrusted:
                untrusted.append(account)
    if any_reasons:
        detail = "; ".join(dict.fromkeys(any_reasons))
    elif untrusted:
        detail = f"trusts account(s) {', '.join(untrusted)} without sts:ExternalId or a source/org condition"
    elif trusted_notes:
        detail = "trust is restricted: " + "; ".join(dict.fromkeys(trusted_notes))
    else:
        detail = "trusts only services or principals of its own account"
    return TrustAnalysis(trusts_any_principal=bool(any_reasons), detail=detail, untrusted_accounts=untrusted)


# Probes for statements written with NotAction / NotResource: such a statement grants
# everything it does not exclude, so it is judged by what it still grants.
_IAM_ESCALATION_ACTIONS = ("iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:CreateUser", "iam:CreatePolicyVersion", "iam:PassRole")
_IAM_RESOURCES = (
    "arn:aws:iam::000000000000:role/probe",
    "arn:aws:iam::000000000000:user/probe",
    "arn:aws:iam::000000000000:policy/probe",
)
_S3_DATA_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:PutBucketPolicy")
_S3_RESOURCES = ("arn:aws:s3:::probe-bucket", "arn:aws:s3:::probe-bucket/probe-key")


def _resource_matches(patterns: Iterable[str], resource: str) -> bool:
    return any(fnmatchcase(resource, p) for p in patterns)


def _covers_resources(stmt: dict[str, Any], probes: Sequence[str]) -> bool:
    """The statement applies to every resource like ``probes``: ``Resource: *`` or a NotResource
    that excludes none of them."""
    if "Resource" in stmt:
        return "*" in stmt["Resource"]
    if "NotResource" in stmt:
        return not any(_resource_matches(stmt["NotResource"], r) for r in probes)
    return False


def _not_action_detail(stmt: dict[str, Any]) -> str:
    name = stmt.get("Sid") or "a statement"
    where = "Resource *" if "Resource" in stmt else f"NotResource {', '.join(stmt.get('NotResource', []))}"
    return f"{name} allows every action except {', '.join(stmt['NotAction'])} on {where}"


def admin_analysis(
    docs: Sequence[dict[str, Any] | str], managed_policy_arns: Iterable[str] = ()
) -> tuple[bool, str | None]:
    """Full admin: AdministratorAccess attached, or an Allow of ``*`` on ``*`` in any document.

    ``Allow NotAction [...]`` is everything but the listed actions: admin when IAM itself is not
    among the exclusions (so ``PowerUserAccess``, which excludes ``iam:*``, is not). A
    ``NotResource`` that excludes no IAM resource counts as every resource.
    """
    for arn in managed_policy_arns:
        if arn in ADMIN_MANAGED_POLICIES:
            return True, "managed policy AdministratorAccess"
    for doc in docs:
        for stmt in _statements(doc):
            if not _is_allow(stmt) or not _covers_resources(stmt, _IAM_RESOURCES):
                continue
            name = stmt.get("Sid") or "a statement"
            if "Action" in stmt and any(a in ("*", "*:*") for a in stmt["Action"]):
                where = "Resource *" if "Resource" in stmt else f"NotResource {', '.join(stmt['NotResource'])}"
                return True, f"{name} allows Action * on {where}"
            if "NotAction" in stmt and len(_allowed_actions(stmt, _IAM_ESCALATION_ACTIONS)) == len(_IAM_ESCALATION_ACTIONS):
                return True, _not_action_detail(stmt)
    return False, None


_S3_ALL_RESOURCES = ("*", "arn:aws:s3:::*", "arn:aws:s3:::*/*")


def wildcard_data_analysis(docs: Sequence[dict[str, Any] | str]) -> tuple[bool, str | None]:
    """``s3:*`` (full data access) allowed on every bucket: the careless ML execution role.

    An ``Allow NotAction [...]`` that excludes no S3 data action grants ``s3:*`` as well, and a
    ``NotResource`` that excludes no bucket covers every bucket. (``Action: *`` is left to
    ``admin_analysis``.)
    """
    for doc in docs:
        for stmt in _statements(doc):
            if not _is_allow(stmt):
                continue
            if "Action" in stmt:
                if not any(a.lower() == "s3:*" for a in stmt["Action"]):
                    continue
                resources = stmt.get("Resource", [])
                if any(r in _S3_ALL_RESOURCES for r in resources):
                    return True, f"allows s3:* on {', '.join(r for r in resources if r in _S3_ALL_RESOURCES)}"
                if "NotResource" in stmt and _covers_resources(stmt, _S3_RESOURCES):
                    return True, f"allows s3:* on every bucket but {', '.join(stmt['NotResource'])}"
            elif "NotAction" in stmt:
                granted = _allowed_actions(stmt, _S3_DATA_ACTIONS)
                if len(granted) == len(_S3_DATA_ACTIONS) and _covers_resources(stmt, _S3_RESOURCES):
                    return True, _not_action_detail(stmt)
    return False, None


def resource_policy_public(doc: dict[str, Any] | str | None) -> PublicAnalysis:
    """Whether an S3 bucket policy lets anyone (any principal, any AWS account) read or write."""
    read: list[str] = []
    write: list[str] = []
    for stmt in _statements(doc):
        if not _is_allow(stmt):
            continue
        if not any(_is_anyone(t, v) for t, v in _principal_values(stmt)):
            continue
        if _restricting_keys(stmt, _RESOURCE_RESTRICTING_KEYS):
            continue
        read += _allowed_actions(stmt, _READ_ACTIONS)
        write += _allowed_actions(stmt, _WRITE_ACTIONS)
    read, write = list(dict.fromkeys(read)), list(dict.fromkeys(write))
    via = ""
    if read or write:
        via = f"bucket policy allows {', '.join(read + write)} to Principal *"
    return PublicAnalysis(read=bool(read), write=bool(write), via=via)


def denies_insecure_transport(doc: dict[str, Any] | str | None) -> bool:
    """The policy denies every principal S3 access when ``aws:SecureTransport`` is false."""
    for stmt in _statements(doc):
        if str(stmt.get("Effect", "")).lower() != "deny":
            continue
        if not any(_is_anyone(t, v) for t, v in _principal_values(stmt)):
            continue
        if "Action" not in stmt or not (
            _action_matches(stmt["Action"], "s3:GetObject") and _action_matches(stmt["Action"], "s3:PutObject")
        ):
            continue
        for operator, key, values in _condition_items(stmt):
            secure = key == "aws:securetransport" and operator.lower() in ("bool", "boolifexists")
            if secure and any(v.lower() == "false" for v in values):
                return True
    return False


def key_policy_public(doc: dict[str, Any] | str | None) -> tuple[bool, str | None]:
    """A KMS key policy letting any principal use or manage the key without a restricting condition."""
    for stmt in _statements(doc):
        if not _is_allow(stmt):
            continue
        if not any(_is_anyone(t, v) for t, v in _principal_values(stmt)):
            continue
        if _restricting_keys(stmt, _RESOURCE_RESTRICTING_KEYS):
            continue
        actions = stmt.get("Action") or [f"NotAction {', '.join(stmt.get('NotAction', []))}"]
        name = stmt.get("Sid") or "a statement"
        return True, f"{name} allows {', '.join(actions)} to Principal * with no restricting condition"
    return False, None
