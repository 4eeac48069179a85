"""IAM roles and users: trust, effective permission documents, console sign-in, MFA and keys.

``GetAccountAuthorizationDetails`` gives every role, user, group and customer-managed policy
with its documents in a few paginated calls; AWS-managed policies that are attached are read
once each; the credential report gives console access, MFA and key ages for all users in one
call. Service-linked roles (path ``/aws-service-role/``) are AWS's own and left out.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from datetime import datetime
from typing import Any

from auditor.analysis.iam_policy import (
    admin_analysis,
    normalize_policy,
    trust_analysis,
    wildcard_data_analysis,
)
from auditor.collectors.aws.runtime import Scan
from auditor.resources import AccessKey, Ref, Role

PERMISSIONS = (
    "iam:GetAccountAuthorizationDetails",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
)
OPERATIONS = {
    "iam": frozenset(
        {"GetAccountAuthorizationDetails", "GetPolicy", "GetPolicyVersion", "GenerateCredentialReport", "GetCredentialReport"}
    )
}
REPORT_WAIT_SECONDS = 60.0


def _tags(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in items or [] if "Key" in t}


def _inline(items: list[dict[str, Any]] | None, name_key: str) -> list[dict[str, Any]]:
    docs = []
    for item in items or []:
        doc = normalize_policy(item.get("PolicyDocument"))
        doc.setdefault("Sid", item.get(name_key))
        docs.append(doc)
    return docs


def _attached(
    items: list[dict[str, Any]] | None, managed: dict[str, dict[str, Any] | None]
) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """Attached policy ARNs, their documents, and the ARNs whose documents are unknown."""
    arns = [str(p["PolicyArn"]) for p in items or []]
    docs, missing = [], []
    for arn in arns:
        doc = managed.get(arn)
        if doc is None:
            missing.append(arn)
        else:
            docs.append(doc)
    return arns, docs, missing


def _permission_fields(arns: list[str], docs: list[dict[str, Any]], missing: list[str]) -> dict[str, Any]:
    """Admin and wildcard-data verdicts; a missing document leaves a negative verdict unknown."""
    is_admin, admin_via = admin_analysis(docs, arns)
    wildcard, wildcard_via = wildcard_data_analysis(docs)
    return {
        "is_admin": True if is_admin else (None if missing else False),
        "admin_via": admin_via,
        "wildcard_data_access": True if wildcard else (None if missing else False),
        "wildcard_data_via": wildcard_via,
        "policy_documents": docs,
    }


def normalize_role(detail: dict[str, Any], account: str, managed: dict[str, dict[str, Any] | None]) -> Role:
    arns, attached_docs, missing = _attached(detail.get("AttachedManagedPolicies"), managed)
    docs = _inline(detail.get("RolePolicyList"), "PolicyName") + attached_docs
    trust_doc = normalize_policy(detail.get("AssumeRolePolicyDocument"))
    trust = trust_analysis(trust_doc, account)
    return Role(
        ref=Ref(provider="aws", cloud="aws", account=account, id=str(detail["Arn"]), name=str(detail["RoleName"])),
        tags=_tags(detail.get("Tags")),
        principal_type="role",
        trusts_any_principal=trust.trusts_any_principal,
        trust_detail=trust.detail,
        untrusted_accounts=trust.untrusted_accounts,
        trust_policy=trust_doc,
        console_access=False,  # roles cannot sign in with a password
        access_keys=[],  # nor hold long-lived keys
        **_permission_fields(arns, docs, missing),
    )


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    value = value.strip().lower()
    return True if value == "true" else False if value == "false" else None


def _date(value: str | None) -> datetime | None:
    if not value or value.strip().upper() in ("N/A", "NO_INFORMATION", "NOT_SUPPORTED"):
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_credential_report(content: bytes | str) -> dict[str, dict[str, str]]:
    """The credential report CSV by user name (the root account row left out)."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    rows = {}
    for row in csv.DictReader(io.StringIO(text)):
        name = row.get("user") or ""
        if name and name != "<root_account>":
            rows[name] = row
    return rows


def credential_fields(name: str, row: dict[str, str] | None) -> dict[str, Any]:
    if row is None:
        return {"console_access": None, "mfa_enabled": None, "access_keys": None}
    keys = []
    for n in (1, 2):
        active = _bool(row.get(f"access_key_{n}_active"))
        created = _date(row.get(f"access_key_{n}_last_rotated"))
        if active is None or (not active and created is None):
            continue
        keys.append(
            AccessKey(
                id=f"{name}/access_key_{n}",
                active=active,
                created=created,
                last_used=_date(row.get(f"access_key_{n}_last_used_date")),
            )
        )
    return {
        "console_access": _bool(row.get("password_enabled")),
        "mfa_enabled": _bool(row.get("mfa_active")),
        "access_keys": keys,
    }


