"""AWS collector cases that need an account of their own."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from auditor.collectors.aws import AwsCollector
from auditor.collectors.base import CollectionSink
from auditor.demo import populate
from auditor.resources import AuditTrail, Bucket, Resource


def scan(session: boto3.Session | None = None, regions: list[str] | None = None) -> CollectionSink:
    sink = CollectionSink()
    AwsCollector(session or boto3.Session(region_name="us-east-1"), regions=regions or ["us-east-1"], max_workers=8).collect(sink)
    return sink


def by_name(sink: CollectionSink, kind: type[Resource]) -> dict[str, Any]:
    return {r.ref.name: r for r in sink.resources if isinstance(r, kind)}


def test_account_block_public_access_closes_public_buckets(aws: None) -> None:
    session = boto3.Session(region_name="us-east-1")
    populate(session)
    flags = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
    session.client("s3control").put_public_access_block(AccountId="123456789012", PublicAccessBlockConfiguration=flags)
    sink = scan(session)
    b = by_name(sink, Bucket)
    for name in ("acme-ml-feature-store", "acme-ml-model-artifacts"):
        assert b[name].public_read is False and b[name].public_write is False
        assert b[name].public_access_block is True
        assert "account" in (b[name].public_access_block_detail or "")
    # With everything blocked at account level, bucket ACLs and bucket blocks are not read.
    assert sink.api_calls["s3control:GetPublicAccessBlock"] == 1
    assert sink.api_calls["s3:GetBucketAcl"] == 0 and sink.api_calls["s3:GetPublicAccessBlock"] == 0
    # The other settings still are.
    assert b["acme-ml-feature-store"].acls_enabled is True and b["acme-ml-training-data"].versioning is True


def test_no_trail_and_empty_account(aws: None) -> None:
    sink = scan(regions=["us-east-1"])
    trails = [r for r in sink.resources if isinstance(r, AuditTrail)]
    assert trails[0].enabled is False and trails[0].detail == "no CloudTrail trail"
    assert not [e for e in sink.errors if e.incomplete]


def test_disabled_region_noted(aws: None) -> None:
    # A real region name the account does not have enabled (the European Sovereign Cloud one here) is
    # noted and skipped; the scan goes on.
    sink = scan(regions=["us-east-1", "eusc-de-east-1"])
    notes = [e for e in sink.errors if e.region == "eusc-de-east-1"]
    assert notes and "not enabled" in notes[0].message and not notes[0].incomplete
    assert any(isinstance(r, AuditTrail) for r in sink.resources)


def test_invalid_region_is_config_error(aws: None) -> None:
    from auditor.config import ConfigError

    with pytest.raises(ConfigError, match="mars-north-1"):
        AwsCollector(boto3.Session(region_name="us-east-1"), regions=["us-east-1", "mars-north-1"])
