"""The scan result: the one artifact every report, diff and re-evaluation derives from.

Its JSON Schema is generated from these models into ``docs/result-schema.json``; a test keeps the
two in step. Later features extend it compatibly: new optional fields, never renamed ones.
Bump ``SCHEMA_VERSION``'s minor for additions and its major for anything incompatible.

Version 2 carries each check's metadata once, in ``checks``; findings refer to it by id. The file
is written as a stream (``auditor.result_stream``): inventory items and findings one per line, so
no step of a large scan needs all of them in memory. Version-1 files are converted on load.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from auditor.collectors.base import CollectionError
from auditor.findings import Finding, Severity, Status
from auditor.resources import Resource, resource_from_dict, resource_to_dict

SCHEMA_VERSION = "2.1"


class ToolInfo(BaseModel):
    name: str = "auditor"
    version: str


class ScanMeta(BaseModel):
    id: str
    started: datetime
    finished: datetime
    duration_seconds: float
    sources: list[str] = Field(description="aws, gcp, azure, iac, endpoints, files, inventory")
    scope: str = Field(description="short description of what was scanned, e.g. aws-123456789012")
    command: str = ""
    ran_by: str = Field(default="", description="user@host that ran the scan")
    config_hash: str = Field(default="", description="SHA-256 of the effective configuration")
    check_catalog_version: str = ""
    checks_run: list[str] = Field(default_factory=list)
    frameworks: dict[str, str] = Field(default_factory=dict, description="framework id -> version")
    advisory_data_date: str | None = None
    api_calls: dict[str, int] = Field(default_factory=dict)
    api_calls_total: int = 0
    incomplete: bool = False


class CheckInfo(BaseModel):
    """One check's metadata, stated once per result; findings refer to it by ``check_id``."""

    title: str
    description: str = ""
    remediation: str = ""
    references: list[str] = Field(default_factory=list)
    severity: Severity = Field(description="the check's severity in this scan (after overrides); a finding may carry its own")
    controls: dict[str, list[str]] = Field(default_factory=dict, description="framework id -> control ids")


class ControlEvidence(BaseModel):
    check_id: str
    resource_id: str
    status: Status
    message: str = ""
    fingerprint: str
    suppressed: bool = Field(default=False, description="a suppressed failure: shown, but it does not fail the control")


class ControlResult(BaseModel):
    framework: str
    control_id: str
    ref: str = ""
    title: str
    section: str = ""
    kind: Literal["technical", "partial", "manual"]
    status: Literal["fail", "incomplete", "pass", "not_assessed", "manual"]
    needs_attestation: bool = False
    checks: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict, description="findings by status")
    evidence: list[ControlEvidence] = Field(default_factory=list)
    intent: str = Field(default="", description="what the control asks for, in one line")
    evidence_omitted: int = Field(
        default=0, description="evidence items left out of `evidence` to keep the result small (counts stay exact)"
    )
    passing_share: float | None = Field(
        default=None,
        description="share of this control's results that pass, 0..1: pass / (pass + fail + unknown + error); "
        "suppressed failures are left out; None for manual controls and controls without results",
    )


class FrameworkSummary(BaseModel):
    id: str
    name: str
    version: str = ""
    scope: str = Field(default="all resources", description="the scope the framework was judged on")
    score: float | None = Field(default=None, description="passed / assessed technical+partial controls, 0..1")
    graded_score: float | None = Field(
        default=None,
        description="mean passing_share of the assessed technical+partial controls, 0..1: it rises with every fix, "
        "while score moves only when a control has no failure left",
    )
    coverage: float | None = Field(default=None, description="assessed / all controls, 0..1")
    counts: dict[str, int] = Field(default_factory=dict, description="controls by status")
    resources_in_scope: int | None = Field(default=None, description="how many inventory resources the scope kept")


class BaselineChanges(BaseModel):
    baseline_scan_id: str | None = None
    baseline_digest: str | None = None
    new: list[str] = Field(default_factory=list, description="fingerprints of failures not in the baseline")
    resolved: list[str] = Field(default_factory=list, description="baseline failures that no longer fail")
    unchanged: int = 0


