"""A scan that could not read is loud: causes on stderr, exit 3 when nothing was collected, never
the baseline of a later diff; a missing path is a usage error for every source."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from .conftest import Auditor, public_bucket_tf


def _no_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_aws_without_credentials_names_the_cause_and_exits_3(
    auditor: Auditor, tmp_path: Path, store_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_aws_credentials(monkeypatch, tmp_path)
    res = auditor("scan", "aws", "--regions", "us-east-1", "-f", "json", "-o", "out", "--allow-partial")
    assert res.code == 3  # nothing was collected: not a pass even with --allow-partial
    assert "NoCredentialsError" in res.err and "us-east-1" in res.err and "sts:GetCallerIdentity" in res.err
    assert "the scan collected nothing" in res.err
    with sqlite3.connect(store_file) as db:
        assert db.execute("select incomplete from scans").fetchall() == [(1,)]


def test_a_scan_that_read_nothing_is_never_the_baseline(auditor: Auditor, tmp_path: Path) -> None:
    infra = public_bucket_tf(tmp_path / "infra")
    good = (infra / "main.tf").read_text()
    assert auditor("scan", "iac", "infra", "-o", "out", "-q").code == 1
    (infra / "main.tf").write_text('resource "aws_s3_bucket" "b0" {\n  bucket = \n')  # does not parse
    broken = auditor("scan", "iac", "infra", "-o", "out", "-q")
    assert broken.code == 3 and "main.tf" in broken.err
    (infra / "main.tf").write_text(good)
    # Compared with the complete scan before the broken one, nothing is new.
    again = auditor("scan", "iac", "infra", "-o", "out", "--fail-on-new")
    assert again.code == 0, again.out + again.err
    assert "No new failure at or above high (2 already failing" in again.out
    diff = auditor("diff", "--scope", "iac-infra", "--format", "json")
    assert diff.code == 0
    data = json.loads(diff.out)
    assert data["counts"]["new"] == 0 and data["counts"]["still_open"] >= 1
    history = auditor("history", "--json")
    assert [row["incomplete"] for row in json.loads(history.out)] == [False, True, False]


@pytest.mark.parametrize("source", ["files", "iac"])
def test_a_missing_path_is_a_usage_error_for_every_source(auditor: Auditor, source: str) -> None:
    res = auditor("scan", source, "/nonexistent-auditor-path")
    assert res.code == 2
    assert "/nonexistent-auditor-path" in res.err and "does not exist" in res.err


@pytest.mark.parametrize("source", ["files", "iac"])
def test_a_missing_path_in_the_config_is_a_usage_error(auditor: Auditor, tmp_path: Path, source: str) -> None:
    (tmp_path / "auditor.yaml").write_text(f"sources:\n  {source}:\n    paths: [/nonexistent-auditor-path]\n")
    res = auditor("scan", "--config", "auditor.yaml")
    assert res.code == 2
    assert "no such file or folder: /nonexistent-auditor-path" in res.err


def test_a_missing_root_is_a_usage_error(auditor: Auditor, tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    res = auditor("scan", "files", "models", "--root", "/nonexistent-auditor-root")
    assert res.code == 2 and "/nonexistent-auditor-root" in res.err
