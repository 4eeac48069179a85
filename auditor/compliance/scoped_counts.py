"""Scoped framework results kept as counts, so they can be added up across scans.

A framework limited by tag, account, project or subscription is judged by a scan on the resources
in scope (``ComplianceFold``); the store of an organization run keeps findings but no inventory,
so a tag scope cannot be decided from it afterwards. Each target's scan therefore records, per
scoped framework, the resources in scope and each control's result counts by bucket. Counts add
up across targets, and a control's status and passing share follow from its counts alone, so the
estate's scoped scores are the sum of what each target's scan judged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.compliance.evaluate import control_result, summarize
from auditor.compliance.model import Framework
from auditor.compliance.scope import Scope
from auditor.result import FrameworkSummary, ScanResult


def scoped_frameworks(scopes: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Scope]:
    """The frameworks a config limits to part of the estate, with their scope."""
    out = {}
    for fid, data in (scopes or {}).items():
        scope = Scope.from_config(fid, data)
        if not scope.everything:
            out[fid] = scope
    return out


def record(result: ScanResult, scopes: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """What a target's row keeps of ``result``'s scoped frameworks (empty when none is scoped)."""
    scoped = scoped_frameworks(scopes)
    out: dict[str, Any] = {}
    for summary in result.frameworks:
        if summary.id not in scoped:
            continue
        controls = {c.control_id: dict(c.counts) for c in result.controls if c.framework == summary.id and c.counts}
        out[summary.id] = {"resources_in_scope": summary.resources_in_scope or 0, "controls": controls}
    return out


def summary_of(framework: Framework, scope: Scope, records: Iterable[Mapping[str, Any]]) -> FrameworkSummary:
    """The framework's summary over one or more targets' records (their counts added up)."""
    counts: dict[str, Counter[str]] = {}
    in_scope = 0
    for item in records:
        in_scope += int(item.get("resources_in_scope") or 0)
        for control_id, by_bucket in (item.get("controls") or {}).items():
            counts.setdefault(control_id, Counter()).update({k: int(v) for k, v in by_bucket.items()})
    results = [control_result(framework, c, counts.get(c.id, Counter())) for c in framework.controls]
    return summarize(framework, results, scope, in_scope)
