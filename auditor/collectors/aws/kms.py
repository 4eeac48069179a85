"""KMS customer-managed keys: rotation status and whether the key policy is public.

AWS-managed keys are skipped after ``DescribeKey`` (their rotation and policy are AWS's), as
are keys pending deletion.
"""

from __future__ import annotations

from typing import Any

from auditor.analysis.iam_policy import key_policy_public
from auditor.collectors.aws.runtime import Scan
from auditor.resources import Key, Ref

PERMISSIONS = ("kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:GetKeyPolicy")
OPERATIONS = {"kms": frozenset({"ListKeys", "ListAliases", "DescribeKey", "GetKeyRotationStatus", "GetKeyPolicy"})}


def rotation_applies(meta: dict[str, Any]) -> bool:
    """Automatic rotation exists only for symmetric keys with AWS-generated material."""
    return meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT" and meta.get("Origin", "AWS_KMS") == "AWS_KMS"


def normalize_key(
    meta: dict[str, Any],
    rotation: dict[str, Any] | None,
    policy: str | None,
    account: str,
    region: str,
    alias: str | None = None,
) -> Key:
    public, via = (None, None) if policy is None else key_policy_public(policy)
    rotation_on: bool | None = None
    if not rotation_applies(meta):
        rotation_on = None
    elif rotation is not None:
        rotation_on = bool(rotation.get("KeyRotationEnabled"))
    return Key(
        ref=Ref(provider="aws", cloud="aws", account=account, region=region, id=str(meta["Arn"]), name=alias or str(meta["KeyId"])),
        customer_managed=meta.get("KeyManager") == "CUSTOMER",
        rotation_enabled=rotation_on,
        policy_public=public,
        policy_public_via=via,
        enabled=meta.get("KeyState") == "Enabled",
    )


class KmsCollection:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan

    def start(self) -> None:
        for region in self.scan.regions:
            self.scan.tasks.submit(f"kms {region}", self._region, region)

    def _region(self, region: str) -> None:
        keys, _ = self.scan.pages("kms", region, "ListKeys", "Keys")
        if not keys:
            return
        aliases, _ = self.scan.pages("kms", region, "ListAliases", "Aliases", incomplete=False)
        names: dict[str, str] = {}
        for alias in sorted(aliases or [], key=lambda a: str(a.get("AliasName", ""))):
            if alias.get("TargetKeyId"):
                names.setdefault(str(alias["TargetKeyId"]), str(alias["AliasName"]))
        for item in keys:
            key_id = str(item["KeyId"])
            self.scan.tasks.submit("kms key", self._key, region, key_id, names.get(key_id))

    def _key(self, region: str, key_id: str, alias: str | None) -> None:
        scan = self.scan
        desc, failure = scan.call("kms", region, "DescribeKey", resource=key_id, KeyId=key_id)
        if failure is not None:
            return
        meta = desc["KeyMetadata"]
        if meta.get("KeyManager") != "CUSTOMER" or meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
            return
        rotation = None
        if rotation_applies(meta):
            rotation, _ = scan.call("kms", region, "GetKeyRotationStatus", resource=meta["Arn"], KeyId=key_id)
        policy_resp, _ = scan.call("kms", region, "GetKeyPolicy", resource=meta["Arn"], KeyId=key_id, PolicyName="default")
        policy = None if policy_resp is None else str(policy_resp.get("Policy") or "{}")
        scan.sink.add(normalize_key(meta, rotation, policy, scan.account, region, alias))

    def finish(self) -> None:
        pass
