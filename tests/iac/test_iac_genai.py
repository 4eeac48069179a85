"""Generative-AI services in Terraform (AWS, Azure, GCP) and CloudFormation: exact findings per
resource after the scan's joins (poisoned retrieval, agent role), with the real collector, mapper,
linking and checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.base import CollectionSink
from auditor.collectors.iac import IacCollector
from auditor.engine import Engine
from auditor.linking import link

PROJECTS = Path(__file__).parent / "projects"
_RANK = {"pass": 0, "unknown": 1, "error": 2, "fail": 3}


class Linked:
    def __init__(self, resources: list[Any], errors: list[Any], findings: list[Any]) -> None:
        self.resources = {r.ref.id: r for r in resources}
        self.errors = errors
        self._status: dict[str, dict[str, str]] = {}
        for f in findings:
            row = self._status.setdefault(f.resource_id, {})
            if f.check_id not in row or _RANK[f.status.value] > _RANK[row[f.check_id]]:
                row[f.check_id] = f.status.value

    def of(self, resource_id: str) -> dict[str, str]:
        return self._status.get(resource_id, {})


@pytest.fixture
def scan_linked(iac_registry):
    def run(name: str) -> Linked:
        sink = CollectionSink()
        IacCollector([str(PROJECTS / name)]).collect(sink)
        resources = link(sink.resources)
        return Linked(resources, sink.errors, Engine(iac_registry).evaluate(resources))

    return run


def _ml(row: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in row.items() if k.startswith("ml_")}


def test_bedrock_agent_knowledge_base_and_ecr(scan_linked) -> None:
    scan = scan_linked("genai_aws")
    assert not scan.errors
    assert _ml(scan.of("aws_bedrockagent_agent.support")) == {
        "ml_guardrail_missing": "fail", "ml_agent_role_overprivileged": "fail", "ml_genai_not_customer_key": "fail",
        "ml_agent_session_ttl_long": "pass",  # the provider default, 1800 s
        "ml_genai_no_private_endpoint": "fail"}  # no endpoint for bedrock-agent-runtime
    # a guardrail by reference; a role outside the project stays unknown
    assert _ml(scan.of("aws_bedrockagent_agent.guarded")) == {
        "ml_guardrail_missing": "pass", "ml_agent_role_overprivileged": "unknown", "ml_genai_not_customer_key": "pass",
        "ml_agent_session_ttl_long": "fail", "ml_genai_no_private_endpoint": "fail"}
    assert scan.resources["aws_bedrockagent_agent.support"].role_detail == "service role bedrock-agent: managed policy AdministratorAccess"
    # the service role is narrow, the action group's function role is not
    assert scan.of("aws_bedrockagent_agent.tools")["ml_agent_role_overprivileged"] == "fail"
    assert scan.resources["aws_bedrockagent_agent.tools"].role_detail == "action-group role tools-fn: allows s3:* on *"
    assert _ml(scan.of("aws_bedrock_guardrail.weak")) == {"ml_guardrail_weak": "fail"}
    assert _ml(scan.of("aws_bedrock_guardrail.strong")) == {"ml_guardrail_weak": "pass"}
    # the collection is public through a wildcard network policy and uses an AWS-owned key
    assert _ml(scan.of("aws_opensearchserverless_collection.kb")) == {
        "ml_vector_store_public": "fail", "ml_genai_not_customer_key": "fail"}
    kb = scan.of("aws_bedrockagent_knowledge_base.kb")
    assert kb["ml_retrieval_source_exposed"] == "fail" and kb["ml_genai_not_customer_key"] == "fail"
    chain = scan.resources["aws_bedrockagent_knowledge_base.kb"].exposure_chain
    assert chain is not None and chain[0] == "knowledge base support-kb", chain
    assert chain[1].startswith("data source bucket kb-docs writable by anyone (ACL grants READ to AllUsers; ACL grants WRITE")
    # model calls go through the bedrock-runtime endpoint, whatever the region
    assert _ml(scan.of("aws_bedrock_model_invocation_logging_configuration.this")) == {
        "ml_invocation_logging_off": "pass", "ml_prompt_log_unprotected": "fail", "ml_genai_no_private_endpoint": "pass"}
    # provisioned throughput on the custom model inherits its key; on a foundation model it is not judged
    assert _ml(scan.of("aws_bedrock_provisioned_model_throughput.tuned")) == {"ml_genai_not_customer_key": "fail"}
    assert scan.resources["aws_bedrock_provisioned_model_throughput.tuned"].serves_model == "aws_bedrock_custom_model.tuned"
    assert "aws_bedrock_provisioned_model_throughput.base" not in scan.resources
    assert _ml(scan.of("aws_ecr_repository.serving")) == {"ml_registry_public": "fail", "ml_registry_scan_on_push_off": "fail"}
    assert _ml(scan.of("aws_ecr_repository.hardened")) == {"ml_registry_public": "pass", "ml_registry_scan_on_push_off": "pass"}
    # scanned through the account's registry scanning rule team-*
    assert scan.of("aws_ecr_repository.scanned_by_registry")["ml_registry_scan_on_push_off"] == "pass"
    # model registries: judged for exposure only, never for image scanning
    assert _ml(scan.of("aws_sagemaker_model_package_group.open")) == {"ml_registry_public": "fail"}
    assert _ml(scan.of("aws_sagemaker_model_package_group.partner")) == {"ml_registry_public": "pass"}
    assert scan.resources["aws_sagemaker_model_package_group.partner"].foreign_accounts == ["210987654321"]
    # swapped model: the serving role may write the bucket its artifact loads from
    assert scan.of("aws_sagemaker_model.swap")["ml_model_artifact_writable"] == "fail"
    chain = scan.resources["aws_sagemaker_model.swap"].exposure_chain
    assert chain is not None and chain[:2] == ["model swap", "role model-serve"] and chain[2].startswith("s3:PutObject on ")
    assert chain[3] == "artifact bucket serving-models"
    # data capture is a prompt log, judged where it lands; the endpoint key verdict is unchanged
    assert _ml(scan.of("aws_sagemaker_endpoint_configuration.capture_public")) == {
        "ml_endpoint_not_customer_key": "fail", "ml_prompt_log_unprotected": "fail"}
    assert "kb-docs" in (scan.resources["aws_sagemaker_endpoint_configuration.capture_public"].log_detail or "")
    assert _ml(scan.of("aws_sagemaker_endpoint_configuration.capture_keyed")) == {
        "ml_endpoint_not_customer_key": "pass", "ml_prompt_log_unprotected": "pass"}
    # a private bucket with the default SSE-S3 encryption and no capture key
    assert _ml(scan.of("aws_sagemaker_endpoint_configuration.capture_plain")) == {
        "ml_endpoint_not_customer_key": "fail", "ml_prompt_log_unprotected": "fail"}
    assert _ml(scan.of("aws_sagemaker_endpoint_configuration.capture_off")) == {"ml_endpoint_not_customer_key": "fail"}
    # feature online stores: their key; an offline-only group has no online store to judge
    assert _ml(scan.of("aws_sagemaker_feature_group.plain")) == {"ml_genai_not_customer_key": "fail"}
    assert _ml(scan.of("aws_sagemaker_feature_group.keyed")) == {"ml_genai_not_customer_key": "pass"}
    assert "aws_sagemaker_feature_group.offline_only" not in scan.resources


def test_cloudformation_bedrock_opensearch_ecr(scan_linked) -> None:
    scan = scan_linked("genai_cfn")
    assert not scan.errors
    agent = scan.of("template.yaml#Agent")
    assert agent["ml_guardrail_missing"] == "pass" and agent["ml_agent_role_overprivileged"] == "fail"
    assert agent["ml_genai_no_private_endpoint"] == "pass"  # AgentEndpoint, whatever the region
    assert "s3:*" in (scan.resources["template.yaml#Agent"].role_detail or "")
    assert scan.of("template.yaml#Guard")["ml_guardrail_weak"] == "fail"
    assert _ml(scan.of("template.yaml#Collection")) == {"ml_vector_store_public": "pass", "ml_genai_not_customer_key": "pass"}
    kb = scan.of("template.yaml#KnowledgeBase")
    assert kb["ml_genai_not_customer_key"] == "pass" and kb["ml_retrieval_source_exposed"] == "pass"
    repo = scan.resources["template.yaml#Repo"]
    assert repo.foreign_accounts == ["210987654321"]
    assert _ml(scan.of("template.yaml#Repo")) == {"ml_registry_public": "pass", "ml_registry_scan_on_push_off": "pass"}
    # captured requests land in the Docs bucket, which has only the default SSE-S3 key
    capture = scan.resources["template.yaml#CaptureConfig"]
    assert capture.log_targets == ["template.yaml#Docs"], capture.log_targets
    assert _ml(scan.of("template.yaml#CaptureConfig")) == {"ml_endpoint_not_customer_key": "pass", "ml_prompt_log_unprotected": "fail"}
    assert _ml(scan.of("template.yaml#Features")) == {"ml_genai_not_customer_key": "pass"}


def test_azure_openai_search_and_registry(scan_linked) -> None:
    scan = scan_linked("genai_azure")
    assert not scan.errors
    assert _ml(scan.of("azurerm_cognitive_account.openai")) == {
        "ml_genai_public_network": "fail", "ml_genai_local_auth": "fail", "ml_genai_not_customer_key": "fail",
        "ml_invocation_logging_off": "fail"}
    assert _ml(scan.of("azurerm_cognitive_account.locked")) == {
        "ml_genai_public_network": "pass", "ml_genai_local_auth": "pass", "ml_genai_not_customer_key": "pass",
        "ml_invocation_logging_off": "pass", "ml_prompt_log_unprotected": "unknown"}
    assert scan.of("azurerm_cognitive_deployment.gpt")["ml_guardrail_missing"] == "pass"
    policy = scan.resources["azurerm_cognitive_account_rai_policy.lenient"]
    assert policy.filters == {"prompt_attack": "none", "hate": "low"}
    assert scan.of("azurerm_cognitive_account_rai_policy.lenient")["ml_guardrail_weak"] == "fail"
    assert _ml(scan.of("azurerm_search_service.rag")) == {
        "ml_vector_store_public": "fail", "ml_genai_local_auth": "fail", "ml_genai_not_customer_key": "fail"}
    assert scan.of("azurerm_container_registry.models")["ml_registry_public"] == "fail"
    # diagnostic settings into storage accounts of the scan decide the prompt-log verdict
    assert scan.resources["azurerm_cognitive_account.logged_private"].log_targets == ["azurerm_storage_account.prompt_logs"]
    assert scan.of("azurerm_cognitive_account.logged_private")["ml_prompt_log_unprotected"] == "pass"
    assert scan.of("azurerm_cognitive_account.logged_public")["ml_prompt_log_unprotected"] == "fail"
    assert "openlogs" in (scan.resources["azurerm_cognitive_account.logged_public"].log_detail or "")


def test_vertex_endpoints_vector_search_and_artifact_registry(scan_linked) -> None:
    scan = scan_linked("genai_gcp")
    assert not scan.errors
    chat = scan.of("google_vertex_ai_endpoint.chat")
    assert chat["ml_genai_public_network"] == "fail" and chat["ml_invocation_logging_off"] == "fail"
    private = scan.of("google_vertex_ai_endpoint.private")
    assert private["ml_genai_public_network"] == "pass" and private["ml_invocation_logging_off"] == "pass"
    assert scan.of("google_vertex_ai_index_endpoint.public")["ml_vector_store_public"] == "fail"
    # an index is as exposed as the endpoint it is deployed to
    assert scan.of("google_vertex_ai_index.docs")["ml_vector_store_public"] == "fail"
    assert scan.of("google_artifact_registry_repository.serving")["ml_registry_public"] == "fail"
    # datasets and feature stores: their key only
    assert _ml(scan.of("google_vertex_ai_dataset.chats")) == {"ml_genai_not_customer_key": "fail"}
    assert _ml(scan.of("google_vertex_ai_dataset.claims")) == {"ml_genai_not_customer_key": "pass"}
    assert _ml(scan.of("google_vertex_ai_feature_online_store.profiles")) == {"ml_genai_not_customer_key": "fail"}
    assert _ml(scan.of("google_vertex_ai_featurestore.legacy")) == {"ml_genai_not_customer_key": "pass"}
    assert scan.resources["google_vertex_ai_dataset.chats"].ref.name == "support-chats"


def test_ecr_policy_of_an_unresolved_repository_proves_no_repository_private(tmp_path: Path, iac_registry) -> None:
    """A public repository policy whose repository is a variable without value may be any
    repository's: the declared repositories are unknown, never a pass."""
    (tmp_path / "main.tf").write_text('''
variable "repo" {}
resource "aws_ecr_repository" "serving" {
  name = "serving"
  image_scanning_configuration { scan_on_push = true }
}
resource "aws_ecr_repository_policy" "open" {
  repository = var.repo
  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Principal = "*", Action = ["ecr:BatchGetImage"]}]})
}
resource "aws_sagemaker_model_package_group" "models" {
  model_package_group_name = "models"
}
resource "aws_sagemaker_model_package_group_policy" "open" {
  model_package_group_name = var.repo
  resource_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Principal = "*", Action = ["sagemaker:DescribeModelPackage"]}]})
}
''')
    sink = CollectionSink()
    IacCollector([str(tmp_path)]).collect(sink)
    linked = Linked(link(sink.resources), sink.errors, Engine(iac_registry).evaluate(link(sink.resources)))
    assert linked.of("aws_ecr_repository.serving")["ml_registry_public"] == "unknown"
    assert "aws_ecr_repository_policy.open" in (linked.resources["aws_ecr_repository.serving"].public_via or "")
    assert linked.of("aws_sagemaker_model_package_group.models")["ml_registry_public"] == "unknown"
