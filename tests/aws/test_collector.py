"""The AWS collector against an in-process moto account populated with the demo ML estate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from auditor.collectors.aws import AwsCollector
from auditor.collectors.base import CollectionSink
from auditor.demo import PARTNER_ACCOUNT, populate
from auditor.resources import (
    AuditTrail,
    Bucket,
    FirewallRule,
    Instance,
    Key,
    MLWorkload,
    Notebook,
    Resource,
    Role,
)

REGIONS = ["us-east-1", "eu-west-1"]


def scan(session: boto3.Session | None = None, regions: list[str] | None = None) -> CollectionSink:
    sink = CollectionSink()
    AwsCollector(session or boto3.Session(region_name="us-east-1"), regions=regions or REGIONS, max_workers=8).collect(sink)
    return sink


def by_name(sink: CollectionSink, kind: type[Resource]) -> dict[str, Any]:
    return {r.ref.name: r for r in sink.resources if isinstance(r, kind)}


@pytest.fixture(scope="module")
def estate(moto_account_cm: Any) -> Iterator[CollectionSink]:
    """The demo estate, populated and scanned once for the whole module."""
    with moto_account_cm():
        populate(boto3.Session(region_name="us-east-1"))
        # Record every operation the scan sends, through botocore's own event hooks.
        session = boto3.Session(region_name="us-east-1")
        operations: list[str] = []
        session.events.register(
            "before-call", lambda model, **_: operations.append(f"{model.service_model.service_name}:{model.name}")
        )
        sink = scan(session)
        sink.recorded_operations = operations  # type: ignore[attr-defined]
        yield sink


def test_scope_and_refs(estate: CollectionSink) -> None:
    for resource in estate.resources:
        assert resource.ref.provider == "aws" and resource.ref.cloud == "aws"
        assert resource.ref.account == "123456789012"
    buckets = by_name(estate, Bucket)
    assert buckets["acme-ml-logs"].ref.id == "arn:aws:s3:::acme-ml-logs"
    assert buckets["acme-ml-logs"].ref.region == "us-east-1"


def test_buckets(estate: CollectionSink) -> None:
    b = by_name(estate, Bucket)
    training = b["acme-ml-training-data"]
    assert (training.public_read, training.public_write, training.public_access_block) == (False, False, True)
    assert training.encryption == "customer_managed" and training.kms_key
    assert training.tls_enforced is True and training.versioning is True and training.access_logging is True
    assert training.acls_enabled is False and training.is_log_target is False

    feature = b["acme-ml-feature-store"]
    assert feature.public_read is True and feature.public_write is False
    assert feature.public_via == "ACL grants READ to AllUsers"
    assert feature.public_access_block is False
    # moto answers "not found" for default encryption: that is S3's SSE-S3 default.
    assert feature.encryption == "provider_managed"
    assert feature.tls_enforced is False and feature.versioning is False and feature.acls_enabled is True

    artifacts = b["acme-ml-model-artifacts"]
    assert artifacts.public_read is True and "s3:GetObject" in (artifacts.public_via or "")
    assert artifacts.tls_enforced is True

    logs = b["acme-ml-logs"]
    assert logs.is_log_target is True and logs.access_logging is False


def test_roles_and_users(estate: CollectionSink) -> None:
    roles = by_name(estate, Role)
    assert roles["legacy-debug-role"].trusts_any_principal is True
    assert roles["ml-partner-access"].untrusted_accounts == [PARTNER_ACCOUNT]
    assert roles["labeling-vendor"].untrusted_accounts == []
    assert roles["SageMakerExecutionRole-experiments"].wildcard_data_access is True
    prod = roles["SageMakerExecutionRole-prod"]
    assert (prod.is_admin, prod.wildcard_data_access, prod.trusts_any_principal) == (False, False, False)
    assert prod.policy_documents and prod.policy_documents[0]["Statement"][0]["Action"] == ["s3:GetObject", "s3:ListBucket"]
    admin = roles["ml-platform-admin"]
    assert admin.is_admin is True and admin.admin_via == "managed policy AdministratorAccess"
    # The attached AWS-managed document was read, not only recognized by name.
    assert any(s.get("Action") == ["*"] for d in admin.policy_documents or [] for s in d["Statement"])

    alice = roles["alice-admin"]
    assert alice.principal_type == "user" and alice.is_admin is True
    assert alice.console_access is True and alice.mfa_enabled is False
    assert alice.access_keys and alice.access_keys[0].active
    assert alice.access_keys[0].created is not None
    bot = roles["ci-bot"]
    assert bot.console_access is False and bot.is_admin is False and len(bot.access_keys or []) == 1


def test_notebooks_and_lifecycle_secrets(estate: CollectionSink) -> None:
    nb = by_name(estate, Notebook)
    research = nb["research-notebook"]
    assert (research.direct_internet_access, research.root_access) == (True, True)
    assert (research.customer_managed_key, research.private_network) == (False, False)
    assert research.startup_secrets and research.startup_secrets[0].kind == "aws_access_key_id"
    assert "AKIA2E0A8F3B244C9986" not in json.dumps(research.model_dump(mode="json"))  # redacted
    secure = nb["secure-notebook"]
    assert (secure.direct_internet_access, secure.root_access, secure.customer_managed_key, secure.private_network) == (
        False, False, True, True,
    )
    assert secure.startup_secrets == []


def test_ml_workloads(estate: CollectionSink) -> None:
    ml = by_name(estate, MLWorkload)
    assert ml["churn-endpoint-config"].customer_managed_key is False
    assert ml["fraud-endpoint-config"].customer_managed_key is True
    churn = ml["churn-training-2026-11"]
    assert (churn.network_isolation, churn.inter_container_encryption) == (False, False)
    fraud = ml["fraud-training-2026-11"]
    assert (fraud.network_isolation, fraud.inter_container_encryption, fraud.customer_managed_key) == (True, True, True)
    assert ml["ml-studio"].public_access is True and ml["ml-studio"].workload_type == "domain"
    bedrock = ml["bedrock-invocation-logging-us-east-1"]
    assert (bedrock.in_use, bedrock.invocation_logging) == (True, False)
    # No Bedrock metrics in eu-west-1: not used there, so no record.
    assert "bedrock-invocation-logging-eu-west-1" not in ml


def test_mlflow_gap_is_reported_not_hidden(estate: CollectionSink) -> None:
    errors = [e for e in estate.errors if e.operation == "sagemaker:ListMlflowTrackingServers"]
    assert len(errors) == len(REGIONS)
    assert all("not implemented" in e.message and not e.incomplete for e in errors)


def test_network_keys_trail(estate: CollectionSink) -> None:
    groups = {name.split(" ")[0]: g for name, g in by_name(estate, FirewallRule).items()}
    jupyter = groups["jupyter-open"]
    assert [(p.protocol, p.start, p.end) for p in jupyter.world_open_ports or []] == [("tcp", 8888, 8888)]
    assert groups["notebooks-internal"].world_open_ports == []
    instance = by_name(estate, Instance)["ml-workbench"]
    assert instance.public_ips and instance.private_ips
    assert jupyter.ref.id in instance.firewall_rules
    assert instance.ref.id in jupyter.attached_to

    keys = by_name(estate, Key)
    assert keys["alias/training-data-key"].rotation_enabled is True
    assert keys["alias/legacy-key"].rotation_enabled is False
    assert keys["alias/shared-key"].policy_public is True and "ShareWithEveryone" in (keys["alias/shared-key"].policy_public_via or "")
    assert keys["alias/legacy-key"].policy_public is False
    assert all(k.customer_managed for k in keys.values())

    trails = [r for r in estate.resources if isinstance(r, AuditTrail)]
    assert len(trails) == 1 and trails[0].scope == "account" and trails[0].enabled is True


def test_api_calls_counted_and_bounded(estate: CollectionSink) -> None:
    calls = estate.api_calls
    assert calls["iam:GetAccountAuthorizationDetails"] == 1
    assert calls["iam:GetCredentialReport"] == 1
    assert calls["sts:GetCallerIdentity"] == 1
    assert calls["s3:ListBuckets"] == 1
    assert calls["s3:GetBucketAcl"] == 5  # one per bucket
    # A bucket without a policy costs no GetBucketPolicyStatus call.
    assert calls["s3:GetBucketPolicyStatus"] == 4
    assert calls["sagemaker:ListNotebookInstances"] == len(REGIONS)


def test_full_scan_makes_only_read_calls(estate: CollectionSink) -> None:
    operations = estate.recorded_operations  # type: ignore[attr-defined]
    assert len(operations) > 50
    writes = sorted({op for op in operations if not op.split(":")[1].startswith(("List", "Get", "Describe"))})
    assert writes == ["iam:GenerateCredentialReport"], writes
    # Every call sent was counted, and nothing else.
    assert sum(estate.api_calls.values()) == len(operations)
