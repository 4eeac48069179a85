"""docs/result-schema.json is generated from the model, in sync, and real results validate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import scan_builder

from auditor.result import SCHEMA_VERSION, ScanResult

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "docs" / "result-schema.json"


def test_schema_file_in_sync() -> None:
    proc = subprocess.run([sys.executable, "scripts/gen_result_schema.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert SCHEMA_VERSION in json.loads(SCHEMA.read_text())["title"]


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_real_results_validate(result: ScanResult, tmp_path: Path) -> None:
    validator = _validator()
    for res in (result, scan_builder.build(5, hostile=False, frameworks=["hipaa"],
                                           scopes={"hipaa": {"tags": {"data-classification": "phi"}}})):
        doc = json.loads(res.to_json())
        validator.validate(doc)
        assert ScanResult.model_validate(doc).verify_digest()


def test_schema_rejects_a_broken_result(result: ScanResult) -> None:
    doc = json.loads(result.to_json())
    doc["controls"][0]["status"] = "mostly-fine"
    errors = list(_validator().iter_errors(doc))
    assert errors and "mostly-fine" in errors[0].message


def test_cli_scan_with_real_checks_validates(tmp_path: Path) -> None:
    """`auditor evaluate` with the built-in checks writes every format; the JSON and SARIF validate."""
    from click.testing import CliRunner

    from auditor.cli.main import cli
    from auditor.result import InventoryFile, inventory_to_list

    inv = tmp_path / "inventory.json"
    inv.write_text(InventoryFile(sources=["aws", "iac"], scope="mixed",
                                 inventory=inventory_to_list(scan_builder.resources(8))).model_dump_json())
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["evaluate", str(inv), "--format", "html,json,sarif,junit,csv,md",
                                   "--output-dir", str(out), "--fail-on", "none", "--quiet"])
    assert res.exit_code == 0, res.output
    files = {p.suffix: p for p in out.iterdir()}
    doc = json.loads(files[".json"].read_text())
    _validator().validate(doc)
    assert doc["findings"] and doc["controls"] and {f["id"] for f in doc["frameworks"]} >= {"gdpr", "hipaa", "ccpa"}
    sarif = json.loads(files[".sarif"].read_text())
    schema = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(sarif)
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/storage.tf"
               for r in sarif["runs"][0]["results"])
