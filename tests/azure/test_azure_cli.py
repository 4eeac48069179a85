"""``auditor scan azure`` end to end: a subprocess, the real DefaultAzureCredential (App Service
managed identity pointed at the loopback token endpoint), ARM over https with --ca-bundle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_arm import FakeArm

from auditor.collectors.azure.arm import operation_for

SUB = "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


def _env(fake: FakeArm, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "IDENTITY_", "MSI_"))}
    env.update(fake.identity_env())
    env["HOME"] = str(tmp_path)  # no developer Azure CLI / token cache
    env["AZURE_CONFIG_DIR"] = str(tmp_path / "azcli")
    return env


def test_scan_azure_end_to_end(fake_arm: FakeArm, ca_file: str, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "azure", "--subscription", SUB, "--resource-manager-url", fake_arm.arm.url,
         "--ca-bundle", ca_file, "--format", "json", "--output", str(out), "--fail-on", "none", "--quiet"],
        env=_env(fake_arm, tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert result["collection_errors"] == []
    names = {r["ref"]["name"] for r in result["inventory"]}
    assert {"mlpublicdemo", "demo-datasets", "mlw-research", "ci-alice", "nsg-jupyter-vm", "cmk-ml"} <= names
    failing = {(f["check_id"], json.dumps(f)) for f in result["findings"] if f["status"] == "fail"}
    assert any(c == "bucket_public_read" and "demo-datasets" in blob for c, blob in failing)
    assert fake_arm.tokens_issued >= 1
    assert all(r.authorization and r.authorization.startswith("Bearer eyJ") for r in fake_arm.requests)
    assert [r.path for r in fake_arm.requests if operation_for(r.method, r.path) is None] == []


def test_scan_azure_fail_on_high_exits_1(fake_arm: FakeArm, ca_file: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "azure", "--subscription", SUB, "--resource-manager-url", fake_arm.arm.url,
         "--ca-bundle", ca_file, "--format", "json", "--output", str(tmp_path / "r.json"), "--quiet"],
        env=_env(fake_arm, tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # public containers are critical


def test_scan_azure_denied_subscription_listing_exits_3(fake_arm: FakeArm, ca_file: str, tmp_path: Path) -> None:
    fake_arm.arm.faults.deny.append(r"^/subscriptions$")
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "azure", "--resource-manager-url", fake_arm.arm.url,
         "--ca-bundle", ca_file, "--format", "json", "--output", str(tmp_path / "r.json"), "--quiet"],
        env=_env(fake_arm, tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    errors = json.loads((tmp_path / "r.json").read_text())["collection_errors"]
    assert any("cannot list subscriptions" in e["message"] for e in errors)


def test_collectors_from_config() -> None:
    (c,) = collectors_from_config({"subscription": "a,b", "cloud": "china"})
    assert c.subscriptions == ["a", "b"]  # type: ignore[attr-defined]
    assert c.base_url == "https://management.chinacloudapi.cn"  # type: ignore[attr-defined]
    (c,) = collectors_from_config({"resource_manager_url": "https://arm.contoso.internal"})
    assert c.base_url == "https://arm.contoso.internal"  # type: ignore[attr-defined]


def test_collectors_from_config_rejects_bad_input() -> None:
    from auditor.config import ConfigError

    with pytest.raises(ConfigError, match=r"sources\.azure\.tenant: Extra inputs are not permitted"):
        collectors_from_config({"tenant": "x"})
    with pytest.raises(ConfigError, match=r"sources\.azure\.cloud: Input should be 'public', 'usgov' or 'china'"):
        collectors_from_config({"cloud": "germany"})
    with pytest.raises(ConfigError, match=r"sources\.azure\.resource_manager_url: must start with https://"):
        collectors_from_config({"resource_manager_url": "arm.contoso.internal"})


def collectors_from_config(section: dict) -> list:
    """``sources.azure`` of auditor.yaml, through the one place a configuration becomes collectors."""
    from auditor.config import source_config
    from auditor.targets import collectors_for_sources

    return collectors_for_sources(source_config("azure", section))
