"""EKS clusters: whether the API server endpoint is public and to which source ranges."""

from __future__ import annotations

from typing import Any

from auditor.collectors.aws.runtime import Scan
from auditor.resources import Cluster, Ref

PERMISSIONS = ("eks:ListClusters", "eks:DescribeCluster")
OPERATIONS = {"eks": frozenset({"ListClusters", "DescribeCluster"})}


def normalize_cluster(cluster: dict[str, Any], account: str, region: str) -> Cluster:
    vpc = cluster.get("resourcesVpcConfig") or {}
    public = vpc.get("endpointPublicAccess")
    ranges = vpc.get("publicAccessCidrs")
    detail = "endpointPublicAccess " + ("unknown" if public is None else str(bool(public)).lower())
    if vpc.get("endpointPrivateAccess"):
        detail += ", private endpoint on"
    return Cluster(
        ref=Ref(provider="aws", cloud="aws", account=account, region=region, id=str(cluster.get("arn") or cluster.get("name")),
                name=str(cluster.get("name"))),
        tags={str(k): str(v) for k, v in (cluster.get("tags") or {}).items()},
        flavor="eks",
        api_public=None if public is None else bool(public),
        # EKS reports 0.0.0.0/0 when no restriction was set; an answer without the field means that default
        api_source_ranges=["0.0.0.0/0"] if ranges is None and public else [str(r) for r in ranges or []],
        api_detail=detail,
    )


class EksCollection:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan

    def start(self) -> None:
        for region in self.scan.regions:
            self.scan.tasks.submit(f"eks {region}", self._region, region)

    def _region(self, region: str) -> None:
        names, _ = self.scan.pages("eks", region, "ListClusters", "clusters")
        for name in names or []:
            self.scan.tasks.submit("eks cluster", self._cluster, region, str(name))

    def _cluster(self, region: str, name: str) -> None:
        answer, failure = self.scan.call("eks", region, "DescribeCluster", resource=name, name=name)
        if failure is None and answer:
            self.scan.sink.add(normalize_cluster(answer.get("cluster") or {}, self.scan.account, region))

    def finish(self) -> None:
        pass
