"""API audit logging for the account, project or subscription."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import AuditTrail


@check(
    id="audit_logging_off",
    severity=Severity.HIGH,
    title="No account-wide API audit logging",
    description="The account has no account-wide API audit trail: no multi-region CloudTrail trail that "
    "is logging (AWS), Data Access audit logs off (GCP), no activity log export (Azure). In IaC only a "
    "declared trail or setting that is disabled or single-region fails, since a repository need not "
    "hold the account's trail.",
    remediation="AWS: create a multi-region CloudTrail trail (IsMultiRegionTrail=true) that is logging, "
    "ideally an organization trail. GCP: enable Data Access audit logs in the project's or "
    "organization's audit config. Azure: add a subscription diagnostic setting that exports the "
    "activity log to a Log Analytics workspace or storage account.",
    references=(
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
        "https://cloud.google.com/logging/docs/audit/configure-data-access",
        "https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/activity-log",
    ),
)
def audit_logging_off(trail: AuditTrail) -> Result:
    detail = trail.detail
    what = "account-wide audit logging" if trail.scope == "account" else "audit trail"
    if trail.enabled is False:
        return fail(
            f"no account-wide audit trail is logging{': ' + detail if detail else ''}"
            if trail.scope == "account"
            else f"audit trail is not logging{': ' + detail if detail else ''}",
            detail=detail,
        )
    if trail.multi_region is False:
        return fail(
            f"{what} covers a single region only{': ' + detail if detail else ''}", detail=detail
        )
    if trail.enabled is None:
        return unknown(f"{what} settings could not be read", detail=detail)
    # Only CloudTrail has regions; GCP and Azure audit logging is global by nature.
    if trail.multi_region is None and trail.ref.cloud == "aws":
        return unknown(f"whether the {what} covers all regions could not be read", detail=detail)
    return passed(f"{what} is on{': ' + detail if detail else ''}", detail=detail)
