"""Compliance frameworks as data (``frameworks/*.yaml``) and control evaluation.

The engine asks ``controls_lookup`` which controls a check gives evidence for; after a scan,
``evaluate`` derives each control's status from its checks' findings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from auditor.compliance.evaluate import evaluate_frameworks
from auditor.compliance.loader import FrameworkError, load_all, select
from auditor.compliance.scope import Scope
from auditor.findings import Finding
from auditor.resources import Resource
from auditor.result import ControlResult, FrameworkSummary

__all__ = ["FrameworkError", "check_selection", "controls_lookup", "evaluate", "framework_versions", "load_all", "resolved_table"]


def controls_lookup(frameworks: Sequence[str] | None = None) -> Callable[[str], dict[str, list[str]]]:
    """check id -> {framework id: [control ids]} for the selected frameworks (all when None)."""
    table: dict[str, dict[str, list[str]]] = {}
    for framework in select(frameworks):
        for control in framework.controls:
            for check_id in control.checks:
                table.setdefault(check_id, {}).setdefault(framework.framework, []).append(control.id)

    def lookup(check_id: str) -> dict[str, list[str]]:
        return {fw: list(ids) for fw, ids in table.get(check_id, {}).items()}

    return lookup


def check_selection(frameworks: Sequence[str] | None, scopes: dict[str, dict[str, Any]] | None) -> None:
    """Usage errors (unknown framework ids, malformed scopes) before any cloud call is made."""
    select(frameworks)
    known = set(load_all())
    stray = sorted(set(scopes or {}) - known)
    if stray:
        raise FrameworkError(f"framework_scopes names unknown framework(s): {', '.join(stray)}")
    for fid, data in (scopes or {}).items():
        Scope.from_config(fid, data)


def evaluate(
    findings: Sequence[Finding],
    resources: Sequence[Resource],
    frameworks: Sequence[str] | None = None,
    scopes: dict[str, dict[str, Any]] | None = None,
) -> tuple[list[ControlResult], list[FrameworkSummary]]:
    """Control results and per-framework summaries for one scan."""
    check_selection(frameworks, scopes)
    return evaluate_frameworks(select(frameworks), findings, resources, scopes)


def framework_versions(frameworks: Sequence[str] | None = None) -> dict[str, str]:
    return {f.framework: f.version for f in select(frameworks)}


def resolved_table(frameworks: Sequence[str] | None = None) -> str:
    """The check -> controls table, one line per check, for review snapshots."""
    lookup = controls_lookup(frameworks)
    fws = select(frameworks)
    ids = sorted({c for f in fws for c in f.mapped_checks()} | {c for f in fws for c in f.why_not})
    lines = []
    for check_id in ids:
        mapped = lookup(check_id)
        parts = []
        for f in fws:
            if f.framework in mapped:
                parts.append(f"{f.framework}: {', '.join(mapped[f.framework])}")
            elif check_id in f.why_not:
                parts.append(f"{f.framework}: (unmapped: {f.why_not[check_id]})")
        lines.append(f"{check_id}\n  " + "\n  ".join(parts))
    return "\n".join(lines) + "\n"
