"""S3 buckets: public access (ACL, policy, policy status, Block Public Access), encryption, TLS,
versioning, access logging and object ownership.

I/O lives in ``collect``; every S3 quirk lives in the pure ``normalize_bucket``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from auditor.analysis.iam_policy import denies_insecure_transport, normalize_policy
from auditor.analysis.s3_access import BLOCK_FLAGS, fold_public_access
from auditor.collectors.aws.runtime import Scan
from auditor.resources import Bucket, Encryption, Ref

PERMISSIONS = (
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:GetBucketAcl",
    "s3:GetBucketPolicy",
    "s3:GetBucketPolicyStatus",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketVersioning",
    "s3:GetBucketLogging",
    "s3:GetBucketOwnershipControls",
    "s3:GetAccountPublicAccessBlock",
)
OPERATIONS = {
    "s3": frozenset(
        {
            "ListBuckets",
            "GetBucketLocation",
            "GetBucketAcl",
            "GetBucketPolicy",
            "GetBucketPolicyStatus",
            "GetPublicAccessBlock",
            "GetBucketEncryption",
            "GetBucketVersioning",
            "GetBucketLogging",
            "GetBucketOwnershipControls",
        }
    ),
    "s3control": frozenset({"GetPublicAccessBlock"}),
}


_LOCK = threading.Lock()


class _Absent:
    """S3 answered "not configured" (as opposed to None: could not be read)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
Answer = dict[str, Any] | _Absent | None


@dataclass
class BucketRaw:
    """The S3 answers for one bucket: a response dict, ``ABSENT`` or ``None`` (unreadable)."""

    name: str
    account: str
    region: str | None
    acl: Answer = None
    policy: Answer = None
    policy_status: Answer = None
    public_access_block: Answer = None
    encryption: Answer = None
    versioning: Answer = None
    logging: Answer = None
    ownership: Answer = None
    tags: dict[str, str] = field(default_factory=dict)


def _block_dict(answer: Answer) -> dict[str, Any] | None:
    if answer is None:
        return None
    if isinstance(answer, _Absent):
        return {}
    return dict(answer.get("PublicAccessBlockConfiguration") or {})


def _policy_doc(answer: Answer) -> dict[str, Any] | None:
    if answer is None:
        return None
    if isinstance(answer, _Absent):
        return {}
    return normalize_policy(answer.get("Policy") or "{}")


