"""Policies of generative-AI services: ECR repository policies, OpenSearch Serverless network and
encryption policies, and whether an identity policy lets a role write a bucket.

Pure functions over parsed JSON; the IAM grammar (principals, conditions, wildcards) is
``auditor.analysis.iam_policy``'s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from auditor.analysis import iam_policy as iam

_ECR_PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
_ECR_PUSH = ("ecr:PutImage", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload")
_S3_OBJECT_WRITE = ("s3:PutObject", "s3:DeleteObject")


@dataclass(frozen=True)
class RepositoryAccess:
    public: bool
    via: str = ""
    foreign_accounts: list[str] = field(default_factory=list)


# What a SageMaker model package group policy can share: reading and deploying its models.
MODEL_REGISTRY_ACTIONS = ("sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:DescribeModelPackageGroup",
                          "sagemaker:CreateModel", "sagemaker:UpdateModelPackage")


def repository_policy_access(
    doc: dict[str, Any] | str | None, own_account: str | None = None, actions: tuple[str, ...] = _ECR_PULL + _ECR_PUSH
) -> RepositoryAccess:
    """Who an ECR repository policy lets pull or push: anyone (Principal ``*`` without a
    restricting condition), or named other accounts. Raises ``UnreadablePolicy`` on bad JSON."""
    granted: list[str] = []
    foreign: list[str] = []
    try:
        statements = iam._statements(doc)
    except ValueError as exc:
        raise UnreadablePolicy(str(exc)) from exc
    for stmt in statements:
        if not iam._is_allow(stmt):
            continue
        allowed = iam._allowed_actions(stmt, actions)
        if not allowed:
            continue
        for ptype, value in iam._principal_values(stmt):
            if iam._is_anyone(ptype, value) and not iam._restricting_keys(stmt, iam._RESOURCE_RESTRICTING_KEYS):
                granted += allowed
            account = iam._account_of(value)
            if account and account != own_account:
                foreign.append(account)
    granted = list(dict.fromkeys(granted))
    via = f"repository policy allows {', '.join(granted)} to Principal *" if granted else ""
    return RepositoryAccess(public=bool(granted), via=via, foreign_accounts=sorted(set(foreign)))


def bucket_write_grant(docs: Sequence[dict[str, Any] | str], bucket: str) -> str | None:
    """The first grant in an identity's policies that lets it write objects of ``bucket`` (a bucket
    name), e.g. ``s3:PutObject on arn:aws:s3:::models/*``; None when none does."""
    probe = f"arn:aws:s3:::{bucket}/model.tar.gz"
    for doc in docs:
        for stmt in iam._statements(doc):
            if not iam._is_allow(stmt):
                continue
            actions = iam._allowed_actions(stmt, _S3_OBJECT_WRITE)
            if not actions:
                continue
            resources = stmt.get("Resource")
            if resources is None:
                continue
            hit = [r for r in resources if fnmatchcase(probe, r) or r == "*"]
            if hit:
                return f"{actions[0]} on {hit[0]}"
    return None


class UnreadablePolicy(ValueError):
    """A policy document that is not JSON, or not the shape the service documents."""


def _rules(policy: Any) -> list[dict[str, Any]]:
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as exc:
            raise UnreadablePolicy(f"not JSON: {exc}") from exc
    items = policy if isinstance(policy, list) else [policy]
    if not all(isinstance(i, dict) and isinstance(i.get("Rules", []), list) for i in items):
        raise UnreadablePolicy("not a list of rule sets")
    return items


def _covers(rule_set: dict[str, Any], collection: str) -> bool:
    for rule in rule_set.get("Rules") or []:
        if not isinstance(rule, dict) or str(rule.get("ResourceType", "")).lower() != "collection":
            continue
        for pattern in rule.get("Resource") or []:
            if isinstance(pattern, str) and fnmatchcase(f"collection/{collection}", pattern):
                return True
    return False


def collection_network(policies: Sequence[tuple[str, Any]], collection: str) -> tuple[bool | None, str | None]:
    """(public, via) for an OpenSearch Serverless collection from its network policies
    ``[(policy name, policy JSON)]``. A collection no network policy covers cannot be reached at all."""
    covered = False
    unreadable: list[str] = []
    for name, policy in policies:
        try:
            rule_sets = _rules(policy)
        except UnreadablePolicy:
            unreadable.append(name)
            continue
        for rule_set in rule_sets:
            if _covers(rule_set, collection):
                covered = True
                if rule_set.get("AllowFromPublic"):
                    return True, f"network policy {name} allows access from public networks"
    if unreadable:  # it might be the one that opens the collection
        return None, f"network policy {', '.join(unreadable)} could not be read"
    return (False, None) if covered else (False, "no network policy covers it")


def collection_encryption(policies: Sequence[tuple[str, Any]], collection: str) -> tuple[bool | None, str | None]:
    """(customer key, KMS key) for a collection from its encryption policies."""
    for _name, policy in policies:
        try:
            rule_sets = _rules(policy)
        except UnreadablePolicy:
            return None, None
        for rule_set in rule_sets:
            if _covers(rule_set, collection):
                key = rule_set.get("KmsARN")
                if rule_set.get("AWSOwnedKey") or not key:
                    return False, None
                return True, str(key)
    return None, None
