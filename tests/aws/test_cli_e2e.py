"""``auditor scan aws`` and ``auditor demo`` end to end, as a user runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.demo import PLANTED

AUDITOR = [sys.executable, "-m", "auditor"]


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """moto's server on 127.0.0.1 populated with the demo estate; yields its URL."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    from auditor.demo import populate

    saved = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = url
    try:
        populate(session)
    finally:
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = saved
    yield url
    server.stop()


def run(args: list[str], endpoint: str | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return subprocess.run([*AUDITOR, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def failing(result: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in result["findings"]:
        if f["status"] == "fail":
            out.setdefault(f["check_id"], set()).add(f["resource_name"].split(" (")[0])
    return out


def test_scan_aws_finds_failures_exit_1(moto_server: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run(["scan", "aws", "--regions", "us-east-1", "--format", "json", "--output-dir", str(out), "--quiet"], moto_server, tmp_path)
    assert proc.returncode == 1, proc.stderr
    files = list(out.glob("auditor-aws-123456789012-*.json"))
    assert len(files) == 1
    result = json.loads(files[0].read_text())
    assert result["scan"]["scope"] == "aws-123456789012"
    assert result["scan"]["api_calls_total"] > 50 and result["scan"]["api_calls"]["iam:GetAccountAuthorizationDetails"] == 1
    assert not result["scan"]["incomplete"]
    fails = failing(result)
    for check in ("bucket_public_read", "role_trusts_any_principal", "role_cross_account_no_external_id",
                  "role_wildcard_data_access", "notebook_startup_secret", "network_ml_port_open_to_world"):
        assert set(PLANTED[check]) <= fails.get(check, set()), check
    # The account-level S3 Block Public Access was read through S3 Control at the custom endpoint.
    assert not [e for e in result["collection_errors"] if e.get("operation") == "s3control:GetPublicAccessBlock"]


def test_scan_aws_fail_on_none_exit_0(moto_server: str, tmp_path: Path) -> None:
    proc = run(["scan", "aws", "--regions", "us-east-1", "--format", "json", "--output-dir", str(tmp_path / "o"),
                "--fail-on", "none", "--quiet"], moto_server, tmp_path)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--regions", "us-east-1,mars-north-1"], "mars-north-1"),
        (["--checks", "no_such_check"], "no_such_check"),
        (["--max-workers", "0"], "--max-workers"),
    ],
)
def test_usage_errors_exit_2(moto_server: str, tmp_path: Path, args: list[str], message: str) -> None:
    proc = run(["scan", "aws", *args, "--format", "json", "--output-dir", str(tmp_path / "o"), "--quiet"], moto_server, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not (tmp_path / "o").exists()


def test_unreachable_endpoint_is_incomplete_exit_3(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    out = tmp_path / "o"
    proc = run(["scan", "aws", "--regions", "us-east-1", "--format", "json", "--output-dir", str(out), "--quiet"], closed, tmp_path)
    assert proc.returncode == 3, proc.stderr
    result = json.loads(next(out.glob("*.json")).read_text())
    assert result["scan"]["incomplete"] is True
    assert any("cannot identify the AWS account" in e["message"] for e in result["collection_errors"])


def test_demo_command(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = run(["demo", "--output-dir", str(out), "--quiet"], None, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert str((out / "report.json").resolve()) in proc.stdout
    result = json.loads((out / "report.json").read_text())
    fails = failing(result)
    missing = {check: sorted(set(names) - fails.get(check, set())) for check, names in PLANTED.items()}
    assert not {k: v for k, v in missing.items() if v}, missing
    # Hardened resources stay clean.
    assert "acme-ml-training-data" not in fails.get("bucket_public_read", set())
    assert "secure-notebook" not in fails.get("notebook_direct_internet", set())
    assert "labeling-vendor" not in fails.get("role_cross_account_no_external_id", set())
    if (out / "report.html").exists():
        assert "acme-ml-feature-store" in (out / "report.html").read_text()
