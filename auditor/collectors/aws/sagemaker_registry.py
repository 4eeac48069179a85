"""SageMaker model registry: model package groups and the resource policies that share them."""

from __future__ import annotations

from typing import Any

from auditor.analysis.genai_policy import MODEL_REGISTRY_ACTIONS, UnreadablePolicy, repository_policy_access
from auditor.collectors.aws.runtime import Scan
from auditor.resources import Ref, RegistryRepository

PERMISSIONS = ("sagemaker:ListModelPackageGroups", "sagemaker:GetModelPackageGroupPolicy")
OPERATIONS = {"sagemaker": frozenset({"ListModelPackageGroups", "GetModelPackageGroupPolicy"})}
# how GetModelPackageGroupPolicy says a group has no policy
NO_POLICY = frozenset({"ValidationException", "ResourceNotFound", "ResourceNotFoundException"})


def normalize_model_package_group(
    summary: dict[str, Any], policy: str | None, policy_read: bool, account: str, region: str
) -> RegistryRepository:
    """``policy``: the group's resource policy (None when it has none); ``policy_read``: it could be read."""
    try:
        access = repository_policy_access(policy, own_account=account, actions=MODEL_REGISTRY_ACTIONS) if policy_read else None
    except UnreadablePolicy:
        access = None
    return RegistryRepository(
        ref=Ref(provider="aws", cloud="aws", account=account, region=region, id=str(summary["ModelPackageGroupArn"]),
                name=str(summary["ModelPackageGroupName"])),
        registry_type="model",
        public=None if access is None else access.public,
        public_via=(access.via or None) if access else None,
        foreign_accounts=None if access is None else access.foreign_accounts,
    )


class ModelRegistryCollection:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan

    def start(self) -> None:
        for region in self.scan.regions:
            self.scan.tasks.submit(f"sagemaker model registry {region}", self._region, region)

    def _region(self, region: str) -> None:
        scan = self.scan
        groups, _ = scan.pages("sagemaker", region, "ListModelPackageGroups", "ModelPackageGroupSummaryList", incomplete=False)
        for group in groups or []:
            name = str(group["ModelPackageGroupName"])
            answer, failure = scan.call("sagemaker", region, "GetModelPackageGroupPolicy", resource=name,
                                        quiet=NO_POLICY, ModelPackageGroupName=name)
            none = failure is not None and failure.code in NO_POLICY
            policy = None if failure is not None else answer.get("ResourcePolicy")
            scan.sink.add(normalize_model_package_group(group, policy, failure is None or none, scan.account, region))

    def finish(self) -> None:
        pass
