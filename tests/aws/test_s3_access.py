"""Unit tests of folding S3 ACLs, bucket policy and Block Public Access."""

from __future__ import annotations

from auditor.analysis.s3_access import ALL_USERS, AUTHENTICATED_USERS, BLOCK_FLAGS, fold_public_access

ALL_ON = dict.fromkeys(BLOCK_FLAGS, True)
ALL_OFF = dict.fromkeys(BLOCK_FLAGS, False)
OWNER_GRANT = {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}
PUBLIC_READ_GRANT = {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}
PUBLIC_POLICY = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}


def test_private_bucket_with_block() -> None:
    access = fold_public_access(acl_grants=[OWNER_GRANT], policy={}, policy_status_public=None,
                                bucket_block=ALL_ON, account_block={})
    assert (access.public_read, access.public_write, access.block_fully_on) == (False, False, True)
    assert access.public_via is None
    assert "bucket" in (access.block_detail or "")


def test_public_acl_without_block() -> None:
    access = fold_public_access(acl_grants=[OWNER_GRANT, PUBLIC_READ_GRANT], policy={}, policy_status_public=False,
                                bucket_block={}, account_block={})
    assert access.public_read is True and access.public_write is False
    assert access.public_via == "ACL grants READ to AllUsers"
    assert access.block_fully_on is False


def test_authenticated_users_write_acl() -> None:
    grant = {"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "WRITE"}
    access = fold_public_access(acl_grants=[grant], policy={}, policy_status_public=None, bucket_block={}, account_block={})
    assert access.public_write is True and access.public_read is False


def test_account_block_neutralizes_public_policy_and_acl() -> None:
    access = fold_public_access(acl_grants=[PUBLIC_READ_GRANT], policy=PUBLIC_POLICY, policy_status_public=True,
                                bucket_block={}, account_block=ALL_ON)
    assert access.public_read is False and access.block_fully_on is True
    assert "account" in (access.block_detail or "")


def test_public_policy_without_block() -> None:
    access = fold_public_access(acl_grants=[], policy=PUBLIC_POLICY, policy_status_public=True,
                                bucket_block=ALL_OFF, account_block={})
    assert access.public_read is True
    assert "s3:GetObject" in (access.public_via or "")


def test_policy_status_overrides() -> None:
    said_no = fold_public_access(acl_grants=[], policy=PUBLIC_POLICY, policy_status_public=False,
                                 bucket_block={}, account_block={})
    assert said_no.public_read is False
    said_yes = fold_public_access(acl_grants=[], policy={"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetBucketTagging"}]},
                                  policy_status_public=True, bucket_block={}, account_block={})
    assert said_yes.public_read is True and "IsPublic" in (said_yes.public_via or "")


def test_unreadable_inputs_make_unknown() -> None:
    access = fold_public_access(acl_grants=None, policy={}, policy_status_public=None, bucket_block={}, account_block={})
    assert access.public_read is None and access.public_write is None
    denied_policy = fold_public_access(acl_grants=[], policy=None, policy_status_public=None, bucket_block={}, account_block={})
    assert denied_policy.public_read is None
    # A definite public path wins over an unreadable one.
    mixed = fold_public_access(acl_grants=[PUBLIC_READ_GRANT], policy=None, policy_status_public=None, bucket_block={}, account_block={})
    assert mixed.public_read is True and mixed.public_write is None


def test_unreadable_block_levels() -> None:
    # Bucket flags on cover for an unreadable account level.
    on = fold_public_access(acl_grants=[], policy={}, policy_status_public=None, bucket_block=ALL_ON, account_block=None)
    assert on.block_fully_on is True
    unknown = fold_public_access(acl_grants=[PUBLIC_READ_GRANT], policy={}, policy_status_public=None,
                                 bucket_block={}, account_block=None)
    assert unknown.block_fully_on is None
    assert unknown.public_read is None  # a public ACL that the unread account level may ignore
    assert "account" in (unknown.block_detail or "")
    partly = fold_public_access(acl_grants=[], policy={}, policy_status_public=None,
                                bucket_block={**ALL_ON, "RestrictPublicBuckets": False}, account_block={})
    assert partly.block_fully_on is False and "RestrictPublicBuckets" in (partly.block_detail or "")
