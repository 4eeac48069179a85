"""SageMaker Feature Store: feature groups with an online store, and the key it is encrypted with.

The online store serves features (often personal data) at request time; without a KMS key in its
security configuration it is encrypted with an AWS-owned key. Feature groups without an online
store are not emitted (the offline store is S3, judged with the scan's buckets).
"""

from __future__ import annotations

from typing import Any

from auditor.collectors.aws.runtime import Scan
from auditor.resources import MLWorkload, Ref

PERMISSIONS = ("sagemaker:ListFeatureGroups", "sagemaker:DescribeFeatureGroup")
OPERATIONS = {"sagemaker": frozenset({"ListFeatureGroups", "DescribeFeatureGroup"})}


def normalize_feature_group(desc: dict[str, Any], account: str, region: str) -> MLWorkload | None:
    online = desc.get("OnlineStoreConfig") or {}
    if not online.get("EnableOnlineStore"):
        return None
    kms = (online.get("SecurityConfig") or {}).get("KmsKeyId")
    return MLWorkload(
        ref=Ref(provider="aws", cloud="aws", account=account, region=region, id=str(desc["FeatureGroupArn"]),
                name=str(desc["FeatureGroupName"])),
        workload_type="feature_store",
        service="sagemaker_feature_group",
        customer_managed_key=bool(kms),
        kms_key=kms or None,
    )


class FeatureStoreCollection:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan

    def start(self) -> None:
        for region in self.scan.regions:
            self.scan.tasks.submit(f"sagemaker feature store {region}", self._region, region)

    def _region(self, region: str) -> None:
        scan = self.scan
        groups, _ = scan.pages("sagemaker", region, "ListFeatureGroups", "FeatureGroupSummaries", incomplete=False)
        for group in groups or []:
            name = str(group["FeatureGroupName"])
            desc, failure = scan.call("sagemaker", region, "DescribeFeatureGroup", resource=name, FeatureGroupName=name)
            if failure is None:
                workload = normalize_feature_group(desc, scan.account, region)
                if workload is not None:
                    scan.sink.add(workload)

    def finish(self) -> None:
        pass
