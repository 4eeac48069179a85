"""Joined findings: poisoned retrieval and swapped models, with every hop as evidence.

``exposure_chain`` is filled by ``auditor/linking.py`` from the other resources of the same scan;
these checks only read it.
"""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload

from ._common import STORE_TYPES, label

_SERVING_TYPES = ("endpoint", "model", "custom_model", "agent", "ai_deployment")


@check(
    id="ml_retrieval_source_exposed",
    severity=Severity.HIGH,
    title="Knowledge base or vector index fed from a store anyone can read or write",
    description="A knowledge base or vector index whose backing vector store is public, or whose source "
    "bucket is readable or writable by anyone: an outsider can plant documents that the model retrieves "
    "and repeats as fact (poisoned retrieval), or read everything it grounds answers on. The evidence "
    "names every hop, from the knowledge base through its data source to the exposed store.",
    remediation="Make the source bucket private (Block Public Access, no public ACL or policy) and the "
    "backing vector store private; re-ingest the knowledge base from a trusted copy.",
    references=("https://docs.aws.amazon.com/bedrock/latest/userguide/kb-permissions.html",),
)
def ml_retrieval_source_exposed(workload: MLWorkload) -> Result | None:
    if workload.workload_type not in STORE_TYPES:
        return None
    if not workload.source_buckets and not workload.backing_store:
        return None
    what = label(workload)
    if workload.exposure_chain is None:
        return unknown(f"the sources of {what} could not be joined with their stores")
    if workload.exposure_chain:
        return fail(f"{what} retrieves from a store anyone can reach: " + " -> ".join(workload.exposure_chain),
                    chain=workload.exposure_chain)
    return passed(f"{what} sources and store are not public",
                  sources=workload.source_buckets, backing_store=workload.backing_store)


@check(
    id="ml_model_artifact_writable",
    severity=Severity.HIGH,
    title="Model artifacts load from a bucket the workload's role (or anyone) can write",
    description="An endpoint, model, custom model or agent loads its model artifacts from a bucket that "
    "its own execution role, or anyone, can write: whoever controls the running container or the bucket "
    "can swap the model that is served next. The evidence names the workload, its role, the grant and "
    "the bucket.",
    remediation="Keep model artifacts in a bucket the serving role can only read; write them from a "
    "separate build role, with object versioning and, where possible, object lock.",
    references=("https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html",),
)
def ml_model_artifact_writable(workload: MLWorkload) -> Result | None:
    if workload.workload_type not in _SERVING_TYPES or not workload.artifact_buckets:
        return None
    what = label(workload)
    if workload.exposure_chain is None:
        return unknown(f"whether the artifact buckets of {what} are writable could not be determined",
                       buckets=workload.artifact_buckets)
    if workload.exposure_chain:
        return fail(f"{what} loads its model from a writable bucket: " + " -> ".join(workload.exposure_chain),
                    chain=workload.exposure_chain)
    return passed(f"{what} artifact buckets are not writable by its role or by anyone",
                  buckets=workload.artifact_buckets)
