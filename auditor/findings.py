"""What checks return (Result) and what the engine makes of it (Finding)."""

from __future__ import annotations

import hashlib
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self.value]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r}; use one of {', '.join(s.value for s in cls)}") from None


_SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    ERROR = "error"


class Result(BaseModel):
    """One verdict of a check on one resource. ``key`` tells apart several results per resource."""

    model_config = ConfigDict(frozen=True)

    status: Status
    message: str = ""
    key: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)
    severity: Severity | None = Field(
        default=None, description="this result's own weight (a CVE's rating) when it differs from the check's"
    )


def passed(message: str = "", *, key: str = "", **evidence: Any) -> Result:
    return Result(status=Status.PASS, message=message, key=key, evidence=evidence)


def fail(message: str, *, key: str = "", severity: Severity | None = None, **evidence: Any) -> Result:
    return Result(status=Status.FAIL, message=message, key=key, evidence=evidence, severity=severity)


def unknown(message: str, *, key: str = "", **evidence: Any) -> Result:
    return Result(status=Status.UNKNOWN, message=message, key=key, evidence=evidence)


class Suppression(BaseModel):
    """The rule that suppressed a failure (kept on the finding, which stays ``fail``)."""

    model_config = ConfigDict(frozen=True)

    check: str
    resource: str = "*"
    reason: str
    expires: date | None = None
    source: str = Field(default="config", description="config, inline (IaC comment) or baseline")


class Finding(BaseModel):
    """One check's verdict on one resource. ``title``, ``remediation`` and ``controls`` belong to
    the check: they are filled from the result's check catalog and never serialized per finding."""

    model_config = ConfigDict(frozen=True)

    check_id: str
    title: str = Field(default="", exclude=True)
    severity: Severity
    status: Status
    message: str = ""
    key: str = ""
    resource_id: str
    resource_kind: str
    resource_name: str
    provider: str
    cloud: str | None = None
    account: str | None = None
    region: str | None = None
    path: str | None = None
    line: int | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    remediation: str = Field(default="", exclude=True)
    controls: dict[str, list[str]] = Field(
        default_factory=dict, exclude=True, description="framework id -> control ids"
    )
    suppression: Suppression | None = None
    fingerprint: str

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    @property
    def active_failure(self) -> bool:
        return self.status == Status.FAIL and self.suppression is None


_FINDING_FIELDS = frozenset(Finding.model_fields)


def new_finding(**values: Any) -> Finding:
    """A Finding from already-valid values, every field given: what ``model_construct`` does,
    without its per-call field walk (the engine makes one per check and resource, millions in a
    large scan). Shared values (a check's controls) stay shared."""
    if values.keys() != _FINDING_FIELDS:
        raise TypeError(f"new_finding needs exactly the Finding fields; got {sorted(values)}")
    finding = object.__new__(Finding)
    object.__setattr__(finding, "__dict__", values)
    object.__setattr__(finding, "__pydantic_fields_set__", set(_FINDING_FIELDS))
    object.__setattr__(finding, "__pydantic_extra__", None)
    object.__setattr__(finding, "__pydantic_private__", None)
    return finding


def fingerprint(check_id: str, resource_id: str, key: str = "") -> str:
    """Stable across runs and checkouts: IaC and file ids are already relative to the scan root."""
    digest = hashlib.sha256(f"{check_id}\x1f{resource_id}\x1f{key}".encode()).hexdigest()
    return digest[:32]
