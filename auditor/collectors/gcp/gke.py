"""GKE clusters (Kubernetes Engine v1 ``projects.locations.clusters.list``): whether the control
plane has a public endpoint, and which source ranges reach it.

Pure: the collector hands in the REST JSON of one cluster. The defaults follow GKE (and the
Terraform mapper in ``auditor/collectors/iac/mappers/clusters.py``): the endpoint is public unless
``privateClusterConfig.enablePrivateEndpoint`` (or, in the newer shape,
``controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint = false`` or IP access turned
off altogether); it is open to any address unless master authorized networks are enabled.
Enabled authorized networks with no CIDR block let no address outside Google reach it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.resources import Cloud, Cluster, Provider, Ref

OPERATION = "container:clusters.list"
PERMISSION = "container.clusters.list"


def cluster_id(project: str, location: str, name: str) -> str:
    return f"//container.googleapis.com/projects/{project}/locations/{location}/clusters/{name}"


def _networks(item: Mapping[str, Any], ip: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Master authorized networks, in either of the API's two places (setting both is invalid)."""
    networks = item.get("masterAuthorizedNetworksConfig")
    if networks is None:
        networks = ip.get("authorizedNetworksConfig")
    return networks if isinstance(networks, Mapping) else None


def _notes(item: Mapping[str, Any], networks: Mapping[str, Any] | None) -> list[str]:
    """What else reaches the control plane, for the evidence: Google Cloud's own public addresses
    and the DNS-based endpoint are not governed by the CIDR list."""
    notes: list[str] = []
    if networks and networks.get("enabled") and networks.get("gcpPublicCidrsAccessEnabled"):
        notes.append("Google Cloud public IP addresses are also allowed (gcpPublicCidrsAccessEnabled)")
    dns = ((item.get("controlPlaneEndpointsConfig") or {}).get("dnsEndpointConfig") or {})
    if dns.get("allowExternalTraffic"):
        notes.append("the DNS endpoint accepts traffic from any address (IAM-authorized)")
    return notes


def normalize_cluster(project: str, item: Mapping[str, Any]) -> Cluster:
    name = str(item.get("name") or "")
    location = str(item.get("location") or item.get("zone") or "-")
    ip = ((item.get("controlPlaneEndpointsConfig") or {}).get("ipEndpointsConfig") or {})
    private = item.get("privateClusterConfig") or {}
    networks = _networks(item, ip)
    notes = _notes(item, networks)

    public: bool
    ranges: list[str]
    if ip.get("enabled") is False:
        public, ranges, detail = False, [], "IP access to the control plane is off (DNS endpoint only)"
    elif private.get("enablePrivateEndpoint") or ip.get("enablePublicEndpoint") is False:
        public, ranges, detail = False, [], "private endpoint only (enablePrivateEndpoint)"
    elif not networks or not networks.get("enabled"):
        public, ranges, detail = True, [], "public endpoint without master authorized networks"
    else:
        ranges = [str(b.get("cidrBlock")) for b in networks.get("cidrBlocks") or [] if b.get("cidrBlock")]
        if ranges:
            public, detail = True, "master authorized networks"
        else:
            public, detail = False, "master authorized networks with no CIDR blocks: no address outside Google reaches it"
    endpoint = item.get("endpoint")
    if public and endpoint:
        detail += f"; endpoint {endpoint}"
    if notes:
        detail += "; " + "; ".join(notes)
    return Cluster(
        ref=Ref(provider=Provider.GCP, cloud=Cloud.GCP, account=project, region=location,
                id=cluster_id(project, location, name), name=name),
        tags={str(k): str(v) for k, v in (item.get("resourceLabels") or {}).items()},
        flavor="gke",
        api_public=public,
        api_source_ranges=ranges,
        api_detail=detail,
    )
