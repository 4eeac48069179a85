"""The recorded GCP, Azure and Kubernetes demo inventories: still what the collectors record, and still
showing the misconfigurations the demo is meant to show."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "auditor" / "demo_data"


def _strip(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "collected"}


def test_recorded_inventories_match_a_fresh_recording(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("record_demo_data", ROOT / "scripts" / "record_demo_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUT", tmp_path)
    module.main()
    for name in ("gcp.inventory.json", "azure.inventory.json", "k8s.inventory.json"):
        fresh = json.loads((tmp_path / name).read_text())
        committed = json.loads((DEMO / name).read_text())
        assert _strip(fresh) == _strip(committed), f"{name} is stale: run scripts/record_demo_data.py"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gcp", {("bucket_public_read", "mlr-public-datasets"), ("bucket_public_write", "mlr-model-artifacts"),
                 ("role_public_binding", "allAuthenticatedUsers"), ("user_stale_access_key", "trainer@acme-ml-research.iam.gserviceaccount.com"),
                 ("notebook_startup_secret", "wb-alice"), ("network_admin_port_open_to_world", "default-allow-ssh"),
                 ("audit_logging_off", "acme-ml-research audit logs"), ("key_rotation_off", "legacy-features-key"),
                 ("ml_workspace_public_network", "Vertex AI in acme-ml-research"), ("cluster_api_public", "ray-gke"),
                 ("ml_vector_store_public", "rag-search-public"), ("ml_vector_store_public", "support-docs")}),
        ("azure", {("bucket_public_read", "demo-datasets"), ("bucket_tls_outdated", "mlpublicdemo"),
                   ("bucket_network_open", "mlpublicdemo"), ("ml_workspace_public_network", "mlw-research"),
                   ("notebook_direct_internet", "ci-alice"), ("network_ml_port_open_to_world", "nsg-jupyter-vm"),
                   ("key_rotation_off", "cmk-ml"), ("cluster_api_public", "aks-ray"), ("ml_genai_local_auth", "oai-ml-chat"),
                   ("ml_genai_public_network", "oai-ml-chat"), ("ml_invocation_logging_off", "oai-ml-chat")}),
        ("k8s", {("k8s_ml_service_exposed", "train-head-svc"), ("k8s_ray_no_token_auth", "train"),
                 ("k8s_ml_pod_privileged", "train"), ("k8s_inference_public_no_auth", "fraud-model"),
                 ("k8s_ml_namespace_no_network_policy", "ml-platform"), ("k8s_notebook_no_auth", "alice"),
                 # the probe of the load balancer's address and the Service are one exposure
                 ("service_exposed_to_world", "203.0.113.50:8265"), ("service_unauthenticated", "203.0.113.50:8265")}),
    ],
)
def test_demo_inventory_evaluates_to_its_planted_failures(name: str, expected: set[tuple[str, str]], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "evaluate", str(DEMO / f"{name}.inventory.json"), "--format", "json",
         "--output", str(out), "--fail-on", "none", "--quiet"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(out.read_text())["findings"]
    failing = {(f["check_id"], f["resource_name"]) for f in findings if f["status"] == "fail"}
    assert expected <= failing, expected - failing
    assert not [f for f in findings if f["status"] == "error"]
    if name != "k8s":  # a cluster read through its own API belongs to no cloud
        assert all(f["cloud"] == name for f in findings)