class TrendPoint(BaseModel):
    scan_id: str
    started: datetime
    failing_by_severity: dict[str, int] = Field(default_factory=dict)


class HistoryInfo(BaseModel):
    """Filled from the scan store: how this scan relates to earlier scans of the same scope."""

    previous_scan_id: str | None = None
    new: list[str] = Field(
        default_factory=list,
        description="fingerprints failing now, not in the previous scan, in order, at most 1,000 (new_count "
        "counts them all); empty when there is no previous scan (previous_scan_id null: every failure is new)",
    )
    new_count: int | None = Field(default=None, description="how many are new (null in results before 2.1: len(new))")
    resolved: list[str] = Field(
        default_factory=list,
        description="fingerprints failing before, not now, in order, at most 1,000 (resolved_count counts them all)",
    )
    resolved_count: int | None = Field(default=None, description="how many are resolved (null before 2.1: len(resolved))")
    first_seen: dict[str, datetime] = Field(
        default_factory=dict,
        description="the oldest open failures (at most 1,000, oldest first): fingerprint -> start of the first "
        "scan of this scope it failed in",
    )
    trend: list[TrendPoint] = Field(default_factory=list, description="open failures by severity, oldest first")

    @property
    def lists_every_new(self) -> bool:
        """``new`` names every new failure (it is cut at 1,000 in large scans)."""
        return self.new_count is None or self.new_count == len(self.new)


