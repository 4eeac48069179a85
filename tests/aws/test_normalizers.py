"""Pure normalizers on payloads shaped like real AWS answers, and denied calls."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.stub import Stubber

from auditor.collectors.aws.cloudtrail import summarize_trails
from auditor.collectors.aws.ec2 import world_open_ports
from auditor.collectors.aws.iam import credential_fields, parse_credential_report
from auditor.collectors.aws.kms import normalize_key
from auditor.collectors.aws.runtime import Clients, Scan, Tasks
from auditor.collectors.aws.s3 import ABSENT, BucketRaw, normalize_bucket, normalize_encryption
from auditor.collectors.aws.sagemaker import (
    lifecycle_secrets,
    normalize_domain,
    normalize_notebook,
    normalize_tracking_server,
)
from auditor.collectors.base import CollectionSink

ACCOUNT = "123456789012"


def test_encryption_shapes() -> None:
    # Real S3 since 2023: every bucket answers with the SSE-S3 default.
    sse_s3 = {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]}}
    assert normalize_encryption(sse_s3) == ("provider_managed", None)
    # Emulators answer ServerSideEncryptionConfigurationNotFoundError: the same default.
    assert normalize_encryption(ABSENT) == ("provider_managed", None)
    cmk = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    kms = {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": cmk}, "BucketKeyEnabled": True}]}}
    assert normalize_encryption(kms) == ("customer_managed", cmk)
    aws_managed = {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}}
    assert normalize_encryption(aws_managed)[0] == "provider_managed"
    assert normalize_encryption(None) == (None, None)


def test_bucket_with_denied_calls_is_unknown_not_pass() -> None:
    raw = BucketRaw(name="b", account=ACCOUNT, region="us-east-1", acl=None, policy=None, policy_status=None,
                    public_access_block=None, encryption=None, versioning=None, logging=None, ownership=None)
    bucket = normalize_bucket(raw, None, set())
    for field in ("public_read", "public_write", "public_access_block", "encryption", "tls_enforced",
                  "versioning", "access_logging", "acls_enabled"):
        assert getattr(bucket, field) is None, field


def test_bucket_all_absent_is_s3_defaults() -> None:
    raw = BucketRaw(name="b", account=ACCOUNT, region="us-east-1", acl={"Grants": []}, policy=ABSENT,
                    policy_status=None, public_access_block=ABSENT, encryption=ABSENT,
                    versioning={}, logging={}, ownership=ABSENT)
    bucket = normalize_bucket(raw, ABSENT, {"b"})
    assert (bucket.public_read, bucket.public_write, bucket.public_access_block) == (False, False, False)
    assert bucket.encryption == "provider_managed" and bucket.tls_enforced is False
    assert (bucket.versioning, bucket.access_logging, bucket.acls_enabled, bucket.is_log_target) == (False, False, True, True)


def test_access_denied_becomes_none_and_a_collection_error() -> None:
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    sink = CollectionSink()
    clients = Clients(session, sink, {"s3": frozenset({"GetBucketPolicy"})}, endpoint_url=None, max_workers=2)
    client = clients.get("s3", "us-east-1")
    scan = Scan(clients=clients, sink=sink, tasks=Tasks(sink, 1), account=ACCOUNT, regions=["us-east-1"], home_region="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("get_bucket_policy", service_error_code="AccessDenied", service_message="Access Denied",
                              http_status_code=403, expected_params={"Bucket": "b"})
        response, failure = scan.call("s3", "us-east-1", "GetBucketPolicy", resource="arn:aws:s3:::b", Bucket="b")
    scan.tasks.wait()
    assert response is None and failure is not None and failure.denied
    assert len(sink.errors) == 1
    error = sink.errors[0]
    assert error.operation == "s3:GetBucketPolicy" and error.resource == "arn:aws:s3:::b" and "access denied" in error.message


def test_operation_outside_allow_list_is_refused() -> None:
    from auditor.collectors.aws.runtime import OperationNotAllowed

    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    clients = Clients(session, CollectionSink(), {"s3": frozenset({"GetBucketAcl"})}, endpoint_url=None, max_workers=1)
    with pytest.raises(OperationNotAllowed, match="DeleteBucket"):
        clients.get("s3", "us-east-1").delete_bucket(Bucket="b")


def test_mlflow_tracking_servers_through_stubber() -> None:
    """moto lacks ListMlflowTrackingServers; botocore's Stubber validates the real request and response shapes."""
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    sink = CollectionSink()
    clients = Clients(session, sink, {"sagemaker": frozenset({"ListMlflowTrackingServers"})}, endpoint_url=None, max_workers=1)
    scan = Scan(clients=clients, sink=sink, tasks=Tasks(sink, 1), account=ACCOUNT, regions=["us-east-1"], home_region="us-east-1")
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:mlflow-tracking-server/team-mlflow"
    with Stubber(clients.get("sagemaker", "us-east-1")) as stub:
        stub.add_response("list_mlflow_tracking_servers", {"TrackingServerSummaries": [
            {"TrackingServerArn": arn, "TrackingServerName": "team-mlflow", "TrackingServerStatus": "Created",
             "IsActive": "Active", "MlflowVersion": "2.16"}]}, {})
        items, failure = scan.pages("sagemaker", "us-east-1", "ListMlflowTrackingServers", "TrackingServerSummaries")
    scan.tasks.wait()
    assert failure is None and items
    server = normalize_tracking_server(items[0], ACCOUNT, "us-east-1")
    assert server.ref.id == arn and server.public_access is True and server.customer_managed_key is False


