"""Inference endpoints."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload

from ._common import ENDPOINT_TYPES, LABELS


def _serves_endpoints(workload: MLWorkload) -> bool:
    # Azure ML endpoints take their encryption from the workspace's customer-managed key setting.
    return workload.workload_type in ENDPOINT_TYPES or (
        workload.workload_type == "workspace" and workload.ref.cloud == "azure"
    )


@check(
    id="ml_endpoint_not_customer_key",
    severity=Severity.MEDIUM,
    title="Inference endpoint storage not encrypted with a customer-managed key",
    description="The storage attached to an inference endpoint (SageMaker endpoint configuration, "
    "Vertex AI endpoint) is not encrypted with a customer-managed key, so model artifacts and request "
    "data on it cannot be revoked or audited through the key. On Azure the key is set on the Azure ML "
    "workspace, which encrypts the endpoints deployed in it, so the workspace is judged.",
    remediation="AWS: set KmsKeyId on the SageMaker endpoint configuration (a new configuration, then "
    "update the endpoint). GCP: create the Vertex AI endpoint with encryption_spec (CMEK). Azure: "
    "enable customer-managed keys on the Azure Machine Learning workspace.",
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/dg/encryption-at-rest-nbi.html",
        "https://cloud.google.com/vertex-ai/docs/general/cmek",
        "https://learn.microsoft.com/en-us/azure/machine-learning/concept-customer-managed-keys",
    ),
)
def ml_endpoint_not_customer_key(workload: MLWorkload) -> Result | None:
    if not _serves_endpoints(workload):
        return None
    label = LABELS[workload.workload_type]
    if workload.customer_managed_key is None:
        return unknown(f"{label} encryption key could not be read")
    if not workload.customer_managed_key:
        return fail(f"{label} storage is not encrypted with a customer-managed key")
    return passed(f"{label} encrypted with customer-managed key {workload.kms_key or ''}".rstrip(),
                  kms_key=workload.kms_key)
