"""What the HTML report lists of a scan, gathered in one streaming pass with bounded memory.

A compliance officer's report of millions of findings cannot be one page, and sorting millions
of findings would hold them all. So the report keeps, per check, exact counts by status and at
most ``ROWS_PER_CHECK`` rows (failures first, most severe first); the no-JavaScript and printed
table keeps the ``PRINT_FAILURES_LIMIT`` first results in the same order; the suppressed, new and
oldest failures and the inventory are capped likewise. Everything left out is counted, and the
page points to the JSON and CSV exports, which hold every result. Memory depends on these
bounds and on the number of checks, never on the number of findings.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditor.bounded import SmallestN
from auditor.findings import Finding, Status
from auditor.result import ScanResult

ROWS_PER_CHECK = 200  # findings explorer rows per check; the rest are counted
PRINT_FAILURES_LIMIT = 5000  # failing findings the static table (and so the paper) always holds
NOSCRIPT_LIMIT = 500  # results in the static table when there are fewer failures than that
SUPPRESSED_LIMIT = 1000
NEW_FINDINGS_LIMIT = 200
FIRST_SEEN_LIMIT = 200
INVENTORY_SHOWN = 1000
EVIDENCE_SHOWN = 25  # per control drill-down; the explorer lists the rest it holds

STATUSES = ["fail", "error", "unknown", "suppressed", "pass"]
STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}


def display_status(f: Finding) -> str:
    if f.status == Status.FAIL and f.suppression is not None:
        return "suppressed"
    return f.status.value


def where(f: Finding) -> str:
    if f.path:
        return f"{f.path}:{f.line}" if f.line else f.path
    parts = [p for p in (f.account, f.region) if p]
    return " / ".join(parts) if parts else f.resource_id


def tag_list(tags: Mapping[str, str] | None) -> list[str]:
    return [f"{k}={v}" for k, v in sorted((tags or {}).items())]


@dataclass(frozen=True)
class Row:
    """One listed finding, reduced to what the page shows."""

    rank: int
    severity: str
    status: str
    check_id: str
    provider: str
    kind: str
    name: str
    where: str
    message: str
    resource_id: str
    fingerprint: str

    @property
    def order(self) -> tuple[int, int, str, str, str]:
        return (STATUS_RANK[self.status], -self.rank, self.check_id, self.resource_id, self.fingerprint)


def _row(f: Finding, status: str) -> Row:
    return Row(
        rank=f.severity.rank, severity=f.severity.value, status=status, check_id=f.check_id, provider=f.provider,
        kind=f.resource_kind, name=f.resource_name, where=where(f),
        message=f.message + (f" [{f.key}]" if f.key else ""), resource_id=f.resource_id, fingerprint=f.fingerprint,
    )


@dataclass
class CheckGroup:
    """One check's results: exact counts by status, and its first rows."""

    counts: Counter[str] = field(default_factory=Counter)
    rows: SmallestN[Row] = field(default_factory=lambda: SmallestN(ROWS_PER_CHECK))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ReportFold:
    total: int = 0
    failing: int = 0
    groups: dict[str, CheckGroup] = field(default_factory=dict)
    static: SmallestN[Row] = field(default_factory=lambda: SmallestN(max(PRINT_FAILURES_LIMIT, NOSCRIPT_LIMIT)))
    suppressed: SmallestN[Finding] = field(default_factory=lambda: SmallestN(SUPPRESSED_LIMIT))
    new: SmallestN[Finding] = field(default_factory=lambda: SmallestN(NEW_FINDINGS_LIMIT))
    first_seen: SmallestN[tuple[datetime, Finding]] = field(default_factory=lambda: SmallestN(FIRST_SEEN_LIMIT))
    providers: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)  # resource id -> display name, for listed ids only
    tags: dict[str, list[str]] = field(default_factory=dict)  # likewise
    inventory_rows: list[dict[str, Any]] = field(default_factory=list)
    inventory_total: int = 0

    def rows(self) -> list[Row]:
        """The explorer's rows: every check's kept rows, in the report's order."""
        kept = [row for group in self.groups.values() for row in group.rows.items()]
        return sorted(kept, key=lambda r: r.order)

    @property
    def listed(self) -> int:
        return sum(min(g.total, ROWS_PER_CHECK) for g in self.groups.values())


def fold_findings(result: ScanResult) -> ReportFold:
    """One pass over the findings, then one over the inventory for the names and tags of what
    is listed."""
    fold = ReportFold()
    new_at = {fp: i for i, fp in enumerate(result.changes.new)} if result.changes is not None else {}
    first_seen = result.history.first_seen if result.history is not None else {}
    evidence_ids = {e.resource_id for c in result.controls for e in c.evidence[:EVIDENCE_SHOWN]}
    for f in result.findings:
        status = display_status(f)
        fold.total += 1
        fold.providers.add(f.provider)
        fold.kinds.add(f.resource_kind)
        group = fold.groups.get(f.check_id)
        if group is None:
            group = fold.groups[f.check_id] = CheckGroup()
        group.counts[status] += 1
        order = (STATUS_RANK[status], -f.severity.rank, f.check_id, f.resource_id, f.fingerprint)
        in_group, in_static = group.rows.wants(order), fold.static.wants(order)
        group.rows.count()
        fold.static.count()
        if in_group or in_static:
            row = _row(f, status)
            group.rows.offer(order, row)
            fold.static.offer(order, row)
        if status == "fail":
            fold.failing += 1
        if f.status == Status.FAIL:
            if f.suppression is not None:
                fold.suppressed.add((f.check_id, f.resource_id, f.fingerprint), f)
            if f.fingerprint in new_at:
                fold.new.add(new_at[f.fingerprint], f)
            if f.suppression is None and f.fingerprint in first_seen:
                when = first_seen[f.fingerprint]
                fold.first_seen.add((when, f.fingerprint), (when, f))
        if f.resource_id in evidence_ids:
            fold.names.setdefault(f.resource_id, f.resource_name)
    wanted = evidence_ids | {r.resource_id for r in fold.rows()} | {r.resource_id for r in fold.static.items()}
    _fold_inventory(fold, _inventory_items(result), wanted)
    return fold


def _fold_inventory(fold: ReportFold, items: Iterable[Mapping[str, Any]], wanted: set[str]) -> None:
    for item in items:
        ref = item.get("ref") or {}
        rid = ref.get("id")
        fold.inventory_total += 1
        if rid in wanted:
            fold.names[rid] = ref.get("name", rid)
            fold.tags[rid] = tag_list(item.get("tags"))
        if len(fold.inventory_rows) < INVENTORY_SHOWN:
            fold.inventory_rows.append({
                "kind": item.get("kind", ""), "provider": ref.get("provider", ""),
                "account": ref.get("account") or "", "region": ref.get("region") or "",
                "name": ref.get("name", ""), "id": ref.get("id", ""), "tags": tag_list(item.get("tags")),
            })


def _inventory_items(result: ScanResult) -> Iterator[Mapping[str, Any]]:
    """The inventory as stored: a streamed result's lines are read raw (kind, ref and tags are
    all the report needs; validating a million resources would triple the render time)."""
    from auditor.result_stream import InventoryStream, iter_section

    inventory: Any = result.inventory
    if isinstance(inventory, InventoryStream):
        for line in iter_section(inventory.path, "inventory"):
            yield json.loads(line)
    else:
        yield from inventory
