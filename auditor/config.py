"""``auditor.yaml``: schema, loading and suppressions.

Validated on load with pydantic; unknown keys are errors (a typo must not silently disable a
suppression). Errors name the file, the key path and, where YAML gives it, the line.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditor.findings import Severity, Suppression


class ConfigError(Exception):
    """A usage or configuration error: exit code 2."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SuppressionRule(Strict):
    check: str = Field(description="check id, or a prefix ending in '*'")
    resource: str = Field(default="*", description="glob matched against the resource id and name")
    reason: str
    expires: date | None = None

    @field_validator("reason")
    @classmethod
    def _reason_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a suppression needs a reason")
        return value

    def matches(self, check_id: str, resource_id: str, resource_name: str) -> bool:
        check_ok = self.check == check_id or (self.check.endswith("*") and check_id.startswith(self.check[:-1]))
        if not check_ok:
            return False
        return fnmatch.fnmatchcase(resource_id, self.resource) or fnmatch.fnmatchcase(resource_name, self.resource)

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def as_suppression(self, source: str = "config") -> Suppression:
        return Suppression(
            check=self.check, resource=self.resource, reason=self.reason, expires=self.expires, source=source
        )


class ChecksConfig(Strict):
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict, description="check id -> severity override")
    options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="check id -> options")
    dirs: list[str] = Field(default_factory=list, description="extra folders of user checks")


class AuditorConfig(Strict):
    """The whole configuration file. Sections for sources are added by their features."""

    version: int = 1
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    suppressions: list[SuppressionRule] = Field(default_factory=list)
    frameworks: list[str] | None = None
    framework_scopes: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="framework id -> scope (tags, accounts, projects, subscriptions)"
    )
    sources: dict[str, Any] = Field(default_factory=dict, description="per-source settings (aws, gcp, azure, ...)")
    outputs: dict[str, Any] = Field(default_factory=dict)
    store: str | None = None

    def digest(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a pydantic error location in the YAML text."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(key):
                    line, node = int(k.start_mark.line) + 1, v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = int(node.start_mark.line) + 1
        else:
            break
    return line


def load_config(path: str | Path | None) -> AuditorConfig:
    if path is None:
        return AuditorConfig()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: the top level must be a mapping")
    try:
        return AuditorConfig.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            line = _line_of(text, loc)
            at = f"{file}:{line}" if line else str(file)
            lines.append(f"{at}: {where}: {err['msg']}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from exc