def normalize_user(
    detail: dict[str, Any],
    account: str,
    managed: dict[str, dict[str, Any] | None],
    groups: dict[str, dict[str, Any]],
    report: dict[str, dict[str, str]] | None,
) -> Role:
    name = str(detail["UserName"])
    arns, docs, missing = _attached(detail.get("AttachedManagedPolicies"), managed)
    docs = _inline(detail.get("UserPolicyList"), "PolicyName") + docs
    for group_name in detail.get("GroupList") or []:
        group = groups.get(group_name)
        if group is None:
            missing.append(f"group {group_name}")
            continue
        g_arns, g_docs, g_missing = _attached(group.get("AttachedManagedPolicies"), managed)
        arns += g_arns
        docs += _inline(group.get("GroupPolicyList"), "PolicyName") + g_docs
        missing += g_missing
    # No report, or a user created after it: unknown, never clean.
    creds = credential_fields(name, None if report is None else report.get(name))
    return Role(
        ref=Ref(provider="aws", cloud="aws", account=account, id=str(detail["Arn"]), name=name),
        tags=_tags(detail.get("Tags")),
        principal_type="user",
        trusts_any_principal=False,  # users have no trust policy
        trust_detail="IAM users have no trust policy",
        untrusted_accounts=[],
        **creds,
        **_permission_fields(arns, docs, missing),
    )


def normalize_group(detail: dict[str, Any], account: str, managed: dict[str, dict[str, Any] | None]) -> Role:
    """An IAM group: judged for what it grants, since every member (present or future) holds it."""
    arns, attached_docs, missing = _attached(detail.get("AttachedManagedPolicies"), managed)
    docs = _inline(detail.get("GroupPolicyList"), "PolicyName") + attached_docs
    return Role(
        ref=Ref(provider="aws", cloud="aws", account=account, id=str(detail["Arn"]), name=str(detail["GroupName"])),
        principal_type="group",
        **_permission_fields(arns, docs, missing),
    )


class IamCollection:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self.details: dict[str, list[dict[str, Any]]] = {}
        self.details_ok = False
        self.managed: dict[str, dict[str, Any] | None] = {}
        self.report: dict[str, dict[str, str]] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self.scan.tasks.submit("iam authorization details", self._details)
        self.scan.tasks.submit("iam credential report", self._credential_report)

    def _details(self) -> None:
        scan, region = self.scan, self.scan.home_region
        lists: dict[str, list[dict[str, Any]]] = {
            "UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []
        }
        params: dict[str, Any] = {"Filter": ["User", "Role", "Group", "LocalManagedPolicy"]}
        while True:
            page, failure = scan.call("iam", region, "GetAccountAuthorizationDetails", incomplete=True, **params)
            if failure is not None:
                return
            for key, items in lists.items():
                items.extend(page.get(key) or [])
            if not page.get("IsTruncated"):
                break
            params["Marker"] = page["Marker"]
        self.details, self.details_ok = lists, True
        for policy in lists["Policies"]:
            version = next((v for v in policy.get("PolicyVersionList") or [] if v.get("IsDefaultVersion")), None)
            self.managed[str(policy["Arn"])] = normalize_policy(version.get("Document")) if version else None
        attached = {
            str(p["PolicyArn"])
            for key in ("UserDetailList", "GroupDetailList", "RoleDetailList")
            for entity in lists[key]
            for p in entity.get("AttachedManagedPolicies") or []
        }
        for arn in sorted(attached - set(self.managed)):
            scan.tasks.submit(f"iam policy {arn}", self._aws_managed, arn)

    def _aws_managed(self, arn: str) -> None:
        scan, region = self.scan, self.scan.home_region
        policy, failure = scan.call("iam", region, "GetPolicy", resource=arn, PolicyArn=arn)
        doc = None
        if failure is None:
            version_id = policy["Policy"]["DefaultVersionId"]
            version, failure = scan.call("iam", region, "GetPolicyVersion", resource=arn, PolicyArn=arn, VersionId=version_id)
            if failure is None:
                doc = normalize_policy(version["PolicyVersion"].get("Document"))
        with self._lock:
            self.managed[arn] = doc

    def _credential_report(self) -> None:
        scan, region = self.scan, self.scan.home_region
        deadline = time.monotonic() + REPORT_WAIT_SECONDS
        delay = 0.2
        while True:
            state, failure = scan.call("iam", region, "GenerateCredentialReport")
            if failure is not None:
                return
            if state.get("State") == "COMPLETE":
                break
            if time.monotonic() > deadline:
                scan.sink.error(_report_timeout(scan.account, region))
                return
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        report, failure = scan.call("iam", region, "GetCredentialReport")
        if failure is None:
            self.report = parse_credential_report(report.get("Content") or b"")

    def finish(self) -> None:
        if not self.details_ok:
            return
        account = self.scan.account
        for detail in self.details["RoleDetailList"]:
            if str(detail.get("Path", "")).startswith("/aws-service-role/"):
                continue
            self.scan.sink.add(normalize_role(detail, account, self.managed))
        groups = {str(g["GroupName"]): g for g in self.details["GroupDetailList"]}
        for group in groups.values():
            self.scan.sink.add(normalize_group(group, account, self.managed))
        for detail in self.details["UserDetailList"]:
            self.scan.sink.add(normalize_user(detail, account, self.managed, groups, self.report))


def _report_timeout(account: str, region: str) -> Any:
    from auditor.collectors.base import CollectionError

    return CollectionError(
        source="aws",
        message=f"iam credential report was not ready within {REPORT_WAIT_SECONDS:.0f} s",
        operation="iam:GenerateCredentialReport",
        account=account,
        region=region,
    )
