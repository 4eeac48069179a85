"""CloudFormation Bedrock, OpenSearch Serverless and ECR resources, expressed in the Terraform AWS
provider's vocabulary and judged by ``GenAITerraform`` (one implementation per control).

References (``!Ref``, ``!GetAtt``) keep the address of the resource they name, so an agent's role
or a knowledge base's collection joins the same way as in Terraform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from auditor.collectors.iac.mappers.aws_cfn import _tags, translate_resources
from auditor.collectors.iac.mappers.genai_tf import GenAITerraform
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.values import Unknown
from auditor.resources import Resource


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if isinstance(value, Unknown):
            return value
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _block(value: Any) -> Any:
    """A CloudFormation sub-object as a Terraform nested block ([] when absent)."""
    return [] if value is None else value


def _guardrail(res: IacResource) -> list[IacResource]:
    p = res.attrs
    content = p.get("ContentPolicyConfig")
    filters = _get(content, "FiltersConfig")
    content_block: Any
    if isinstance(content, Unknown) or isinstance(filters, Unknown):
        content_block = Unknown("content policy is unknown")
    else:
        content_block = [{"filters_config": [
            {"type": f.get("Type"), "input_strength": f.get("InputStrength"), "output_strength": f.get("OutputStrength")}
            for f in _items(filters) if isinstance(f, dict)
        ]}] if content is not None else []
    pii = p.get("SensitiveInformationPolicyConfig")
    pii_block: Any = pii if isinstance(pii, Unknown) else ([{
        "pii_entities_config": _items(_get(pii, "PiiEntitiesConfig")),
        "regexes_config": _items(_get(pii, "RegexesConfig")),
    }] if pii is not None else [])
    return [replace(res, type="aws_bedrock_guardrail", attrs={
        "name": p.get("Name"), "kms_key_arn": p.get("KmsKeyArn"), "tags": _tags(p),
        "content_policy_config": content_block, "sensitive_information_policy_config": pii_block,
    })]


def _agent(res: IacResource) -> list[IacResource]:
    p = res.attrs
    guard = p.get("GuardrailConfiguration")
    out = [replace(res, type="aws_bedrockagent_agent", attrs={
        "agent_name": p.get("AgentName"),
        "agent_resource_role_arn": p.get("AgentResourceRoleArn"),
        "customer_encryption_key_arn": p.get("CustomerEncryptionKeyArn"),
        "idle_session_ttl_in_seconds": p.get("IdleSessionTTLInSeconds"),
        "guardrail_configuration": guard if isinstance(guard, Unknown) else (
            [{"guardrail_identifier": _get(guard, "GuardrailIdentifier")}] if guard is not None else []),
        "tags": p.get("Tags") if isinstance(p.get("Tags"), dict) else {},
    })]
    owner = Unknown(f"{res.name} is known only at deploy time", frozenset({res.address}))
    for i, kb in enumerate(_items(p.get("KnowledgeBases"))):
        out.append(replace(res, type="aws_bedrockagent_agent_knowledge_base_association", address=f"{res.address}/kb{i}",
                           attrs={"agent_id": owner, "knowledge_base_id": _get(kb, "KnowledgeBaseId")}, ignores=[]))
    for i, group in enumerate(_items(p.get("ActionGroups"))):
        executor = _get(group, "ActionGroupExecutor")
        block = executor if isinstance(executor, Unknown) else (
            [{"lambda": _get(executor, "Lambda"), "custom_control": _get(executor, "CustomControl")}] if executor is not None else [])
        out.append(replace(res, type="aws_bedrockagent_agent_action_group", address=f"{res.address}/action{i}",
                           attrs={"agent_id": owner, "action_group_executor": block}, ignores=[]))
    return out


def _knowledge_base(res: IacResource) -> list[IacResource]:
    p = res.attrs
    storage = p.get("StorageConfiguration")
    oss = _get(storage, "OpensearchServerlessConfiguration")
    return [replace(res, type="aws_bedrockagent_knowledge_base", attrs={
        "name": p.get("Name"), "role_arn": p.get("RoleArn"),
        "storage_configuration": [{"type": _get(storage, "Type"), "opensearch_serverless_configuration": _block(
            {"collection_arn": _get(oss, "CollectionArn")} if oss is not None else None)}],
    })]


def _data_source(res: IacResource) -> list[IacResource]:
    p = res.attrs
    config = p.get("DataSourceConfiguration")
    sse = p.get("ServerSideEncryptionConfiguration")
    return [replace(res, type="aws_bedrockagent_data_source", attrs={
        "name": p.get("Name"), "knowledge_base_id": p.get("KnowledgeBaseId"),
        "data_source_configuration": [{"type": _get(config, "Type"), "s3_configuration": _block(
            {"bucket_arn": _get(config, "S3Configuration", "BucketArn")} if _get(config, "S3Configuration") is not None else None)}],
        "server_side_encryption_configuration": sse if isinstance(sse, Unknown) else (
            [{"kms_key_arn": _get(sse, "KmsKeyArn")}] if sse is not None else []),
    })]


def _collection(res: IacResource) -> list[IacResource]:
    p = res.attrs
    return [replace(res, type="aws_opensearchserverless_collection", attrs={"name": p.get("Name"), "type": p.get("Type"), "tags": _tags(p)})]


def _security_policy(res: IacResource) -> list[IacResource]:
    p = res.attrs
    return [replace(res, type="aws_opensearchserverless_security_policy", attrs={
        "name": p.get("Name"), "type": p.get("Type"), "policy": p.get("Policy")})]


def _ecr(res: IacResource) -> list[IacResource]:
    p = res.attrs
    scan = p.get("ImageScanningConfiguration")
    enc = p.get("EncryptionConfiguration")
    out = [replace(res, type="aws_ecr_repository", attrs={
        "name": p.get("RepositoryName"),
        "image_tag_mutability": p.get("ImageTagMutability", "MUTABLE"),
        "image_scanning_configuration": scan if isinstance(scan, Unknown) else (
            [{"scan_on_push": _get(scan, "ScanOnPush")}] if scan is not None else []),
        "encryption_configuration": enc if isinstance(enc, Unknown) else (
            [{"encryption_type": _get(enc, "EncryptionType"), "kms_key": _get(enc, "KmsKey")}] if enc is not None else []),
        "tags": _tags(p),
    })]
    if p.get("RepositoryPolicyText") is not None:
        owner = Unknown(f"{res.name} is known only at deploy time", frozenset({res.address}))
        out.append(replace(res, type="aws_ecr_repository_policy", address=f"{res.address}/policy",
                           attrs={"repository": owner, "policy": p.get("RepositoryPolicyText")}, ignores=[]))
    return out


def _model_package_group(res: IacResource) -> list[IacResource]:
    p = res.attrs
    out = [replace(res, type="aws_sagemaker_model_package_group", attrs={
        "model_package_group_name": p.get("ModelPackageGroupName"), "tags": _tags(p)})]
    if p.get("ModelPackageGroupPolicy") is not None:
        owner = Unknown(f"{res.name} is known only at deploy time", frozenset({res.address}))
        out.append(replace(res, type="aws_sagemaker_model_package_group_policy", address=f"{res.address}/policy",
                           attrs={"model_package_group_name": owner, "resource_policy": p.get("ModelPackageGroupPolicy")},
                           ignores=[]))
    return out


def _lambda(res: IacResource) -> list[IacResource]:
    return [replace(res, type="aws_lambda_function", attrs={"function_name": res.attrs.get("FunctionName"), "role": res.attrs.get("Role")})]


def _vpc_endpoint(res: IacResource) -> list[IacResource]:
    return [replace(res, type="aws_vpc_endpoint", attrs={"service_name": res.attrs.get("ServiceName")})]


def _feature_group(res: IacResource) -> list[IacResource]:
    online = res.attrs.get("OnlineStoreConfig")
    security = _get(online, "SecurityConfig")
    security_block: Any = security if isinstance(security, Unknown) else (
        [{"kms_key_id": security.get("KmsKeyId")}] if isinstance(security, dict) else [])
    block: Any = online if isinstance(online, Unknown) else (
        [{"enable_online_store": _get(online, "EnableOnlineStore"), "security_config": security_block}] if online is not None else [])
    return [replace(res, type="aws_sagemaker_feature_group", attrs={
        "feature_group_name": res.attrs.get("FeatureGroupName"), "online_store_config": block, "tags": _tags(res.attrs)})]


TRANSLATORS: dict[str, Callable[[IacResource], list[IacResource]]] = {
    "AWS::Bedrock::Guardrail": _guardrail,
    "AWS::Bedrock::Agent": _agent,
    "AWS::Bedrock::KnowledgeBase": _knowledge_base,
    "AWS::Bedrock::DataSource": _data_source,
    "AWS::OpenSearchServerless::Collection": _collection,
    "AWS::OpenSearchServerless::SecurityPolicy": _security_policy,
    "AWS::ECR::Repository": _ecr,
    "AWS::Lambda::Function": _lambda,
    "AWS::SageMaker::ModelPackageGroup": _model_package_group,
    "AWS::EC2::VPCEndpoint": _vpc_endpoint,
    "AWS::SageMaker::FeatureGroup": _feature_group,
}


class GenAICloudFormation:
    def __init__(self, resources: list[IacResource]) -> None:
        self.resources = resources

    def steps(self) -> list[Callable[[], list[Resource]]]:
        translated, report_failures = translate_resources(self.resources, TRANSLATORS)
        # the roles and buckets these point at are translated by the AWS mapper under the same addresses
        roles_and_buckets = [replace(r, type={"AWS::IAM::Role": "aws_iam_role", "AWS::S3::Bucket": "aws_s3_bucket"}[r.type],
                                     attrs={"name": r.attrs.get("RoleName"), "bucket": r.attrs.get("BucketName")})
                             for r in self.resources if r.type in ("AWS::IAM::Role", "AWS::S3::Bucket")]

        if not translated:
            return [report_failures]
        return [*GenAITerraform(translated + roles_and_buckets).steps(), report_failures]
