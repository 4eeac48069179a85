"""Deriving control status from findings (the rule is in docs/frameworks.md).

fail if any mapped check fails, unsuppressed, on a resource in scope; else incomplete if any
result is unknown or error; else pass if results exist; else not assessed. Manual controls are
always manual (their supporting evidence is still attached). Partial controls carry their
technical status plus ``needs_attestation``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, islice
from typing import Any

from auditor.compliance.model import Control, Framework
from auditor.compliance.scope import Scope, _account_wide
from auditor.findings import Finding, Status
from auditor.resources import Resource
from auditor.result import ControlEvidence, ControlResult, FrameworkSummary

# Evidence items kept per control and bucket (failing, unknown/error, suppressed, passing). The
# counts stay exact; the CSV and JSON exports list every finding of a control.
EVIDENCE_LIMIT = 100

STATUS_ORDER = ("fail", "incomplete", "pass", "not_assessed", "manual")


def bucket_of(status: str, suppressed: bool) -> str:
    """A result's bucket: its status, with suppressed failures apart (stored findings use it too)."""
    if status == Status.FAIL.value:
        return "suppressed" if suppressed else "fail"
    return status


def _bucket(finding: Finding) -> str:
    return bucket_of(finding.status._value_, finding.suppression is not None)  # no descriptor calls: hot


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
    """One check's findings counted by outcome, with the first EVIDENCE_LIMIT of each evidence
    group kept: a fold over the findings stream, computed once per scope so that a check shared
    by many controls is not walked again for each of them."""

    __slots__ = ("counts", "group_counts", "groups")

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.group_counts: Counter[str] = Counter()
        self.groups: dict[str, list[Finding]] = defaultdict(list)

    def add(self, finding: Finding) -> None:
        group = self.add_count(_bucket(finding), 1)
        kept = self.groups[group]
        if len(kept) < EVIDENCE_LIMIT:
            kept.append(finding)

    def add_count(self, bucket: str, n: int) -> str:
        """Count n results of a bucket without evidence (counts aggregated in the store); returns
        the bucket's evidence group."""
        self.counts[bucket] += n
        group = "problem" if bucket in ("unknown", "error") else bucket
        self.group_counts[group] += n
        return group


def tally(findings: Iterable[Finding]) -> dict[str, CheckTally]:
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
        total = sum(t.group_counts.get(group, 0) for t in mine)
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
    return control_result(framework, control, counts, evidence, omitted)


def control_result(
    framework: Framework, control: Control, counts: Mapping[str, int],
    evidence: Sequence[ControlEvidence] = (), omitted: int = 0,
) -> ControlResult:
    """A control's result from its counts by bucket (the status and passing share follow from
    them; counts add up across scans, so stored counts can be judged again)."""
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
        evidence=list(evidence),
        intent=control.intent,
        evidence_omitted=omitted,
        passing_share=None if control.kind == "manual" else passing_share(counts),
    )


def passing_share(counts: Mapping[str, int]) -> float | None:
    """pass / (pass + fail + unknown + error): suppressed failures are outside it, as they are
    outside the strict status; what could not be judged counts against it, never for it."""
    judged = sum(counts.get(k, 0) for k in ("pass", "fail", "unknown", "error"))
    return round(counts.get("pass", 0) / judged, 4) if judged else None


def summarize(framework: Framework, results: Sequence[ControlResult], scope: Scope, in_scope: int) -> FrameworkSummary:
    """Score = passed / judged (technical and partial controls that have results); incomplete
    counts against it, never for it. Graded score = the judged controls' mean passing share. Coverage = controls with results / all controls, so manual
    and unassessed controls always show as the uncovered part."""
    by_status: Counter[str] = Counter(str(r.status) for r in results)
    judged = [r for r in results if r.kind != "manual" and r.status in ("pass", "fail", "incomplete")]
    passed = sum(1 for r in judged if r.status == "pass")
    shares = [r.passing_share for r in judged if r.passing_share is not None]
    return FrameworkSummary(
        id=framework.framework,
        name=framework.name,
        version=framework.version,
        scope=scope.describe(),
        score=round(passed / len(judged), 4) if judged else None,
        graded_score=round(sum(shares) / len(shares), 4) if shares else None,
        coverage=round(len(judged) / len(results), 4) if results else None,
        counts={s: by_status.get(s, 0) for s in STATUS_ORDER},
        resources_in_scope=in_scope,
    )


