"""What changed between two scans: new, resolved and still-open failures, and control regressions.

A failure here is an unsuppressed ``fail`` finding, matched across scans by fingerprint. A
control regresses when its status gets worse (pass → incomplete → fail).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from auditor.findings import Finding, Severity
from auditor.reports.text_escape import markdown_text as _md
from auditor.reports.text_escape import slack_text as _slack
from auditor.result import ScanResult

_CONTROL_RANK = {"pass": 2, "incomplete": 1, "fail": 0}


class ScanRef(BaseModel):
    id: str
    scope: str
    started: datetime
    digest: str = ""


class FindingChange(BaseModel):
    fingerprint: str
    check_id: str
    severity: Severity
    resource_id: str
    resource_name: str
    account: str | None = None
    region: str | None = None
    message: str = ""


class ControlChange(BaseModel):
    framework: str
    control_id: str
    title: str
    before: str
    after: str


class ScanDiff(BaseModel):
    old: ScanRef
    new: ScanRef
    new_findings: list[FindingChange] = Field(default_factory=list)
    resolved: list[FindingChange] = Field(default_factory=list)
    still_open: list[FindingChange] = Field(default_factory=list)
    regressions: list[ControlChange] = Field(default_factory=list)
    improvements: list[ControlChange] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new_findings),
            "resolved": len(self.resolved),
            "still_open": len(self.still_open),
            "regressions": len(self.regressions),
            "improvements": len(self.improvements),
        }


@dataclass(frozen=True)
class ScanView:
    """What a diff needs of one scan: its identity, its unsuppressed failures and its controls.

    Built from a ScanResult, or straight from result JSON without validating the whole document
    (a large estate's result is tens of MB; the diff reads only findings and controls)."""

    ref: ScanRef
    failing: dict[str, FindingChange]
    controls: dict[tuple[str, str], tuple[str, str]]  # (framework, control) -> (title, status)


def view_of(result: ScanResult) -> ScanView:
    return ScanView(
        ref=ScanRef(id=result.scan.id, scope=result.scan.scope, started=result.scan.started, digest=result.digest),
        failing={f.fingerprint: _change(f) for f in result.findings if f.active_failure},
        controls={(c.framework, c.control_id): (c.title, c.status) for c in result.controls},
    )


def view_of_json(data: Any, origin: str) -> ScanView:
    """A view of a result document already parsed with ``json.loads``."""
    try:
        scan = data["scan"]
        ref = ScanRef(id=scan["id"], scope=scan["scope"], started=scan["started"], digest=data.get("digest", ""))
        checks = data.get("checks") or {}  # schema 2: a finding states its severity only where it differs
        failing = {
            f["fingerprint"]: FindingChange(
                fingerprint=f["fingerprint"], check_id=f["check_id"],
                severity=Severity(f.get("severity") or checks[f["check_id"]]["severity"]),
                resource_id=f["resource_id"], resource_name=f.get("resource_name") or "",
                account=f.get("account"), region=f.get("region"), message=f.get("message") or "",
            )
            for f in data.get("findings") or []
            if f.get("status") == "fail" and not f.get("suppression")
        }
        controls = {
            (c["framework"], c["control_id"]): (c.get("title", ""), c["status"]) for c in data.get("controls") or []
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{origin}: not an auditor result ({type(exc).__name__}: {exc})") from exc
    return ScanView(ref=ref, failing=failing, controls=controls)


def _change(f: Finding) -> FindingChange:
    return FindingChange(
        fingerprint=f.fingerprint,
        check_id=f.check_id,
        severity=f.severity,
        resource_id=f.resource_id,
        resource_name=f.resource_name,
        account=f.account,
        region=f.region,
        message=f.message,
    )


def _order(items: list[FindingChange]) -> list[FindingChange]:
    return sorted(items, key=lambda c: (-c.severity.rank, c.check_id, c.resource_id))


def diff_views(old: ScanView, new: ScanView) -> ScanDiff:
    before, after = old.failing, new.failing
    regressions: list[ControlChange] = []
    improvements: list[ControlChange] = []
    for key, (title, status) in sorted(new.controls.items()):
        prev = old.controls.get(key)
        if prev is None or prev[1] not in _CONTROL_RANK or status not in _CONTROL_RANK:
            continue
        change = ControlChange(framework=key[0], control_id=key[1], title=title, before=prev[1], after=status)
        if _CONTROL_RANK[status] < _CONTROL_RANK[prev[1]]:
            regressions.append(change)
        elif _CONTROL_RANK[status] > _CONTROL_RANK[prev[1]]:
            improvements.append(change)
    return ScanDiff(
        old=old.ref,
        new=new.ref,
        new_findings=_order([c for fp, c in after.items() if fp not in before]),
        resolved=_order([c for fp, c in before.items() if fp not in after]),
        still_open=_order([c for fp, c in after.items() if fp in before]),
        regressions=regressions,
        improvements=improvements,
    )


def diff_results(old: ScanResult, new: ScanResult) -> ScanDiff:
    return diff_views(view_of(old), view_of(new))


# -- rendering ------------------------------------------------------------------------------
def to_json(diff: ScanDiff) -> str:
    data = diff.model_dump(mode="json")
    data["counts"] = diff.counts()
    return json.dumps(data, indent=2)


def _md_rows(items: list[FindingChange], limit: int) -> list[str]:
    lines = ["| severity | check | resource | account | region |", "|---|---|---|---|---|"]
    for c in items[:limit]:
        lines.append(
            f"| {c.severity.value} | `{c.check_id}` | {_md(c.resource_name or c.resource_id)} "
            f"| {_md(c.account or '')} | {_md(c.region or '')} |"
        )
    if len(items) > limit:
        lines.append(f"\n… and {len(items) - limit} more")
    return lines


def to_markdown(diff: ScanDiff, limit: int = 50) -> str:
    n = diff.counts()
    lines = [
        f"## Auditor: changes in {_md(diff.new.scope)}",
        "",
        f"Scan {_md(diff.new.id)} ({diff.new.started:%Y-%m-%d %H:%M} UTC) against "
        f"{_md(diff.old.id)} ({diff.old.started:%Y-%m-%d %H:%M} UTC).",
        "",
        f"**{n['new']} new**, **{n['resolved']} resolved**, {n['still_open']} still open; "
        f"{n['regressions']} control regressions.",
    ]
    for title, items in (("New failures", diff.new_findings), ("Resolved", diff.resolved)):
        if items:
            lines += ["", f"### {title}", "", *_md_rows(items, limit)]
    if diff.regressions:
        lines += ["", "### Control regressions", "", "| framework | control | before | after |", "|---|---|---|---|"]
        for r in diff.regressions:
            lines.append(f"| {_md(r.framework)} | {_md(r.control_id)} {_md(r.title)} | {r.before} | {r.after} |")
    return "\n".join(lines) + "\n"


def to_slack(diff: ScanDiff, limit: int = 10) -> dict[str, object]:
    """A Slack-compatible incoming-webhook payload: ``text`` plus a few mrkdwn blocks."""
    n = diff.counts()
    headline = (
        f"Auditor {_slack(diff.new.scope)}: {n['new']} new, {n['resolved']} resolved, "
        f"{n['still_open']} still open, {n['regressions']} control regressions"
    )
    blocks: list[dict[str, object]] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline}*"}}]
    for title, items in (("New failures", diff.new_findings), ("Resolved", diff.resolved)):
        if not items:
            continue
        body = "\n".join(
            f"• `{c.severity.value}` {_slack(c.check_id)}: {_slack(c.resource_name or c.resource_id)}" for c in items[:limit]
        )
        if len(items) > limit:
            body += f"\n… and {len(items) - limit} more"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{body}"}})
    return {"text": headline, "blocks": blocks}
