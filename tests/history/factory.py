"""Build scan results for history tests: real ScanResult models, findings chosen by the test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from auditor.findings import Finding, Severity, Status, Suppression, fingerprint
from auditor.result import ControlResult, ScanMeta, ScanResult, ToolInfo

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def finding(check: str, resource: str, status: Status = Status.FAIL, severity: Severity = Severity.HIGH,
            suppressed: bool = False) -> Finding:
    return Finding(
        check_id=check,
        title=f"{check} title",
        severity=severity,
        status=status,
        message=f"{check} on {resource}",
        resource_id=resource,
        resource_kind="bucket",
        resource_name=resource.rsplit(":", 1)[-1],
        provider="aws",
        cloud="aws",
        account="111111111111",
        region="us-east-1",
        suppression=Suppression(check=check, reason="accepted risk") if suppressed else None,
        fingerprint=fingerprint(check, resource),
    )


def control(cid: str, status: str) -> ControlResult:
    return ControlResult(framework="gdpr", control_id=cid, title=f"control {cid}", kind="technical", status=status)  # type: ignore[arg-type]


def scan(findings: list[Finding], *, scope: str = "aws-111111111111", day: int = 0,
         controls: list[ControlResult] | None = None, scan_id: str | None = None) -> ScanResult:
    started = T0 + timedelta(days=day)
    return ScanResult(
        tool=ToolInfo(version="0.1.0"),
        scan=ScanMeta(
            id=scan_id or str(uuid.uuid4()),
            started=started,
            finished=started + timedelta(seconds=5),
            duration_seconds=5.0,
            sources=["aws"],
            scope=scope,
        ),
        findings=findings,
        controls=controls or [],
    ).with_digest()