class ComplianceFold:
    """Control results as a fold over the scan: each resource is offered once (``resource``),
    then its findings (``add``). Scoped frameworks keep their own tallies; an account-wide
    resource's findings wait for the end, when it is known whether its account holds an
    in-scope resource."""

    def __init__(self, frameworks: Sequence[Framework], scopes: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        scopes = scopes or {}
        self.frameworks = list(frameworks)
        self.scopes = {f.framework: Scope.from_config(f.framework, scopes.get(f.framework)) for f in self.frameworks}
        self.everything: dict[str, CheckTally] = defaultdict(CheckTally)
        self.scoped: dict[str, dict[str, CheckTally]] = {
            fid: defaultdict(CheckTally) for fid, scope in self.scopes.items() if not scope.everything
        }
        self.resources = 0
        self.in_scope: Counter[str] = Counter()
        self.accounts_in_scope: dict[str, set[str]] = defaultdict(set)
        self.waiting: dict[str, list[tuple[Resource, list[Finding]]]] = defaultdict(list)
        self._current: list[str] = []  # scoped frameworks the current resource belongs to
        self._deferred: list[tuple[str, Resource, list[Finding]]] = []

    def resource(self, resource: Resource) -> None:
        self.resources += 1
        self._current = []
        self._deferred = []
        for fid in self.scoped:
            scope = self.scopes[fid]
            if scope.select([resource]):
                self._current.append(fid)
                self.in_scope[fid] += 1
                if resource.ref.account:
                    self.accounts_in_scope[fid].add(resource.ref.account)
            elif scope.tags and _account_wide(resource) and scope._account_ok(resource):
                entry: tuple[Resource, list[Finding]] = (resource, [])
                self.waiting[fid].append(entry)
                self._deferred.append((fid, *entry))

    def add(self, finding: Finding) -> None:
        self.everything[finding.check_id].add(finding)
        for fid in self._current:
            self.scoped[fid][finding.check_id].add(finding)
        for _fid, _res, held in self._deferred:
            held.append(finding)

    def results(self) -> tuple[list[ControlResult], list[FrameworkSummary]]:
        for fid, entries in self.waiting.items():
            for resource, held in entries:
                if resource.ref.account in self.accounts_in_scope[fid]:
                    self.in_scope[fid] += 1
                    for finding in held:
                        self.scoped[fid][finding.check_id].add(finding)
        controls: list[ControlResult] = []
        summaries: list[FrameworkSummary] = []
        for framework in self.frameworks:
            fid = framework.framework
            scope = self.scopes[fid]
            tallies = self.everything if scope.everything else self.scoped[fid]
            in_scope = self.resources if scope.everything else self.in_scope[fid]
            results = [evaluate_control(framework, control, tallies) for control in framework.controls]
            controls.extend(results)
            summaries.append(summarize(framework, results, scope, in_scope))
        return controls, summaries


def evaluate_frameworks(
    frameworks: Sequence[Framework],
    findings: Sequence[Finding],
    resources: Sequence[Resource],
    scopes: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[list[ControlResult], list[FrameworkSummary]]:
    fold = ComplianceFold(frameworks, scopes)
    by_resource: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_resource[finding.resource_id].append(finding)
    for resource in resources:
        fold.resource(resource)
        for finding in by_resource.pop(resource.ref.id, ()):
            fold.add(finding)
    for orphans in by_resource.values():  # findings whose resource is not in the list: judged unscoped
        fold._current, fold._deferred = [], []
        for finding in orphans:
            fold.add(finding)
    return fold.results()
