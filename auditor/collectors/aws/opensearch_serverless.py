"""OpenSearch Serverless collections (the vector stores behind Bedrock knowledge bases), with the
network policies that decide whether they are reachable from the internet and the encryption
policies that name their key: the same policy documents an IaC scan reads."""

from __future__ import annotations

from typing import Any

from auditor.analysis.genai_policy import collection_encryption, collection_network
from auditor.collectors.aws.runtime import Scan
from auditor.resources import MLWorkload, Ref

PERMISSIONS = ("aoss:ListCollections", "aoss:ListSecurityPolicies", "aoss:GetSecurityPolicy")
OPERATIONS = {"opensearchserverless": frozenset({"ListCollections", "ListSecurityPolicies", "GetSecurityPolicy"})}


def normalize_collection(
    summary: dict[str, Any],
    network_policies: list[tuple[str, Any]] | None,
    encryption_policies: list[tuple[str, Any]] | None,
    account: str,
    region: str,
) -> MLWorkload:
    """Policies: every network / encryption policy of the region as (name, document); None if unreadable."""
    name = str(summary["name"])
    public, via = (None, None) if network_policies is None else collection_network(network_policies, name)
    cmk, kms = (None, None) if encryption_policies is None else collection_encryption(encryption_policies, name)
    return MLWorkload(
        ref=Ref(provider="aws", cloud="aws", account=account, region=region, id=str(summary["arn"]), name=name),
        workload_type="vector_store",
        service="opensearch_serverless",
        public_access=public,
        public_via=via if public else None,
        customer_managed_key=cmk,
        kms_key=kms,
    )


class OpenSearchServerlessCollection:
    def __init__(self, scan: Scan, regions: list[str]) -> None:
        self.scan = scan
        self.regions = regions

    def start(self) -> None:
        for region in self.regions:
            self.scan.tasks.submit(f"opensearch serverless {region}", self._region, region)

    def _region(self, region: str) -> None:
        summaries = self._all(region, "ListCollections", "collectionSummaries")
        if not summaries:
            return
        network, encryption = self._policies(region, "network"), self._policies(region, "encryption")
        for summary in summaries:
            self.scan.sink.add(normalize_collection(summary, network, encryption, self.scan.account, region))

    def _all(self, region: str, operation: str, key: str, **params: Any) -> list[Any] | None:
        """Every page of a list call that has no botocore paginator."""
        out: list[Any] = []
        token: str | None = None
        while True:
            args: dict[str, Any] = {**params, "nextToken": token} if token else dict(params)
            page, failure = self.scan.call("opensearchserverless", region, operation, **args)
            if failure is not None:
                return None
            out.extend(page.get(key) or [])
            token = page.get("nextToken")
            if not token:
                return out

    def _policies(self, region: str, kind: str) -> list[tuple[str, Any]] | None:
        summaries = self._all(region, "ListSecurityPolicies", "securityPolicySummaries", type=kind)
        if summaries is None:
            return None
        out: list[tuple[str, Any]] = []
        for s in summaries:
            detail, failure = self.scan.call("opensearchserverless", region, "GetSecurityPolicy", name=s["name"], type=kind)
            if failure is not None:
                return None
            out.append((str(s["name"]), (detail.get("securityPolicyDetail") or {}).get("policy")))
        return out

    def finish(self) -> None:
        pass