class ScanResult(BaseModel):
    """The scan result. ``findings`` and ``inventory`` are lists when built in memory, or
    re-iterable streams over the result file (``auditor.result_stream``) for a streamed scan:
    iterate them, never index them."""

    model_config = ConfigDict(arbitrary_types_allowed=False)

    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
    checks: dict[str, CheckInfo] = Field(
        default_factory=dict, description="check id -> its metadata, once for every check that ran"
    )
    scan: ScanMeta
    inventory: list[dict[str, Any]] = Field(
        default_factory=list, description="every resource collected, as {kind, ref, ...fields}"
    )
    findings: list[Finding] = Field(default_factory=list)
    collection_errors: list[CollectionError] = Field(default_factory=list)
    controls: list[ControlResult] = Field(default_factory=list)
    frameworks: list[FrameworkSummary] = Field(default_factory=list)
    changes: BaselineChanges | None = None
    history: HistoryInfo | None = None
    totals: dict[str, Any] | None = Field(
        default=None, description="the scan summary (counts by status and severity), folded while the findings streamed"
    )
    digest: str = Field(
        default="", description="SHA-256 of the result file's bytes before its last line (which holds the digest)"
    )
    _source: Path | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _findings_from_catalog(cls, data: Any) -> Any:
        """A version-2 document states each check's metadata once: fill every finding from it."""
        if not isinstance(data, dict) or not isinstance(data.get("checks"), dict):
            return data
        findings = data.get("findings")
        if not isinstance(findings, list) or not findings or not isinstance(findings[0], dict):
            return data
        checks = data["checks"]
        filled = []
        for f in findings:
            info = checks.get(f.get("check_id")) if isinstance(f, dict) else None
            if isinstance(info, dict):
                f = {"severity": info.get("severity"), "title": info.get("title", ""),
                     "remediation": info.get("remediation", ""), "controls": info.get("controls") or {}, **f}
            elif isinstance(info, CheckInfo):
                f = {"severity": info.severity, "title": info.title, "remediation": info.remediation,
                     "controls": info.controls, **f}
            filled.append(f)
        return {**data, "findings": filled}

    # -- derived views --------------------------------------------------------------------
    def resources(self) -> list[Resource]:
        return [resource_from_dict(item) for item in self.inventory]

    @property
    def source(self) -> Path | None:
        """The streamed result file this result reads its findings and inventory from."""
        return self._source if self._streamed() else None

    def summary(self) -> dict[str, Any]:
        if self.totals is not None:
            return dict(self.totals)
        totals = SummaryFold()
        for finding in self.findings:
            totals.add(finding)
        return totals.summary(resources=len(self.inventory), collection_errors=len(self.collection_errors))

    # -- serialization --------------------------------------------------------------------
    def canonical_json(self) -> str:
        """The compact result document whose bytes the digest covers (see ``result_stream``)."""
        from auditor.result_stream import result_bytes

        return result_bytes(self).decode("utf-8")

    def with_digest(self) -> ScanResult:
        """This result with its digest; a streamed result rewrites its file's tail to match."""
        from auditor.result_stream import digest_of, rewrite_tail

        if self._streamed():
            return rewrite_tail(self)
        from auditor.result_stream import catalog_of

        complete = self.model_copy(update={"checks": catalog_of(self)})
        return complete.model_copy(update={"digest": digest_of(complete)})

    def verify_digest(self) -> bool:
        from auditor.result_stream import digest_of, verify_result_digest

        if not self.digest:
            return False
        if self._streamed() and self._source is not None:
            from auditor.result_stream import matches_file

            return (
                self.digest == _recorded(self._source)
                and matches_file(self, self._source)
                and verify_result_digest(self._source)
            )
        return digest_of(self) == self.digest

    def _streamed(self) -> bool:
        """Findings and inventory still stream from the source file (not replaced by lists)."""
        return self._source is not None and not isinstance(self.findings, list) and not isinstance(self.inventory, list)

    def to_json(self, indent: int | None = 2) -> str:
        """The result document (the streamed file's text when there is one)."""
        if self._streamed() and self._source is not None:
            return self._source.read_text(encoding="utf-8")
        return self.canonical_json_with_digest()

    def canonical_json_with_digest(self) -> str:
        from auditor.result_stream import result_bytes

        return result_bytes(self, digest=self.digest or None).decode("utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ScanResult:
        """Read a result file: version 2 streams from the file, version 1 is converted."""
        from auditor.result_stream import open_result

        return open_result(Path(path))


def _recorded(path: Path) -> str:
    from auditor.result_stream import recorded_digest

    return recorded_digest(path) or ""


class SummaryFold:
    """The scan summary as a fold over the findings stream."""

    def __init__(self) -> None:
        self.findings = 0
        self.by_status: Counter[str] = Counter()
        self.by_severity: Counter[str] = Counter()
        self.suppressed = 0

    def add(self, finding: Finding) -> None:
        self.findings += 1
        self.by_status[finding.status._value_] += 1  # _value_: no descriptor call (millions of findings)
        if finding.status == Status.FAIL:
            if finding.suppression is None:
                self.by_severity[finding.severity._value_] += 1
            else:
                self.suppressed += 1

    def summary(self, *, resources: int, collection_errors: int) -> dict[str, Any]:
        return {
            "resources": resources,
            "findings": self.findings,
            "by_status": {s.value: self.by_status.get(s.value, 0) for s in Status},
            "failures_by_severity": {s.value: self.by_severity.get(s.value, 0) for s in reversed(Severity)},
            "suppressed": self.suppressed,
            "collection_errors": collection_errors,
        }


def inventory_to_list(resources: list[Resource]) -> list[dict[str, Any]]:
    return [resource_to_dict(r) for r in resources]


class InventoryFile(BaseModel):
    """What ``--save-inventory`` writes: the resources alone, plus collection errors."""

    schema_version: str = SCHEMA_VERSION
    kind: Literal["auditor-inventory"] = "auditor-inventory"
    sources: list[str] = Field(default_factory=list)
    scope: str = ""
    collected: datetime | None = None
    inventory: list[dict[str, Any]] = Field(default_factory=list)
    collection_errors: list[CollectionError] = Field(default_factory=list)
    api_calls: dict[str, int] = Field(default_factory=dict)


def load_inventory(path: str | Path) -> InventoryFile:
    """Read either an inventory file or a full scan result, as an inventory."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not an auditor result or inventory (top level is not an object)")
    if data.get("kind") == "auditor-inventory":
        return InventoryFile.model_validate(data)
    if "scan" in data and "inventory" in data:
        result = ScanResult.model_validate(data)
        return InventoryFile(
            sources=result.scan.sources,
            scope=result.scan.scope,
            collected=result.scan.started,
            inventory=result.inventory,
            collection_errors=result.collection_errors,
            api_calls=result.scan.api_calls,
        )
    raise ValueError(f"{path}: not an auditor result or inventory (no 'inventory' key)")
