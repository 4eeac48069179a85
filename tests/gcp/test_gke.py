"""GKE control planes from the live GCP collector: the real google-auth session against the
loopback GKE API, judged by ``cluster_api_public``."""

from __future__ import annotations

from typing import Any

from google.auth.credentials import AnonymousCredentials

from auditor.collectors.base import CollectionSink
from auditor.collectors.gcp import GcpCollector
from auditor.collectors.gcp.api import ALLOWED_OPERATIONS, DEFAULT_ENDPOINTS, operation_for
from auditor.collectors.gcp.collector import PERMISSIONS
from auditor.collectors.gcp.gke import cluster_id, normalize_cluster
from auditor.registry import CheckContext, Registry
from auditor.resources import Bucket, Cluster
from gcp.fake_gcp import FakeGcp, gke_cluster

P = "ml-research-prod"


def run(fake: FakeGcp) -> CollectionSink:
    sink = CollectionSink()
    GcpCollector([P], credentials=AnonymousCredentials(), endpoints=fake.endpoints(), regions=["us-central1"]).collect(sink)
    return sink


def verdict(cluster: Cluster) -> list[str]:
    spec = Registry.default(entry_points=False).get("cluster_api_public")
    return [r.status.value for r in spec.run(cluster, CheckContext())]


def clusters(sink: CollectionSink) -> dict[str, Cluster]:
    return {r.ref.name: r for r in sink.resources if isinstance(r, Cluster)}


def test_public_limited_and_private_clusters_are_judged(fake_gcp: FakeGcp) -> None:
    sink = run(fake_gcp)
    assert sink.errors == []
    found = clusters(sink)
    assert set(found) == {"ray-gke", "training-gke", "serving-gke"}
    ray, training, serving = found["ray-gke"], found["training-gke"], found["serving-gke"]
    assert ray.ref.id == cluster_id(P, "us-central1", "ray-gke") and ray.ref.region == "us-central1"
    assert (ray.ref.provider, ray.ref.account, ray.flavor, ray.tags) == ("gcp", P, "gke", {"team": "ml-platform"})
    assert (ray.api_public, ray.api_source_ranges) == (True, [])
    assert (training.api_public, training.api_source_ranges) == (True, ["203.0.113.0/24"])
    assert serving.api_public is False
    assert {n: verdict(c) for n, c in found.items()} == {"ray-gke": ["fail"], "training-gke": ["pass"], "serving-gke": ["pass"]}

    # one GET of every location's clusters, on the allow-list, counted
    calls = [r for r in fake_gcp.api.requests if r.path.endswith("/clusters")]
    assert [(r.method, r.path) for r in calls] == [("GET", f"/v1/projects/{P}/locations/-/clusters")]
    assert all(operation_for(r.method, r.path) for r in fake_gcp.api.requests if r.path != "/token")
    assert sink.api_calls["container:clusters.list"] == 1


def test_denied_cluster_list_is_incomplete_and_the_rest_goes_on(fake_gcp: FakeGcp) -> None:
    fake_gcp.api.faults.deny.append(r"/locations/-/clusters$")
    sink = run(fake_gcp)
    (err,) = sink.errors
    assert err.operation == "container:clusters.list" and err.incomplete and "access denied" in err.message
    assert err.account == P
    assert clusters(sink) == {}  # never an empty estate presented as judged
    assert any(isinstance(r, Bucket) for r in sink.resources)


def test_missing_zones_make_the_list_incomplete_and_keep_what_was_listed(fake_gcp: FakeGcp) -> None:
    fake_gcp.projects[P].missing_zones = ["europe-west4-b"]
    sink = run(fake_gcp)
    (err,) = sink.errors
    assert err.incomplete and "europe-west4-b" in err.message and err.operation == "container:clusters.list"
    assert len(clusters(sink)) == 3


