"""SARIF 2.1.0 for code-scanning services. Only findings with a file location are included:
those services reject results that point at no file, so live and network findings go to the
other formats. Failures become results; suppressed failures carry their suppression.

Each result's level is its finding's own severity; each rule carries the check's reference URLs
(``helpUri`` is the first). ``invocations`` says whether the scan read everything it was asked
to (``executionSuccessful``) and lists every collection error as a notification."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from auditor.findings import Finding, Severity, Status
from auditor.reports.text_escape import link_urls, markdown_text
from auditor.result import CheckInfo, ScanResult
from auditor.result_stream import catalog_of

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


def _rule(check_id: str, info: CheckInfo, findings: list[Finding]) -> dict[str, Any]:
    """One rule per check. Its security-severity is the highest of its results' own severities,
    so a critical CVE reported by a check rated high is never ranked below critical."""
    controls = [f"{fw}:{c}" for fw, ids in sorted(info.controls.items()) for c in ids]
    worst = max((f.severity for f in findings), key=lambda s: s.rank, default=info.severity)
    help_text = info.remediation or info.title
    refs = link_urls(info.references)
    help_markdown = f"**{markdown_text(info.title)}**\n\n{markdown_text(help_text)}"
    if refs:
        help_text += "\n\nReferences:\n" + "\n".join(refs)
        help_markdown += "\n\nReferences:\n\n" + "\n".join(f"- <{u}>" for u in refs)
    rule: dict[str, Any] = {
        "id": check_id,
        "name": "".join(part.capitalize() for part in check_id.split("_")),
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.description or info.title},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": LEVEL[info.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[worst],
            "problem.severity": "error" if worst.rank >= Severity.HIGH.rank else "warning",
            "tags": ["security", *sorted({f.resource_kind for f in findings}), *controls],
        },
    }
    if refs:
        rule["helpUri"] = refs[0]
    return rule


def _invocation(result: ScanResult) -> dict[str, Any]:
    """How the run went. A scan that could not read a whole source is not a successful execution,
    so code scanning does not take its empty result list for a clean run; every collection error
    travels as a notification."""
    errors = list(result.collection_errors)
    failed = result.scan.incomplete or any(e.incomplete for e in errors)
    notifications = []
    for e in errors:
        where = ", ".join(
            f"{k} {v}" for k, v in (("account", e.account), ("region", e.region), ("resource", e.resource), ("file", e.path)) if v
        )
        note: dict[str, Any] = {
            "level": "error" if e.incomplete else "warning",
            "message": {"text": f"{e.source}: {e.message}" + (f" ({where})" if where else "")},
            "descriptor": {"id": "collection-incomplete" if e.incomplete else "collection-error"},
            "properties": {"source": e.source, "operation": e.operation or "", "incomplete": e.incomplete},
        }
        if e.path:
            region = {"startLine": max(1, e.line or 1)}
            note["locations"] = [
                {"physicalLocation": {"artifactLocation": {"uri": e.path, "uriBaseId": "%SRCROOT%"}, "region": region}}
            ]
        notifications.append(note)
    return {
        "executionSuccessful": not failed,
        "startTimeUtc": _utc(result.scan.started),
        "endTimeUtc": _utc(result.scan.finished),
        "toolExecutionNotifications": notifications,
    }


def _utc(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


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
        "properties": {
            "severity": finding.severity.value,
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "resourceKind": finding.resource_kind,
        },
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
    by_check: dict[str, list[Finding]] = {}
    for finding in located:
        by_check.setdefault(finding.check_id, []).append(finding)
    catalog = catalog_of(result)
    rules = [_rule(check_id, catalog[check_id], findings) for check_id, findings in by_check.items()]
    index = {check_id: i for i, check_id in enumerate(by_check)}
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
                "invocations": [_invocation(result)],
                "automationDetails": {"id": f"auditor/{result.scan.scope}/{result.scan.id}"},
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the scanned directory"}}},
                "results": [_result(f, index[f.check_id]) for f in located],
                "properties": {"resultDigest": result.digest, "checkCatalogVersion": result.scan.check_catalog_version},
            }
        ],
    }


def render(result: ScanResult) -> str:
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"
