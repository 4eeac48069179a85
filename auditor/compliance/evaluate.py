"""Deriving control status from findings (the rule is in docs/frameworks.md).

fail if any mapped check fails, unsuppressed, on a resource in scope; else incomplete if any
result is unknown or error; else pass if results exist; else not assessed. Manual controls are
always manual (their supporting evidence is still attached). Partial controls carry their
technical status plus ``needs_attestation``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from itertools import chain, islice
from typing import Any

from auditor.compliance.model import Control, Framework
from auditor.compliance.scope import Scope
from auditor.findings import Finding, Status
from auditor.resources import Resource
from auditor.result import ControlEvidence, ControlResult, FrameworkSummary

# Evidence items kept per control and bucket (failing, unknown/error, suppressed, passing). The
# counts stay exact; the HTML report's findings explorer shows every finding of a control.
EVIDENCE_LIMIT = 100

STATUS_ORDER = ("fail", "incomplete", "pass", "not_assessed", "manual")


def _bucket(finding: Finding) -> str:
    if finding.status == Status.FAIL:
        return "suppressed" if finding.suppressed else "fail"
    return finding.status.value


def control_status(control: Control, counts: Mapping[str, int]) -> str:
    if control.kind == "manual":
        return "manual"
    if counts.get("fail", 0):
        return "fail"
    if counts.get("unknown", 0) or counts.get("error", 0):
        return "incomplete"
    if sum(counts.values()):
        return "pass"
    return "not_assessed"


class CheckTally:
    """One check's findings counted by outcome and grouped for evidence, computed once per scope
    so that a check shared by many controls is not walked again for each of them."""

    __slots__ = ("counts", "groups")

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.groups: dict[str, list[Finding]] = defaultdict(list)

    def add(self, finding: Finding) -> None:
        bucket = _bucket(finding)
        self.counts[bucket] += 1
        self.groups["problem" if bucket in ("unknown", "error") else bucket].append(finding)


def tally(findings: Sequence[Finding]) -> dict[str, CheckTally]:
    tallies: dict[str, CheckTally] = defaultdict(CheckTally)
    for finding in findings:
        tallies[finding.check_id].add(finding)
    return tallies


def evaluate_control(
    framework: Framework, control: Control, findings: Sequence[Finding] | Mapping[str, CheckTally]
) -> ControlResult:
    tallies = findings if isinstance(findings, Mapping) else tally(findings)
    mine = [tallies[c] for c in control.checks if c in tallies]
    counts: Counter[str] = Counter()
    for t in mine:
        counts.update(t.counts)
    evidence: list[ControlEvidence] = []
    omitted = 0
    for group in ("fail", "problem", "suppressed", "pass"):
        total = sum(len(t.groups.get(group, ())) for t in mine)
        items = list(islice(chain.from_iterable(t.groups.get(group, ()) for t in mine), EVIDENCE_LIMIT))
        omitted += total - len(items)
        evidence.extend(
            ControlEvidence(
                check_id=f.check_id,
                resource_id=f.resource_id,
                status=f.status,
                message=f.message,
                fingerprint=f.fingerprint,
                suppressed=f.suppressed,
            )
            for f in items
        )
    return ControlResult(
        framework=framework.framework,
        control_id=control.id,
        ref=control.ref,
        title=control.title,
        section=control.section,
        kind=control.kind,
        status=control_status(control, counts),  # type: ignore[arg-type]
        needs_attestation=control.kind == "partial",
        checks=list(control.checks),
        counts=dict(sorted(counts.items())),
        evidence=evidence,
        intent=control.intent,
        evidence_omitted=omitted,
    )


def summarize(framework: Framework, results: Sequence[ControlResult], scope: Scope, in_scope: int) -> FrameworkSummary:
    """Score = passed / judged (technical and partial controls that have results); incomplete
    counts against it, never for it. Coverage = controls with results / all controls, so manual
    and unassessed controls always show as the uncovered part."""
    by_status: Counter[str] = Counter(str(r.status) for r in results)
    judged = [r for r in results if r.kind != "manual" and r.status in ("pass", "fail", "incomplete")]
    passed = sum(1 for r in judged if r.status == "pass")
    return FrameworkSummary(
        id=framework.framework,
        name=framework.name,
        version=framework.version,
        scope=scope.describe(),
        score=round(passed / len(judged), 4) if judged else None,
        coverage=round(len(judged) / len(results), 4) if results else None,
        counts={s: by_status.get(s, 0) for s in STATUS_ORDER},
        resources_in_scope=in_scope,
    )


def evaluate_frameworks(
    frameworks: Sequence[Framework],
    findings: Sequence[Finding],
    resources: Sequence[Resource],
    scopes: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[list[ControlResult], list[FrameworkSummary]]:
    scopes = scopes or {}
    controls: list[ControlResult] = []
    summaries: list[FrameworkSummary] = []
    everything: dict[str, CheckTally] | None = None  # shared by every unscoped framework
    for framework in frameworks:
        scope = Scope.from_config(framework.framework, scopes.get(framework.framework))
        if scope.everything:
            scoped = list(findings)
            in_scope = len(resources)
        else:
            ids = scope.select(resources)
            scoped = [f for f in findings if f.resource_id in ids]
            in_scope = len(ids)
        if scope.everything:
            if everything is None:
                everything = tally(scoped)
            tallies = everything
        else:
            tallies = tally(scoped)
        results = [evaluate_control(framework, control, tallies) for control in framework.controls]
        controls.extend(results)
        summaries.append(summarize(framework, results, scope, in_scope))
    return controls, summaries
