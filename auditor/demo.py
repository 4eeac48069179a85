"""``auditor demo``: scan an embedded, emulated ML team's AWS account. No cloud, no network.

moto runs in-process and is populated like a real ML team's account: training-data,
feature-store, model-artifact, MLflow-artifact and log buckets, SageMaker execution roles,
notebooks, models, endpoint configs, training jobs, a Studio domain, security groups, KMS keys
and a trail, some hardened and some misconfigured. The normal ``AwsCollector`` and the normal
pipeline scan it; recorded inventories of other clouds in ``auditor/demo_data`` join in.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from auditor.collectors.base import CollectionError
from auditor.resources import Resource

DEMO_ACCOUNT = "123456789012"
DEMO_REGIONS = ("us-east-1", "eu-west-1")
PARTNER_ACCOUNT = "210987654321"
DEMO_DATA = Path(__file__).parent / "demo_data"

# What the demo estate plants, by check id: a scan of it must fail each of these.
PLANTED = {
    "bucket_public_read": ["acme-ml-feature-store", "acme-ml-model-artifacts"],
    "bucket_public_access_block_off": ["acme-ml-feature-store"],
    "bucket_not_customer_key": ["acme-ml-mlflow-artifacts"],
    "bucket_tls_not_enforced": ["acme-ml-feature-store"],
    "bucket_versioning_off": ["acme-ml-mlflow-artifacts"],
    "bucket_access_logging_off": ["acme-ml-mlflow-artifacts"],
    "bucket_acls_enabled": ["acme-ml-feature-store"],
    "role_trusts_any_principal": ["legacy-debug-role"],
    "role_cross_account_no_external_id": ["ml-partner-access"],
    "role_wildcard_data_access": ["SageMakerExecutionRole-experiments"],
    "role_admin_access": ["ml-platform-admin", "alice-admin"],
    "user_console_without_mfa": ["alice-admin"],
    "user_stale_access_key": ["alice-admin"],
    "notebook_direct_internet": ["research-notebook"],
    "notebook_root_access": ["research-notebook"],
    "notebook_not_customer_key": ["research-notebook"],
    "notebook_no_private_network": ["research-notebook"],
    "notebook_startup_secret": ["research-notebook"],
    "ml_endpoint_not_customer_key": ["churn-endpoint-config"],
    "ml_training_no_network_isolation": ["churn-training-2026-11"],
    "ml_training_traffic_unencrypted": ["churn-training-2026-11"],
    "ml_workspace_public_network": ["ml-studio"],
    "ml_invocation_logging_off": ["bedrock-invocation-logging-us-east-1"],
    "network_ml_port_open_to_world": ["jupyter-open", "mlflow-open", "ray-dashboard-open"],
    "network_admin_port_open_to_world": ["ssh-open"],
    "key_rotation_off": ["alias/legacy-key"],
    "key_policy_public": ["alias/shared-key"],
    "ml_guardrail_missing": ["acme-support-agent"],
    "ml_agent_role_overprivileged": ["acme-support-agent"],
    "ml_vector_store_public": ["acme-support-kb"],
    "ml_retrieval_source_exposed": ["acme-support-docs"],
    "ml_registry_public": ["acme-llm-serving"],
    "ml_registry_scan_on_push_off": ["acme-llm-serving"],
    "ml_model_artifact_writable": ["recsys-model"],
}

# Not a real credential: the AWS documentation's example key id shape, planted to be found.
FAKE_KEY_SCRIPT = """#!/bin/bash
set -e
# install team tooling
pip install -q mlflow==2.9.2
export AWS_ACCESS_KEY_ID=AKIA2E0A8F3B244C9986
export MLFLOW_TRACKING_URI=https://mlflow.internal.example
"""
CLEAN_SCRIPT = "#!/bin/bash\nset -e\npip install -q -r /home/ec2-user/SageMaker/requirements.txt\n"


@contextmanager
def demo_environment() -> Iterator[None]:
    """moto in-process with throwaway credentials; the caller's AWS settings are put back after."""
    keys = (
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
        "AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_IAM_LOAD_MANAGED_POLICIES", "MOTO_EC2_LOAD_DEFAULT_AMIS",
    )
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(
        AWS_ACCESS_KEY_ID="demo", AWS_SECRET_ACCESS_KEY="demo", AWS_SESSION_TOKEN="demo",
        AWS_DEFAULT_REGION="us-east-1", MOTO_IAM_LOAD_MANAGED_POLICIES="true", MOTO_EC2_LOAD_DEFAULT_AMIS="false",
    )
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        from moto import mock_aws

        with mock_aws():
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(principal: Any, condition: dict[str, Any] | None = None) -> str:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return _policy(stmt)


