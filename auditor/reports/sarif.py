"""SARIF 2.1.0 for code-scanning services. Only findings with a file location are included:
those services reject results that point at no file, so live and network findings go to the
other formats. Failures become results; suppressed failures carry their suppression."""

from __future__ import annotations

import json
from typing import Any

from auditor.findings import Finding, Severity, Status
from auditor.result import ScanResult

EXTENSION = ".sarif"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

# GitHub buckets security-severity: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _rule(finding: Finding) -> dict[str, Any]:
    controls = [f"{fw}:{c}" for fw, ids in sorted(finding.controls.items()) for c in ids]
    help_text = finding.remediation or finding.title
    return {
        "id": finding.check_id,
        "name": "".join(part.capitalize() for part in finding.check_id.split("_")),
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": finding.title},
        "help": {"text": help_text, "markdown": f"**{finding.title}**\n\n{help_text}"},
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "problem.severity": "error" if finding.severity.rank >= Severity.HIGH.rank else "warning",
            "tags": ["security", finding.resource_kind, *controls],
        },
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(1, finding.line or 1)}
    out: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": f"{finding.resource_name}: {finding.message or finding.title}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                    "region": region,
                },
                "logicalLocations": [{"name": finding.resource_name, "fullyQualifiedName": finding.resource_id}],
            }
        ],
        "partialFingerprints": {"auditorFingerprint/v1": finding.fingerprint},
        "properties": {"severity": finding.severity.value, "resourceKind": finding.resource_kind},
    }
    if finding.suppression is not None:
        s = finding.suppression
        justification = s.reason + (f" (expires {s.expires.isoformat()})" if s.expires else "")
        out["suppressions"] = [{"kind": "inSource" if s.source == "inline" else "external", "justification": justification}]
    return out


def to_sarif(result: ScanResult) -> dict[str, Any]:
    located = sorted(
        (f for f in result.findings if f.path and f.status == Status.FAIL),
        key=lambda f: (f.check_id, f.path or "", f.line or 0, f.resource_id),
    )
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for finding in located:
        if finding.check_id not in index:
            index[finding.check_id] = len(rules)
            rules.append(_rule(finding))
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": result.tool.name,
                        "version": result.tool.version,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"auditor/{result.scan.scope}/{result.scan.id}"},
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the scanned directory"}}},
                "results": [_result(f, index[f.check_id]) for f in located],
                "properties": {"resultDigest": result.digest, "checkCatalogVersion": result.scan.check_catalog_version},
            }
        ],
    }


def render(result: ScanResult) -> str:
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"
