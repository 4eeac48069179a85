"""Kubernetes in IaC: managed control planes (EKS, GKE, AKS) and the Terraform kubernetes/helm
providers' objects.

Control-plane defaults follow each provider: an EKS endpoint is public and open to 0.0.0.0/0
unless ``endpoint_public_access = false`` or ``public_access_cidrs`` narrows it; a GKE endpoint is
public unless ``enable_private_endpoint``, and open to any address unless master authorized
networks are configured; an AKS API server is public unless ``private_cluster_enabled``, and
open to any address unless authorized IP ranges are set.

Terraform ``kubernetes_manifest`` objects, ``kubernetes_service``/``_deployment`` blocks (turned
into the API's JSON form) and the ``jupyterhub`` chart's literal ``helm_release`` values go
through the same normalizer as manifests and live clusters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from auditor.collectors.iac.mappers.common import ByType, as_bool, blocks, first, make_ref
from auditor.collectors.iac.mappers.common import tag_map as _tags
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.values import Unknown
from auditor.resources import Cloud, Cluster, Provider, Ref, Resource

_WORLD = ("0.0.0.0/0", "::/0")


def _known(value: Any) -> bool:
    if isinstance(value, Unknown):
        return False
    if isinstance(value, list):
        return all(_known(v) for v in value)
    if isinstance(value, dict):
        return all(_known(v) for v in value.values())
    return True


def _cidrs(value: Any) -> list[str] | None:
    if value is None:
        return []
    if not isinstance(value, list) or not _known(value):
        return None
    return [str(v) for v in value]


class KubernetesIac(ByType):
    def steps(self) -> list[Callable[[], list[Resource]]]:
        return [self.eks, self.eks_cloudformation, self.gke, self.aks, self.kubernetes_objects]

    def map(self) -> list[Resource]:
        return [res for step in self.steps() for res in step()]

    # -- control planes ----------------------------------------------------------------------
    def _cluster(self, res: IacResource, cloud: Cloud, flavor: str, public: bool | None, ranges: list[str] | None,
                 detail: str) -> Cluster:
        return Cluster(ref=make_ref(res, cloud), tags=_tags(res.attrs.get("tags") or res.attrs.get("resource_labels")),
                       ignores=res.ignores, flavor=flavor,  # type: ignore[arg-type]
                       api_public=public, api_source_ranges=ranges if public else [], api_detail=detail)

    def eks(self) -> list[Resource]:
        out: list[Resource] = []
        for res in self.of("aws_eks_cluster"):
            vpc = first(res.attrs.get("vpc_config"))
            if isinstance(vpc, Unknown):
                out.append(self._cluster(res, Cloud.AWS, "eks", None, None, "vpc_config is unknown"))
                continue
            vpc = vpc or {}
            public = as_bool(vpc.get("endpoint_public_access"), default=True)
            cidrs = vpc.get("public_access_cidrs")
            ranges = list(_WORLD[:1]) if cidrs is None else _cidrs(cidrs)
            out.append(self._cluster(res, Cloud.AWS, "eks", public, ranges,
                                     "endpoint_public_access" + (" (default true)" if "endpoint_public_access" not in vpc else f" = {public}")))
        return out

    def eks_cloudformation(self) -> list[Resource]:
        out: list[Resource] = []
        for res in self.of("AWS::EKS::Cluster"):
            vpc = res.attrs.get("ResourcesVpcConfig")
            if not isinstance(vpc, dict):
                out.append(self._cluster(res, Cloud.AWS, "eks", None, None, "ResourcesVpcConfig is unknown"))
                continue
            public = as_bool(vpc.get("EndpointPublicAccess"), default=True)
            cidrs = vpc.get("PublicAccessCidrs")
            ranges = list(_WORLD[:1]) if cidrs is None else _cidrs(cidrs)
            out.append(self._cluster(res, Cloud.AWS, "eks", public, ranges, "EndpointPublicAccess"
                                     + (" (default true)" if "EndpointPublicAccess" not in vpc else f" = {public}")))
        return out

    def gke(self) -> list[Resource]:
        out: list[Resource] = []
        for res in self.of("google_container_cluster"):
            private = first(res.attrs.get("private_cluster_config"))
            networks = first(res.attrs.get("master_authorized_networks_config"))
            if isinstance(private, Unknown) or isinstance(networks, Unknown):
                out.append(self._cluster(res, Cloud.GCP, "gke", None, None, "private cluster or authorized networks unknown"))
                continue
            private_endpoint = as_bool((private or {}).get("enable_private_endpoint"), default=False)
            if private_endpoint is None:
                out.append(self._cluster(res, Cloud.GCP, "gke", None, None, "enable_private_endpoint is unknown"))
                continue
            if private_endpoint:
                out.append(self._cluster(res, Cloud.GCP, "gke", False, [], "private endpoint only (enable_private_endpoint)"))
                continue
            if networks is None:
                out.append(self._cluster(res, Cloud.GCP, "gke", True, [], "public endpoint without master authorized networks"))
                continue
            cidr_blocks = blocks(networks.get("cidr_blocks"))
            if cidr_blocks is None:
                out.append(self._cluster(res, Cloud.GCP, "gke", True, None, "master authorized networks unknown"))
                continue
            cidrs = [c.get("cidr_block") for c in cidr_blocks]
            if not _known(cidrs):
                out.append(self._cluster(res, Cloud.GCP, "gke", True, None, "an authorized network's CIDR is unknown"))
            elif not cidrs:
                out.append(self._cluster(res, Cloud.GCP, "gke", False, [],
                                         "master authorized networks with no CIDR blocks: no address outside Google reaches it"))
            else:
                out.append(self._cluster(res, Cloud.GCP, "gke", True, [str(c) for c in cidrs], "master authorized networks"))
        return out

    def aks(self) -> list[Resource]:
        out: list[Resource] = []
        for res in self.of("azurerm_kubernetes_cluster"):
            private = as_bool(res.attrs.get("private_cluster_enabled"), default=False)
            if private is None:
                out.append(self._cluster(res, Cloud.AZURE, "aks", None, None, "private_cluster_enabled is unknown"))
                continue
            if private:
                out.append(self._cluster(res, Cloud.AZURE, "aks", False, [], "private cluster"))
                continue
            profile = first(res.attrs.get("api_server_access_profile"))
            if isinstance(profile, Unknown):
                out.append(self._cluster(res, Cloud.AZURE, "aks", True, None, "api_server_access_profile is unknown"))
                continue
            value = (profile or {}).get("authorized_ip_ranges", res.attrs.get("api_server_authorized_ip_ranges"))
            out.append(self._cluster(res, Cloud.AZURE, "aks", True, _cidrs(value), "authorized IP ranges"))
        return out

    # -- Kubernetes objects ------------------------------------------------------------------
    def kubernetes_objects(self) -> list[Resource]:
        from auditor.collectors.k8s.normalize import Origin, normalize

        objects: list[tuple[dict[str, Any], Origin]] = []
        for rtype, members in self.by_type.items():
            convert = _CONVERTERS.get(re.sub(r"_v\d+$", "", rtype))
            if convert is None:
                continue
            for res in members:
                converted = convert(res.attrs)
                for obj in converted if isinstance(converted, list) else [converted]:
                    if obj is not None and _known(obj):
                        objects.append((obj, Origin(Provider.MANIFEST, path=res.path, line=res.line)))
        if not objects:
            return []
        resources = normalize(objects)
        # Terraform-declared objects keep the Terraform provenance of the resource they came from
        return [r.model_copy(update={"ref": Ref(**{**r.ref.model_dump(), "provider": Provider.TERRAFORM})}) for r in resources]


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# Terraform block name -> API field name, for blocks that are lists in the API
_LIST_BLOCKS = {
    "container": "containers", "init_container": "initContainers", "port": "ports", "env": "env",
    "volume": "volumes", "volume_mount": "volumeMounts", "rule": "rules", "path": "paths", "tls": "tls",
    "load_balancer_source_ranges": "loadBalancerSourceRanges", "external_ips": "externalIPs", "args": "args",
    "command": "command", "cidr_blocks": "cidrBlocks", "host": "host",
}
_MAP_FIELDS = {"labels", "annotations", "selector", "match_labels", "limits", "requests", "node_selector"}


def _api_form(value: Any, key: str = "") -> Any:
    """A Terraform kubernetes-provider block tree as the API's JSON (camelCase, lists where lists)."""
    if key in _MAP_FIELDS and isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        if key in _LIST_BLOCKS or not all(isinstance(v, dict) for v in value):
            return [_api_form(v) for v in value]
        return _api_form(value[0]) if value else {}
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            name = _LIST_BLOCKS.get(k) or _camel(k)
            out[name] = _api_form(v, k)
            if k in _LIST_BLOCKS and isinstance(out[name], dict):
                out[name] = [out[name]]
        return out
    return value


