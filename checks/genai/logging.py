"""Where prompt and response logs go, and who can read them."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload


@check(
    id="ml_prompt_log_unprotected",
    severity=Severity.HIGH,
    title="Prompt and response logs unencrypted with a customer key or readable by anyone",
    description="Model invocation logs hold every prompt and response, often personal or confidential "
    "data. They fail when their destination is readable by anyone (a public log bucket, joined from the "
    "same scan) or is not encrypted with a customer-managed key. Where logging is off, "
    "ml_invocation_logging_off judges it.",
    remediation="AWS: deliver Bedrock invocation logs to a private S3 bucket with SSE-KMS and a "
    "CloudWatch log group with a KMS key. Azure: send diagnostic logs to a workspace or storage account "
    "with customer-managed keys and no public access. GCP: log Vertex AI requests to a BigQuery dataset "
    "with CMEK.",
    references=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    ),
)
def ml_prompt_log_unprotected(workload: MLWorkload) -> Result | None:
    if workload.invocation_logging is not True:
        return None
    targets = ", ".join(workload.log_targets or []) or "its log destination"
    if workload.log_public:
        return fail(f"prompt logs in {targets} are readable by anyone"
                    + (f" ({workload.log_detail})" if workload.log_detail else ""), log_targets=workload.log_targets)
    if workload.log_customer_key is False:
        return fail(f"prompt logs in {targets} are not encrypted with a customer-managed key",
                    log_targets=workload.log_targets)
    missing = [what for what, value in (("encryption", workload.log_customer_key), ("access", workload.log_public))
               if value is None]
    if missing:
        return unknown(f"{' and '.join(missing)} of prompt logs in {targets} could not be read",
                       log_targets=workload.log_targets)
    return passed(f"prompt logs in {targets} are private and encrypted with a customer-managed key")
