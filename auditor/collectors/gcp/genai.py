"""Vertex AI Vector Search (index endpoints and the indexes deployed to them), Vertex AI datasets
and feature stores (their CMEK), and Artifact Registry repositories (public through IAM), per
region; normalized here, read with ``GcpApi``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from auditor.collectors.base import CollectionSink
from auditor.resources import MLWorkload, Ref, RegistryRepository

PERMISSIONS = (
    "aiplatform.indexEndpoints.list",
    "aiplatform.indexes.list",
    "aiplatform.datasets.list",
    "aiplatform.featureOnlineStores.list",
    "aiplatform.featurestores.list",
    "artifactregistry.repositories.list",
    "artifactregistry.repositories.getIamPolicy",
)
_PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")


def _ref(project: str, service: str, item: Mapping[str, Any]) -> Ref:
    name = str(item["name"])
    location = name.split("/locations/", 1)[1].split("/", 1)[0] if "/locations/" in name else None
    return Ref(provider="gcp", cloud="gcp", account=project, region=location, id=f"//{service}.googleapis.com/{name}",
               name=str(item.get("displayName") or name.rsplit("/", 1)[-1]))


def _labels(item: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (item.get("labels") or {}).items()}


def index_endpoint_public(item: Mapping[str, Any]) -> bool:
    """A Vector Search index endpoint answers on a public domain unless it is on a VPC or PSC."""
    private = bool(item.get("network")) or bool((item.get("privateServiceConnectConfig") or {}).get("enablePrivateServiceConnect"))
    return bool(item.get("publicEndpointEnabled")) or not private


def index_endpoint(project: str, item: Mapping[str, Any]) -> MLWorkload:
    kms = (item.get("encryptionSpec") or {}).get("kmsKeyName")
    public = index_endpoint_public(item)
    return MLWorkload(
        ref=_ref(project, "aiplatform", item), tags=_labels(item),
        workload_type="vector_store", service="vertex_index_endpoint",
        public_access=public,
        public_via=(f"public endpoint {item.get('publicEndpointDomainName') or 'enabled'}") if public else None,
        private_endpoint=not public,
        customer_managed_key=bool(kms), kms_key=kms,
    )


def index(project: str, item: Mapping[str, Any], endpoints: Mapping[str, bool]) -> MLWorkload:
    """``endpoints``: index endpoint name -> public, for the region's endpoints."""
    kms = (item.get("encryptionSpec") or {}).get("kmsKeyName")
    served = [str(d.get("indexEndpoint")) for d in item.get("deployedIndexes") or []]
    exposure = [endpoints.get(e) for e in served]
    public = True if True in exposure else (None if None in exposure else False)
    return MLWorkload(
        ref=_ref(project, "aiplatform", item), tags=_labels(item),
        workload_type="vector_store", service="vertex_vector_search",
        public_access=public,
        public_via="deployed to a public index endpoint" if public else None,
        customer_managed_key=bool(kms), kms_key=kms,
    )


# collection path -> (list key, workload type, service): stores of training data and features
KEYED_STORES = {
    "datasets": ("datasets", "dataset", "vertex_dataset"),
    "featureOnlineStores": ("featureOnlineStores", "feature_store", "vertex_feature_online_store"),
    "featurestores": ("featurestores", "feature_store", "vertex_featurestore"),
}


def keyed_store(project: str, item: Mapping[str, Any], workload_type: str, service: str) -> MLWorkload:
    """A Vertex AI dataset, feature online store or (legacy) featurestore: judged for its CMEK."""
    kms = (item.get("encryptionSpec") or {}).get("kmsKeyName")
    return MLWorkload(
        ref=_ref(project, "aiplatform", item), tags=_labels(item),
        workload_type=workload_type, service=service,  # type: ignore[arg-type]
        customer_managed_key=bool(kms), kms_key=kms,
    )


def artifact_repository(project: str, item: Mapping[str, Any], policy: Mapping[str, Any] | None) -> RegistryRepository:
    """``policy``: the repository's IAM policy (None if unreadable)."""
    grants = [f"{m} {b.get('role')}" for b in (policy or {}).get("bindings") or [] for m in b.get("members") or []
              if m in _PUBLIC_MEMBERS]
    kms = item.get("kmsKeyName")
    return RegistryRepository(
        ref=_ref(project, "artifactregistry", item), tags=_labels(item),
        public=None if policy is None else bool(grants),
        public_via="IAM binding " + ", ".join(grants) if grants else None,
        customer_managed_key=bool(kms), kms_key=kms,
    )


Guard = Callable[..., Any]


def collect_region(api: Any, project: str, region: str, sink: CollectionSink, guard: Guard) -> bool:
    """Vector Search and Artifact Registry in one region; True when Vertex AI is used there."""
    base = f"/v1/projects/{project}/locations/{region}"
    endpoints = guard(sink, project, "aiplatform:indexEndpoints.list", lambda: list(
        api.pages("aiplatform:indexEndpoints.list", f"{base}/indexEndpoints", "indexEndpoints", region=region)))
    exposure: dict[str, bool] = {}
    for item in endpoints or []:
        exposure[str(item["name"])] = index_endpoint_public(item)
        sink.add(index_endpoint(project, item))
    indexes = guard(sink, project, "aiplatform:indexes.list", lambda: list(
        api.pages("aiplatform:indexes.list", f"{base}/indexes", "indexes", region=region)))
    for item in indexes or []:
        sink.add(index(project, item, exposure if endpoints is not None else {}))
    used = bool(endpoints or indexes)
    for path, (key, workload_type, service) in KEYED_STORES.items():
        stores = guard(sink, project, f"aiplatform:{path}.list", lambda p=path, k=key: list(
            api.pages(f"aiplatform:{p}.list", f"{base}/{p}", k, region=region)))
        for item in stores or []:
            sink.add(keyed_store(project, item, workload_type, service))
        used = used or bool(stores)
    repos = guard(sink, project, "artifactregistry:repositories.list", lambda: list(
        api.pages("artifactregistry:repositories.list", f"{base}/repositories", "repositories")))
    for item in repos or []:
        name = str(item["name"])
        policy = guard(sink, project, "artifactregistry:repositories.getIamPolicy", lambda n=name: api.call(
            "artifactregistry:repositories.getIamPolicy", f"/v1/{n}:getIamPolicy"), resource=name)
        sink.add(artifact_repository(project, item, policy))
    return used
