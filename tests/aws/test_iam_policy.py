"""Unit tests of the pure IAM policy analysis."""

from __future__ import annotations

import json

import pytest

from auditor.analysis import iam_policy as ip

OWN = "111111111111"


def trust(principal: object, condition: dict | None = None, action: str = "sts:AssumeRole") -> dict:
    stmt: dict = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        stmt["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": stmt}


def test_normalize_makes_lists_and_parses_strings() -> None:
    doc = ip.normalize_policy(json.dumps({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"}}))
    stmt = doc["Statement"][0]
    assert stmt["Action"] == ["s3:GetObject"]
    assert stmt["Resource"] == ["*"]
    assert stmt["Principal"] == {"AWS": ["*"]}
    url = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%7D%5D%7D"
    assert ip.normalize_policy(url)["Statement"][0]["Action"] == ["*"]
    assert ip.normalize_policy({"Statement": [{"Principal": {"Service": "a"}}]})["Statement"][0]["Principal"] == {"Service": ["a"]}
    with pytest.raises(ValueError):
        ip.normalize_policy("[1]")


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_trust_any_principal(principal: object) -> None:
    result = ip.trust_analysis(trust(principal), OWN)
    assert result.trusts_any_principal
    assert "no restricting condition" in result.detail


def test_trust_any_principal_restricted_by_org() -> None:
    result = ip.trust_analysis(trust("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}), OWN)
    assert not result.trusts_any_principal
    assert "restricted" in result.detail


def test_wildcard_condition_value_restricts_nothing() -> None:
    result = ip.trust_analysis(trust("*", {"StringLike": {"aws:PrincipalArn": "*"}}), OWN)
    assert result.trusts_any_principal


def test_service_principal_is_fine() -> None:
    result = ip.trust_analysis(trust({"Service": "sagemaker.amazonaws.com"}), OWN)
    assert not result.trusts_any_principal and result.untrusted_accounts == []


def test_cross_account_without_external_id() -> None:
    result = ip.trust_analysis(trust({"AWS": "arn:aws:iam::222222222222:root"}), OWN)
    assert result.untrusted_accounts == ["222222222222"]
    assert not result.trusts_any_principal


def test_cross_account_with_external_id_and_own_account() -> None:
    ok = ip.trust_analysis(
        trust({"AWS": ["222222222222", f"arn:aws:iam::{OWN}:role/x"]}, {"StringEquals": {"sts:ExternalId": "abc"}}), OWN
    )
    assert ok.untrusted_accounts == []
    own = ip.trust_analysis(trust({"AWS": f"arn:aws:iam::{OWN}:root"}), OWN)
    assert own.untrusted_accounts == []
    unknown_own = ip.trust_analysis(trust({"AWS": f"arn:aws:iam::{OWN}:root"}), None)
    assert unknown_own.untrusted_accounts == [OWN]


def test_deny_and_non_assume_statements_ignored() -> None:
    doc = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
                         {"Effect": "Allow", "Principal": "*", "Action": "sts:TagSession"}]}
    assert not ip.trust_analysis(doc, OWN).trusts_any_principal


def test_admin_analysis() -> None:
    assert ip.admin_analysis([], ["arn:aws:iam::aws:policy/AdministratorAccess"]) == (True, "managed policy AdministratorAccess")
    admin, via = ip.admin_analysis([{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}])
    assert admin and via and "Action *" in via
    assert ip.admin_analysis([{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}]) == (False, None)
    assert ip.admin_analysis([{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}]}])[0] is False
    assert ip.admin_analysis([], ["arn:aws:iam::aws:policy/ReadOnlyAccess"]) == (False, None)


def test_wildcard_data_analysis() -> None:
    hit, via = ip.wildcard_data_analysis([{"Statement": [{"Effect": "Allow", "Action": ["S3:*"], "Resource": "*"}]}])
    assert hit and via == "allows s3:* on *"
    scoped = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::training/*"}]}
    assert ip.wildcard_data_analysis([scoped]) == (False, None)
    read_only = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    assert ip.wildcard_data_analysis([read_only]) == (False, None)


def test_resource_policy_public_read_and_write() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
    result = ip.resource_policy_public(doc)
    assert result.read and not result.write and "s3:GetObject" in result.via
    doc_w = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"}]}
    result_w = ip.resource_policy_public(doc_w)
    assert result_w.read and result_w.write


def test_resource_policy_restricted_or_named_is_not_public() -> None:
    vpce = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
                           "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}]}
    assert not ip.resource_policy_public(vpce).read
    open_ip = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
                              "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}]}
    assert ip.resource_policy_public(open_ip).read
    named = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"}, "Action": "s3:*", "Resource": "*"}]}
    assert not ip.resource_policy_public(named).read


def test_not_action_allow_is_public() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Principal": "*", "NotAction": "s3:DeleteBucket", "Resource": "*"}]}
    result = ip.resource_policy_public(doc)
    assert result.read and result.write


def test_denies_insecure_transport() -> None:
    good = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    assert ip.denies_insecure_transport(good)
    assert ip.denies_insecure_transport(json.dumps(good))
    partial = json.loads(json.dumps(good))
    partial["Statement"][0]["Action"] = "s3:GetObject"
    assert not ip.denies_insecure_transport(partial)
    allow = json.loads(json.dumps(good))
    allow["Statement"][0]["Effect"] = "Allow"
    assert not ip.denies_insecure_transport(allow)
    assert not ip.denies_insecure_transport(None)


def test_key_policy_public() -> None:
    default = {"Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                              "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"}, "Action": "kms:*", "Resource": "*"}]}
    assert ip.key_policy_public(default) == (False, None)
    public = {"Statement": [{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}
    hit, via = ip.key_policy_public(public)
    assert hit and via and "kms:Decrypt" in via
    pinned = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                             "Condition": {"StringEquals": {"kms:CallerAccount": OWN}}}]}
    assert ip.key_policy_public(pinned) == (False, None)
