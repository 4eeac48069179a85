"""What an identity is allowed to do: full admin, full data access, public bindings."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Role

# Types whose public_members are the point of the resource (a project or bucket IAM policy);
# for other principals an unset list means the collector does not model bindings on them.
_BINDING_TYPES = ("binding", "policy")


@check(
    id="role_admin_access",
    severity=Severity.HIGH,
    title="Identity has full administrator access",
    description="The identity holds full admin rights: AWS AdministratorAccess or an Allow of '*' on "
    "'*' (or an Allow NotAction that still grants IAM); GCP roles/owner or roles/editor; Azure Owner, "
    "Contributor or User Access Administrator at subscription scope held by a "
    "service principal. A leaked ML job credential then owns the whole account.",
    remediation="AWS: replace AdministratorAccess / '*:*' statements with least-privilege policies "
    "(IAM Access Analyzer can generate one from activity). GCP: replace basic roles with predefined or "
    "custom roles. Azure: assign narrower built-in roles at resource-group or resource scope.",
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        "https://cloud.google.com/iam/docs/understanding-roles#basic",
        "https://learn.microsoft.com/en-us/azure/role-based-access-control/best-practices",
    ),
)
def role_admin_access(role: Role) -> Result:
    if role.is_admin is None:
        return unknown("effective permissions could not be read")
    if role.is_admin:
        return fail(f"full admin access via {role.admin_via or 'an admin policy'}", via=role.admin_via)
    return passed("no full admin access")


@check(
    id="role_wildcard_data_access",
    severity=Severity.MEDIUM,
    title="Identity has full data access on all resources",
    description="A policy allows every storage action ('s3:*', 'storage.*' and the like) on every "
    "resource, as careless ML execution roles often do: any job with the role can read, overwrite "
    "or delete all data.",
    remediation="AWS: limit the S3 actions to those the job needs (GetObject, PutObject, ListBucket) on "
    "the named buckets and prefixes. GCP: grant storage roles on the buckets concerned, not the project, "
    "and prefer roles/storage.objectViewer or objectCreator over admin roles.",
    clouds=("aws", "gcp"),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html",
        "https://cloud.google.com/storage/docs/access-control/iam-roles",
    ),
)
def role_wildcard_data_access(role: Role) -> Result:
    if role.wildcard_data_access is None:
        return unknown("effective permissions could not be read")
    if role.wildcard_data_access:
        return fail(
            f"full data access on all resources via {role.wildcard_data_via or 'a wildcard policy'}",
            via=role.wildcard_data_via,
        )
    return passed("no wildcard data access on all resources")


@check(
    id="role_public_binding",
    severity=Severity.CRITICAL,
    title="IAM binding grants a role to allUsers or allAuthenticatedUsers",
    description="A project, bucket or service-account IAM binding grants a role to allUsers (anyone on "
    "the internet) or allAuthenticatedUsers (anyone with a Google account).",
    remediation="GCP: remove allUsers and allAuthenticatedUsers from the IAM policy and enforce the "
    "organization policy constraint iam.allowedPolicyMemberDomains.",
    clouds=("gcp",),
    references=(
        "https://cloud.google.com/iam/docs/principals-overview#all-users",
        "https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains",
    ),
)
def role_public_binding(role: Role) -> Result | None:
    if role.public_members is None:
        if role.principal_type in _BINDING_TYPES:
            return unknown("IAM policy bindings could not be read")
        return None
    if role.public_members:
        members = ", ".join(sorted(set(role.public_members)))
        return fail(f"role granted to {members}", members=sorted(set(role.public_members)))
    return passed("no bindings to allUsers or allAuthenticatedUsers")
