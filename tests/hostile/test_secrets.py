"""Secrets in names, tags, parse errors, notebooks and the command line never reach an output.

One IaC scan and one files scan, each in a capped subprocess writing every report format and the
history store, with a webhook URL carrying its token on the command line. Each secret planted in
the inputs is then looked for, whole and by a long enough slice, in every output: the report
files, the SQLite store, stdout and stderr. The known-bad control beside them must still fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import Outcome, assert_survived, run_auditor

SECRETS = {
    "github-token-in-resource-name": "ghp_" + "Q7w8E9r0T1y2U3i4O5p6" * 2,
    "access-key-in-bucket-name": "AKIAZ7QX3VJ5N2LW4PTY",
    "access-key-in-tag": "AKIAY6PW2UI4M1KV3OSX",
    "password-under-tag-key": "Tr0ub4dor-and-3-more",
    "secret-key-on-syntax-error-line": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKY",
    "token-in-yaml-error": "glpat-" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt",
    "slack-token-in-cfn-tag": "xoxb-" + "1234567890-abcdefghijKLMN",
    "webhook-token-on-command-line": "T0HOOKTOKEN9sixteenchars",
    "hf-token-in-module-source": "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
    "notebook-key-id-at-file-start": "AKIAX5OV1TH3L0JU2NRW",
    "notebook-secret-key-at-file-start": "k9J8h7G6f5D4s3A2p1O0i9U8y7T6r5E4w3Q2z1X0",
}
CONTROL_TF = 'resource "aws_s3_bucket" "control" {\n  bucket = "control-bucket"\n  acl    = "public-read"\n}\n'


def _iac_inputs(root: Path) -> None:
    s = SECRETS
    (root / "control").mkdir(parents=True)
    (root / "control" / "main.tf").write_text(CONTROL_TF)
    (root / "named").mkdir()
    (root / "named" / "main.tf").write_text(
        f'resource "aws_s3_bucket" "{s["github-token-in-resource-name"]}" {{\n'
        f'  bucket = "data-{s["access-key-in-bucket-name"]}"\n'
        f'  tags = {{\n    Owner = "{s["access-key-in-tag"]}"\n    db_password = "{s["password-under-tag-key"]}"\n  }}\n}}\n'
        f'module "m" {{\n  source = "https://user:{s["hf-token-in-module-source"]}@example.invalid/m.zip"\n}}\n'
    )
    (root / "broken").mkdir()
    (root / "broken" / "main.tf").write_text(
        f'provider "aws" {{\n  aws_secret_access_key = "{s["secret-key-on-syntax-error-line"]}" }} }}\n'
    )
    (root / "cfn").mkdir()
    (root / "cfn" / "bad.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n'
        f'    Properties: {{BucketName: "{s["token-in-yaml-error"]}" [\n'
    )
    (root / "cfn" / "ok.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
        "  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: PublicRead\n"
        f'      Tags:\n        - Key: chatops\n          Value: "{s["slack-token-in-cfn-tag"]}"\n'
    )


def _notebook_inputs(root: Path) -> None:
    s = SECRETS
    root.mkdir(parents=True)
    # not JSON at all: an error message quoting the file's start must not carry these
    (root / "leak.ipynb").write_text(
        f'aws_access_key_id = {s["notebook-key-id-at-file-start"]}\n'
        f'aws_secret_access_key = {s["notebook-secret-key-at-file-start"]}\n'
    )
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": [f'key = "{s["access-key-in-tag"]}"\n']}
    (root / "control.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def _outputs(folder: Path, outcome: Outcome) -> dict[str, bytes]:
    files = {p.name.rsplit(".", 1)[-1] if not p.name.endswith(".junit.xml") else "junit": p.read_bytes()
             for p in (folder / "out").glob("auditor-*")}
    files["store"] = (folder / "history.sqlite").read_bytes()
    files["stdout"] = outcome.stdout.encode()
    files["stderr"] = outcome.stderr.encode()
    return files


def _scan(folder: Path, args: list[str]) -> tuple[Outcome, dict[str, bytes]]:
    hook = f"http://127.0.0.1:9/services/hook/{SECRETS['webhook-token-on-command-line']}?token={SECRETS['webhook-token-on-command-line']}"
    outcome = run_auditor([*args, "--notify", hook], workdir=folder, formats="json,html,csv,sarif,md,junit",
                          store=folder / "history.sqlite")
    return outcome, _outputs(folder, outcome)


@pytest.fixture(scope="module")
def iac_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Outcome, dict[str, bytes]]]:
    folder = tmp_path_factory.mktemp("secrets-iac")
    _iac_inputs(folder / "infra")
    yield _scan(folder, ["scan", "iac", str(folder / "infra")])


@pytest.fixture(scope="module")
def files_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Outcome, dict[str, bytes]]]:
    folder = tmp_path_factory.mktemp("secrets-files")
    _notebook_inputs(folder / "notebooks")
    yield _scan(folder, ["scan", "files", str(folder / "notebooks")])


def test_iac_scan_survives_and_judges_the_controls(iac_scan: tuple[Outcome, dict[str, bytes]]) -> None:
    outcome, outputs = iac_scan
    assert_survived(outcome)
    failing = {(f["check_id"], f["resource_id"]) for f in outcome.findings if f["status"] == "fail"}
    assert any(c == "bucket_public_read" and r.endswith("aws_s3_bucket.control") for c, r in failing), failing
    assert any(c == "bucket_public_read" and "cfn/ok.yaml" in r for c, r in failing), failing
    assert {"json", "html", "csv", "sarif", "md", "junit", "store"} <= set(outputs)
    assert outcome.errors_naming("broken/main.tf") and outcome.errors_naming("cfn/bad.yaml")


def test_files_scan_survives_and_judges_the_control(files_scan: tuple[Outcome, dict[str, bytes]]) -> None:
    outcome, _ = files_scan
    assert_survived(outcome)
    assert outcome.errors_naming("leak.ipynb")
    assert any(f["status"] == "fail" and "control.ipynb" in str(f.get("path")) for f in outcome.findings), outcome.describe()


IAC_SECRETS = [k for k in SECRETS if not k.startswith("notebook-")]
FILE_SECRETS = ["notebook-key-id-at-file-start", "notebook-secret-key-at-file-start", "access-key-in-tag",
                "webhook-token-on-command-line"]
OUTPUTS = ["json", "html", "csv", "sarif", "md", "junit", "store", "stdout", "stderr"]


def _assert_absent(secret: str, blob: bytes, where: str) -> None:
    for piece in (secret, secret[4:20]):  # whole, and a slice long enough to be the secret
        assert piece.encode() not in blob, f"{piece!r} found in {where}"


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("secret", IAC_SECRETS)
def test_no_secret_in_iac_outputs(secret: str, output: str, iac_scan: tuple[Outcome, dict[str, bytes]]) -> None:
    _, outputs = iac_scan
    _assert_absent(SECRETS[secret], outputs[output], output)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("secret", FILE_SECRETS)
def test_no_secret_in_files_outputs(secret: str, output: str, files_scan: tuple[Outcome, dict[str, bytes]]) -> None:
    _, outputs = files_scan
    _assert_absent(SECRETS[secret], outputs[output], output)