def test_notebook_defaults_and_lifecycle_secrets() -> None:
    desc = {"NotebookInstanceArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/nb",
            "NotebookInstanceName": "nb", "NotebookInstanceStatus": "InService"}
    nb = normalize_notebook(desc, ACCOUNT, "us-east-1", None)
    # DirectInternetAccess and RootAccess default to Enabled when absent.
    assert nb.direct_internet_access is True and nb.root_access is True
    assert nb.startup_secrets is None  # unreadable lifecycle config: unknown
    script = base64.b64encode(b"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n").decode()
    hits = lifecycle_secrets({"NotebookInstanceLifecycleConfigName": "lc", "OnCreate": [{"Content": script}]})
    assert hits and hits[0].kind == "aws_secret_access_key"
    assert "wJalrXUtnFEMI" not in json.dumps([h.model_dump() for h in hits])
    assert hits[0].location == "lc OnCreate[0]"


def test_domain_network() -> None:
    base = {"DomainArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/d-1", "DomainId": "d-1", "DomainName": "studio"}
    assert normalize_domain(base, ACCOUNT, "us-east-1").public_access is True
    assert normalize_domain({**base, "AppNetworkAccessType": "VpcOnly"}, ACCOUNT, "us-east-1").public_access is False


def test_world_open_ports() -> None:
    perms = [
        {"IpProtocol": "tcp", "FromPort": 8888, "ToPort": 8889, "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": []},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ]
    ports = world_open_ports(perms)
    assert [(p.protocol, p.start, p.end) for p in ports] == [("tcp", 8888, 8889), ("udp", 53, 53), ("all", 0, 65535)]
    assert ports[2].all_ports


def test_credential_report() -> None:
    csv_text = (
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,"
        "mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,"
        "access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
        "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"
        "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,"
        "not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
        "alice,arn:aws:iam::123456789012:user/alice,2021-03-01T10:00:00+00:00,true,2026-11-01T09:00:00+00:00,"
        "2021-03-01T10:00:00+00:00,N/A,false,true,2021-03-01T10:05:00+00:00,2026-11-20T08:00:00+00:00,us-east-1,s3,"
        "false,2022-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n"
    )
    report = parse_credential_report(csv_text.encode())
    assert list(report) == ["alice"]
    fields = credential_fields("alice", report["alice"])
    assert fields["console_access"] is True and fields["mfa_enabled"] is False
    keys = fields["access_keys"]
    assert [k.active for k in keys] == [True, False]
    assert keys[0].created and keys[0].created.year == 2021 and keys[0].last_used and keys[0].last_used.month == 11
    assert credential_fields("bob", None) == {"console_access": None, "mfa_enabled": None, "access_keys": None}


def test_trail_summary() -> None:
    multi = {"Name": "org", "TrailARN": "arn:t/org", "IsMultiRegionTrail": True, "HomeRegion": "us-east-1"}
    single = {"Name": "local", "TrailARN": "arn:t/local", "IsMultiRegionTrail": False}
    assert summarize_trails([multi], {"arn:t/org": True}, ACCOUNT, "us-east-1").enabled is True
    off = summarize_trails([multi], {"arn:t/org": False}, ACCOUNT, "us-east-1")
    assert off.enabled is False and "not logging" in (off.detail or "")
    assert summarize_trails([multi], {"arn:t/org": None}, ACCOUNT, "us-east-1").enabled is None
    assert summarize_trails([single], {}, ACCOUNT, "us-east-1").enabled is False
    assert summarize_trails(None, {}, ACCOUNT, "us-east-1").enabled is None


def test_key_normalizer() -> None:
    meta = {"KeyId": "k1", "Arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k1", "KeyManager": "CUSTOMER",
            "KeyState": "Enabled", "KeySpec": "SYMMETRIC_DEFAULT", "Origin": "AWS_KMS"}
    key = normalize_key(meta, {"KeyRotationEnabled": False}, json.dumps({"Statement": []}), ACCOUNT, "us-east-1", "alias/k")
    assert (key.rotation_enabled, key.policy_public, key.ref.name) == (False, False, "alias/k")
    denied = normalize_key(meta, None, None, ACCOUNT, "us-east-1")
    assert denied.rotation_enabled is None and denied.policy_public is None
    asymmetric = normalize_key({**meta, "KeySpec": "RSA_2048"}, None, "{}", ACCOUNT, "us-east-1")
    assert asymmetric.rotation_enabled is None
