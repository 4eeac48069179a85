"""Customer-managed keys on models, agents, knowledge bases and vector stores."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload

from ._common import KEYED_TYPES, label


@check(
    id="ml_genai_not_customer_key",
    severity=Severity.MEDIUM,
    title="Generative-AI model, agent, vector or feature store not encrypted with a customer-managed key",
    description="A custom or imported model (or the provisioned throughput serving it), an agent, a knowledge "
    "base, a vector store (OpenSearch Serverless collection, Vertex AI index, AI Search service), a feature "
    "online store (SageMaker feature group, Vertex AI feature online store) or a generative-AI account is "
    "encrypted only with a provider-managed key: fine-tuned weights, agent sessions, embedded documents and "
    "served features cannot be revoked or their use audited through a key you own.",
    remediation="AWS: create custom models, agents and knowledge bases with a KMS key "
    "(customerEncryptionKeyArn / customModelKmsKeyId) and give the OpenSearch Serverless collection an "
    "encryption policy with a KmsARN; give SageMaker feature groups an online-store KmsKeyId. GCP: set "
    "encryption_spec on Vertex AI indexes, endpoints, datasets and feature online stores. "
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
