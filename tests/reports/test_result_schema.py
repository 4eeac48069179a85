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
