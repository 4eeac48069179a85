"""Which generative-AI workload types each check judges, and how they read in a message."""

from __future__ import annotations

from auditor.resources import MLWorkload

ACCOUNT_TYPES = ("ai_account", "ai_deployment")
STORE_TYPES = ("knowledge_base", "vector_store")
KEYED_TYPES = ("ai_account", "custom_model", "agent", "knowledge_base", "vector_store", "feature_store", "dataset")
GUARDED_TYPES = ("agent", "ai_deployment")

_LABELS = {
    "ai_account": "generative-AI account",
    "ai_deployment": "model deployment",
    "custom_model": "custom model",
    "agent": "agent",
    "knowledge_base": "knowledge base",
    "vector_store": "vector store",
    "feature_store": "feature store",
    "dataset": "dataset",
    "endpoint": "endpoint",
    "model": "model",
}


def is_genai_front(workload: MLWorkload) -> bool:
    """An account or deployment that answers prompts; a Vertex AI endpoint is one (SageMaker's are not
    judged here). Azure deployments share their account's network settings: the account is judged."""
    if workload.workload_type == "ai_account":
        return True
    if workload.workload_type == "ai_deployment":  # an Azure deployment is reached through its account
        return workload.public_access is not None or workload.ref.cloud != "azure"
    return workload.workload_type == "endpoint" and workload.ref.cloud == "gcp"


def label(workload: MLWorkload) -> str:
    """e.g. 'azure_openai generative-AI account' or 'vector store'."""
    base = _LABELS.get(workload.workload_type, workload.workload_type.replace("_", " "))
    return f"{workload.service.replace('_', ' ')} {base}" if workload.service else base
