"""Encryption at rest of buckets and storage accounts."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Bucket

from ._common import account_setting_applies, where


@check(
    id="bucket_unencrypted",
    severity=Severity.HIGH,
    title="Bucket has no default encryption at rest",
    description="No default encryption at rest is configured, so objects are stored in the clear. "
    "Provider-managed encryption counts as encrypted (S3 applies SSE-S3 to every bucket since "
    "January 2023); only its absence fails.",
    remediation="AWS: set default encryption (SSE-KMS or SSE-S3) on the bucket. GCP: Cloud Storage "
    "always encrypts; set a default CMEK key if required. Azure: storage service encryption is always on; "
    "re-enable encryption for blob and file services if it was turned off.",
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html",
        "https://cloud.google.com/storage/docs/encryption",
        "https://learn.microsoft.com/en-us/azure/storage/common/storage-service-encryption",
    ),
)
def bucket_unencrypted(bucket: Bucket) -> Result | None:
    if not account_setting_applies(bucket):
        return None
    if bucket.encryption is None:
        return unknown("default encryption settings could not be read")
    if bucket.encryption == "none":
        return fail(f"no default encryption at rest on this {where(bucket)}")
    return passed(f"encrypted at rest ({bucket.encryption.replace('_', '-')} key)", encryption=bucket.encryption)


@check(
    id="bucket_not_customer_key",
    severity=Severity.LOW,
    title="Bucket is not encrypted with a customer-managed key",
    description="Objects are encrypted only with provider-managed keys (or not at all), not a "
    "customer-managed key in KMS, Cloud KMS or Key Vault, so access to the data cannot be revoked or "
    "audited through the key.",
    remediation="AWS: set default encryption to SSE-KMS with a customer-managed KMS key. GCP: set the "
    "bucket's default KMS key (CMEK). Azure: configure customer-managed keys in Key Vault for the "
    "storage account's encryption.",
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
        "https://cloud.google.com/storage/docs/encryption/customer-managed-keys",
        "https://learn.microsoft.com/en-us/azure/storage/common/customer-managed-keys-overview",
    ),
)
def bucket_not_customer_key(bucket: Bucket) -> Result | None:
    if not account_setting_applies(bucket):
        return None
    if bucket.encryption is None:
        return unknown("default encryption settings could not be read")
    if bucket.encryption == "customer_managed":
        return passed(f"encrypted with customer-managed key {bucket.kms_key or ''}".rstrip(), kms_key=bucket.kms_key)
    if bucket.encryption == "provider_managed":
        return fail("encrypted only with a provider-managed key", encryption=bucket.encryption)
    return fail("not encrypted at rest, so no customer-managed key either", encryption=bucket.encryption)
