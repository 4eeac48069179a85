"""Generative-AI accounts and vector stores reachable from the internet or by key."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import MLWorkload

from ._common import ACCOUNT_TYPES, STORE_TYPES, is_genai_front, label


@check(
    id="ml_genai_public_network",
    severity=Severity.HIGH,
    title="Generative-AI account or endpoint reachable from the public internet",
    description="An Azure OpenAI / AI services account (public network access enabled, or network rules "
    "whose default action is Allow) or a Vertex AI endpoint serving models accepts requests from any "
    "network, so a leaked key or token is usable from anywhere and prompts cross the internet.",
    remediation="Azure: set publicNetworkAccess=Disabled (or networkAcls.defaultAction=Deny with the "
    "needed ranges) and use private endpoints. GCP: deploy to a private endpoint (Private Service Connect "
    "or VPC peering). AWS: reach Bedrock through an interface VPC endpoint for bedrock-runtime.",
    references=(
        "https://learn.microsoft.com/en-us/azure/ai-services/cognitive-services-virtual-networks",
        "https://cloud.google.com/vertex-ai/docs/predictions/using-private-endpoints",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/vpc-interface-endpoints.html",
    ),
)
def ml_genai_public_network(workload: MLWorkload) -> Result | None:
    if not is_genai_front(workload):
        return None
    what = label(workload)
    if workload.public_access is None:
        return unknown(f"{what} network access setting could not be read")
    if workload.public_access:
        return fail(f"{what} is reachable from the public internet"
                    + (f" ({workload.public_via})" if workload.public_via else ""),
                    public_via=workload.public_via, private_endpoint=workload.private_endpoint)
    return passed(f"{what} is reachable only from private networks", private_endpoint=workload.private_endpoint)


@check(
    id="ml_vector_store_public",
    severity=Severity.HIGH,
    title="Vector store or knowledge-base store reachable from the internet",
    description="A vector store that grounds a model (OpenSearch Serverless collection, Vertex AI Vector "
    "Search index endpoint, Azure AI Search service, or the store behind a Bedrock knowledge base) "
    "accepts requests from the public internet: the documents retrieved for prompts can be read or "
    "altered by anyone holding a credential, from anywhere.",
    remediation="AWS: give the OpenSearch Serverless collection a network policy with AllowFromPublic "
    "false and VPC endpoints. GCP: deploy the index to a private index endpoint (Private Service Connect). "
    "Azure: set publicNetworkAccess=disabled on the AI Search service and use private endpoints.",
    references=(
        "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-network.html",
        "https://cloud.google.com/vertex-ai/docs/vector-search/setup/setup",
        "https://learn.microsoft.com/en-us/azure/search/service-create-private-endpoint",
    ),
)
def ml_vector_store_public(workload: MLWorkload) -> Result | None:
    if workload.workload_type not in STORE_TYPES:
        return None
    what = label(workload)
    if workload.public_access is None:
        if workload.workload_type == "knowledge_base" and workload.backing_store:
            return None  # its backing store is judged itself
        return unknown(f"{what} network exposure could not be read")
    if workload.public_access:
        return fail(f"{what} is reachable from the public internet"
                    + (f" ({workload.public_via})" if workload.public_via else ""),
                    public_via=workload.public_via, backing_store=workload.backing_store)
    return passed(f"{what} is reachable only from private networks")


@check(
    id="ml_genai_local_auth",
    severity=Severity.MEDIUM,
    title="Generative-AI account or search service accepts key-based (local) authentication",
    description="An Azure OpenAI / AI services account or an Azure AI Search service accepts its static "
    "API keys besides Entra ID: a key works from any client, names no caller in the logs and lives until "
    "someone rotates it.",
    remediation="Azure: set disableLocalAuth=true on the AI services account (Terraform "
    "local_auth_enabled=false) and disableLocalAuth=true on the AI Search service; grant callers roles "
    "such as Cognitive Services OpenAI User instead.",
    references=(
        "https://learn.microsoft.com/en-us/azure/ai-services/disable-local-auth",
        "https://learn.microsoft.com/en-us/azure/search/search-security-enable-roles",
    ),
)
def ml_genai_local_auth(workload: MLWorkload) -> Result | None:
    if workload.workload_type not in (*ACCOUNT_TYPES, *STORE_TYPES):
        return None
    if workload.workload_type != "ai_account" and workload.local_auth_enabled is None:
        return None  # only accounts and search services have keys of their own
    what = label(workload)
    if workload.local_auth_enabled is None:
        return unknown(f"whether {what} accepts API keys could not be read")
    if workload.local_auth_enabled:
        return fail(f"{what} accepts static API keys (local authentication enabled)")
    return passed(f"{what} accepts only identity-based authentication")
