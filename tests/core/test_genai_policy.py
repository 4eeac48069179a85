"""Policies of generative-AI services: ECR repository policies, OpenSearch Serverless network and
encryption policies, identity policies that write a bucket; bad documents are unknown, never safe."""

from __future__ import annotations

import pytest

from auditor.analysis.genai_policy import (
    UnreadablePolicy,
    bucket_write_grant,
    collection_encryption,
    collection_network,
    repository_policy_access,
)

OWN = "123456789012"


def test_repository_policy_public_foreign_and_conditions() -> None:
    public = repository_policy_access({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]}, OWN)
    assert public.public and "ecr:BatchGetImage" in public.via
    limited = repository_policy_access({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*",
                                                       "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}, OWN)
    assert not limited.public
    shared = repository_policy_access({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::210987654321:root",
                                                                                                f"arn:aws:iam::{OWN}:root"]},
                                                      "Action": ["ecr:BatchGetImage"]}]}, OWN)
    assert not shared.public and shared.foreign_accounts == ["210987654321"]
    assert not repository_policy_access({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "ecr:*"}]}, OWN).public
    with pytest.raises(UnreadablePolicy):
        repository_policy_access("{not json", OWN)


def test_collection_network_wildcards_and_bad_documents() -> None:
    open_ = [{"Rules": [{"ResourceType": "collection", "Resource": ["collection/kb-*"]}], "AllowFromPublic": True}]
    vpc = [{"Rules": [{"ResourceType": "collection", "Resource": ["collection/kb-*"]}], "AllowFromPublic": False}]
    assert collection_network([("open", open_)], "kb-docs") == (True, "network policy open allows access from public networks")
    assert collection_network([("vpc", vpc)], "kb-docs") == (False, None)
    assert collection_network([("open", open_)], "other") == (False, "no network policy covers it")
    # a document that cannot be read might be the one that opens it
    assert collection_network([("vpc", vpc), ("bad", "{")], "kb-docs")[0] is None
    assert collection_network([("bad", [{"Rules": "collection/*"}])], "kb-docs")[0] is None
    assert collection_network([("open", open_), ("bad", "{")], "kb-docs")[0] is True


def test_collection_encryption() -> None:
    rules = [{"ResourceType": "collection", "Resource": ["collection/kb-docs"]}]
    assert collection_encryption([("e", {"Rules": rules, "AWSOwnedKey": True})], "kb-docs") == (False, None)
    assert collection_encryption([("e", {"Rules": rules, "KmsARN": "arn:aws:kms:us-east-1:1:key/k"})], "kb-docs") == (
        True, "arn:aws:kms:us-east-1:1:key/k")
    assert collection_encryption([("e", {"Rules": rules, "AWSOwnedKey": True})], "other") == (None, None)
    assert collection_encryption([("bad", "{")], "kb-docs") == (None, None)


def test_bucket_write_grant() -> None:
    writes = {"Statement": [{"Effect": "Allow", "Action": "s3:Put*", "Resource": "arn:aws:s3:::models/*"}]}
    assert bucket_write_grant([writes], "models") == "s3:PutObject on arn:aws:s3:::models/*"
    assert bucket_write_grant([writes], "other") is None
    reads = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    assert bucket_write_grant([reads], "models") is None
    assert bucket_write_grant([{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}], "models") == "s3:PutObject on *"
