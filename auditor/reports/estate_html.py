"""The estate HTML report of an organization run (``auditor runs report``), built from the store only.

One row per target (its state, failures by severity, what changed since that target's previous
finished scan, its failure reason), framework scores per target and for the whole estate, and
the estate's totals. Every number is aggregated in SQL (GROUP BY over the run's findings), so a
run with millions of findings is never held in memory. A framework the run's config scopes (by
tag, account, project or subscription) is scored from the control counts each target's own scan
recorded under that scope (``auditor.compliance.scoped_counts``): the store keeps no inventory
to decide a tag scope from the findings. The page is self-contained and carries
no script at all: its Content-Security-Policy forbids every script, and Jinja2's autoescape
renders every target name and error as text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from auditor.compliance.evaluate import CheckTally, bucket_of, evaluate_control, summarize
from auditor.compliance.model import Framework
from auditor.compliance.scope import Scope
from auditor.compliance.scoped_counts import scoped_frameworks
from auditor.findings import Status
from auditor.reports._common import SEVERITY_ORDER
from auditor.reports.html import _asset, _environment
from auditor.result import FrameworkSummary
from auditor.runs import DONE, FAILED, FINAL, RunStore, TargetState

LATEST = "latest"
IN_CHUNK = 500  # target ids per IN (...) list: well under every database's parameter limit


@dataclass
class TargetRow:
    state: TargetState
    failing: dict[str, int] = field(default_factory=dict)
    baseline: str | None = None  # the run holding this target's previous finished scan
    new: int | None = None
    resolved: int | None = None
    scores: dict[str, FrameworkSummary] = field(default_factory=dict)
    undecidable: set[str] = field(default_factory=set)  # scoped frameworks this row's record cannot judge


def resolve_run(runs: RunStore, run: str) -> str | None:
    """The run's id (``latest``: the newest run in the store), or None when there is none."""
    from sqlalchemy import select

    if run != LATEST:
        return run if runs.run_exists(run) else None
    r = runs.runs.c
    with runs.store.engine.connect() as conn:
        found = conn.execute(select(r.id).order_by(r.created.desc()).limit(1)).scalar()
    return str(found) if found else None


def _chunks(items: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), IN_CHUNK):
        yield list(items[start : start + IN_CHUNK])


def _failing_by_severity(runs: RunStore, run_id: str) -> dict[str, dict[str, int]]:
    from sqlalchemy import func, select

    f = runs.findings.c
    query = (
        select(f.target_id, f.severity, func.count())
        .where(f.run_id == run_id, f.status == Status.FAIL.value, f.suppressed.is_(False))
        .group_by(f.target_id, f.severity)
    )
    out: dict[str, dict[str, int]] = defaultdict(dict)
    with runs.store.engine.connect() as conn:
        for target, severity, n in conn.execute(query):
            out[target][severity] = int(n)
    return out


def _baselines(runs: RunStore, run_id: str, created: datetime) -> dict[str, str]:
    """target -> the newest earlier run in which that target finished scanning (state done)."""
    from sqlalchemy import select

    t, r = runs.targets.c, runs.runs.c
    mine = select(t.target_id).where(t.run_id == run_id)
    query = (
        select(t.target_id, r.id, r.created)
        .join(runs.runs, r.id == t.run_id)
        .where(t.state == DONE, r.created < created, t.run_id != run_id, t.target_id.in_(mine))
    )
    newest: dict[str, tuple[datetime, str]] = {}
    with runs.store.engine.connect() as conn:
        for target, rid, when in conn.execute(query):
            if target not in newest or when > newest[target][0]:
                newest[target] = (when, rid)
    return {target: rid for target, (_, rid) in newest.items()}


def _changes(runs: RunStore, run_id: str, baselines: dict[str, str]) -> dict[str, tuple[int, int]]:
    """target -> (new, resolved) unsuppressed failures against its baseline, counted in SQL."""
    from sqlalchemy import and_, exists, func, select

    f = runs.findings.c
    other = runs.findings.alias("other")
    o = other.c

    def failing(col: Any) -> Any:
        return and_(col.status == Status.FAIL.value, col.suppressed.is_(False))

    def count_missing(source_run: str, against_run: str, targets: list[str]) -> dict[str, int]:
        missing = ~exists().where(o.run_id == against_run, o.target_id == f.target_id,
                                  o.fingerprint == f.fingerprint, failing(o))
        query = (select(f.target_id, func.count())
                 .where(f.run_id == source_run, f.target_id.in_(targets), failing(f), missing)
                 .group_by(f.target_id))
        with runs.store.engine.connect() as conn:
            return {target: int(n) for target, n in conn.execute(query)}

    by_baseline: dict[str, list[str]] = defaultdict(list)
    for target, baseline in baselines.items():
        by_baseline[baseline].append(target)
    out: dict[str, tuple[int, int]] = {}
    for baseline, targets in by_baseline.items():
        for chunk in _chunks(sorted(targets)):
            new = count_missing(run_id, baseline, chunk)
            resolved = count_missing(baseline, run_id, chunk)
            for target in chunk:
                out[target] = (new.get(target, 0), resolved.get(target, 0))
    return out


def _tallies(runs: RunStore, run_id: str) -> tuple[dict[str, dict[str, CheckTally]], dict[str, CheckTally]]:
    """Per target and for the whole run: check id -> its results counted by bucket (no evidence)."""
    from sqlalchemy import func, select

    f = runs.findings.c
    query = (select(f.target_id, f.check_id, f.status, f.suppressed, func.count())
             .where(f.run_id == run_id).group_by(f.target_id, f.check_id, f.status, f.suppressed))
    per_target: dict[str, dict[str, CheckTally]] = defaultdict(lambda: defaultdict(CheckTally))
    estate: dict[str, CheckTally] = defaultdict(CheckTally)
    with runs.store.engine.connect() as conn:
        for target, check, status, suppressed, n in conn.execute(query):
            bucket = bucket_of(status, bool(suppressed))
            per_target[target][check].add_count(bucket, int(n))
            estate[check].add_count(bucket, int(n))
    return per_target, estate


