"""KMS customer-managed keys: rotation status and whether the key policy is public.

AWS-managed keys are skipped after ``DescribeKey`` (their rotation and policy are AWS's), as
are keys pending deletion.
"""

from __future__ import annotations

from typing import Any

from auditor.analysis.iam_policy import key_policy_public
from auditor.collectors.aws.runtime import Scan
from auditor.resources import Key, Ref

PERMISSIONS = ("kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:GetKeyPolicy")
OPERATIONS = {"kms": frozenset({"ListKeys", "DescribeKey", "GetKeyRotationStatus", "GetKeyPolicy"})}


def rotation_applies(meta: dict[str, Any]) -> bool:
    """Automatic rotation exists only for symmetric keys with AWS-generated material."""
    return meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT" and meta.get("Origin", "AWS_KMS") == "AWS_KMS"


def normalize_key(
    meta: dict[str, Any], rotation: dict[str, Any] | None, policy: str | None, account: str, region: str
) -> Key:
    public, via = (None, None) if policy is None else key_policy_public(policy)
    rotation_on: bool | None = None
    if not rotation_applies(meta):
        rotation_on = None
    elif rotation is not None:
        rotation_on = bool(rotation.get("KeyRotationEnabled"))
    alias_or_id = meta.get("Description") or meta["KeyId"]
    return Key(
        ref=Ref(provider="aws", cloud="aws", account=account, region=region, id=str(meta["Arn"]), name=f"{meta['KeyId']}"),
        customer_managed=meta.get("KeyManager") == "CUSTOMER",
        rotation_enabled=rotation_on,
        policy_public=public,
        policy_public_via=via,
        enabled=meta.get("KeyState") == "Enabled",
        tags={"description": str(alias_or_id)} if meta.get("Description") else {},
    )


class KmsCollection:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan

    def start(self) -> None:
        for region in self.scan.regions:
            self.scan.tasks.submit(f"kms {region}", self._region, region)

    def _region(self, region: str) -> None:
        keys, _ = self.scan.pages("kms", region, "ListKeys", "Keys")
        for item in keys or []:
            self.scan.tasks.submit("kms key", self._key, region, str(item["KeyId"]))

    def _key(self, region: str, key_id: str) -> None:
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
        scan.sink.add(normalize_key(meta, rotation, policy, scan.account, region))

    def finish(self) -> None:
        pass
