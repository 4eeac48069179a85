"""One IaC resource instance after resolution, before mapping to a resource kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from auditor.resources import InlineIgnore


@dataclass
class IacResource:
    source: Literal["terraform", "cloudformation"]
    type: str
    address: str
    name: str
    attrs: dict[str, Any]
    path: str
    line: int | None
    end_line: int | None = None
    ignores: list[InlineIgnore] = field(default_factory=list)
    module: str = ""
    # the unit whose settings and joins apply to it: a Terraform root module, a template, a plan
    scope: str = ""