def _manifest(attrs: dict[str, Any]) -> dict[str, Any] | None:
    value = attrs.get("manifest")
    return value if isinstance(value, dict) else None


def _typed(kind: str, api_version: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    def convert(attrs: dict[str, Any]) -> dict[str, Any] | None:
        body = _api_form({k: v for k, v in attrs.items() if k in ("metadata", "spec")})
        if not isinstance(body, dict):
            return None
        spec = body.get("spec") or {}
        # the provider's selector block: match_labels under selector (Deployment) or a map (Service)
        if kind == "Service":
            for port in spec.get("ports") or []:
                if isinstance(port, dict) and "targetPort" in port and str(port["targetPort"]).isdigit():
                    port["targetPort"] = int(port["targetPort"])
        return {"apiVersion": api_version, "kind": kind, **body}

    return convert


def _helm_release(attrs: dict[str, Any]) -> list[dict[str, Any]] | None:
    """zero-to-jupyterhub: the proxy-public Service (a LoadBalancer unless the values say
    otherwise) in front of the chart's configurable-http-proxy."""
    chart = attrs.get("chart")
    if not isinstance(chart, str) or "jupyterhub" not in chart:
        return None
    import yaml

    values: dict[str, Any] = {}
    for text in attrs.get("values") or []:
        if not isinstance(text, str):
            return None
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            return None
        if isinstance(loaded, dict):
            values.update(loaded)
    for item in blocks(attrs.get("set")) or []:
        if item.get("name") == "proxy.service.type" and isinstance(item.get("value"), str):
            values.setdefault("proxy", {}).setdefault("service", {})["type"] = item["value"]
    service = ((values.get("proxy") or {}).get("service")) or {}
    namespace = attrs.get("namespace") if isinstance(attrs.get("namespace"), str) else "default"
    proxy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "proxy", "namespace": namespace},
             "spec": {"template": {"metadata": {"labels": {"component": "proxy"}}, "spec": {"containers": [
                 {"name": "chp", "image": "quay.io/jupyterhub/configurable-http-proxy", "ports": [{"containerPort": 8000}]}]}}}}
    return [proxy, {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "proxy-public", "namespace": namespace, "annotations": service.get("annotations") or {}},
        "spec": {"type": service.get("type", "LoadBalancer"), "ports": [{"port": 80, "targetPort": 8000}],
                 "loadBalancerSourceRanges": service.get("loadBalancerSourceRanges") or [],
                 "selector": {"component": "proxy"}},
    }]


_CONVERTERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "kubernetes_manifest": _manifest,
    "kubernetes_service": _typed("Service", "v1"),
    "kubernetes_deployment": _typed("Deployment", "apps/v1"),
    "kubernetes_stateful_set": _typed("StatefulSet", "apps/v1"),
    "kubernetes_pod": _typed("Pod", "v1"),
    "kubernetes_ingress": _typed("Ingress", "networking.k8s.io/v1"),
    "kubernetes_network_policy": _typed("NetworkPolicy", "networking.k8s.io/v1"),
    "kubernetes_namespace": _typed("Namespace", "v1"),
    "helm_release": _helm_release,
}
