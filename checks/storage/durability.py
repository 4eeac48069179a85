"""Keeping a record of, and a way back from, changes to stored data."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Bucket

from ._common import account_setting_applies, where


@check(
    id="bucket_versioning_off",
    severity=Severity.MEDIUM,
    title="Object versioning or soft delete is off",
    description="Object versioning (S3, GCS) or blob soft delete / versioning (Azure) is off, so "
    "training data and model files can be silently overwritten or deleted with no way back.",
    remediation="AWS: enable bucket versioning. GCP: enable object versioning or soft delete. Azure: "
    "enable blob soft delete and versioning on the storage account's blob service.",
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
        "https://cloud.google.com/storage/docs/object-versioning",
        "https://learn.microsoft.com/en-us/azure/storage/blobs/soft-delete-blob-overview",
    ),
)
def bucket_versioning_off(bucket: Bucket) -> Result | None:
    if not account_setting_applies(bucket):
        return None
    if bucket.versioning is None:
        return unknown("versioning settings could not be read")
    if not bucket.versioning:
        return fail(f"versioning/soft delete is off on this {where(bucket)}")
    return passed("versioning/soft delete is on")


@check(
    id="bucket_access_logging_off",
    severity=Severity.MEDIUM,
    title="No access logging for the bucket",
    description="Neither server access logging nor data access audit logging records who read or "
    "changed objects. A bucket that itself receives other buckets' access logs is exempt (logging it "
    "into itself would loop).",
    remediation="AWS: enable server access logging to a separate log bucket (or CloudTrail S3 data "
    "events). GCP: enable Data Access audit logs for Cloud Storage or usage logs. Azure: add a "
    "diagnostic setting that sends StorageRead/StorageWrite/StorageDelete logs for the blob service.",
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html",
        "https://cloud.google.com/storage/docs/audit-logging",
        "https://learn.microsoft.com/en-us/azure/storage/blobs/monitor-blob-storage",
    ),
)
def bucket_access_logging_off(bucket: Bucket) -> Result | None:
    if not account_setting_applies(bucket):
        return None
    if bucket.is_log_target:
        return passed("this bucket receives other buckets' access logs", log_target=True)
    if bucket.access_logging is None:
        return unknown("access logging settings could not be read")
    if not bucket.access_logging:
        return fail(f"no access logging for this {where(bucket)}")
    return passed("access logging is on")