SAGEMAKER_TRUST = {"Service": "sagemaker.amazonaws.com"}


def populate(session: Any, region: str = "us-east-1") -> dict[str, str]:
    """Create the demo ML estate in the (emulated) account; returns a few ids for callers."""
    ids: dict[str, str] = {}
    _kms(session, region, ids)
    _buckets(session, region, ids)
    _iam(session, ids)
    _network(session, region, ids)
    _sagemaker(session, region, ids)
    _trail_and_bedrock(session, region)
    _eks(session, region, ids)
    _genai(session, region, ids)
    return ids


def _genai(session: Any, region: str, ids: dict[str, str]) -> None:
    """A Bedrock agent whose knowledge base sits on an OpenSearch Serverless collection open to the
    internet, acting with a role that has s3:* on everything; a public ECR repository for serving."""
    collection_name = "acme-support-kb"
    oss = session.client("opensearchserverless", region_name=region)
    rules = [{"ResourceType": "collection", "Resource": [f"collection/{collection_name}"]}]
    oss.create_security_policy(name="acme-kb-encryption", type="encryption", policy=json.dumps(
        {"Rules": rules, "AWSOwnedKey": False, "KmsARN": ids["good_key"]}))
    # (a wildcard rule: the emulator would also read an exact-name network policy as the encryption one)
    oss.create_security_policy(name="acme-kb-network", type="network", policy=json.dumps(
        [{"Rules": [{"ResourceType": "collection", "Resource": ["collection/acme-support-*"]}], "AllowFromPublic": True}]))
    collection = oss.create_collection(name=collection_name, type="VECTORSEARCH")["createCollectionDetail"]["arn"]
    role = f"arn:aws:iam::{DEMO_ACCOUNT}:role/SageMakerExecutionRole-experiments"
    agents = session.client("bedrock-agent", region_name=region)
    agents.create_knowledge_base(
        name="acme-support-docs", roleArn=role,
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
            "embeddingModelArn": f"arn:aws:bedrock:{region}::foundation-model/amazon.titan-embed-text-v2:0"}},
        storageConfiguration={"type": "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration": {
            "collectionArn": collection, "vectorIndexName": "docs",
            "fieldMapping": {"vectorField": "embedding", "textField": "text", "metadataField": "metadata"}}},
    )
    agents.create_agent(agentName="acme-support-agent", agentResourceRoleArn=role,
                        foundationModel="anthropic.claude-3-haiku-20240307-v1:0",
                        instruction="Answer customer questions from the support documents.")
    ecr = session.client("ecr", region_name=region)
    ecr.create_repository(repositoryName="acme-llm-serving")
    ecr.set_repository_policy(repositoryName="acme-llm-serving", policyText=_policy(
        {"Sid": "PullForAnyone", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}))


def _eks(session: Any, region: str, ids: dict[str, str]) -> None:
    """The ML platform's cluster with its API server open to the internet, and a private one."""
    eks = session.client("eks", region_name=region)
    role = f"arn:aws:iam::{DEMO_ACCOUNT}:role/eks-cluster"
    subnets = [ids["subnet"]] if "subnet" in ids else ["subnet-0demo"]
    eks.create_cluster(name="ml-platform", roleArn=role, tags={"team": "ml-platform"},
                       resourcesVpcConfig={"subnetIds": subnets, "endpointPublicAccess": True, "endpointPrivateAccess": False})
    eks.create_cluster(name="ml-batch", roleArn=role,
                       resourcesVpcConfig={"subnetIds": subnets, "endpointPublicAccess": False, "endpointPrivateAccess": True})


def _kms(session: Any, region: str, ids: dict[str, str]) -> None:
    kms = session.client("kms", region_name=region)
    good = kms.create_key(Description="training-data-key")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=good["KeyId"])
    legacy = kms.create_key(Description="legacy-key")["KeyMetadata"]
    public_policy = _policy(
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEMO_ACCOUNT}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "ShareWithEveryone", "Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"},
    )
    shared = kms.create_key(Description="shared-key", Policy=public_policy)["KeyMetadata"]
    kms.enable_key_rotation(KeyId=shared["KeyId"])
    for name, meta in (("training-data-key", good), ("legacy-key", legacy), ("shared-key", shared)):
        kms.create_alias(AliasName=f"alias/{name}", TargetKeyId=meta["KeyId"])
    ids.update(good_key=good["Arn"], legacy_key=legacy["Arn"], shared_key=shared["Arn"])


