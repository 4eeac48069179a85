"""How a bucket or storage account can be reached: plaintext, old TLS, any network."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Bucket

from ._common import account_setting_applies

_MIN_TLS = (1, 2)


@check(
    id="bucket_tls_not_enforced",
    severity=Severity.HIGH,
    title="Plaintext HTTP access to the bucket is possible",
    description="Requests without TLS are accepted: the S3 bucket policy does not deny "
    "aws:SecureTransport=false, or the Azure storage account allows HTTP (supportsHttpsTrafficOnly "
    "false). Data and credentials can then cross the network in the clear.",
    remediation="AWS: add a bucket policy statement that denies s3:* when aws:SecureTransport is false. "
    "Azure: set supportsHttpsTrafficOnly (secure transfer required) to true.",
    clouds=("aws", "azure"),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html",
        "https://learn.microsoft.com/en-us/azure/storage/common/storage-require-secure-transfer",
    ),
)
def bucket_tls_not_enforced(bucket: Bucket) -> Result | None:
    if not account_setting_applies(bucket):
        return None
    if bucket.tls_enforced is None:
        return unknown("whether TLS is required could not be determined")
    if not bucket.tls_enforced:
        how = "HTTP is allowed" if bucket.ref.cloud == "azure" else "no policy denies aws:SecureTransport=false"
        return fail(f"plaintext access possible: {how}")
    return passed("only TLS requests are accepted")


def _version_tuple(text: str) -> tuple[int, ...] | None:
    cleaned = text.strip().upper().removeprefix("TLS").lstrip("V").replace("_", ".")
    try:
        return tuple(int(part) for part in cleaned.split("."))
    except ValueError:
        return None


@check(
    id="bucket_tls_outdated",
    severity=Severity.MEDIUM,
    title="Storage account accepts TLS below 1.2",
    description="The Azure storage account's minimum TLS version is below 1.2, so clients may connect "
    "with TLS 1.0 or 1.1, which have known weaknesses. (An S3 policy without an s3:TlsVersion floor is "
    "not a failure: S3 itself refuses TLS below 1.2.)",
    remediation="Azure: set minimumTlsVersion to TLS1_2 on the storage account (Terraform "
    "min_tls_version = \"TLS1_2\").",
    clouds=("azure",),
    references=(
        "https://learn.microsoft.com/en-us/azure/storage/common/transport-layer-security-configure-minimum-version",
    ),
)
def bucket_tls_outdated(bucket: Bucket) -> Result | None:
    if not account_setting_applies(bucket):
        return None
    if bucket.min_tls_version is None:
        return unknown("minimum TLS version could not be read")
    version = _version_tuple(bucket.min_tls_version)
    if version is None:
        return unknown(f"unrecognised minimum TLS version {bucket.min_tls_version!r}")
    if version < _MIN_TLS:
        return fail(f"minimum TLS version is {bucket.min_tls_version}", min_tls_version=bucket.min_tls_version)
    return passed(f"minimum TLS version is {bucket.min_tls_version}", min_tls_version=bucket.min_tls_version)


@check(
    id="bucket_network_open",
    severity=Severity.MEDIUM,
    title="Storage account is reachable from any network",
    description="The Azure storage account's network rules default action is Allow, so any network "
    "on the internet can reach it (only credentials stand in the way).",
    remediation="Azure: set the storage account's network rules default action to Deny and allow only "
    "the virtual networks, private endpoints and IP ranges that need it.",
    clouds=("azure",),
    references=("https://learn.microsoft.com/en-us/azure/storage/common/storage-network-security",),
)
def bucket_network_open(bucket: Bucket) -> Result | None:
    if not account_setting_applies(bucket):
        return None
    if bucket.network_open is None:
        return unknown("network rules could not be read")
    if bucket.network_open:
        return fail("network rules default action is Allow: reachable from any network")
    return passed("network rules default action is Deny")
