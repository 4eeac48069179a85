"""Training jobs and models: network isolation and encrypted traffic between training nodes."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload

from ._common import LABELS, TRAINING_TYPES


@check(
    id="ml_training_no_network_isolation",
    severity=Severity.MEDIUM,
    title="Training job or model runs without network isolation",
    description="A SageMaker training job or model runs its container without network isolation, so "
    "untrusted training code or a compromised model can call out to the internet and exfiltrate data.",
    remediation="AWS: set EnableNetworkIsolation=true on the training job (CreateTrainingJob) and the "
    "model (CreateModel); provide data through channels instead of network calls.",
    clouds=("aws",),
    references=("https://docs.aws.amazon.com/sagemaker/latest/dg/mkt-algo-model-internet-free.html",),
)
def ml_training_no_network_isolation(workload: MLWorkload) -> Result | None:
    if workload.workload_type not in TRAINING_TYPES:
        return None
    label = LABELS[workload.workload_type]
    if workload.network_isolation is None:
        return unknown(f"{label} network isolation setting could not be read")
    if not workload.network_isolation:
        return fail(f"{label} runs without network isolation")
    return passed(f"{label} runs with network isolation")


@check(
    id="ml_training_traffic_unencrypted",
    severity=Severity.MEDIUM,
    title="Traffic between training nodes is not encrypted",
    description="Inter-container traffic encryption is off for a SageMaker training job, so data and "
    "model parameters exchanged between nodes in distributed training cross the network in the clear.",
    remediation="AWS: set EnableInterContainerTrafficEncryption=true on the training job.",
    clouds=("aws",),
    references=("https://docs.aws.amazon.com/sagemaker/latest/dg/train-encrypt.html",),
)
def ml_training_traffic_unencrypted(workload: MLWorkload) -> Result | None:
    if workload.workload_type != "training_job":
        return None
    if workload.inter_container_encryption is None:
        return unknown("inter-container traffic encryption setting could not be read")
    if not workload.inter_container_encryption:
        return fail("inter-container traffic encryption is off")
    return passed("inter-container traffic is encrypted")
