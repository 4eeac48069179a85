"""Result building, digests, the inventory seam, baselines and exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import cli
from auditor.collectors.base import CollectionError
from auditor.config import ConfigError
from auditor.findings import Severity
from auditor.pipeline import (
    EXIT_FAILURES,
    EXIT_INCOMPLETE,
    EXIT_OK,
    ScanOptions,
    evaluate_resources,
    exit_code,
    save_inventory,
)
from auditor.resources import Bucket, Ref
from auditor.result import ScanResult, load_inventory


def _bucket(name: str, **fields) -> Bucket:
    return Bucket(ref=Ref(provider="aws", cloud="aws", account="1", id=f"arn:aws:s3:::{name}", name=name), **fields)


def _result(resources, errors=(), **opts) -> ScanResult:
    options = ScanOptions(include_checks=["bucket_public_read"], **opts)
    return evaluate_resources(
        resources, list(errors), {"s3:ListBuckets": 1}, sources=["aws"], scope="aws-1",
        options=options, started=datetime.now(UTC),
    )


def test_result_digest_verifies_and_detects_tampering() -> None:
    result = _result([_bucket("a", public_read=True)])
    assert result.verify_digest()
    reloaded = ScanResult.model_validate_json(result.to_json())
    assert reloaded.verify_digest()
    tampered = reloaded.model_copy(update={"findings": []})
    assert not tampered.verify_digest()


def test_metadata_records_versions_calls_and_checks() -> None:
    result = _result([_bucket("a", public_read=False)])
    assert result.scan.api_calls_total == 1
    assert result.scan.checks_run == ["bucket_public_read"]
    assert len(result.scan.check_catalog_version) == 12
    assert result.scan.config_hash
    assert result.inventory[0]["kind"] == "Bucket"


@pytest.mark.parametrize(
    ("public", "fail_on", "incomplete", "allow_partial", "expected"),
    [
        (True, Severity.HIGH, False, False, EXIT_FAILURES),
        (True, None, False, False, EXIT_OK),
        (False, Severity.HIGH, False, False, EXIT_OK),
        (None, Severity.INFO, False, False, EXIT_OK),  # unknown never fails the build
        (True, Severity.HIGH, True, False, EXIT_INCOMPLETE),  # incomplete wins over failures
        (True, Severity.HIGH, True, True, EXIT_FAILURES),
    ],
)
def test_exit_codes_follow_the_documented_order(public, fail_on, incomplete, allow_partial, expected) -> None:
    errors = [CollectionError(source="aws", message="region unreachable", incomplete=True)] if incomplete else []
    result = _result([_bucket("a", public_read=public)], errors)
    assert exit_code(result, ScanOptions(fail_on=fail_on, allow_partial=allow_partial)) == expected


def test_a_detail_error_is_not_incompleteness() -> None:
    errors = [CollectionError(source="aws", message="AccessDenied GetBucketPolicy", resource="arn:aws:s3:::a")]
    result = _result([_bucket("a", public_read=None)], errors)
    assert not result.scan.incomplete
    assert exit_code(result, ScanOptions()) == EXIT_OK


def test_baseline_only_new_failures_fail(tmp_path: Path) -> None:
    old = _result([_bucket("a", public_read=True)])
    base = tmp_path / "base.json"
    base.write_text(old.to_json())
    same = _result([_bucket("a", public_read=True)], baseline=base)
    assert same.changes is not None and same.changes.new == [] and same.changes.unchanged == 1
    assert exit_code(same, ScanOptions(baseline=base)) == EXIT_OK
    more = _result([_bucket("a", public_read=True), _bucket("b", public_read=True)], baseline=base)
    assert more.changes is not None and len(more.changes.new) == 1
    assert exit_code(more, ScanOptions(baseline=base)) == EXIT_FAILURES
    fixed = _result([_bucket("a", public_read=False)], baseline=base)
    assert fixed.changes is not None and len(fixed.changes.resolved) == 1


def test_unreadable_baseline_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match=r"bad\.json"):
        _result([_bucket("a")], baseline=bad)


def test_inventory_round_trip_and_evaluate_command(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.json"
    save_inventory(inv, [_bucket("a", public_read=True), _bucket("b", public_read=False)], [], {}, ["aws"], "aws-1",
                   datetime.now(UTC), force=False)
    loaded = load_inventory(inv)
    assert [r["ref"]["name"] for r in loaded.inventory] == ["a", "b"]
    with pytest.raises(ConfigError, match="exists"):
        save_inventory(inv, [], [], {}, ["aws"], "aws-1", datetime.now(UTC), force=False)
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(cli, ["evaluate", str(inv), "--checks", "bucket_public_read", "-f", "json", "-o", str(out), "-q"],
                        standalone_mode=False)
    assert isinstance(res.exception, SystemExit) and res.exception.code == EXIT_FAILURES
    written = list(out.glob("auditor-aws-1-*.json"))
    assert len(written) == 1
    data = json.loads(written[0].read_text())
    statuses = {f["resource_name"]: f["status"] for f in data["findings"]}
    assert statuses == {"a": "fail", "b": "pass"}
    # A second run never overwrites the first run's file.
    runner.invoke(cli, ["evaluate", str(inv), "--checks", "bucket_public_read", "-f", "json", "-o", str(out), "-q"],
                  standalone_mode=False)
    assert len(list(out.glob("auditor-aws-1-*.json"))) == 2
    # A result file is also an inventory: evaluate re-runs the checks over it.
    res = runner.invoke(cli, ["evaluate", str(written[0]), "--checks", "bucket_public_read", "-f", "json",
                              "--output", str(tmp_path / "again.json"), "-q"], standalone_mode=False)
    assert json.loads((tmp_path / "again.json").read_text())["inventory"] == data["inventory"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    inv = tmp_path / "inventory.json"
    save_inventory(inv, [_bucket("a")], [], {}, ["aws"], "aws-1", datetime.now(UTC), force=False)
    cases = [
        ["evaluate", str(inv), "--checks", "no_such_check"],
        ["evaluate", str(inv), "--format", "pdf"],
        ["evaluate", str(inv), "--fail-on", "severe"],
        ["evaluate", str(tmp_path / "missing.json")],
    ]
    for args in cases:
        proc = subprocess.run([sys.executable, "-m", "auditor", *args, "-o", str(tmp_path / "o")],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.strip(), args
