"""``auditor scan iac`` end to end through the real CLI process: exit codes, --fail-on, --baseline,
config suppressions with expiry, inline ignores, SARIF (schema-validated), JUnit and Markdown."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

PROJECTS = Path(__file__).parent / "projects"
SARIF_SCHEMA = Path(__file__).parent.parent / "reports" / "schemas" / "sarif-schema-2.1.0.json"


def auditor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "iac", *args, "--no-store", "-q"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )


def result_json(out: Path) -> dict:
    files = sorted(out.glob("*.json"))
    assert len(files) == 1, files
    return json.loads(files[0].read_text())


@pytest.fixture
def network(tmp_path: Path) -> Path:
    dest = tmp_path / "infra"
    shutil.copytree(PROJECTS / "aws_network", dest)
    return dest


def test_parse_error_is_incomplete_unless_allow_partial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = auditor(str(PROJECTS / "broken"), "-f", "json", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    result = result_json(out)
    errors = {(e["path"], e["line"], e["incomplete"]) for e in result["collection_errors"]}
    assert ("bad.tf", 7, True) in errors and ("template.yaml", 7, True) in errors
    # the file that parses is still scanned
    assert any(f["resource_id"] == "aws_security_group.ssh" and f["status"] == "fail" for f in result["findings"])
    proc = auditor(str(PROJECTS / "broken"), "-f", "json", "-o", str(tmp_path / "out2"), "--allow-partial", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # the open SSH port is high
    proc = auditor(str(PROJECTS / "broken"), "-f", "json", "-o", str(tmp_path / "out3"), "--allow-partial", "--fail-on", "critical", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_fail_on_threshold(network: Path, tmp_path: Path) -> None:
    assert auditor(str(network), "-f", "json", "-o", str(tmp_path / "a"), "--allow-partial", cwd=tmp_path).returncode == 1
    assert auditor(str(network), "-f", "json", "-o", str(tmp_path / "b"), "--fail-on", "critical", cwd=tmp_path).returncode == 0
    assert auditor(str(network), "-f", "json", "-o", str(tmp_path / "c"), "--fail-on", "none", cwd=tmp_path).returncode == 0


def test_baseline_fails_only_on_new_findings(network: Path, tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert auditor(str(network), "-f", "json", "-o", str(first), cwd=tmp_path).returncode == 1
    baseline = next(first.glob("*.json"))
    # same code, other checkout directory: nothing new, so the build passes
    moved = tmp_path / "elsewhere" / "infra"
    shutil.copytree(network, moved)
    assert auditor(str(moved), "-f", "json", "-o", str(tmp_path / "second"), "--baseline", str(baseline), cwd=tmp_path).returncode == 0
    # a new world-open SSH group fails the build
    (moved / "new.tf").write_text(
        'resource "aws_security_group" "new" {\n  ingress {\n    from_port = 22\n    to_port = 22\n'
        '    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'
    )
    third = tmp_path / "third"
    assert auditor(str(moved), "-f", "json", "-o", str(third), "--baseline", str(baseline), cwd=tmp_path).returncode == 1
    changes = result_json(third)["changes"]
    new_ids = {f["resource_id"] for f in result_json(third)["findings"] if f["fingerprint"] in set(changes["new"])}
    assert new_ids == {"aws_security_group.new"}


def test_config_suppressions_with_expiry(network: Path, tmp_path: Path) -> None:
    config = tmp_path / "auditor.yaml"
    config.write_text(
        "suppressions:\n"
        "  - check: network_admin_port_open_to_world\n"
        "    resource: aws_security_group.bastion\n"
        "    reason: bastion is behind the VPN concentrator\n"
        "    expires: 2099-01-01\n"
        "  - check: network_ml_port_open_to_world\n"
        "    resource: aws_security_group.*\n"
        "    reason: demo period\n"
        "    expires: 2020-01-01\n"
    )
    out = tmp_path / "out"
    proc = auditor(str(network), "--config", str(config), "-f", "json", "-o", str(out), "--fail-on", "none", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = result_json(out)
    bastion = [f for f in result["findings"] if f["resource_id"] == "aws_security_group.bastion" and f["check_id"] == "network_admin_port_open_to_world"]
    assert bastion and all(f["status"] == "fail" and f["suppression"]["reason"] == "bastion is behind the VPN concentrator" for f in bastion)
    ml = [f for f in result["findings"] if f["check_id"] == "network_ml_port_open_to_world" and f["status"] == "fail"]
    assert ml and all(f.get("suppression") is None for f in ml)  # expired: no longer suppressing
    assert any("expired" in e["message"] and "network_ml_port_open_to_world" in e["message"] for e in result["collection_errors"])


def test_inline_ignore_and_ci_formats(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = auditor(str(PROJECTS / "cfn"), "-f", "json,sarif,junit,md", "-o", str(out), "--fail-on", "none", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = result_json(out)
    ignored = [f for f in result["findings"] if f["resource_id"] == "ml-stack.yaml#DataBucket" and f["check_id"] == "bucket_versioning_off"]
    assert ignored[0]["suppression"]["source"] == "inline"
    sarif = json.loads(next(out.glob("*.sarif")).read_text())
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    results = sarif["runs"][0]["results"]
    located = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert ("bucket_public_read", "ml-stack.yaml", 17) in located
    assert ("network_admin_port_open_to_world", "ml-stack.yaml", 97) in located
    assert all(r["partialFingerprints"] for r in results)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["properties"]["security-severity"] and r["help"]["text"] for r in rules)
    inline = [r for r in results if r["ruleId"] == "bucket_versioning_off"]
    assert inline and inline[0]["suppressions"][0]["kind"] == "inSource"
    junit = ET.parse(next(out.glob("*.xml")))
    assert junit.getroot().iter("testcase") is not None and any(True for _ in junit.getroot().iter("failure"))
    markdown = next(out.glob("*.md")).read_text()
    assert "bucket_public_read" in markdown or "Bucket is readable" in markdown


def test_missing_path_is_usage_error(tmp_path: Path) -> None:
    proc = auditor(str(tmp_path / "nope"), cwd=tmp_path)
    assert proc.returncode == 2


def test_a_folder_without_iac_files_is_reported_not_silently_green(tmp_path: Path) -> None:
    from auditor.collectors.base import CollectionSink
    from auditor.collectors.iac import IacCollector

    (tmp_path / "README.md").write_text("no infrastructure here\n")
    sink = CollectionSink()
    IacCollector([str(tmp_path)]).collect(sink)
    assert sink.resources == []
    assert [e.message for e in sink.errors] == [f"no Terraform or CloudFormation files found under {tmp_path}"]
    assert not sink.errors[0].incomplete
