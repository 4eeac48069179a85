"""A probed ML service and the Kubernetes Service that exposes it are one exposure."""

from __future__ import annotations

from auditor.findings import Result
from auditor.linking import link
from auditor.registry import CheckContext, Registry
from auditor.resources import ClusterExposure, Provider, Ref, Resource, Service


def _exposure(open_to_world: bool | None, ranges: list[str]) -> ClusterExposure:
    return ClusterExposure(
        ref=Ref(provider=Provider.KUBERNETES, account="ml-prod", id="Service/ml/ray-dashboard", name="ray-dashboard"),
        namespace="ml", exposure="load_balancer", ports=[8265], target_ports=[8265], source_ranges=ranges,
        open_to_world=open_to_world, auth=None, auth_via="a Ray head recognised by its port only",
        addresses=["198.51.100.7"], ml_services=["Ray head (Deployment/ml/ray-head) on 8265"],
    )


def _probe(auth: bool | None) -> Service:
    return Service(
        ref=Ref(provider=Provider.NETWORK, id="http://198.51.100.7:8265", name="198.51.100.7:8265"),
        url="http://198.51.100.7:8265", host="198.51.100.7", port=8265, service="ray", auth_required=auth,
        runs_code=True,
    )


def _run(resources: list[Resource], check_id: str) -> list[Result]:
    spec = Registry.default(entry_points=False).get(check_id)
    assert spec.kind is not None
    return [r for res in resources if isinstance(res, spec.kind) for r in spec.run(res, CheckContext())]


def test_probe_and_load_balancer_are_one_exposure() -> None:
    linked = link([_exposure(True, []), _probe(False)])
    exp = next(r for r in linked if isinstance(r, ClusterExposure))
    svc = next(r for r in linked if isinstance(r, Service))
    assert svc.exposed_to_world is True
    assert "Kubernetes Service ml/ray-dashboard (load balancer, no source ranges)" in (svc.exposed_via or "")
    assert exp.linked_endpoints == ["http://198.51.100.7:8265"] and exp.probe_auth_required is False
    (k8s,) = _run(linked, "k8s_ml_service_exposed")
    assert k8s.status.value == "fail" and "answered without authentication" in k8s.evidence["probe"]
    (net,) = _run(linked, "service_exposed_to_world")
    assert net.status.value == "fail" and "ml/ray-dashboard" in net.message


def test_source_ranges_keep_a_probe_found_service_unexposed() -> None:
    linked = link([_exposure(False, ["203.0.113.0/24"]), _probe(False)])
    svc = next(r for r in linked if isinstance(r, Service))
    assert svc.exposed_to_world is False and "203.0.113.0/24" in (svc.exposed_via or "")
    (k8s,) = _run(linked, "k8s_ml_service_exposed")
    assert k8s.status.value == "pass"


def test_unrelated_addresses_are_not_linked() -> None:
    other = _probe(False).model_copy(update={"host": "198.51.100.8", "url": "http://198.51.100.8:8265"})
    linked = link([_exposure(True, []), other])
    exp = next(r for r in linked if isinstance(r, ClusterExposure))
    assert exp.linked_endpoints == [] and next(r for r in linked if isinstance(r, Service)).exposed_to_world is None
