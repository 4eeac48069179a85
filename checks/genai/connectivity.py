"""Bedrock reached over the internet instead of through an interface VPC endpoint."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload


@check(
    id="ml_genai_no_private_endpoint",
    severity=Severity.LOW,
    title="Bedrock used without an interface VPC endpoint",
    description="Bedrock is used in a region (or an agent is declared) but the account has no interface VPC "
    "endpoint (PrivateLink) for bedrock-runtime, or for bedrock-agent-runtime where agents answer: prompts "
    "and responses leave the VPC for Bedrock's public endpoint, and no endpoint policy can limit which "
    "principals or models are called from the network.",
    remediation="Create interface VPC endpoints for com.amazonaws.<region>.bedrock-runtime (and "
    "bedrock-agent-runtime for agents) with private DNS in the VPCs that call Bedrock, and restrict them "
    "with an endpoint policy.",
    references=("https://docs.aws.amazon.com/bedrock/latest/userguide/vpc-interface-endpoints.html",),
    clouds=("aws",),
)
def ml_genai_no_private_endpoint(workload: MLWorkload) -> Result | None:
    if workload.workload_type == "bedrock_logging":
        if workload.in_use is False:
            return None
        where, service = f"Bedrock in {workload.ref.region or 'this region'}", "bedrock-runtime"
    elif workload.workload_type == "agent" and workload.service == "bedrock_agent":
        where, service = "the agent's region", "bedrock-agent-runtime"
    else:
        return None
    if workload.private_endpoint:
        return passed(f"{where} is reached through an interface VPC endpoint for {service}")
    if workload.private_endpoint is None:
        return unknown(f"the VPC endpoints for {service} of {where} could not be read")
    if workload.in_use is None and workload.workload_type == "bedrock_logging":
        return unknown(f"no VPC endpoint for {service}, but whether Bedrock is used there could not be determined")
    return fail(f"{where} has no interface VPC endpoint for {service}: calls go over the public endpoint")
