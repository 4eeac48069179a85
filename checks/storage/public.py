"""Public access to buckets, containers and storage accounts, and the guard rails against it."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Bucket

from ._common import account_setting_applies, where

_PUBLIC_ACCESS_DOCS = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    "https://cloud.google.com/storage/docs/public-access-prevention",
    "https://learn.microsoft.com/en-us/azure/storage/blobs/anonymous-read-access-prevent",
)


@check(
    id="bucket_public_read",
    severity=Severity.CRITICAL,
    title="Bucket is readable by anyone",
    description="Anyone (anonymous, allUsers, allAuthenticatedUsers, any AWS account) can list or read "
    "objects through an ACL, a bucket policy, an IAM binding or a container access level, and no "
    "account- or bucket-level block stops it.",
    remediation="Turn on the provider's public access guard (S3 Block Public Access, GCS public access "
    "prevention, Azure allowBlobPublicAccess=false) and remove public grants, bindings and policies.",
    references=_PUBLIC_ACCESS_DOCS,
)
def bucket_public_read(bucket: Bucket) -> Result:
    if bucket.public_read is None:
        return unknown("public read access could not be determined")
    if bucket.public_read:
        return fail(f"readable by anyone via {bucket.public_via or 'a public grant'}", via=bucket.public_via)
    return passed("not readable by anonymous users")


@check(
    id="bucket_public_write",
    severity=Severity.CRITICAL,
    title="Bucket is writable by anyone",
    description="Anyone can write, overwrite or delete objects, or change the bucket's ACL or policy, "
    "through an ACL grant, a bucket policy, an IAM binding or a container access level. Poisoned "
    "training data or a swapped model file follows.",
    remediation="AWS: remove the public grant or policy statement and turn on S3 Block Public Access. "
    "GCP: remove allUsers/allAuthenticatedUsers from the bucket's IAM policy and enforce public access "
    "prevention. Azure: set allowBlobPublicAccess=false on the storage account.",
    references=_PUBLIC_ACCESS_DOCS,
)
def bucket_public_write(bucket: Bucket) -> Result:
    if bucket.public_write is None:
        return unknown("public write access could not be determined")
    if bucket.public_write:
        return fail(f"writable by anyone via {bucket.public_via or 'a public grant'}", via=bucket.public_via)
    return passed("not writable by anonymous users")


@check(
    id="bucket_public_access_block_off",
    severity=Severity.MEDIUM,
    title="Public access guard rail is not fully on",
    description="The provider's guard rail against public buckets is not fully on: S3 Block Public "
    "Access (account or bucket level, all four flags), GCS public access prevention enforced, or Azure "
    "allowBlobPublicAccess=false. Without it one careless grant or policy makes data public.",
    remediation="AWS: enable all four Block Public Access flags on the account (s3control "
    "put-public-access-block) or the bucket. GCP: set public access prevention to 'enforced' on the "
    "bucket or by organization policy. Azure: set allowBlobPublicAccess=false on the storage account.",
    references=_PUBLIC_ACCESS_DOCS,
)
def bucket_public_access_block_off(bucket: Bucket) -> Result | None:
    if not account_setting_applies(bucket):
        return None
    detail = bucket.public_access_block_detail
    if bucket.public_access_block is None:
        return unknown("public access guard settings could not be read", detail=detail)
    if not bucket.public_access_block:
        return fail(f"public access guard not fully on: {detail or 'not enforced'}", detail=detail)
    return passed(f"public access guard fully on{': ' + detail if detail else ''}", detail=detail)


@check(
    id="bucket_acls_enabled",
    severity=Severity.LOW,
    title="Per-object ACLs are still in force",
    description="Object ACLs still grant access beside the bucket policy: S3 object ownership is not "
    "BucketOwnerEnforced, or GCS uniform bucket-level access is off. Access then cannot be reviewed "
    "in one place, and any uploader can make an object public.",
    remediation="AWS: set object ownership to BucketOwnerEnforced (ACLs disabled). "
    "GCP: turn on uniform bucket-level access.",
    clouds=("aws", "gcp"),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
        "https://cloud.google.com/storage/docs/uniform-bucket-level-access",
    ),
)
def bucket_acls_enabled(bucket: Bucket) -> Result | None:
    if not account_setting_applies(bucket):
        return None
    if bucket.acls_enabled is None:
        return unknown("object ownership / uniform access setting could not be read")
    if bucket.acls_enabled:
        return fail(f"object ACLs are in force on this {where(bucket)}")
    return passed("object ACLs disabled; access is governed by bucket policy or IAM only")
