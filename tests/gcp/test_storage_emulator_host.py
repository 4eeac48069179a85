"""``STORAGE_EMULATOR_HOST``: Cloud Storage through the standard emulator convention, with
anonymous credentials when there are none, as google-cloud-storage itself does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gcp.fake_gcp import FakeGcp


def test_scan_gcp_honours_storage_emulator_host_without_credentials(fake_gcp: FakeGcp, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "CLOUDSDK_", "STORAGE_EMULATOR"))}
    env["CLOUDSDK_CONFIG"] = str(tmp_path / "gcloud")  # no ADC anywhere
    env["HOME"] = str(tmp_path)
    env["STORAGE_EMULATOR_HOST"] = fake_gcp.storage_url.removeprefix("http://")  # host:port, as the convention allows
    others = [a for svc, url in fake_gcp.endpoints().items() if svc != "storage" for a in ("--endpoint", f"{svc}={url}")]
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "gcp", "--project", "ml-research-prod", "--region", "us-central1",
         *others, "--format", "json", "--output", str(out), "--fail-on", "none", "--allow-partial", "--no-store"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert "no GCP credentials" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    ids = {r["ref"]["id"] for r in result["inventory"]}
    assert "//storage.googleapis.com/mlr-public-datasets" in ids  # read from the emulator
    assert fake_gcp.storage_requests and all(r.authorization is None for r in fake_gcp.storage_requests)