def _buckets(session: Any, region: str, ids: dict[str, str]) -> None:
    s3 = session.client("s3", region_name=region)
    all_on = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    enforced = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    logs, training = "acme-ml-logs", "acme-ml-training-data"
    for name in (logs, training, "acme-ml-feature-store", "acme-ml-model-artifacts", "acme-ml-mlflow-artifacts"):
        s3.create_bucket(Bucket=name)

    # The log bucket receives server access logs (LogDelivery grants as S3 requires).
    owner = s3.get_bucket_acl(Bucket=logs)["Owner"]
    log_delivery = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}
    s3.put_bucket_acl(Bucket=logs, AccessControlPolicy={
        "Owner": owner,
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
            {"Grantee": log_delivery, "Permission": "WRITE"},
            {"Grantee": log_delivery, "Permission": "READ_ACP"},
        ],
    })
    s3.put_public_access_block(Bucket=logs, PublicAccessBlockConfiguration=all_on)
    s3.put_bucket_policy(Bucket=logs, Policy=_tls_only(logs))

    # Hardened: customer key, TLS only, versioned, logged, blocked, ACLs off.
    s3.put_bucket_encryption(Bucket=training, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": ids["good_key"]}}
    ]})
    s3.put_bucket_policy(Bucket=training, Policy=_tls_only(training))
    s3.put_bucket_versioning(Bucket=training, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_logging(Bucket=training, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "training/"}})
    s3.put_public_access_block(Bucket=training, PublicAccessBlockConfiguration=all_on)
    s3.put_bucket_ownership_controls(Bucket=training, OwnershipControls=enforced)

    # Feature store opened with a public-read ACL "for the dashboard", no guard rail.
    s3.put_bucket_acl(Bucket="acme-ml-feature-store", ACL="public-read")

    # Model artifacts shared through a bucket policy to Principal *.
    artifacts = "acme-ml-model-artifacts"
    s3.put_bucket_policy(Bucket=artifacts, Policy=_policy(
        {"Sid": "PublicModels", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{artifacts}/*"},
        *json.loads(_tls_only(artifacts))["Statement"],
    ))
    s3.put_bucket_versioning(Bucket=artifacts, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_logging(Bucket=artifacts, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "artifacts/"}})
    s3.put_bucket_ownership_controls(Bucket=artifacts, OwnershipControls=enforced)

    # MLflow artifacts: private but default encryption, unversioned, unlogged.
    s3.put_public_access_block(Bucket="acme-ml-mlflow-artifacts", PublicAccessBlockConfiguration=all_on)
    s3.put_bucket_policy(Bucket="acme-ml-mlflow-artifacts", Policy=_tls_only("acme-ml-mlflow-artifacts"))
    s3.put_bucket_ownership_controls(Bucket="acme-ml-mlflow-artifacts", OwnershipControls=enforced)


def _tls_only(bucket: str) -> str:
    return _policy({
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })


def _iam(session: Any, ids: dict[str, str]) -> None:
    iam = session.client("iam")
    scoped = _policy({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                      "Resource": ["arn:aws:s3:::acme-ml-training-data", "arn:aws:s3:::acme-ml-training-data/*"]})
    role = iam.create_role(RoleName="SageMakerExecutionRole-prod", AssumeRolePolicyDocument=_trust(SAGEMAKER_TRUST))
    iam.put_role_policy(RoleName="SageMakerExecutionRole-prod", PolicyName="training-data-read", PolicyDocument=scoped)
    ids["execution_role"] = role["Role"]["Arn"]
    iam.create_role(RoleName="SageMakerExecutionRole-experiments", AssumeRolePolicyDocument=_trust(SAGEMAKER_TRUST))
    iam.put_role_policy(RoleName="SageMakerExecutionRole-experiments", PolicyName="all-data",
                        PolicyDocument=_policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    iam.create_role(RoleName="ml-partner-access", AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"}))
    iam.create_role(RoleName="labeling-vendor", AssumeRolePolicyDocument=_trust(
        {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"}, {"StringEquals": {"sts:ExternalId": "acme-labeling-7f3a"}}))
    iam.create_role(RoleName="legacy-debug-role", AssumeRolePolicyDocument=_trust({"AWS": "*"}))
    iam.create_role(RoleName="ml-platform-admin", AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{DEMO_ACCOUNT}:root"}))
    iam.attach_role_policy(RoleName="ml-platform-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")

    iam.create_user(UserName="alice-admin")
    iam.create_login_profile(UserName="alice-admin", Password="Demo-only-not-a-real-password-1")
    iam.attach_user_policy(UserName="alice-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_access_key(UserName="alice-admin")
    iam.create_user(UserName="ci-bot")
    iam.put_user_policy(UserName="ci-bot", PolicyName="push-models", PolicyDocument=_policy(
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme-ml-model-artifacts/*"}))
    iam.create_access_key(UserName="ci-bot")
    _age_access_keys("alice-admin", days=210)


def _age_access_keys(user: str, days: int) -> None:
    """Make a key look created ``days`` ago: an emulated account cannot wait that long."""
    from moto.iam.models import iam_backends

    backend = iam_backends[DEMO_ACCOUNT]["global"]
    for key in backend.users[user].access_keys:
        key.create_date = datetime.now(UTC) - timedelta(days=days)


def _network(session: Any, region: str, ids: dict[str, str]) -> None:
    ec2 = session.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    ids.update(vpc=vpc, subnet=subnet)
    groups = {}
    for name, port, cidr in (
        ("jupyter-open", 8888, "0.0.0.0/0"),
        ("mlflow-open", 5000, "0.0.0.0/0"),
        ("ray-dashboard-open", 8265, "0.0.0.0/0"),
        ("ssh-open", 22, "0.0.0.0/0"),
        ("notebooks-internal", 443, "10.20.0.0/16"),
    ):
        group = ec2.create_security_group(GroupName=name, Description=f"{name} for the ML team", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}])
        groups[name] = group
    ids["internal_sg"] = groups["notebooks-internal"]
    ec2.run_instances(
        ImageId="ami-0abcdef1234567890", MinCount=1, MaxCount=1, InstanceType="t3.large",
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "AssociatePublicIpAddress": True,
                            "Groups": [groups["jupyter-open"], groups["mlflow-open"], groups["ssh-open"]]}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "ml-workbench"}]}],
    )


def _sagemaker(session: Any, region: str, ids: dict[str, str]) -> None:
    sm = session.client("sagemaker", region_name=region)
    role = ids["execution_role"]
    for name, script in (("install-team-tools", FAKE_KEY_SCRIPT), ("install-requirements", CLEAN_SCRIPT)):
        sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=name,
            OnStart=[{"Content": base64.b64encode(script.encode()).decode()}],
        )
    sm.create_notebook_instance(
        NotebookInstanceName="research-notebook", InstanceType="ml.t3.medium", RoleArn=role,
        LifecycleConfigName="install-team-tools",
    )
    sm.create_notebook_instance(
        NotebookInstanceName="secure-notebook", InstanceType="ml.t3.medium", RoleArn=role,
        SubnetId=ids["subnet"], SecurityGroupIds=[ids["internal_sg"]], KmsKeyId=ids["good_key"],
        DirectInternetAccess="Disabled", RootAccess="Disabled", LifecycleConfigName="install-requirements",
    )
    image = f"763104351884.dkr.ecr.{region}.amazonaws.com/pytorch-inference:2.3-cpu-py311"
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=role, PrimaryContainer={
        "Image": image, "ModelDataUrl": "s3://acme-ml-model-artifacts/churn/model.tar.gz"})
    sm.create_model(ModelName="fraud-model", ExecutionRoleArn=role, PrimaryContainer={"Image": image})
    # Served with the experiments role (s3:* on *): the container could overwrite its own model.
    experiments = f"arn:aws:iam::{DEMO_ACCOUNT}:role/SageMakerExecutionRole-experiments"
    sm.create_model(ModelName="recsys-model", ExecutionRoleArn=experiments, PrimaryContainer={
        "Image": image, "ModelDataUrl": "s3://acme-ml-mlflow-artifacts/recsys/model.tar.gz"})
    variant = [{"VariantName": "main", "ModelName": "churn-model", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}]
    sm.create_endpoint_config(EndpointConfigName="churn-endpoint-config", ProductionVariants=variant)
    sm.create_endpoint_config(
        EndpointConfigName="fraud-endpoint-config", KmsKeyId=ids["good_key"],
        ProductionVariants=[{**variant[0], "ModelName": "fraud-model"}],
    )
    sm.create_endpoint(EndpointName="churn-endpoint", EndpointConfigName="churn-endpoint-config")
    training: dict[str, Any] = {
        "AlgorithmSpecification": {"TrainingImage": image.replace("inference", "training"), "TrainingInputMode": "File"},
        "RoleArn": role,
        "OutputDataConfig": {"S3OutputPath": "s3://acme-ml-model-artifacts/churn/"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    sm.create_training_job(TrainingJobName="churn-training-2026-11", **training)
    sm.create_training_job(
        TrainingJobName="fraud-training-2026-11", EnableNetworkIsolation=True,
        EnableInterContainerTrafficEncryption=True, VpcConfig={"SecurityGroupIds": [ids["internal_sg"]], "Subnets": [ids["subnet"]]},
        **{**training, "ResourceConfig": {**training["ResourceConfig"], "VolumeKmsKeyId": ids["good_key"]}},
    )
    sm.create_domain(
        DomainName="ml-studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": role},
        SubnetIds=[ids["subnet"]], VpcId=ids["vpc"], AppNetworkAccessType="PublicInternetOnly",
    )


def _trail_and_bedrock(session: Any, region: str) -> None:
    trail = session.client("cloudtrail", region_name=region)
    trail.create_trail(Name="org-audit-trail", S3BucketName="acme-ml-logs", IsMultiRegionTrail=True, EnableLogFileValidation=True)
    trail.start_logging(Name="org-audit-trail")
    # Bedrock is in use in us-east-1 (it publishes AWS/Bedrock metrics) without invocation logging.
    cloudwatch = session.client("cloudwatch", region_name=region)
    cloudwatch.put_metric_data(Namespace="AWS/Bedrock", MetricData=[
        {"MetricName": "Invocations", "Value": 1280.0, "Unit": "Count",
         "Dimensions": [{"Name": "ModelId", "Value": "anthropic.claude-3-haiku-20240307-v1:0"}]}])


def bundled_inventories(directory: Path = DEMO_DATA) -> tuple[list[Resource], list[CollectionError], dict[str, int], list[str]]:
    """Resources of every ``*.inventory.json`` shipped with the demo (other clouds, recorded)."""
    from auditor.resources import resource_from_dict
    from auditor.result import load_inventory

    resources: list[Resource] = []
    errors: list[CollectionError] = []
    calls: dict[str, int] = {}
    sources: list[str] = []
    for path in sorted(directory.glob("*.inventory.json")):
        try:
            inventory = load_inventory(path)
            items = [resource_from_dict(item) for item in inventory.inventory]
        except (OSError, ValueError) as exc:
            errors.append(CollectionError(source="demo", message=f"{path.name}: cannot load bundled inventory: {exc}", path=path.name))
            continue
        resources.extend(items)
        errors.extend(inventory.collection_errors)
        for op, n in inventory.api_calls.items():
            calls[op] = calls.get(op, 0) + n
        sources.extend(s for s in inventory.sources if s not in sources)
    return resources, errors, calls, sources


def run_demo(output_dir: Path, *, formats: Sequence[str] = ("html", "json"), quiet: bool = False) -> tuple[Any, list[Path]]:
    """Populate, scan and report; returns the ScanResult and the written report paths."""
    import boto3

    from auditor.collectors.aws import AwsCollector
    from auditor.console import Progress
    from auditor.engine import collect
    from auditor.pipeline import ScanOptions, evaluate_resources
    from auditor.reports import write_reports

    started = datetime.now(UTC)
    with demo_environment():
        session = boto3.Session(region_name=DEMO_REGIONS[0])
        populate(session, DEMO_REGIONS[0])
        collector = AwsCollector(session, regions=list(DEMO_REGIONS))
        with Progress(quiet=quiet) as progress:
            sink = collect([collector], progress=progress)
    extra, extra_errors, extra_calls, extra_sources = bundled_inventories()
    calls = dict(sink.api_calls)
    for op, n in extra_calls.items():
        calls[op] = calls.get(op, 0) + n
    options = ScanOptions(formats=list(formats), fail_on=None, command="auditor demo", quiet=quiet)
    result = evaluate_resources(
        [*sink.resources, *extra],
        [*sink.errors, *extra_errors],
        calls,
        sources=["aws", *[s for s in extra_sources if s != "aws"]],
        scope="demo-" + "-".join(["aws", *sorted(s for s in extra_sources if s != "aws")]),
        options=options,
        started=started,
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = output_dir / f"report.{fmt}"
        paths += write_reports(result, [fmt], output=path, force=True)
    return result, paths

