"""Model invocation logging."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload


@check(
    id="ml_invocation_logging_off",
    severity=Severity.MEDIUM,
    title="Bedrock model invocation logging is off where Bedrock is used",
    description="Amazon Bedrock is used in a region whose model invocation logging is off, so prompts, "
    "responses and callers are not recorded for investigation. Regions where Bedrock is not used are "
    "not judged.",
    remediation="AWS: turn on model invocation logging in the Bedrock settings of the region, delivering "
    "to CloudWatch Logs or an S3 bucket (PutModelInvocationLoggingConfiguration).",
    clouds=("aws",),
    references=("https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html",),
)
def ml_invocation_logging_off(workload: MLWorkload) -> Result | None:
    if workload.workload_type != "bedrock_logging" or workload.in_use is False:
        return None
    region = workload.ref.region or "this region"
    if workload.invocation_logging:
        return passed(f"model invocation logging is on in {region}")
    if workload.in_use is None:
        return unknown(f"whether Bedrock is used in {region} could not be determined")
    if workload.invocation_logging is None:
        return unknown(f"Bedrock is used in {region} but its logging configuration could not be read")
    return fail(f"Bedrock is used in {region} with model invocation logging off")
