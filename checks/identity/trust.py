"""Who may assume an AWS role: anyone, or a foreign account without an external id."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Role

_TRUST_DOCS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-trust-policy",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html",
)


@check(
    id="role_trusts_any_principal",
    severity=Severity.CRITICAL,
    title="Role can be assumed by any principal",
    description="The role's trust policy lets any principal ('*' or {\"AWS\": \"*\"}) assume it with no "
    "restricting condition, so any AWS account in the world can take on its permissions.",
    remediation="AWS: name the exact accounts, roles or services in the trust policy's Principal, or add "
    "a condition (aws:PrincipalOrgID, aws:SourceArn, sts:ExternalId) that restricts who can assume it.",
    clouds=("aws",),
    references=_TRUST_DOCS,
)
def role_trusts_any_principal(role: Role) -> Result | None:
    if role.principal_type != "role":
        return None  # only roles have a trust policy
    if role.trusts_any_principal is None:
        return unknown("trust policy could not be read")
    if role.trusts_any_principal:
        return fail(f"trust policy lets any principal assume the role: {role.trust_detail or 'Principal *'}",
                    detail=role.trust_detail)
    return passed("trust policy names specific principals or restricts them by condition")


@check(
    id="role_cross_account_no_external_id",
    severity=Severity.HIGH,
    title="Role trusts another account without an external id",
    description="The role's trust policy lets another AWS account assume it with no sts:ExternalId, "
    "aws:SourceArn/SourceAccount or organization condition, which opens it to the confused-deputy "
    "problem (a third party tricked into acting with this role).",
    remediation="AWS: add a Condition with sts:ExternalId (for third parties) or aws:PrincipalOrgID / "
    "aws:SourceArn to each cross-account trust statement, or remove accounts that no longer need it.",
    clouds=("aws",),
    references=_TRUST_DOCS,
)
def role_cross_account_no_external_id(role: Role) -> Result | None:
    if role.principal_type != "role":
        return None
    if role.untrusted_accounts is None:
        return unknown("trust policy could not be read")
    if role.untrusted_accounts:
        accounts = sorted(set(role.untrusted_accounts))
        return fail(f"trusts account(s) {', '.join(accounts)} without an external id or source condition",
                    accounts=accounts)
    return passed("no foreign account is trusted without a restricting condition")
