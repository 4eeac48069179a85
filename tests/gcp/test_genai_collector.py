"""Vertex AI Vector Search and Artifact Registry through the real collector against the loopback
GCP fake, then the checks."""

from __future__ import annotations

from typing import Any

from google.auth.credentials import AnonymousCredentials

from auditor.collectors.base import CollectionSink
from auditor.collectors.gcp import GcpCollector
from auditor.collectors.gcp.api import operation_for
from auditor.engine import Engine
from auditor.registry import Registry
from auditor.resources import MLWorkload, RegistryRepository
from gcp.fake_gcp import FakeGcp, ProjectSpec

P = "genai-prod"
LOC = f"projects/{P}/locations/us-central1"


def genai_project() -> ProjectSpec:
    return ProjectSpec(
        project_id=P, iam_policy={"bindings": []},
        index_endpoints={"us-central1": [
            {"name": f"{LOC}/indexEndpoints/1", "displayName": "public-search", "publicEndpointEnabled": True},
            {"name": f"{LOC}/indexEndpoints/2", "displayName": "private-search",
             "privateServiceConnectConfig": {"enablePrivateServiceConnect": True},
             "encryptionSpec": {"kmsKeyName": f"{LOC}/keyRings/r/cryptoKeys/k"}},
        ]},
        indexes={"us-central1": [
            {"name": f"{LOC}/indexes/10", "displayName": "docs", "deployedIndexes": [{"indexEndpoint": f"{LOC}/indexEndpoints/1"}]},
            {"name": f"{LOC}/indexes/11", "displayName": "internal", "deployedIndexes": [{"indexEndpoint": f"{LOC}/indexEndpoints/2"}],
             "encryptionSpec": {"kmsKeyName": f"{LOC}/keyRings/r/cryptoKeys/k"}},
            {"name": f"{LOC}/indexes/12", "displayName": "undeployed"},
        ]},
        repositories={"us-central1": [
            {"name": f"{LOC}/repositories/serving", "format": "DOCKER"},
            {"name": f"{LOC}/repositories/private", "format": "DOCKER", "kmsKeyName": f"{LOC}/keyRings/r/cryptoKeys/k"},
        ]},
        datasets={"us-central1": [
            {"name": f"{LOC}/datasets/20", "displayName": "support-chats"},
            {"name": f"{LOC}/datasets/21", "displayName": "claims", "encryptionSpec": {"kmsKeyName": f"{LOC}/keyRings/r/cryptoKeys/k"}},
        ]},
        feature_online_stores={"us-central1": [
            {"name": f"{LOC}/featureOnlineStores/profiles", "bigtable": {}},
            {"name": f"{LOC}/featureOnlineStores/keyed-profiles", "optimized": {},
             "encryptionSpec": {"kmsKeyName": f"{LOC}/keyRings/r/cryptoKeys/k"}},
        ]},
        featurestores={"us-central1": [{"name": f"{LOC}/featurestores/legacy", "onlineServingConfig": {"fixedNodeCount": 1}}]},
        repository_policies={f"{LOC}/repositories/serving": {"bindings": [
            {"role": "roles/artifactregistry.reader", "members": ["allUsers", "serviceAccount:ci@genai-prod.iam.gserviceaccount.com"]}]}},
    )


def test_vector_search_and_artifact_registry(monkeypatch: Any) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    with FakeGcp([genai_project()], page_size=1) as fake, fake.recording_storage():
        sink = CollectionSink()
        GcpCollector([P], credentials=AnonymousCredentials(), endpoints=fake.endpoints(), regions=["us-central1"]).collect(sink)
        outside = [(r.method, r.path) for r in fake.requests if r.path != "/token" and operation_for(r.method, r.path) is None]
    assert outside == [] and sink.errors == []
    res = {r.ref.name: r for r in sink.resources if isinstance(r, MLWorkload | RegistryRepository)}
    assert res["public-search"].public_access is True and res["private-search"].public_access is False
    assert (res["docs"].public_access, res["internal"].public_access, res["undeployed"].public_access) == (True, False, False)
    assert res["internal"].customer_managed_key is True and res["docs"].customer_managed_key is False
    assert res["serving"].public is True and res["serving"].public_via == "IAM binding allUsers roles/artifactregistry.reader"
    assert res["private"].public is False and res["private"].customer_managed_key is True
    # Vertex AI is in use (Vector Search), so the project's Vertex AI workspace is judged too
    assert "Vertex AI in genai-prod" in {r.ref.name for r in sink.resources}
    status = {(f.check_id, f.resource_id.rsplit("/", 1)[-1]): f.status.value
              for f in Engine(Registry.default(entry_points=False)).evaluate(sink.resources)}
    assert status[("ml_vector_store_public", "1")] == "fail" and status[("ml_vector_store_public", "2")] == "pass"
    assert status[("ml_vector_store_public", "10")] == "fail"
    assert status[("ml_registry_public", "serving")] == "fail" and status[("ml_registry_public", "private")] == "pass"
    # datasets and feature stores: judged for their key
    assert (res["support-chats"].workload_type, res["profiles"].service, res["legacy"].service) == (
        "dataset", "vertex_feature_online_store", "vertex_featurestore")
    assert res["claims"].kms_key == f"{LOC}/keyRings/r/cryptoKeys/k"
    assert status[("ml_genai_not_customer_key", "20")] == "fail" and status[("ml_genai_not_customer_key", "21")] == "pass"
    assert status[("ml_genai_not_customer_key", "profiles")] == "fail"
    assert status[("ml_genai_not_customer_key", "keyed-profiles")] == "pass"
    assert status[("ml_genai_not_customer_key", "legacy")] == "fail"
