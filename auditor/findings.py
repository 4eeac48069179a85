"""What checks return (Result) and what the engine makes of it (Finding)."""

from __future__ import annotations

import hashlib
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

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


def _result(status: Status, message: str, key: str, evidence: dict[str, Any], severity: Severity | None = None) -> Result:
    """A Result; built without validation when the values are plainly valid (checks make one per
    resource and check, millions in a large scan), validated otherwise (a custom check's mistake
    is still reported as such)."""
    if type(message) is str and type(key) is str and (severity is None or type(severity) is Severity):
        return from_valid_values(Result, {"status": status, "message": message, "key": key,
                                               "evidence": evidence, "severity": severity})
    return Result(status=status, message=message, key=key, evidence=evidence, severity=severity)


def passed(message: str = "", *, key: str = "", **evidence: Any) -> Result:
    return _result(Status.PASS, message, key, evidence)


def fail(message: str, *, key: str = "", severity: Severity | None = None, **evidence: Any) -> Result:
    return _result(Status.FAIL, message, key, evidence, severity)


def unknown(message: str, *, key: str = "", **evidence: Any) -> Result:
    return _result(Status.UNKNOWN, message, key, evidence)


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


_M = TypeVar("_M", bound=BaseModel)
_ORDER: dict[type[BaseModel], tuple[str, ...]] = {}
_SET: dict[type[BaseModel], set[str]] = {}


def from_valid_values(cls: type[_M], values: dict[str, Any]) -> _M:
    """A frozen model from already-valid values, every field given, without validation or
    ``model_construct``'s per-call field walk: the engine makes one Result and one Finding per
    check and resource, millions in a large scan. Kept in the fields' order (serialization
    follows it); shared values (a check's controls) stay shared."""
    order = _ORDER.get(cls)
    if order is None:
        order = _ORDER[cls] = tuple(cls.model_fields)
        _SET[cls] = set(order)  # shared: pydantic copies it before changing it (model_copy)
    if tuple(values) != order:
        if values.keys() != _SET[cls]:
            raise TypeError(f"{cls.__name__} needs exactly its fields; got {sorted(values)}")
        values = {name: values[name] for name in order}
    model = object.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", _SET[cls])
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


def fingerprint(check_id: str, resource_id: str, key: str = "") -> str:
    """Stable across runs and checkouts: IaC and file ids are already relative to the scan root."""
    digest = hashlib.sha256(f"{check_id}\x1f{resource_id}\x1f{key}".encode()).hexdigest()
    return digest[:32]
