"""What an agent's role may do."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import CheckContext, check
from auditor.resources import MLWorkload


@check(
    id="ml_agent_role_overprivileged",
    severity=Severity.HIGH,
    title="Agent acts with an admin role or wildcard data access",
    description="A Bedrock agent's service role (or, in IaC, the execution role of an action group's "
    "Lambda function) has full admin rights or wildcard data access (s3:* on all resources and the like), "
    "so a prompt injection that steers the agent reaches everything the account holds. Judged with the "
    "same IAM analysis as role_admin_access and role_wildcard_data_access. Live scans judge the service "
    "role only: reading a function's role would also return its environment variables.",
    remediation="AWS: give the agent a role that may invoke only its foundation model and read only its "
    "knowledge bases; scope action-group Lambda roles to the resources they need.",
    references=("https://docs.aws.amazon.com/bedrock/latest/userguide/agents-permissions.html",),
)
def ml_agent_role_overprivileged(workload: MLWorkload) -> Result | None:
    if workload.workload_type != "agent":
        return None
    role = workload.role or "its role"
    if workload.role_admin or workload.role_wildcard_data:
        grant = "full admin rights" if workload.role_admin else "wildcard data access"
        via = f": {workload.role_detail}" if workload.role_detail else f" through {role}"
        return fail(f"agent can act with {grant}{via}", role=workload.role)
    if workload.role_admin is None or workload.role_wildcard_data is None:
        return unknown(f"the permissions of {role} could not be read", role=workload.role)
    return passed(f"agent role {role} has neither admin rights nor wildcard data access", role=workload.role)


_DEFAULT_MAX_TTL = 1800  # Bedrock's own default: 30 minutes


@check(
    id="ml_agent_session_ttl_long",
    severity=Severity.LOW,
    title="Agent keeps idle sessions open too long",
    description="A Bedrock agent keeps an idle conversation (and what it remembers of it) longer than the "
    "policy allows (option max_seconds, default 1800, Bedrock's default), so an abandoned session can be "
    "picked up again by whoever holds its id.",
    remediation="AWS: lower idleSessionTTLInSeconds on the agent (Terraform idle_session_ttl_in_seconds).",
    references=("https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent_CreateAgent.html",),
    options={"max_seconds": _DEFAULT_MAX_TTL},
)
def ml_agent_session_ttl_long(workload: MLWorkload, ctx: CheckContext) -> Result | None:
    if workload.workload_type != "agent":
        return None
    limit = int(ctx.option("ml_agent_session_ttl_long", "max_seconds", _DEFAULT_MAX_TTL))
    if workload.idle_session_ttl is None:
        return unknown("the agent's idle session time-out could not be read")
    if workload.idle_session_ttl > limit:
        return fail(f"idle sessions stay open {workload.idle_session_ttl} s (limit {limit} s)",
                    idle_session_ttl=workload.idle_session_ttl)
    return passed(f"idle sessions end after {workload.idle_session_ttl} s", idle_session_ttl=workload.idle_session_ttl)
