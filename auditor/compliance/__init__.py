"""Compliance frameworks as data (``frameworks/*.yaml``) and control evaluation.

The engine asks ``controls_lookup`` which controls a check gives evidence for; after a scan,
``evaluate`` derives each control's status from its checks' findings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from auditor.findings import Finding
from auditor.resources import Resource
from auditor.result import ControlResult, FrameworkSummary


def controls_lookup(frameworks: Sequence[str] | None = None) -> Callable[[str], dict[str, list[str]]]:
    """check id -> {framework id: [control ids]} for the selected frameworks (all when None)."""
    return lambda check_id: {}


def evaluate(
    findings: Sequence[Finding],
    resources: Sequence[Resource],
    frameworks: Sequence[str] | None = None,
    scopes: dict[str, dict[str, Any]] | None = None,
) -> tuple[list[ControlResult], list[FrameworkSummary]]:
    """Control results and per-framework summaries for one scan."""
    return [], []


def framework_versions(frameworks: Sequence[str] | None = None) -> dict[str, str]:
    return {}
