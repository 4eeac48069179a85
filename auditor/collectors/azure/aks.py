"""AKS managed clusters (``Microsoft.ContainerService/managedClusters``, listed per subscription):
whether the API server has a public endpoint, and which source ranges reach it.

Pure: the collector hands in one cluster's ARM JSON. The defaults follow AKS (and the Terraform
mapper in ``auditor/collectors/iac/mappers/clusters.py``): the API server is public unless
``apiServerAccessProfile.enablePrivateCluster`` (or the cluster's ``publicNetworkAccess`` is
``Disabled``), and open to any address unless ``authorizedIPRanges`` are set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.collectors.azure.normalize import _ref, _tags
from auditor.resources import Cluster

OPERATION = "managedClusters.list"
PERMISSION = "Microsoft.ContainerService/managedClusters/read"


def normalize_cluster(subscription: str, item: Mapping[str, Any]) -> Cluster:
    props = item.get("properties") or {}
    profile = props.get("apiServerAccessProfile") or {}
    ranges = [str(r) for r in profile.get("authorizedIPRanges") or []]
    public: bool
    if profile.get("enablePrivateCluster"):
        public, ranges, detail = False, [], "private cluster (enablePrivateCluster)"
        if profile.get("enablePrivateClusterPublicFQDN"):
            detail += "; its FQDN resolves publicly, to the private address"
    elif str(props.get("publicNetworkAccess") or "").lower() == "disabled":
        public, ranges, detail = False, [], "public network access disabled"
    elif ranges:
        public, detail = True, "authorized IP ranges"
    else:
        public, detail = True, "public API server without authorized IP ranges"
    if public and props.get("fqdn"):
        detail += f"; endpoint {props['fqdn']}"
    return Cluster(
        ref=_ref(subscription, item),
        tags=_tags(item),
        flavor="aks",
        api_public=public,
        api_source_ranges=ranges,
        api_detail=detail,
    )
