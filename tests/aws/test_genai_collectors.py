"""Bedrock, OpenSearch Serverless and ECR collectors against moto in-process, with botocore's
Stubber on the same clients for the calls moto does not implement (guardrails, an agent's
knowledge bases, data sources). The scan's joins and the real checks judge the result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from auditor.collectors.aws.bedrock import BedrockCollection
from auditor.collectors.aws.bedrock_genai import BedrockGenAICollection
from auditor.collectors.aws.collector import allowed_operations
from auditor.collectors.aws.ecr import EcrCollection
from auditor.collectors.aws.iam import IamCollection
from auditor.collectors.aws.opensearch_serverless import OpenSearchServerlessCollection
from auditor.collectors.aws.runtime import Clients, Scan, Tasks
from auditor.collectors.aws.s3 import S3Collection
from auditor.collectors.aws.sagemaker import SageMakerCollection
from auditor.collectors.aws.sagemaker_features import FeatureStoreCollection
from auditor.collectors.aws.sagemaker_registry import ModelRegistryCollection
from auditor.collectors.base import CollectionSink
from auditor.engine import Engine
from auditor.linking import link
from auditor.registry import Registry
from auditor.resources import Guardrail, MLWorkload, RegistryRepository

REGION = "us-east-1"
ACCOUNT = "123456789012"


class PartialStubber(Stubber):
    """A Stubber that answers only the operations queued on it and lets every other call reach
    moto, in any order (the collector's tasks run concurrently)."""

    def _queued(self, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
        def matches(item: dict[str, Any]) -> bool:
            expected = item["expected_params"]
            return item["operation_name"] == name and (expected is None or all(params.get(k) == v for k, v in expected.items()))

        return next((item for item in self._queue if matches(item)), None)

    def _assert_expected_params(self, model: Any, params: Any, context: Any, **kwargs: Any) -> None:
        # the API parameters are seen here; the answer is handed over when the call is sent
        item = self._queued(model.name, params)
        if item is not None:
            context["partial_stub"] = item

    def _get_response_handler(self, model: Any, params: Any, context: Any, **kwargs: Any) -> Any:
        item = context.pop("partial_stub", None)
        if item is None:
            return None
        self._queue.remove(item)
        return item["response"]


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _estate(session: boto3.Session) -> dict[str, str]:
    s3 = session.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="kb-source")
    s3.put_bucket_policy(Bucket="kb-source", Policy=_policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::kb-source/*"}))
    s3.create_bucket(Bucket="prompt-logs")
    iam = session.client("iam")
    trust = _policy({"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName="agent-admin", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.attach_role_policy(RoleName="agent-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    oss = session.client("opensearchserverless", region_name=REGION)
    # moto reads KmsARN even beside AWSOwnedKey (and matches no wildcard in encryption rules)
    oss.create_security_policy(name="kb-enc", type="encryption", policy=json.dumps(
        {"Rules": [{"ResourceType": "collection", "Resource": ["collection/kb-vectors"]}], "AWSOwnedKey": True, "KmsARN": ""}))
    oss.create_security_policy(name="kb-net", type="network", policy=json.dumps(
        [{"Rules": [{"ResourceType": "collection", "Resource": ["collection/kb-*"]}], "AllowFromPublic": True}]))
    collection = oss.create_collection(name="kb-vectors", type="VECTORSEARCH")["createCollectionDetail"]["arn"]
    agent_client = session.client("bedrock-agent", region_name=REGION)
    kb = agent_client.create_knowledge_base(
        name="support-kb", roleArn=role,
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
            "embeddingModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"}},
        storageConfiguration={"type": "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration": {
            "collectionArn": collection, "vectorIndexName": "idx",
            "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"}}},
    )["knowledgeBase"]
    agent = agent_client.create_agent(agentName="support", agentResourceRoleArn=role,
                                      foundationModel="anthropic.claude-3-haiku-20240307-v1:0")["agent"]
    ecr = session.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName="llm-serving")
    ecr.set_repository_policy(repositoryName="llm-serving", policyText=_policy(
        {"Sid": "pull", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}))
    ecr.create_repository(repositoryName="llm-hardened", imageTagMutability="IMMUTABLE",
                          imageScanningConfiguration={"scanOnPush": True},
                          encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:123456789012:key/ecr"})
    sagemaker = session.client("sagemaker", region_name=REGION)
    sagemaker.create_model_package_group(ModelPackageGroupName="shared-models")
    sagemaker.create_model_package_group(ModelPackageGroupName="private-models")
    # data capture of an endpoint is a prompt log: here into the private, SSE-S3 prompt-logs bucket
    sagemaker.create_model(ModelName="chat", ExecutionRoleArn=role, PrimaryContainer={"Image": "chat:1"})
    variant = [{"VariantName": "main", "ModelName": "chat", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}]
    sagemaker.create_endpoint_config(EndpointConfigName="chat-capture", ProductionVariants=variant, DataCaptureConfig={
        "EnableCapture": True, "InitialSamplingPercentage": 100, "DestinationS3Uri": "s3://prompt-logs/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]})
    sagemaker.create_endpoint_config(EndpointConfigName="chat-keyed-capture", ProductionVariants=variant, DataCaptureConfig={
        "EnableCapture": True, "InitialSamplingPercentage": 100, "DestinationS3Uri": "s3://prompt-logs/capture",
        "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/capture", "CaptureOptions": [{"CaptureMode": "Input"}]})
    sagemaker.create_endpoint_config(EndpointConfigName="chat-plain", ProductionVariants=variant)
    # PrivateLink for model calls, none for agents
    ec2 = session.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.bedrock-runtime", VpcEndpointType="Interface")
    # Bedrock is "used" where it publishes metrics
    session.client("cloudwatch", region_name=REGION).put_metric_data(
        Namespace="AWS/Bedrock", MetricData=[{"MetricName": "Invocations", "Value": 1.0}])
    bedrock = session.client("bedrock", region_name=REGION)
    bedrock.put_model_invocation_logging_configuration(loggingConfig={
        "s3Config": {"bucketName": "prompt-logs", "keyPrefix": "bedrock"}, "textDataDeliveryEnabled": True})
    return {"kb_id": kb["knowledgeBaseId"], "kb_arn": kb["knowledgeBaseArn"], "agent_id": agent["agentId"], "role": role}


@pytest.fixture(scope="module")
def collected(moto_account_cm: Any) -> Iterator[tuple[CollectionSink, dict[str, str], list[str]]]:
    with moto_account_cm():
        session = boto3.Session(region_name=REGION)
        ids = _estate(session)
        sink = CollectionSink()
        clients = Clients(session, sink, allowed_operations(), endpoint_url=None, max_workers=4)
        bedrock = PartialStubber(clients.get("bedrock", REGION))
        bedrock.add_response("list_guardrails", {"guardrails": [
            {"id": "g1", "arn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/g1", "status": "READY", "name": "weak",
             "version": "DRAFT", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}]})
        bedrock.add_response("get_guardrail", {
            "name": "weak", "guardrailId": "g1", "guardrailArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/g1",
            "version": "DRAFT", "status": "READY", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "blockedInputMessaging": "no", "blockedOutputsMessaging": "no",
            "contentPolicy": {"filters": [{"type": "PROMPT_ATTACK", "inputStrength": "MEDIUM", "outputStrength": "NONE"}]}},
            expected_params={"guardrailIdentifier": "g1"})
        model_arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:imported-model/im1"
        bedrock.add_response("list_imported_models", {"modelSummaries": [
            {"modelArn": model_arn, "modelName": "llama-ft", "creationTime": "2026-01-01T00:00:00Z"}]})
        bedrock.add_response("get_imported_model", {
            "modelArn": model_arn, "modelName": "llama-ft", "creationTime": "2026-01-01T00:00:00Z",
            "modelDataSource": {"s3DataSource": {"s3Uri": "s3://kb-source/llama/"}}}, expected_params={"modelIdentifier": model_arn})
        custom_arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/tuned"
        bedrock.add_response("list_provisioned_model_throughputs", {"provisionedModelSummaries": [
            {"provisionedModelName": name, "provisionedModelArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/{name}",
             "modelArn": served, "desiredModelArn": served, "foundationModelArn": served, "modelUnits": 1, "desiredModelUnits": 1,
             "status": "InService", "creationTime": "2026-01-01T00:00:00Z", "lastModifiedTime": "2026-01-01T00:00:00Z"}
            for name, served in (("llama-pt", model_arn), ("gone-pt", custom_arn),
                                 ("base-pt", f"arn:aws:bedrock:{REGION}::foundation-model/anthropic.claude-v2"))]})
        agents = PartialStubber(clients.get("bedrock-agent", REGION))
        agents.add_response("list_data_sources", {"dataSourceSummaries": [
            {"knowledgeBaseId": ids["kb_id"], "dataSourceId": "ds1", "name": "docs", "status": "AVAILABLE",
             "updatedAt": "2026-01-01T00:00:00Z"}]})
        agents.add_response("get_data_source", {"dataSource": {
            "knowledgeBaseId": ids["kb_id"], "dataSourceId": "ds1", "name": "docs", "status": "AVAILABLE",
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "dataSourceConfiguration": {"type": "S3", "s3Configuration": {"bucketArn": "arn:aws:s3:::kb-source"}}}})
        agents.add_response("list_agent_knowledge_bases", {"agentKnowledgeBaseSummaries": [
            {"knowledgeBaseId": ids["kb_id"], "knowledgeBaseState": "ENABLED", "updatedAt": "2026-01-01T00:00:00Z"}]})
        registry = PartialStubber(clients.get("sagemaker", REGION))
        registry.add_response("get_model_package_group_policy", {"ResourcePolicy": _policy(
            {"Effect": "Allow", "Principal": "*", "Action": "sagemaker:DescribeModelPackage", "Resource": "*"})},
            expected_params={"ModelPackageGroupName": "shared-models"})
        registry.add_client_error("get_model_package_group_policy", service_error_code="ValidationException",
                                  service_message="Cannot find resource policy", expected_params={"ModelPackageGroupName": "private-models"})
        # moto keeps no online-store configuration and cannot list feature groups
        features = [("customers", {"EnableOnlineStore": True}),
                    ("customers-keyed", {"EnableOnlineStore": True, "SecurityConfig": {"KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/fs"}}),
                    ("history", None)]
        registry.add_response("list_feature_groups", {"FeatureGroupSummaries": [
            {"FeatureGroupName": name, "FeatureGroupArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:feature-group/{name}",
             "CreationTime": "2026-01-01T00:00:00Z"} for name, _ in features]})
        for name, online in features:
            registry.add_response("describe_feature_group", {
                "FeatureGroupName": name, "FeatureGroupArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:feature-group/{name}",
                "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "ts",
                "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}], "CreationTime": "2026-01-01T00:00:00Z",
                "NextToken": "", **({"OnlineStoreConfig": online} if online else {})}, expected_params={"FeatureGroupName": name})
        operations: list[str] = []
        for client in (bedrock.client, agents.client):
            # first, so calls the Stubber answers are recorded too
            client.meta.events.register_first("before-call.*.*", lambda model, **_: operations.append(model.name))
        bedrock.activate()
        agents.activate()
        registry.activate()
        tasks = Tasks(sink, 4)
        scan = Scan(clients=clients, sink=sink, tasks=tasks, account=ACCOUNT, regions=[REGION], home_region=REGION)
        collections = [S3Collection(scan), IamCollection(scan), BedrockCollection(scan, [REGION]),
                       BedrockGenAICollection(scan, [REGION]), OpenSearchServerlessCollection(scan, [REGION]),
                       EcrCollection(scan, [REGION]), ModelRegistryCollection(scan), SageMakerCollection(scan),
                       FeatureStoreCollection(scan)]
        for c in collections:
            c.start()
        tasks.wait()
        for c in collections:
            c.finish()
        # every stubbed answer was asked for
        assert not bedrock._queue and not agents._queue and not registry._queue
        yield sink, ids, operations


@pytest.fixture(scope="module")
def judged(collected: tuple[CollectionSink, dict[str, str], list[str]]) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    sink = collected[0]
    resources = link(sink.resources)
    findings = Engine(Registry.default(entry_points=False)).evaluate(resources)
    status: dict[str, dict[str, str]] = {}
    for f in findings:
        status.setdefault(f.resource_id, {})[f.check_id] = f.status.value
    return {r.ref.id: r for r in resources}, status


def _one(sink: CollectionSink, kind: type, name: str) -> Any:
    found = [r for r in sink.resources if isinstance(r, kind) and r.ref.name == name]
    assert len(found) == 1, [r.ref.name for r in sink.resources if isinstance(r, kind)]
    return found[0]


def test_normalized_resources(collected) -> None:
    sink, ids, _ = collected
    agent = _one(sink, MLWorkload, "support")
    assert agent.workload_type == "agent" and agent.role == ids["role"] and agent.guardrail_attached is False
    assert agent.knowledge_bases == [ids["kb_arn"]] and agent.customer_managed_key is False
    kb = _one(sink, MLWorkload, "support-kb")
    assert kb.source_buckets == ["arn:aws:s3:::kb-source"] and kb.backing_store and kb.backing_store.endswith("/kb-vectors") is False
    collection = _one(sink, MLWorkload, "kb-vectors")
    assert kb.backing_store == collection.ref.id
    assert collection.public_access is True and "kb-net" in (collection.public_via or "")
    assert collection.customer_managed_key is False
    guard = _one(sink, Guardrail, "weak")
    assert guard.filters == {"prompt_attack": "medium"} and guard.sensitive_information is False
    serving = _one(sink, RegistryRepository, "llm-serving")
    assert serving.public is True and serving.scan_on_push is False and "Principal *" in (serving.public_via or "")
    hardened = _one(sink, RegistryRepository, "llm-hardened")
    assert (hardened.public, hardened.scan_on_push, hardened.tag_immutable, hardened.customer_managed_key) == (False, True, True, True)
    logging = [r for r in sink.resources if isinstance(r, MLWorkload) and r.workload_type == "bedrock_logging"]
    assert logging and logging[0].log_targets == ["arn:aws:s3:::prompt-logs"]
    shared, private = _one(sink, RegistryRepository, "shared-models"), _one(sink, RegistryRepository, "private-models")
    assert (shared.registry_type, shared.public, private.public) == ("model", True, False)
    imported = _one(sink, MLWorkload, "llama-ft")
    assert (imported.service, imported.customer_managed_key, imported.artifact_buckets) == (
        "bedrock_imported_model", False, ["arn:aws:s3:::kb-source"])
    assert (logging[0].private_endpoint, agent.private_endpoint) == (True, False)
    # provisioned throughput carries the key of the model it serves; unknown where that model was not read
    served = _one(sink, MLWorkload, "llama-pt")
    assert (served.service, served.serves_model, served.customer_managed_key) == (
        "bedrock_provisioned_throughput", imported.ref.id, False)
    assert _one(sink, MLWorkload, "gone-pt").customer_managed_key is None
    assert not [r for r in sink.resources if r.ref.name == "base-pt"]
    capture = _one(sink, MLWorkload, "chat-capture")
    assert (capture.invocation_logging, capture.log_targets, capture.log_customer_key) == (True, ["arn:aws:s3:::prompt-logs"], None)
    assert _one(sink, MLWorkload, "chat-keyed-capture").log_customer_key is True
    assert (_one(sink, MLWorkload, "chat-plain").invocation_logging, _one(sink, MLWorkload, "customers").workload_type) == (
        False, "feature_store")


def test_checks_and_joined_findings(collected, judged) -> None:
    sink = collected[0]
    resources, status = judged
    agent = _one(sink, MLWorkload, "support")
    assert status[agent.ref.id]["ml_guardrail_missing"] == "fail"
    assert status[agent.ref.id]["ml_agent_role_overprivileged"] == "fail"
    assert resources[agent.ref.id].role_detail == "service role agent-admin: managed policy AdministratorAccess"
    kb = _one(sink, MLWorkload, "support-kb")
    assert status[kb.ref.id]["ml_retrieval_source_exposed"] == "fail"
    chain = resources[kb.ref.id].exposure_chain
    assert chain[0] == "knowledge base support-kb" and chain[1].startswith("data source bucket kb-source writable by anyone")
    collection = _one(sink, MLWorkload, "kb-vectors")
    assert status[collection.ref.id] == {"ml_vector_store_public": "fail", "ml_genai_not_customer_key": "fail"}
    assert status[_one(sink, Guardrail, "weak").ref.id] == {"ml_guardrail_weak": "fail"}
    assert status[_one(sink, RegistryRepository, "llm-serving").ref.id] == {"ml_registry_public": "fail", "ml_registry_scan_on_push_off": "fail"}
    assert status[_one(sink, RegistryRepository, "llm-hardened").ref.id] == {"ml_registry_public": "pass", "ml_registry_scan_on_push_off": "pass"}
    logging = next(r for r in resources.values() if isinstance(r, MLWorkload) and r.workload_type == "bedrock_logging")
    # the log bucket is private but only SSE-S3 encrypted
    assert (logging.log_public, logging.log_customer_key) == (False, False)
    assert status[logging.ref.id]["ml_prompt_log_unprotected"] == "fail"
    # weights imported from a bucket anyone can write: the next import may be someone else's model
    imported = _one(sink, MLWorkload, "llama-ft")
    assert status[imported.ref.id]["ml_model_artifact_writable"] == "fail"
    assert status[imported.ref.id]["ml_genai_not_customer_key"] == "fail"
    assert status[_one(sink, MLWorkload, "llama-pt").ref.id] == {"ml_genai_not_customer_key": "fail"}
    assert status[_one(sink, MLWorkload, "gone-pt").ref.id] == {"ml_genai_not_customer_key": "unknown"}
    assert status[logging.ref.id]["ml_genai_no_private_endpoint"] == "pass"
    # data capture into the same private, SSE-S3 bucket: unprotected unless the capture has its own key;
    # the endpoint configuration's own key verdict does not change
    assert status[_one(sink, MLWorkload, "chat-capture").ref.id] == {
        "ml_endpoint_not_customer_key": "fail", "ml_prompt_log_unprotected": "fail"}
    assert status[_one(sink, MLWorkload, "chat-keyed-capture").ref.id] == {
        "ml_endpoint_not_customer_key": "fail", "ml_prompt_log_unprotected": "pass"}
    assert status[_one(sink, MLWorkload, "chat-plain").ref.id] == {"ml_endpoint_not_customer_key": "fail"}
    assert status[_one(sink, MLWorkload, "customers").ref.id] == {"ml_genai_not_customer_key": "fail"}
    assert status[_one(sink, MLWorkload, "customers-keyed").ref.id] == {"ml_genai_not_customer_key": "pass"}
    assert not [r for r in sink.resources if r.ref.name == "history"]
    assert status[agent.ref.id]["ml_genai_no_private_endpoint"] == "fail"


def test_only_allow_listed_reads(collected) -> None:
    sink, _, operations = collected
    assert {"ListGuardrails", "GetGuardrail", "ListImportedModels", "GetImportedModel", "ListProvisionedModelThroughputs", "ListAgents", "GetAgent", "ListAgentKnowledgeBases", "ListDataSources",
            "GetDataSource", "ListKnowledgeBases", "GetKnowledgeBase"} <= set(operations)
    allowed = allowed_operations()
    assert set(operations) <= allowed["bedrock"] | allowed["bedrock-agent"]
    for call in sink.api_calls:
        service, op = call.split(":")
        assert op in allowed[service] and op.startswith(("List", "Get", "Describe", "GenerateCredentialReport")), call
    assert not [e for e in sink.errors if e.incomplete], sink.errors
