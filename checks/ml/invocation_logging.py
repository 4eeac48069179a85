"""Model invocation logging."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload


@check(
    id="ml_invocation_logging_off",
    severity=Severity.MEDIUM,
    title="Model invocation (prompt and response) logging is off",
    description="Amazon Bedrock is used in a region whose model invocation logging is off, an Azure "
    "OpenAI / AI services account sends no request and response logs to a diagnostic setting, or a "
    "Vertex AI endpoint has request-response logging off, so prompts, responses and callers are not "
    "recorded for investigation. Regions where Bedrock is not used are not judged.",
    remediation="AWS: turn on model invocation logging in the Bedrock settings of the region, delivering "
    "to CloudWatch Logs or an S3 bucket (PutModelInvocationLoggingConfiguration). Azure: add a diagnostic "
    "setting with the RequestResponse category to the account. GCP: set "
    "predict_request_response_logging_config on the endpoint.",
    references=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html",
        "https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/monitor-openai",
        "https://cloud.google.com/vertex-ai/docs/predictions/online-prediction-logging",
    ),
)
def ml_invocation_logging_off(workload: MLWorkload) -> Result | None:
    # Azure logs per account (diagnostic settings); Vertex AI per endpoint
    if (workload.ref.cloud == "azure" and workload.workload_type == "ai_account") or (
        workload.ref.cloud == "gcp" and workload.workload_type in ("ai_deployment", "endpoint")
    ):
        return _account_logging(workload)
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


def _account_logging(workload: MLWorkload) -> Result:
    name = f"{(workload.service or 'generative-AI').replace('_', ' ')} {workload.workload_type.split('_')[-1]}"
    if workload.invocation_logging is None:
        return unknown(f"request and response logging of the {name} could not be read")
    if not workload.invocation_logging:
        return fail(f"the {name} does not log requests and responses")
    return passed(f"the {name} logs requests and responses", log_targets=workload.log_targets)