def _scores(frameworks: Sequence[Framework], tallies: dict[str, CheckTally],
            resources: int | None) -> dict[str, FrameworkSummary]:
    """Each framework's strict and graded score over these tallies, by the compliance rules."""
    out = {}
    for framework in frameworks:
        results = [evaluate_control(framework, control, tallies) for control in framework.controls]
        out[framework.framework] = summarize(framework, results, Scope.from_config(framework.framework, None),
                                             resources or 0)
    return out


def _scoped_scores(frameworks: Sequence[Framework], scopes: dict[str, Scope],
                   records: Sequence[dict[str, Any] | None]) -> tuple[dict[str, FrameworkSummary], set[str]]:
    """Scores of the scoped frameworks from the targets' recorded control counts (what each
    target's own scan judged on the resources in scope), and the frameworks that cannot be judged
    because a target's row predates the record (the store keeps no inventory to decide a scope)."""
    from auditor.compliance.scoped_counts import summary_of

    scores: dict[str, FrameworkSummary] = {}
    undecidable: set[str] = set()
    for framework in frameworks:
        fid = framework.framework
        if fid not in scopes:
            continue
        if any(r is None or fid not in r for r in records):
            undecidable.add(fid)
            continue
        scores[fid] = summary_of(framework, scopes[fid], [r[fid] for r in records if r is not None])
    return scores, undecidable


def _frameworks(config: dict[str, Any]) -> list[Framework]:
    from auditor.compliance.loader import select as select_frameworks

    return select_frameworks(config.get("frameworks"))


def context(runs: RunStore, run_id: str) -> dict[str, Any]:
    row = runs.run_row(run_id)
    if row is None:
        raise LookupError(f"no run {run_id!r} in the store")
    config = dict(row.get("config") or {})
    frameworks = _frameworks(config)
    created = row["created"]
    states = runs.states(run_id)
    failing = _failing_by_severity(runs, run_id)
    baselines = _baselines(runs, run_id, created)
    changes = _changes(runs, run_id, baselines)
    per_target, estate_tallies = _tallies(runs, run_id)
    # Scoped frameworks are judged from each target's recorded counts; the others from the findings.
    scopes = scoped_frameworks(config.get("framework_scopes"))
    unscoped = [f for f in frameworks if f.framework not in scopes]
    rows = []
    for s in states:
        target_row = TargetRow(state=s, failing=failing.get(s.target_id, {}), baseline=baselines.get(s.target_id))
        if s.state == DONE and s.target_id in changes:
            target_row.new, target_row.resolved = changes[s.target_id]
        if s.state == DONE:  # a failed or unfinished target has no results to score
            target_row.scores = _scores(unscoped, per_target.get(s.target_id, {}), int(s.counts.get("resources", 0)))
            scoped_scores, target_row.undecidable = _scoped_scores(frameworks, scopes, [s.scoped_controls])
            target_row.scores.update(scoped_scores)
        rows.append(target_row)
    estate_scores = _scores(unscoped, estate_tallies, sum(int(s.counts.get("resources", 0)) for s in states))
    scoped_estate, estate_undecidable = _scoped_scores(
        frameworks, scopes, [s.scoped_controls for s in states if s.state == DONE]
    )
    estate_scores.update(scoped_estate)
    by_state = {state: sum(1 for s in states if s.state == state) for state in (DONE, FAILED)}
    pending = sum(1 for s in states if s.state not in FINAL)
    finished = [s.finished for s in states if s.finished is not None]
    totals_failing = {sev: sum(r.failing.get(sev, 0) for r in rows) for sev in SEVERITY_ORDER}
    compared = [r for r in rows if r.new is not None]
    resources = sum(int(s.counts.get("resources", 0)) for s in states)
    return {
        "run_id": run_id, "scope": row["scope"], "mode": row["mode"], "created": created,
        "finished": max(finished) if finished and not pending else None,
        "targets_total": len(states), "done": by_state[DONE], "failed": by_state[FAILED], "pending": pending,
        "incomplete": sum(1 for s in states if s.incomplete), "rows": rows, "severities": SEVERITY_ORDER,
        "frameworks": frameworks, "scoped_frameworks": sorted(f.framework for f in frameworks if f.framework in scopes),
        "scope_of": {fid: scope.describe() for fid, scope in scopes.items()},
        "estate_undecidable": estate_undecidable,
        "rows_undecidable": sum(1 for r in rows if r.undecidable),
        "totals": {
            "resources": resources, "findings": sum(int(s.counts.get("findings", 0)) for s in states),
            "failing": totals_failing, "new": sum(r.new or 0 for r in compared),
            "resolved": sum(r.resolved or 0 for r in compared), "compared": len(compared),
        },
        "estate_scores": estate_scores,
        "generated": datetime.now(UTC),
    }


@lru_cache(maxsize=1)
def _template() -> Any:
    css = _asset("report.css")
    if "</style" in css.lower():
        raise ValueError("report.css must not contain a closing style tag")
    return _environment().from_string(_asset("estate.html.j2")), css


def render(runs: RunStore, run_id: str) -> str:
    template, css = _template()
    return str(template.render(css=css, **context(runs, run_id)))
