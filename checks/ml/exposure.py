"""Managed ML front doors reachable from the internet."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload

from ._common import LABELS, WORKSPACE_TYPES


@check(
    id="ml_tracking_server_public",
    severity=Severity.HIGH,
    title="Managed MLflow tracking server is public or lacks a customer key",
    description="A SageMaker managed MLflow tracking server is reachable from the public internet, or "
    "its artifacts and metadata are not encrypted with a customer-managed key.",
    remediation="AWS: restrict the tracking server to your VPC (private access through VPC endpoints) and "
    "create it with a customer-managed KMS key.",
    clouds=("aws",),
    references=("https://docs.aws.amazon.com/sagemaker/latest/dg/mlflow.html",),
)
def ml_tracking_server_public(workload: MLWorkload) -> Result | None:
    if workload.workload_type != "tracking_server":
        return None
    problems = []
    if workload.public_access:
        problems.append("reachable from the public internet")
    if workload.customer_managed_key is False:
        problems.append("not encrypted with a customer-managed key")
    if problems:
        return fail("tracking server " + " and ".join(problems),
                    public_access=workload.public_access, customer_managed_key=workload.customer_managed_key)
    missing = [name for name, value in (("network exposure", workload.public_access),
                                        ("encryption key", workload.customer_managed_key)) if value is None]
    if missing:
        return unknown(f"tracking server {' and '.join(missing)} could not be read")
    return passed("tracking server is private and encrypted with a customer-managed key", kms_key=workload.kms_key)


@check(
    id="ml_workspace_public_network",
    severity=Severity.HIGH,
    title="ML workspace or studio domain reachable from the internet",
    description="An ML workspace or studio domain (SageMaker domain with public internet access, Vertex "
    "AI / Azure ML workspace with public network access) can be reached from the public internet.",
    remediation="AWS: create the SageMaker domain with AppNetworkAccessType=VpcOnly. GCP: use private "
    "endpoints and VPC Service Controls for Vertex AI. Azure: set publicNetworkAccess=Disabled on the "
    "Azure ML workspace and use private endpoints.",
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/dg/studio-notebooks-and-internet-access.html",
        "https://cloud.google.com/vertex-ai/docs/general/vpc-service-controls",
        "https://learn.microsoft.com/en-us/azure/machine-learning/how-to-configure-private-link",
    ),
)
def ml_workspace_public_network(workload: MLWorkload) -> Result | None:
    if workload.workload_type not in WORKSPACE_TYPES:
        return None
    label = LABELS[workload.workload_type]
    if workload.public_access is None:
        return unknown(f"{label} network access setting could not be read")
    if workload.public_access:
        return fail(f"{label} is reachable from the public internet")
    return passed(f"{label} is reachable only from private networks")
