"""SARIF that code scanning cannot misread: reference URLs on rules, the finding's own severity,
and ``invocations`` that mark a scan which could not read everything as unsuccessful. Every
document is validated against the official SARIF 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import scan_builder

from auditor.findings import Severity, Status
from auditor.reports import render
from auditor.result import CheckInfo, ScanResult

SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
REFS = ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        "https://cloud.google.com/storage/docs/public-access-prevention"]


def _sarif(result: ScanResult) -> dict:
    doc = json.loads(render(result, "sarif"))
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(doc)
    return doc


def _with_references(result: ScanResult) -> ScanResult:
    first = next(f for f in result.findings if f.check_id == "bucket_public_read")
    info = CheckInfo(title=first.title, description="Anyone on the internet can list and read the objects.",
                     remediation=first.remediation, references=REFS, severity=Severity.CRITICAL, controls=first.controls)
    return result.model_copy(update={"checks": {**result.checks, "bucket_public_read": info}})


def test_rules_carry_reference_urls() -> None:
    run = _sarif(_with_references(scan_builder.build(8)))["runs"][0]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "bucket_public_read")
    assert rule["helpUri"] == REFS[0]
    assert all(url in rule["help"]["text"] and url in rule["help"]["markdown"] for url in REFS)
    assert rule["fullDescription"]["text"] == "Anyone on the internet can list and read the objects."


def test_incomplete_scan_is_not_a_successful_execution() -> None:
    result = scan_builder.build(8)  # an AccessDenied on one bucket and a whole GCP project unreadable
    [invocation] = _sarif(result)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [(n["level"], n["properties"]["source"]) for n in notes] == [("warning", "aws"), ("error", "gcp")]
    assert "project ml-other not listable" in notes[1]["message"]["text"]
    assert "arn:aws:s3:::training-data-00002" in notes[0]["message"]["text"]

    clean = result.model_copy(update={"collection_errors": [], "scan": result.scan.model_copy(update={"incomplete": False})})
    [invocation] = _sarif(clean)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True and invocation["toolExecutionNotifications"] == []


def test_incomplete_flag_alone_fails_the_execution() -> None:
    result = scan_builder.build(8)
    only_flag = result.model_copy(update={"collection_errors": [], "scan": result.scan.model_copy(update={"incomplete": True})})
    assert _sarif(only_flag)["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_levels_and_security_severity_follow_each_finding() -> None:
    result = scan_builder.build(16)  # two Terraform buckets fail bucket_public_read
    located = [f for f in result.findings if f.path and f.status == Status.FAIL and f.check_id == "bucket_public_read"]
    assert len(located) >= 2
    low, critical = located[0].fingerprint, located[1].fingerprint
    weights = {low: Severity.LOW, critical: Severity.CRITICAL}
    findings = [f.model_copy(update={"severity": weights[f.fingerprint]}) if f.fingerprint in weights else f
                for f in result.findings]
    run = _sarif(result.model_copy(update={"findings": findings}))["runs"][0]
    by_fp = {r["partialFingerprints"]["auditorFingerprint/v1"]: r for r in run["results"]}
    assert by_fp[low]["level"] == "note" and by_fp[critical]["level"] == "error"
    assert by_fp[critical]["properties"]["security-severity"] == "9.5"
    rule = run["tool"]["driver"]["rules"][by_fp[critical]["ruleIndex"]]
    assert rule["id"] == "bucket_public_read"
    assert rule["properties"]["security-severity"] == "9.5"  # never ranked below its worst result