def normalize_encryption(answer: Answer) -> tuple[Encryption | None, str | None]:
    """(encryption, kms key). No configuration is SSE-S3: S3 encrypts every bucket by default
    since January 2023, though some emulators still answer "not found"."""
    if answer is None:
        return None, None
    if isinstance(answer, _Absent):
        return "provider_managed", None
    rules = (answer.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        algorithm = str(default.get("SSEAlgorithm") or "")
        key = default.get("KMSMasterKeyID")
        if algorithm.startswith("aws:kms"):
            if not key or str(key).endswith("alias/aws/s3"):
                return "provider_managed", key
            return "customer_managed", str(key)
        if algorithm == "AES256":
            return "provider_managed", None
    return "provider_managed", None


def log_targets(raws: list[BucketRaw]) -> set[str]:
    targets = set()
    for raw in raws:
        if isinstance(raw.logging, dict):
            target = (raw.logging.get("LoggingEnabled") or {}).get("TargetBucket")
            if target:
                targets.add(str(target))
    return targets


def normalize_bucket(raw: BucketRaw, account_block: Answer, log_target_names: set[str]) -> Bucket:
    acl_grants = None if not isinstance(raw.acl, dict) else list(raw.acl.get("Grants") or [])
    policy = _policy_doc(raw.policy)
    status: bool | None = None
    if isinstance(raw.policy_status, dict):
        status = bool((raw.policy_status.get("PolicyStatus") or {}).get("IsPublic"))
    elif isinstance(raw.policy_status, _Absent) or isinstance(raw.policy, _Absent):
        status = False
    access = fold_public_access(
        acl_grants=acl_grants,
        policy=policy,
        policy_status_public=status,
        bucket_block=_block_dict(raw.public_access_block),
        account_block=_block_dict(account_block),
    )
    encryption, kms_key = normalize_encryption(raw.encryption)
    tls: bool | None = None if policy is None else (bool(policy) and denies_insecure_transport(policy))
    versioning = None if not isinstance(raw.versioning, dict) else raw.versioning.get("Status") == "Enabled"
    logging: bool | None = None
    if isinstance(raw.logging, dict):
        logging = bool(raw.logging.get("LoggingEnabled"))
    acls: bool | None = None
    if isinstance(raw.ownership, _Absent):
        acls = True  # no ownership controls: ACLs stay in force (ObjectWriter)
    elif isinstance(raw.ownership, dict):
        rules = (raw.ownership.get("OwnershipControls") or {}).get("Rules") or []
        acls = not any(r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in rules)
    return Bucket(
        ref=Ref(
            provider="aws",
            cloud="aws",
            account=raw.account,
            region=raw.region,
            id=f"arn:aws:s3:::{raw.name}",
            name=raw.name,
        ),
        tags=raw.tags,
        public_read=access.public_read,
        public_write=access.public_write,
        public_via=access.public_via,
        public_access_block=access.block_fully_on,
        public_access_block_detail=access.block_detail,
        encryption=encryption,
        kms_key=kms_key,
        tls_enforced=tls,
        versioning=versioning,
        access_logging=logging,
        is_log_target=raw.name in log_target_names,
        acls_enabled=acls,
    )


# --- I/O ---------------------------------------------------------------------------------


def _answer(scan: Scan, region: str, op: str, bucket: str, absent: set[str], **params: Any) -> Answer:
    response, failure = scan.call("s3", region, op, resource=f"arn:aws:s3:::{bucket}", quiet=frozenset(absent), **params)
    if failure is None:
        response.pop("ResponseMetadata", None)
        return dict(response)
    return ABSENT if failure.code in absent else None


class S3Collection:
    """Reads every bucket concurrently, then normalizes them together (log targets span buckets)."""

    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self.raws: list[BucketRaw] = []
        self.account_block: Answer = None

    def start(self) -> None:
        self.scan.tasks.submit("s3 list", self._list)

    def _account_fully_blocked(self) -> bool:
        return isinstance(self.account_block, dict) and all(
            (self.account_block.get("PublicAccessBlockConfiguration") or {}).get(f) for f in BLOCK_FLAGS
        )

    def _account_block(self) -> None:
        response, failure = self.scan.call(
            "s3control",
            self.scan.home_region,
            "GetPublicAccessBlock",
            AccountId=self.scan.account,
            quiet=frozenset({"NoSuchPublicAccessBlockConfiguration"}),
        )
        if failure is None:
            self.account_block = dict(response)
        elif failure.code == "NoSuchPublicAccessBlockConfiguration":
            self.account_block = ABSENT

    def _list(self) -> None:
        # The account level first: when it blocks everything, no bucket's ACL or own block can
        # make it public, and two calls per bucket are saved.
        self._account_block()
        buckets, _ = self.scan.pages("s3", self.scan.home_region, "ListBuckets", "Buckets")
        wanted = set(self.scan.regions)
        for item in buckets or []:
            name = str(item["Name"])
            region = item.get("BucketRegion")
            raw = BucketRaw(name=name, account=self.scan.account, region=region)
            self.scan.tasks.submit(f"s3 bucket {name}", self._bucket, raw, wanted)

    def _bucket(self, raw: BucketRaw, wanted: set[str]) -> None:
        scan, name = self.scan, raw.name
        if raw.region is None:
            location = _answer(scan, scan.home_region, "GetBucketLocation", name, set(), Bucket=name)
            if isinstance(location, dict):
                raw.region = location.get("LocationConstraint") or "us-east-1"
        if raw.region is not None and raw.region not in wanted:
            return
        region = raw.region or scan.home_region
        account_blocks_all = self._account_fully_blocked()
        if account_blocks_all:
            raw.acl = {"Grants": [], "Skipped": "account-level Block Public Access ignores ACLs"}
            raw.public_access_block = ABSENT
        else:
            raw.acl = _answer(scan, region, "GetBucketAcl", name, set(), Bucket=name)
        raw.policy = _answer(scan, region, "GetBucketPolicy", name, {"NoSuchBucketPolicy"}, Bucket=name)
        if isinstance(raw.policy, dict):  # no policy, nothing for S3 to judge
            raw.policy_status = _answer(
                scan, region, "GetBucketPolicyStatus", name, {"NoSuchBucketPolicy"}, Bucket=name
            )
        if not account_blocks_all:
            raw.public_access_block = _answer(
                scan, region, "GetPublicAccessBlock", name, {"NoSuchPublicAccessBlockConfiguration"}, Bucket=name
            )
        raw.encryption = _answer(
            scan, region, "GetBucketEncryption", name, {"ServerSideEncryptionConfigurationNotFoundError"}, Bucket=name
        )
        raw.versioning = _answer(scan, region, "GetBucketVersioning", name, set(), Bucket=name)
        raw.logging = _answer(scan, region, "GetBucketLogging", name, set(), Bucket=name)
        raw.ownership = _answer(
            scan, region, "GetBucketOwnershipControls", name, {"OwnershipControlsNotFoundError"}, Bucket=name
        )
        with _LOCK:
            self.raws.append(raw)

    def finish(self) -> None:
        targets = log_targets(self.raws)
        for raw in sorted(self.raws, key=lambda r: r.name):
            self.scan.sink.add(normalize_bucket(raw, self.account_block, targets))


