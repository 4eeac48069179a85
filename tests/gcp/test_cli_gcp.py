"""``auditor scan gcp`` end to end: a real subprocess, real ADC (a service-account key file whose
token endpoint is the loopback fake), endpoint overrides pointing at the local estate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from auditor.collectors.gcp.api import operation_for
from gcp.fake_gcp import FakeGcp


def _env(fake: FakeGcp, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "CLOUDSDK_", "STORAGE_EMULATOR"))}
    env["GOOGLE_APPLICATION_CREDENTIALS"] = str(fake.adc_file(tmp_path / "adc.json"))
    env["CLOUDSDK_CONFIG"] = str(tmp_path / "gcloud")  # never read the developer's gcloud config
    return env


GAPIC_SERVICES = {"cloudresourcemanager", "compute", "cloudkms", "notebooks"}


def _jwt_issuer(authorization: str | None) -> str | None:
    import base64

    if not authorization or not authorization.startswith("Bearer ") or authorization.count(".") != 2:
        return None
    payload = authorization.removeprefix("Bearer ").split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).get("iss")


def _endpoint_args(fake: FakeGcp) -> list[str]:
    return [arg for svc, url in fake.endpoints().items() for arg in ("--endpoint", f"{svc}={url}")]


def test_scan_gcp_writes_a_result_with_gcp_resources(fake_gcp: FakeGcp, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    inv = tmp_path / "inventory.json"
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "gcp", "--project", "ml-research-prod", "--region", "us-central1",
         *_endpoint_args(fake_gcp), "--format", "json", "--output", str(out), "--save-inventory", str(inv),
         "--fail-on", "none", "--quiet"],
        env=_env(fake_gcp, tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert result["collection_errors"] == []
    ids = {r["ref"]["id"] for r in result["inventory"]}
    assert "//storage.googleapis.com/mlr-public-datasets" in ids
    assert all(r["ref"]["account"] == "ml-research-prod" for r in result["inventory"])
    failing = {(f["check_id"], f["resource"]["id"] if isinstance(f.get("resource"), dict) else f.get("resource_id"))
               for f in result["findings"] if f["status"] == "fail"}
    assert any(c == "bucket_public_read" and "mlr-public-datasets" in str(r) for c, r in failing), failing
    # Real credentials were sent, and nothing off the allow-list was called: the REST calls made
    # through google-auth's session carry the token from the ADC refresh; the google-cloud-*
    # clients sign their own JWT with the service-account key (their always_use_jwt_access).
    api_calls = [r for r in fake_gcp.api.requests if r.path != "/token"]
    gapic = [r for r in api_calls if str(operation_for(r.method, r.path)).split(":")[0] in GAPIC_SERVICES]
    session = [r for r in api_calls if r not in gapic]
    assert session and all(r.authorization == "Bearer ya29.loopback-test-token" for r in session)
    assert gapic and all(_jwt_issuer(r.authorization) == "auditor@ml-research-prod.iam.gserviceaccount.com" for r in gapic)
    assert [r.path for r in fake_gcp.requests if r.path != "/token" and operation_for(r.method, r.path) is None] == []
    assert json.loads(inv.read_text())["kind"] == "auditor-inventory"


def test_scan_gcp_denied_project_listing_is_incomplete_exit_3(fake_gcp: FakeGcp, tmp_path: Path) -> None:
    fake_gcp.api.faults.deny.append(r"/v3/projects:search")
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "gcp", *_endpoint_args(fake_gcp), "--format", "json",
         "--output", str(tmp_path / "r.json"), "--quiet"],
        env=_env(fake_gcp, tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    errors = json.loads((tmp_path / "r.json").read_text())["collection_errors"]
    assert any("cannot list projects" in e["message"] for e in errors)


def test_scan_gcp_bad_endpoint_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "gcp", "--endpoint", "storage", "--quiet"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "expected service=URL" in proc.stderr


def test_collectors_from_config() -> None:
    (collector,) = collectors_from_config(
        {"project": ["a", "b"], "endpoint": {"storage": "https://storage-p.p.googleapis.com"}, "region": "us-east1"}
    )
    assert collector.projects == ["a", "b"]  # type: ignore[attr-defined]
    assert collector.endpoints == {"storage": "https://storage-p.p.googleapis.com"}  # type: ignore[attr-defined]
    assert collector.regions == ["us-east1"]  # type: ignore[attr-defined]


def test_collectors_from_config_rejects_unknown_keys() -> None:
    import pytest

    from auditor.config import ConfigError

    with pytest.raises(ConfigError, match=r"sources\.gcp\.projekt: Extra inputs are not permitted"):
        collectors_from_config({"projekt": "a"})
    with pytest.raises(ConfigError, match=r"sources\.gcp\.endpoints: unknown GCP endpoint service"):
        collectors_from_config({"endpoints": {"storag": "https://storage.internal"}})


def collectors_from_config(section: dict) -> list:
    """``sources.gcp`` of auditor.yaml, through the one place a configuration becomes collectors."""
    from auditor.config import source_config
    from auditor.targets import collectors_for_sources

    return collectors_for_sources(source_config("gcp", section))
