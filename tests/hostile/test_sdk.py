"""Cloud APIs that accept the connection and never answer: every SDK client ends, by its limits.

Each scan runs in a capped subprocess with real credentials machinery (an AWS endpoint URL, a GCP
service-account key file, Azure's managed-identity variables) pointed at a loopback listener that
answers only the token request, if any, and is silent for every API call. Without connect and
read time-outs and bounded retries these scans ran for many minutes; here each must end within
the harness time limit, with a collection (or configuration) error that names the limit.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import servers as hs
from .harness import Outcome, assert_survived, run_auditor

LIMITS = ["--connect-timeout", "1", "--read-timeout", "0.5", "--max-attempts", "2"]
LIMIT_WORDS = "--read-timeout"


def _token_then_silence(token: dict[str, object]) -> hs.Behaviour:
    """Answer a token request (any path ending in /token), then never answer anything else."""
    body = json.dumps(token).encode()
    answer = hs.raw(hs._head("200 OK", {"content-type": "application/json", "content-length": str(len(body)),
                                        "connection": "close"}) + body)
    quiet = hs.silent(60)

    def act(conn: socket.socket, path: str) -> None:
        (answer if path.split("?")[0].endswith("/token") else quiet)(conn, path)

    return act


@pytest.fixture
def silent_api() -> Iterator[hs.HostileServer]:
    token = {"access_token": "loopback-token", "expires_in": 3600, "token_type": "Bearer",
             "expires_on": str(int(time.time()) + 3600), "resource": "https://management.azure.com"}
    server = hs.HostileServer(_token_then_silence(token)).start()
    yield server
    server.stop()


def _clean_env(tmp_path: Path) -> dict[str, str]:
    drop = ("AWS_", "GOOGLE_", "CLOUDSDK_", "AZURE_", "IDENTITY_", "MSI_", "STORAGE_EMULATOR")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update({"HOME": str(tmp_path), "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"), "AZURE_CONFIG_DIR": str(tmp_path / "az")})
    return env


def _run(args: list[str], tmp_path: Path, env: dict[str, str]) -> Outcome:
    return run_auditor(args, workdir=tmp_path, base_env=env, time_limit=120)


def test_aws_endpoint_that_never_answers_ends_with_a_named_error(silent_api: hs.HostileServer, tmp_path: Path) -> None:
    env = _clean_env(tmp_path) | {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "x" * 40,
                                  "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
    outcome = _run(["scan", "aws", "--endpoint-url", silent_api.url, "--regions", "us-east-1", *LIMITS], tmp_path, env)
    assert_survived(outcome)
    assert outcome.returncode == 3, outcome.describe()
    [error] = [e for e in outcome.errors if e.get("operation") == "sts:GetCallerIdentity"]
    assert "time limit" in error["message"] and LIMIT_WORDS in error["message"], error
    assert silent_api.url in error["message"]  # names the endpoint that did not answer


def _service_account_file(path: Path, token_uri: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "silent-project", "private_key_id": "1" * 40,
        "private_key": pem.decode(), "client_email": "auditor@silent-project.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": token_uri,
    }))
    return path


def test_gcp_apis_that_never_answer_end_with_named_errors(silent_api: hs.HostileServer, tmp_path: Path) -> None:
    pytest.importorskip("google.cloud.resourcemanager_v3")
    env = _clean_env(tmp_path)
    env["GOOGLE_APPLICATION_CREDENTIALS"] = str(_service_account_file(tmp_path / "adc.json", silent_api.url + "/token"))
    services = ["storage", "cloudresourcemanager", "iam", "compute", "notebooks", "aiplatform", "cloudkms", "accesscontextmanager", "container"]
    endpoints = [a for s in services for a in ("--endpoint", f"{s}={silent_api.url}")]
    outcome = _run(["scan", "gcp", "--project", "silent-project", "--region", "us-central1", *endpoints, *LIMITS], tmp_path, env)
    assert_survived(outcome)
    assert outcome.errors, outcome.describe()
    assert all("silent-project" in json.dumps(e) or e.get("incomplete") for e in outcome.errors)
    text = " ".join(e["message"] for e in outcome.errors).lower()
    assert "timeout" in text or "timed out" in text, outcome.describe()


def test_azure_resource_manager_that_never_answers_ends(silent_api: hs.HostileServer, tmp_path: Path) -> None:
    pytest.importorskip("azure.mgmt.resource")
    env = _clean_env(tmp_path) | {"IDENTITY_ENDPOINT": silent_api.url + "/msi/token", "IDENTITY_HEADER": "loopback"}
    arm = f"https://127.0.0.1:{silent_api.port}"  # the TLS handshake is never answered either
    outcome = _run(["scan", "azure", "--subscription", "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "--resource-manager-url", arm,
                    *LIMITS], tmp_path, env)
    assert_survived(outcome)
    assert outcome.returncode == 3, outcome.describe()
    text = " ".join(e["message"] for e in outcome.errors).lower()
    assert "timed out" in text or "timeout" in text, outcome.describe()


def test_azure_token_endpoint_that_never_answers_ends(tmp_path: Path) -> None:
    pytest.importorskip("azure.identity")
    server = hs.HostileServer(hs.silent(120)).start()
    url = server.url
    try:
        env = _clean_env(tmp_path) | {"IDENTITY_ENDPOINT": url + "/msi/token", "IDENTITY_HEADER": "loopback"}
        outcome = _run(["scan", "azure", "--subscription", "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
                        "--resource-manager-url", "https://127.0.0.1:9", *LIMITS], tmp_path, env)
    finally:
        server.stop()
    assert_survived(outcome)
    assert outcome.returncode in (2, 3) or outcome.errors, outcome.describe()
    assert "timed out" in (outcome.stderr + json.dumps(outcome.errors)).lower(), outcome.describe()
