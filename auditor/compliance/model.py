"""The shape of a framework file (``frameworks/<id>.yaml``), validated on load."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ControlKind = Literal["technical", "partial", "manual"]


class Control(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    ref: str = Field(description="citation in the framework's own numbering")
    section: str = ""
    title: str
    intent: str = Field(description="one line, in our own words")
    kind: ControlKind
    required: bool | None = Field(default=None, description="HIPAA: required (true) or addressable (false)")
    families: list[str] = Field(default_factory=list, description="evidence family codes, for readers")
    checks: list[str] = Field(default_factory=list, description="check ids giving evidence")

    @model_validator(mode="after")
    def _evidence_for_judged_controls(self) -> Control:
        if self.kind != "manual" and not self.checks:
            raise ValueError(f"control {self.id}: a {self.kind} control needs at least one check")
        if len(set(self.checks)) != len(self.checks):
            dupes = sorted({c for c in self.checks if self.checks.count(c) > 1})
            raise ValueError(f"control {self.id}: check listed twice: {', '.join(dupes)}")
        return self


class Framework(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    framework: str = Field(description="the framework id used on the command line")
    name: str
    version: str
    source: str = ""
    core: bool = Field(default=False, description="core frameworks must account for every check")
    description: str = ""
    controls: list[Control]
    why_not: dict[str, str] = Field(default_factory=dict, description="check id -> why it is not mapped")

    @model_validator(mode="after")
    def _unique_control_ids(self) -> Framework:
        seen: set[str] = set()
        for control in self.controls:
            if control.id in seen:
                raise ValueError(f"duplicate control id {control.id}")
            seen.add(control.id)
        if not self.controls:
            raise ValueError("a framework needs at least one control")
        mapped = self.mapped_checks()
        both = sorted(mapped & set(self.why_not))
        if both:
            raise ValueError(f"checks both mapped and listed in why_not: {', '.join(both)}")
        empty = sorted(k for k, v in self.why_not.items() if not v.strip())
        if empty:
            raise ValueError(f"why_not needs a reason for: {', '.join(empty)}")
        return self

    def mapped_checks(self, *, judged_only: bool = False) -> set[str]:
        """Check ids the controls name; ``judged_only`` leaves out manual controls' supporting checks."""
        return {c for ctl in self.controls if not (judged_only and ctl.kind == "manual") for c in ctl.checks}

    def control(self, control_id: str) -> Control:
        for ctl in self.controls:
            if ctl.id == control_id:
                return ctl
        raise KeyError(control_id)
