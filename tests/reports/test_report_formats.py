"""SARIF, JUnit, CSV and Markdown from a real scan result."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import scan_builder

from auditor.findings import Status
from auditor.reports import parse_formats, render, write_reports
from auditor.result import ScanResult

SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"  # the official OASIS schema


def _sarif_schema() -> dict:
    return json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))


def test_sarif_validates_and_carries_only_located_failures(result: ScanResult) -> None:
    doc = json.loads(render(result, "sarif"))
    jsonschema.Draft7Validator(_sarif_schema()).validate(doc)
    run = doc["runs"][0]
    located_fails = [f for f in result.findings if f.path and f.status == Status.FAIL]
    assert located_fails, "the fixture must include IaC failures"
    assert len(run["results"]) == len(located_fails)
    assert any(f.status == Status.FAIL and not f.path for f in result.findings)  # live ones exist, left out
    for res in run["results"]:
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "infra/storage.tf"
        assert loc["region"]["startLine"] >= 1
        assert len(res["partialFingerprints"]["auditorFingerprint/v1"]) == 32
        rule = run["tool"]["driver"]["rules"][res["ruleIndex"]]
        assert rule["id"] == res["ruleId"]
        assert rule["help"]["text"]
        assert float(rule["properties"]["security-severity"]) > 0


def test_sarif_marks_suppressed(tmp_path: Path) -> None:
    # suppress every IaC bucket_public_read failure through the config and check SARIF says so
    from auditor.config import AuditorConfig, SuppressionRule
    from auditor.pipeline import ScanOptions, evaluate_resources

    rule = SuppressionRule(check="bucket_public_read", resource="aws_s3_bucket.*", reason="public website")
    options = ScanOptions(config=AuditorConfig(suppressions=[rule]))
    from datetime import UTC, datetime

    res = evaluate_resources(scan_builder.resources(8), [], {}, sources=["iac"], scope="iac", options=options,
                             started=datetime.now(UTC), registry=scan_builder.registry())
    doc = json.loads(render(res, "sarif"))
    jsonschema.Draft7Validator(_sarif_schema()).validate(doc)
    suppressed = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "bucket_public_read"]
    assert suppressed and all(r["suppressions"][0]["justification"] == "public website" for r in suppressed)


def test_junit_structure(result: ScanResult) -> None:
    root = ET.fromstring(render(result, "junit"))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {f.check_id for f in result.findings}
    total = sum(int(s.get("tests")) for s in suites.values())
    assert total == len(result.findings) == int(root.get("tests"))
    active = sum(1 for f in result.findings if f.active_failure)
    assert int(root.get("failures")) == active == len(root.findall(".//failure"))
    skipped = root.findall(".//skipped")
    assert any("suppressed until 2099-12-31: archive bucket" in s.get("message") for s in skipped)
    assert any(s.get("message").startswith("unknown:") for s in skipped)
    names = [c.get("name") for c in root.iter("testcase")]
    assert scan_builder.XSS_NAME in names  # escaped by the XML writer, read back intact


def test_junit_error_for_raising_check() -> None:
    from datetime import UTC, datetime

    from auditor.pipeline import ScanOptions, evaluate_resources
    from auditor.registry import Registry, check
    from auditor.resources import Bucket

    @check(id="bucket_access_logging_off", severity="medium", title="t", remediation="r", description="d")
    def broken(bucket: Bucket):
        raise KeyError("boom")

    reg = Registry()
    reg.add(broken, "test")
    res = evaluate_resources(scan_builder.resources(2, hostile=False), [], {}, sources=["t"], scope="t",
                             options=ScanOptions(), started=datetime.now(UTC), registry=reg)
    root = ET.fromstring(render(res, "junit"))
    errors = root.findall(".//error")
    assert len(errors) == 2 and root.get("errors") == "2"
    assert "KeyError" in errors[0].get("message")


def test_csv_one_row_per_finding_and_control(result: ScanResult) -> None:
    rows = list(csv.DictReader(io.StringIO(render(result, "csv"))))
    expected = sum(max(1, sum(len(ids) for ids in f.controls.values())) for f in result.findings)
    assert len(rows) == expected
    hostile = [r for r in rows if "pwned" in r["resource_name"]]
    assert hostile and hostile[0]["resource_name"] == scan_builder.XSS_NAME
    assert {r["framework"] for r in rows} >= {"gdpr", "hipaa", "ccpa"}
    suppressed = [r for r in rows if r["suppressed"] == "yes"]
    assert suppressed and suppressed[0]["suppression_expires"] == "2099-12-31"


def test_csv_neutralises_formulas() -> None:
    from auditor.reports.text_escape import csv_cell as _cell

    assert _cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert _cell("-1+2") == "'-1+2"
    assert _cell("plain") == "plain"


def test_markdown_is_short_and_escaped(result: ScanResult) -> None:
    text = render(result, "md")
    assert len(text) < 60_000
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "Since the baseline" in text and f"{len(result.changes.new)} new" in text
    assert "| critical | high | medium | low | info |" in text
    assert "…and" in text  # the top list is cut with a note


def test_markdown_truncates_huge_results(tmp_path: Path) -> None:
    big = scan_builder.build(3000, hostile=False)
    text = render(big, "md")
    assert len(text) <= 60_000


def test_write_reports_all_formats(result: ScanResult, tmp_path: Path) -> None:
    paths = write_reports(result, parse_formats(["html,json,sarif,junit,csv,md"]), output_dir=tmp_path)
    assert sorted(p.suffix for p in paths) == sorted([".html", ".json", ".sarif", ".xml", ".csv", ".md"])
    again = write_reports(result, ["md"], output_dir=tmp_path)
    assert again[0] not in paths  # never overwrites an earlier scan's file


def test_report_command_renders_saved_result(result: ScanResult, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from auditor.cli.main import cli

    saved = tmp_path / "result.json"
    saved.write_text(result.to_json(), encoding="utf-8")
    out = CliRunner().invoke(cli, ["report", str(saved), "--format", "html,csv,md", "--output-dir", str(tmp_path / "out")])
    assert out.exit_code == 0, out.output
    produced = sorted(p.suffix for p in (tmp_path / "out").iterdir())
    assert produced == [".csv", ".html", ".md"]


@pytest.mark.parametrize("fmt", ["html", "csv", "md", "junit", "sarif"])
def test_empty_result_renders(fmt: str) -> None:
    from datetime import UTC, datetime

    from auditor.pipeline import ScanOptions, evaluate_resources

    res = evaluate_resources([], [], {}, sources=["t"], scope="empty", options=ScanOptions(),
                             started=datetime.now(UTC), registry=scan_builder.registry())
    assert render(res, fmt)


def test_csv_cells_never_split_rows_or_start_formulas() -> None:
    """A bucket named with a CR before a formula: folded to one line first, then disarmed."""
    from datetime import UTC, datetime

    from auditor.pipeline import ScanOptions, evaluate_resources
    from auditor.resources import Bucket, Ref

    names = ["\r=cmd|' /C calc'!A0", "ok\n=1+1", "x\u2028@SUM(A1)", " \t+1", "\uff1dcmd()", "-2\r\n-3"]
    buckets = [
        Bucket(ref=Ref(provider="aws", cloud="aws", account="111122223333", region="us-east-1", id=f"arn:aws:s3:::b{i}",
                       name=name), tags={"owner": name}, public_read=True, encryption="none", versioning=False)
        for i, name in enumerate(names)
    ]
    res = evaluate_resources(buckets, [], {}, sources=["aws"], scope="aws", options=ScanOptions(),
                             started=datetime.now(UTC), registry=scan_builder.registry())
    text = render(res, "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + sum(max(1, sum(len(ids) for ids in f.controls.values())) for f in res.findings)
    # every physical line is one whole row: no reader that splits on any line break sees more
    assert len(text.splitlines()) == len(rows)
    formula = ("=", "+", "-", "@", "\uff1d")
    for row in rows:
        for cell in row:
            assert not cell.lstrip().startswith(formula), cell
    named = [r for r in rows[1:] if r[COLUMN_NAME] == "'= cmd|' /C calc'!A0" or r[COLUMN_NAME] == "'=cmd|' /C calc'!A0"]
    assert named, "the hostile name is kept, disarmed"


COLUMN_NAME = 10  # resource_name
