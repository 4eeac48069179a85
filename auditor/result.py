"""The scan result: the one artifact every report, diff and re-evaluation derives from.

Its JSON Schema is generated from these models into ``docs/result-schema.json``; a test keeps the
two in step. Later features extend it compatibly: new optional fields, never renamed ones.
Bump ``SCHEMA_VERSION``'s minor for additions and its major for anything incompatible.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.collectors.base import CollectionError
from auditor.findings import Finding, Severity, Status
from auditor.resources import Resource, resource_from_dict, resource_to_dict

SCHEMA_VERSION = "1.1"


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


class FrameworkSummary(BaseModel):
    id: str
    name: str
    version: str = ""
    scope: str = Field(default="all resources", description="the scope the framework was judged on")
    score: float | None = Field(default=None, description="passed / assessed technical+partial controls, 0..1")
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
    new: list[str] = Field(default_factory=list, description="fingerprints failing now, not in the previous scan")
    resolved: list[str] = Field(default_factory=list, description="fingerprints failing before, not now")
    first_seen: dict[str, datetime] = Field(default_factory=dict, description="fingerprint -> first scan it failed in")
    trend: list[TrendPoint] = Field(default_factory=list, description="open failures by severity, oldest first")


class ScanResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=False)

    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
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
    digest: str = Field(default="", description="SHA-256 of this document serialized with digest=''")

    # -- derived views --------------------------------------------------------------------
    def resources(self) -> list[Resource]:
        return [resource_from_dict(item) for item in self.inventory]

    def summary(self) -> dict[str, Any]:
        by_status = Counter(f.status.value for f in self.findings)
        failing = [f for f in self.findings if f.active_failure]
        by_severity = Counter(f.severity.value for f in failing)
        return {
            "resources": len(self.inventory),
            "findings": len(self.findings),
            "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
            "failures_by_severity": {s.value: by_severity.get(s.value, 0) for s in reversed(Severity)},
            "suppressed": sum(1 for f in self.findings if f.suppressed and f.status == Status.FAIL),
            "collection_errors": len(self.collection_errors),
        }

    # -- serialization --------------------------------------------------------------------
    def canonical_json(self) -> str:
        """The compact JSON of this result with ``digest`` empty, in field declaration order.

        Serialized by pydantic's compiled serializer (the Python ``json`` module with sorted keys
        cost seconds per 10,000 findings); a loaded result re-serializes to the same bytes, so
        ``verify_digest`` works on any saved result of this schema version."""
        return self.model_copy(update={"digest": ""}).model_dump_json()

    def with_digest(self) -> ScanResult:
        digest = hashlib.sha256(self.canonical_json().encode()).hexdigest()
        return self.model_copy(update={"digest": digest})

    def verify_digest(self) -> bool:
        return bool(self.digest) and hashlib.sha256(self.canonical_json().encode()).hexdigest() == self.digest

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def load(cls, path: str | Path) -> ScanResult:
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))


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
