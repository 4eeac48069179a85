"""ML services that a Service, Ingress or KServe route exposes outside the cluster."""

from __future__ import annotations

from typing import Any

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import ClusterExposure

REFS = (
    "https://kubernetes.io/docs/concepts/services-networking/service/#aws-nlb-support",
    "https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/",
)


def _where(exp: ClusterExposure) -> str:
    how = {"load_balancer": "a LoadBalancer", "node_port": "a NodePort", "ingress": "an Ingress"}.get(exp.exposure, exp.exposure)
    where = f"{exp.object_kind} {exp.namespace}/{exp.ref.name} ({how}"
    if exp.hosts:
        where += f", host {', '.join(exp.hosts)}"
    if exp.addresses:
        where += f", address {', '.join(exp.addresses)}"
    return where + ")"


def _judge(exp: ClusterExposure, what: str) -> Result:
    reached = "; ".join(exp.ml_services)
    evidence: dict[str, Any] = {"exposure": exp.exposure, "source_ranges": exp.source_ranges, "ml_services": exp.ml_services,
                "auth_via": exp.auth_via, "linked_endpoints": exp.linked_endpoints}
    if exp.open_to_world is False:
        limited = f"source ranges {', '.join(exp.source_ranges)}" if exp.source_ranges else (exp.auth_via or "not exposed outside the cluster")
        return passed(f"{reached} is not reachable from the internet: {limited}", **evidence)
    auth = exp.auth
    if exp.probe_auth_required is not None:  # what the network probe saw wins over what the spec suggests
        auth = exp.probe_auth_required
        evidence["probe"] = "the endpoint probe of " + ", ".join(exp.linked_endpoints) + (
            " was asked to authenticate" if auth else " answered without authentication"
        )
    if exp.open_to_world is None:
        if auth is True:
            return passed(f"{reached} requires authentication ({exp.auth_via})", **evidence)
        return unknown(f"{_where(exp)} reaches {reached}; whether it is reachable from the internet depends on the nodes' firewall", **evidence)
    if auth is True:
        return passed(f"{reached} is exposed by {_where(exp)} but requires authentication ({exp.auth_via})", **evidence)
    if auth is None:
        return unknown(f"{reached} is exposed to any address by {_where(exp)}; authentication could not be told ({exp.auth_via or 'no detail'})", **evidence)
    return fail(
        f"{what}{reached} is exposed to any address by {_where(exp)} with no source ranges and no authentication"
        + (f": {exp.auth_via}" if exp.auth_via else ""),
        **evidence,
    )


@check(
    id="k8s_ml_service_exposed",
    severity=Severity.CRITICAL,
    title="ML service exposed outside the cluster without authentication",
    description="A Service of type LoadBalancer or NodePort, or an Ingress, reaches an ML workload (Ray, Jupyter, "
    "MLflow, Triton, TorchServe, vLLM, ...) from any address (no loadBalancerSourceRanges or allow-list, not an "
    "internal load balancer) and nothing in front of it or in the service itself asks for credentials. Ray and "
    "Jupyter run code for whoever reaches them.",
    remediation="Make the Service ClusterIP and reach it through an authenticating proxy (oauth2-proxy, an Ingress "
    "with external auth), or set loadBalancerSourceRanges / an internal load balancer annotation, and turn on the "
    "service's own authentication (Ray token auth, Jupyter token, MLflow basic-auth).",
    references=REFS,
)
def k8s_ml_service_exposed(exp: ClusterExposure) -> Result | None:
    if exp.object_kind == "InferenceService" or not exp.ml_services or exp.exposure in ("cluster_ip", "external_name"):
        return None
    return _judge(exp, "")


@check(
    id="k8s_inference_public_no_auth",
    severity=Severity.HIGH,
    title="Inference service is public without authentication",
    description="A KServe InferenceService is routed through the cluster's ingress gateway (not labelled "
    "networking.kserve.io/visibility: cluster-local) and has no authentication enabled, so anyone who reaches the "
    "gateway can call the model and read its predictions.",
    remediation="Label the InferenceService networking.kserve.io/visibility: cluster-local, or enable authentication "
    "(the enable-auth annotation with an authorization policy at the gateway).",
    references=("https://kserve.github.io/website/latest/admin/serverless/servicemesh/",),
)
def k8s_inference_public_no_auth(exp: ClusterExposure) -> Result | None:
    if exp.object_kind != "InferenceService":
        return None
    return _judge(exp, "")
