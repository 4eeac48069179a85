"""Customer-managed keys on models, agents, knowledge bases and vector stores."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload

from ._common import KEYED_TYPES, label


@check(
    id="ml_genai_not_customer_key",
    severity=Severity.MEDIUM,
    title="Generative-AI model, agent or vector store not encrypted with a customer-managed key",
    description="A custom or imported model, an agent, a knowledge base, a vector store (OpenSearch "
    "Serverless collection, Vertex AI index, AI Search service) or a generative-AI account is encrypted "
    "only with a provider-managed key: fine-tuned weights, agent sessions and embedded documents cannot "
    "be revoked or their use audited through a key you own.",
    remediation="AWS: create custom models, agents and knowledge bases with a KMS key "
    "(customerEncryptionKeyArn / customModelKmsKeyId) and give the OpenSearch Serverless collection an "
    "encryption policy with a KmsARN. GCP: set encryption_spec on Vertex AI indexes and endpoints. "
    "Azure: configure customer-managed keys (Key Vault) on the AI services account and AI Search service.",
    references=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/encryption-custom-job.html",
        "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-encryption.html",
        "https://cloud.google.com/vertex-ai/docs/general/cmek",
        "https://learn.microsoft.com/en-us/azure/ai-services/openai/encrypt-data-at-rest",
    ),
)
def ml_genai_not_customer_key(workload: MLWorkload) -> Result | None:
    if workload.workload_type not in KEYED_TYPES:
        return None
    what = label(workload)
    if workload.customer_managed_key is None:
        return unknown(f"{what} encryption key could not be read")
    if not workload.customer_managed_key:
        return fail(f"{what} is not encrypted with a customer-managed key")
    return passed(f"{what} encrypted with customer-managed key {workload.kms_key or ''}".rstrip(),
                  kms_key=workload.kms_key)
