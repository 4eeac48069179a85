"""ECR repositories (model-serving images): repository policy, scan on push (the repository's
own setting or a registry scanning rule), tag immutability and key."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from auditor.analysis.genai_policy import UnreadablePolicy, repository_policy_access
from auditor.collectors.aws.runtime import Scan
from auditor.resources import Ref, RegistryRepository

PERMISSIONS = ("ecr:DescribeRepositories", "ecr:GetRepositoryPolicy", "ecr:GetRegistryScanningConfiguration")
OPERATIONS = {"ecr": frozenset({"DescribeRepositories", "GetRepositoryPolicy", "GetRegistryScanningConfiguration"})}


def registry_scans_on_push(config: dict[str, Any] | None, repository: str) -> bool | None:
    """Whether the registry scanning configuration scans ``repository`` on push (None if unreadable)."""
    if config is None:
        return None
    scanning = config.get("scanningConfiguration") or {}
    for rule in scanning.get("rules") or []:
        if rule.get("scanFrequency") not in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"):
            continue
        if any(fnmatchcase(repository, str(f.get("filter", ""))) for f in rule.get("repositoryFilters") or []):
            return True
    return False


def normalize_repository(
    repo: dict[str, Any], policy: str | None, policy_read: bool, registry_scan: bool | None, account: str, region: str
) -> RegistryRepository:
    """``policy``: the repository policy text (None when there is none); ``policy_read``: it could be read."""
    try:
        access = repository_policy_access(policy, own_account=account) if policy_read else None
    except UnreadablePolicy:
        access = None  # judged unknown, never public or private on a guess
    own = bool((repo.get("imageScanningConfiguration") or {}).get("scanOnPush"))
    enc = repo.get("encryptionConfiguration") or {}
    return RegistryRepository(
        ref=Ref(provider="aws", cloud="aws", account=account, region=region, id=str(repo["repositoryArn"]),
                name=str(repo["repositoryName"])),
        public=None if access is None else access.public,
        public_via=access.via or None if access else None,
        foreign_accounts=None if access is None else access.foreign_accounts,
        scan_on_push=True if own or registry_scan else (None if registry_scan is None else False),
        tag_immutable=str(repo.get("imageTagMutability", "MUTABLE")).startswith("IMMUTABLE"),
        customer_managed_key=str(enc.get("encryptionType", "AES256")).startswith("KMS"),
        kms_key=enc.get("kmsKey"),
    )


class EcrCollection:
    def __init__(self, scan: Scan, regions: list[str]) -> None:
        self.scan = scan
        self.regions = regions

    def start(self) -> None:
        for region in self.regions:
            self.scan.tasks.submit(f"ecr {region}", self._region, region)

    def _region(self, region: str) -> None:
        scan = self.scan
        repos, _ = scan.pages("ecr", region, "DescribeRepositories", "repositories", incomplete=False)
        if not repos:
            return
        config, _ = scan.call("ecr", region, "GetRegistryScanningConfiguration")
        for repo in repos:
            name = str(repo["repositoryName"])
            answer, failure = scan.call("ecr", region, "GetRepositoryPolicy", resource=name, repositoryName=name,
                                        quiet=frozenset({"RepositoryPolicyNotFoundException"}))
            none = failure is not None and failure.code == "RepositoryPolicyNotFoundException"
            policy = None if failure is not None else answer.get("policyText")
            scan.sink.add(normalize_repository(repo, policy, failure is None or none,
                                               registry_scans_on_push(config, name), scan.account, region))

    def finish(self) -> None:
        pass
