"""``auditor scan --config`` with GCP and Azure sources: one run over both local estates, built
through each source's collectors_from_config, credentials from ADC and DefaultAzureCredential."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fake_arm import FakeArm
from gcp.fake_gcp import FakeGcp, ml_team_project


@pytest.fixture
def fake_gcp() -> Iterator[FakeGcp]:
    with FakeGcp([ml_team_project()]) as fake, fake.recording_storage():
        yield fake


def test_estate_config_scans_both_clouds(fake_gcp: FakeGcp, fake_arm: FakeArm, ca_file: str, tmp_path: Path) -> None:
    config = tmp_path / "auditor.yaml"
    config.write_text(yaml.safe_dump({
        "name": "ml-clouds",
        "sources": {
            "gcp": {"project": ["ml-research-prod"], "region": ["us-central1"], "endpoint": fake_gcp.endpoints()},
            "azure": {"subscription": ["5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"], "resource_manager_url": fake_arm.arm.url,
                      "ca_bundle": ca_file},
        },
    }))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "IDENTITY_", "MSI_", "GOOGLE_", "STORAGE_EMULATOR"))}
    env.update(fake_arm.identity_env())
    env["GOOGLE_APPLICATION_CREDENTIALS"] = str(fake_gcp.adc_file(tmp_path / "adc.json"))
    env["HOME"] = str(tmp_path)
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--config", str(config), "--format", "json", "--output", str(out),
         "--fail-on", "none", "--quiet"],
        env=env, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert result["collection_errors"] == []
    assert {r["ref"]["cloud"] for r in result["inventory"]} == {"gcp", "azure"}
    failing = {(f["check_id"], f["cloud"]) for f in result["findings"] if f["status"] == "fail"}
    assert {("bucket_public_read", "gcp"), ("bucket_public_read", "azure"), ("role_admin_access", "gcp"),
            ("role_admin_access", "azure")} <= failing


def test_estate_config_rejects_unknown_gcp_key(tmp_path: Path) -> None:
    config = tmp_path / "auditor.yaml"
    config.write_text(yaml.safe_dump({"sources": {"gcp": {"projects_typo": ["x"]}}}))
    proc = subprocess.run([sys.executable, "-m", "auditor", "scan", "--config", str(config), "--quiet"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    # a typed section: the file, the line and the key path
    assert "auditor.yaml:3: sources.gcp.projects_typo: Extra inputs are not permitted" in proc.stderr
