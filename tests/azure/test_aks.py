"""AKS control planes from the live Azure collector: azure-mgmt-containerservice on the read-only
pipeline against the loopback ARM fake (https, real bearer-token policy), judged by
``cluster_api_public``."""

from __future__ import annotations

from typing import Any

from fake_arm import FakeArm, StaticTokenCredential, managed_cluster

from auditor.collectors.azure import AzureCollector
from auditor.collectors.azure.aks import normalize_cluster
from auditor.collectors.azure.arm import ALLOWED_OPERATIONS, operation_for
from auditor.collectors.azure.collector import PERMISSIONS
from auditor.collectors.base import CollectionSink
from auditor.registry import CheckContext, Registry
from auditor.resources import Bucket, Cluster

SUB = "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
LIST = f"/subscriptions/{SUB}/providers/Microsoft.ContainerService/managedClusters"


def run(fake: FakeArm, ca_file: str) -> CollectionSink:
    collector = AzureCollector([SUB], credential=StaticTokenCredential(), resource_manager_url=fake.arm.url, ca_bundle=ca_file,
                               retry_backoff=0.01)
    sink = CollectionSink()
    collector.collect(sink)
    return sink


def verdict(cluster: Cluster) -> list[str]:
    spec = Registry.default(entry_points=False).get("cluster_api_public")
    return [r.status.value for r in spec.run(cluster, CheckContext())]


def clusters(sink: CollectionSink) -> dict[str, Cluster]:
    return {r.ref.name: r for r in sink.resources if isinstance(r, Cluster)}


def test_public_limited_and_private_clusters_are_judged(fake_arm: FakeArm, ca_file: str) -> None:
    sink = run(fake_arm, ca_file)
    assert sink.errors == []
    found = clusters(sink)
    assert set(found) == {"aks-ray", "aks-training", "aks-serving"}
    ray, training, serving = found["aks-ray"], found["aks-training"], found["aks-serving"]
    assert ray.ref.id.endswith("/resourcegroups/rg-ml-aks/providers/Microsoft.ContainerService/managedClusters/aks-ray")
    assert (ray.ref.provider, ray.ref.account, ray.ref.region, ray.flavor, ray.tags) == (
        "azure", SUB, "westeurope", "aks", {"team": "ml-platform"})
    assert (ray.api_public, ray.api_source_ranges) == (True, [])
    assert "aks-ray-dns-1a2b3c4d.hcp.westeurope.azmk8s.io" in (ray.api_detail or "")
    assert (training.api_public, training.api_source_ranges) == (True, ["203.0.113.0/24", "198.51.100.7/32"])
    assert serving.api_public is False
    assert {n: verdict(c) for n, c in found.items()} == {"aks-ray": ["fail"], "aks-training": ["pass"], "aks-serving": ["pass"]}

    # the official client's list call, paged by nextLink (page size 2), on the allow-list
    calls = [r for r in fake_arm.requests if r.path == LIST]
    assert [r.query.get("$skiptoken") for r in calls] == [None, "2"]
    assert calls[0].query == {"api-version": ALLOWED_OPERATIONS["managedClusters.list"].api_version}
    assert all(r.method == "GET" and r.authorization == "Bearer loopback-arm-token" for r in calls)
    assert sink.api_calls["arm:managedClusters.list"] == 2
    assert [r.path for r in fake_arm.requests if operation_for(r.method, r.path) is None] == []


def test_denied_cluster_list_is_incomplete_and_the_rest_goes_on(fake_arm: FakeArm, ca_file: str) -> None:
    fake_arm.arm.faults.deny.append(r"/providers/Microsoft\.ContainerService/managedClusters$")
    sink = run(fake_arm, ca_file)
    (err,) = sink.errors
    assert err.operation == "managedClusters.list" and err.incomplete and "access denied" in err.message
    assert err.account == SUB
    assert clusters(sink) == {}
    assert any(isinstance(r, Bucket) for r in sink.resources)


def test_throttled_cluster_list_is_retried(fake_arm: FakeArm, ca_file: str) -> None:
    fake_arm.arm.faults.throttle[r"/providers/Microsoft\.ContainerService/managedClusters$"] = 1
    sink = run(fake_arm, ca_file)
    assert sink.errors == [] and len(clusters(sink)) == 3
    assert sink.api_calls["arm:managedClusters.list"] == 3  # one 429, then two pages


def test_operations_off_the_list_are_refused_before_sending(fake_arm: FakeArm, ca_file: str) -> None:
    import pytest

    from auditor.collectors.azure.arm import ArmClients, OperationNotAllowed

    sink = CollectionSink()
    arm = ArmClients(StaticTokenCredential(), sink, base_url=fake_arm.arm.url, scope="x/.default", ca_bundle=ca_file)
    try:
        client = arm.containerservice(SUB)
        # real SDK methods: one returns the cluster admin kubeconfig (a POST), one reads a cluster
        with pytest.raises(OperationNotAllowed, match="allow-list"):
            client.managed_clusters.list_cluster_admin_credentials("rg-ml-aks", "aks-ray")
        with pytest.raises(OperationNotAllowed, match="allow-list"):
            client.managed_clusters.get("rg-ml-aks", "aks-ray")
    finally:
        arm.close()
    assert fake_arm.requests == [] and sink.api_calls == {}
    assert "Microsoft.ContainerService/managedClusters/read" in PERMISSIONS


# -- the normalizer on ARM's shapes ---------------------------------------------------------------


def norm(item: dict[str, Any]) -> tuple[bool | None, list[str] | None, str, list[str]]:
    c = normalize_cluster(SUB, item)
    return c.api_public, c.api_source_ranges, c.api_detail or "", verdict(c)


def test_world_range_fails() -> None:
    assert norm(managed_cluster(SUB, "rg", "c", ranges=["0.0.0.0/0"]))[3] == ["fail"]


def test_empty_authorized_ranges_mean_any_address() -> None:
    public, ranges, _, status = norm(managed_cluster(SUB, "rg", "c", ranges=[]))
    assert (public, ranges, status) == (True, [], ["fail"])


def test_public_network_access_disabled_is_not_public() -> None:
    item = managed_cluster(SUB, "rg", "c")
    item["properties"]["publicNetworkAccess"] = "Disabled"
    public, _, detail, status = norm(item)
    assert public is False and status == ["pass"] and "public network access disabled" in detail


def test_private_cluster_with_a_public_fqdn_says_so() -> None:
    item = managed_cluster(SUB, "rg", "c", private=True)
    item["properties"]["apiServerAccessProfile"]["enablePrivateClusterPublicFQDN"] = True
    public, _, detail, _ = norm(item)
    assert public is False and "resolves publicly" in detail
