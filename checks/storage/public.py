"""Public access to buckets, containers and storage accounts."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Bucket


@check(
    id="bucket_public_read",
    severity=Severity.CRITICAL,
    title="Bucket is readable by anyone",
    description="Anyone (anonymous, allUsers, allAuthenticatedUsers, any AWS account) can list or read "
    "objects through an ACL, a bucket policy, an IAM binding or a container access level, and no "
    "account- or bucket-level block stops it.",
    remediation="Turn on the provider's public access guard (S3 Block Public Access, GCS public access "
    "prevention, Azure allowBlobPublicAccess=false) and remove public grants, bindings and policies.",
)
def bucket_public_read(bucket: Bucket) -> Result:
    if bucket.public_read is None:
        return unknown("public read access could not be determined")
    if bucket.public_read:
        return fail(f"readable by anyone via {bucket.public_via or 'a public grant'}", via=bucket.public_via)
    return passed("not readable by anonymous users")
