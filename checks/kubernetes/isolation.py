"""Isolation of ML namespaces and exposure of cluster control planes."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Cluster, ClusterNamespace


@check(
    id="k8s_ml_namespace_no_network_policy",
    severity=Severity.MEDIUM,
    title="ML namespace without a NetworkPolicy",
    description="A namespace that runs ML workloads has no NetworkPolicy, so every pod in the cluster can reach its "
    "Ray, Jupyter or MLflow ports, and a compromised pod anywhere reaches the models and data.",
    remediation="Add a default-deny NetworkPolicy to the namespace and allow only the traffic the ML services need.",
    references=("https://kubernetes.io/docs/concepts/services-networking/network-policies/",),
)
def k8s_ml_namespace_no_network_policy(ns: ClusterNamespace) -> Result | None:
    if not ns.ml_workloads:
        return None
    if ns.network_policies is None:
        return unknown(f"namespace {ns.ref.name}: NetworkPolicies could not be listed")
    if ns.network_policies == 0:
        return fail(f"namespace {ns.ref.name} runs {len(ns.ml_workloads)} ML workload(s) and has no NetworkPolicy",
                    ml_workloads=ns.ml_workloads)
    return passed(f"namespace {ns.ref.name} has {ns.network_policies} NetworkPolicy object(s)")


@check(
    id="cluster_api_public",
    severity=Severity.HIGH,
    title="Kubernetes API endpoint open to the internet",
    description="The cluster's API server (EKS, GKE, AKS) has a public endpoint that accepts connections from any "
    "address: no authorized networks / public access CIDRs restrict it. One leaked kubeconfig or a new API server "
    "CVE then reaches every ML workload in the cluster.",
    remediation="Use a private endpoint, or restrict the public one to known ranges (EKS publicAccessCidrs, GKE master "
    "authorized networks, AKS authorized IP ranges).",
    references=(
        "https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks",
        "https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges",
    ),
)
def cluster_api_public(cluster: Cluster) -> Result:
    if cluster.api_public is None:
        return unknown(cluster.api_detail or "the API endpoint's access settings could not be read")
    if not cluster.api_public:
        return passed(cluster.api_detail or "the API endpoint is private")
    ranges = cluster.api_source_ranges
    if ranges is None:
        return unknown("public API endpoint; the allowed source ranges could not be read")
    world = [r for r in ranges if r.strip() in ("0.0.0.0/0", "::/0", "*")]
    if not ranges or world:
        return fail(
            f"public API endpoint open to {'any address' if not ranges else ', '.join(world)}"
            + (f" ({cluster.api_detail})" if cluster.api_detail else ""),
            source_ranges=ranges,
        )
    return passed(f"public API endpoint limited to {', '.join(ranges)}" + (f" ({cluster.api_detail})" if cluster.api_detail else ""))