def test_throttled_cluster_list_is_retried(fake_gcp: FakeGcp) -> None:
    fake_gcp.api.faults.throttle[r"/locations/-/clusters$"] = 1
    sink = run(fake_gcp)
    assert sink.errors == [] and len(clusters(sink)) == 3
    assert sink.api_calls["container:clusters.list"] == 2


def test_operation_permission_and_endpoint_are_declared() -> None:
    assert ALLOWED_OPERATIONS["container:clusters.list"].method == "GET"
    assert operation_for("GET", f"/v1/projects/{P}/locations/-/clusters") == "container:clusters.list"
    # writes and credentials stay off the list
    assert operation_for("DELETE", f"/v1/projects/{P}/locations/us-central1/clusters/ray-gke") is None
    assert operation_for("POST", f"/v1/projects/{P}/locations/us-central1/clusters/ray-gke:setMasterAuth") is None
    assert "container.clusters.list" in PERMISSIONS
    assert DEFAULT_ENDPOINTS["container"] == "https://container.googleapis.com"


# -- the normalizer on the API's shapes ---------------------------------------------------------


def norm(item: dict[str, Any]) -> tuple[bool | None, list[str] | None, str, list[str]]:
    c = normalize_cluster(P, item)
    return c.api_public, c.api_source_ranges, c.api_detail or "", verdict(c)


def test_networks_enabled_without_blocks_let_no_outside_address_in() -> None:
    item = gke_cluster(P, "us-central1", "c", authorized=[])
    public, ranges, detail, status = norm(item)
    assert (public, ranges, status) == (False, [], ["pass"]) and "no CIDR blocks" in detail


def test_networks_turned_off_are_open_to_any_address() -> None:
    item = gke_cluster(P, "us-central1", "c", authorized=["198.51.100.0/24"])
    item["masterAuthorizedNetworksConfig"]["enabled"] = False
    assert norm(item)[:2] == (True, []) and norm(item)[3] == ["fail"]


def test_world_cidr_in_authorized_networks_fails() -> None:
    assert norm(gke_cluster(P, "us-central1", "c", authorized=["0.0.0.0/0"]))[3] == ["fail"]


def test_newer_endpoint_shape() -> None:
    # public IP endpoint switched off in controlPlaneEndpointsConfig, no privateClusterConfig
    item = gke_cluster(P, "us-central1", "c")
    item["controlPlaneEndpointsConfig"]["ipEndpointsConfig"]["enablePublicEndpoint"] = False
    assert norm(item)[0] is False
    # IP access off altogether
    item = gke_cluster(P, "us-central1", "c")
    item["controlPlaneEndpointsConfig"]["ipEndpointsConfig"] = {"enabled": False}
    assert norm(item)[0] is False and "DNS endpoint only" in norm(item)[2]
    # authorized networks given only inside ipEndpointsConfig
    item = gke_cluster(P, "us-central1", "c")
    item["controlPlaneEndpointsConfig"]["ipEndpointsConfig"]["authorizedNetworksConfig"] = {
        "enabled": True, "cidrBlocks": [{"cidrBlock": "192.0.2.0/24"}]}
    assert norm(item)[:2] == (True, ["192.0.2.0/24"])


def test_other_ways_in_are_named_in_the_detail() -> None:
    item = gke_cluster(P, "us-central1", "c", authorized=["192.0.2.0/24"])
    item["masterAuthorizedNetworksConfig"]["gcpPublicCidrsAccessEnabled"] = True
    item["controlPlaneEndpointsConfig"]["dnsEndpointConfig"]["allowExternalTraffic"] = True
    detail = norm(item)[2]
    assert "Google Cloud public IP addresses" in detail and "DNS endpoint accepts traffic from any address" in detail


def test_bare_cluster_defaults_to_public_and_open() -> None:
    # an older cluster: no controlPlaneEndpointsConfig, no private or authorized-network config
    public, ranges, _, status = norm({"name": "old", "location": "us-east1-b", "endpoint": "35.1.2.3"})
    assert (public, ranges, status) == (True, [], ["fail"])
