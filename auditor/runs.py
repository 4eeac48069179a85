"""Organization runs in the store: a run, one state row per target, findings per (run, target, fingerprint).

Every write is idempotent: a target's findings are upserts keyed by (run, target, fingerprint),
so a task that is delivered twice (a worker killed after writing, before acknowledging) leaves
exactly one copy. A target is claimed with a lease (one scan per target at a time); a claim
whose lease ran out (its worker died) can be taken over. Tables: migration 0002; a target's
control results under the run's framework scopes: 0003.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from auditor.findings import Finding, Status
from auditor.store import Store, _aware

BATCH = 1000
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINAL = (DONE, FAILED)


@dataclass(frozen=True)
class TargetState:
    target_id: str
    source: str
    state: str
    attempts: int
    worker: str | None
    error: str | None
    incomplete: bool | None
    counts: dict[str, Any]
    started: datetime | None
    finished: datetime | None
    # framework id -> {"resources_in_scope": n, "controls": {control id: counts}} for the frameworks
    # the run's config scopes, as the target's scan judged them; None when not recorded (see 0003)
    scoped_controls: dict[str, Any] | None = None


class RunStore:
    """The run tables of a :class:`auditor.store.Store` (same database, same engine)."""

    def __init__(self, store: Store) -> None:
        from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, Text
        from sqlalchemy.types import JSON

        self.store = store
        md = MetaData()
        self.runs = Table(
            "runs", md,
            Column("id", String(128), primary_key=True),
            Column("scope", String(512)),
            Column("created", DateTime(timezone=True)),
            Column("mode", String(16)),
            Column("config", JSON),
        )
        self.targets = Table(
            "run_targets", md,
            Column("run_id", String(128), primary_key=True),
            Column("target_id", String(512), primary_key=True),
            Column("source", String(32)),
            Column("spec", JSON),
            Column("state", String(16)),
            Column("attempts", Integer),
            Column("worker", String(256)),
            Column("lease_until", DateTime(timezone=True)),
            Column("started", DateTime(timezone=True)),
            Column("finished", DateTime(timezone=True)),
            Column("error", Text),
            Column("incomplete", Boolean),
            Column("counts", JSON),
            Column("scoped_controls", JSON),
        )
        self.findings = Table(
            "run_findings", md,
            Column("run_id", String(128), primary_key=True),
            Column("target_id", String(512), primary_key=True),
            Column("fingerprint", String(64), primary_key=True),
            Column("check_id", String(128)),
            Column("resource_id", Text),
            Column("account", String(256)),
            Column("status", String(16)),
            Column("severity", String(16)),
            Column("suppressed", Boolean),
            Column("message", Text),
        )

    def _insert(self, table: Any) -> Any:
        if self.store.is_sqlite:
            from sqlalchemy.dialects import sqlite

            return sqlite.insert(table)
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)

    # -- runs -------------------------------------------------------------------------------
    def create_run(self, run_id: str, scope: str, mode: str, config: dict[str, Any], targets: Sequence[Any]) -> None:
        """The run and a queued row per target; a second call (another shard) adds nothing twice."""
        now = datetime.now(UTC)
        with self.store._write() as conn:
            conn.execute(
                self._insert(self.runs).values(id=run_id, scope=scope, created=now, mode=mode, config=config)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            rows = [
                {"run_id": run_id, "target_id": t.id, "source": t.source, "spec": t.to_json(), "state": QUEUED,
                 "attempts": 0}
                for t in targets
            ]
            for start in range(0, len(rows), BATCH):
                conn.execute(
                    self._insert(self.targets).on_conflict_do_nothing(index_elements=["run_id", "target_id"]),
                    rows[start : start + BATCH],
                )

    def run_exists(self, run_id: str) -> bool:
        from sqlalchemy import select

        with self.store.engine.connect() as conn:
            return conn.execute(select(self.runs.c.id).where(self.runs.c.id == run_id)).first() is not None

    def run_row(self, run_id: str) -> dict[str, Any] | None:
        from sqlalchemy import select

        with self.store.engine.connect() as conn:
            row = conn.execute(select(self.runs).where(self.runs.c.id == run_id)).mappings().first()
        return dict(row) if row else None

    # -- one target -------------------------------------------------------------------------
    def claim(self, run_id: str, target_id: str, worker: str, lease: timedelta) -> str:
        """Take the target for a scan. Returns 'claimed', 'done' (already finished: nothing to
        do) or 'busy' (another worker holds an unexpired lease: one scan per target at a time)."""
        from sqlalchemy import delete, select, update

        now = datetime.now(UTC)
        t = self.targets.c
        with self.store._write() as conn:
            query = select(t.state, t.lease_until, t.worker).where(t.run_id == run_id, t.target_id == target_id)
            if not self.store.is_sqlite:
                query = query.with_for_update()
            row = conn.execute(query).first()
            if row is None:
                raise LookupError(f"run {run_id} has no target {target_id}")
            if row.state in FINAL:
                return "done"
            if row.state == RUNNING and row.lease_until is not None and _aware(row.lease_until) > now and row.worker != worker:
                return "busy"
            conn.execute(
                update(self.targets)
                .where(t.run_id == run_id, t.target_id == target_id)
                .values(state=RUNNING, attempts=t.attempts + 1, worker=worker, lease_until=now + lease, started=now,
                        error=None)
            )
            # A new attempt starts clean: what a killed attempt wrote is replaced, never added to.
            f = self.findings.c
            conn.execute(delete(self.findings).where(f.run_id == run_id, f.target_id == target_id))
        return "claimed"

    def upsert_findings(self, run_id: str, target_id: str, findings: Iterable[Finding]) -> int:
        """Write findings in batches; keyed by (run, target, fingerprint), so repeating is harmless."""
        total = 0
        for batch in _batches(findings, BATCH):
            rows = [
                {
                    "run_id": run_id, "target_id": target_id, "fingerprint": f.fingerprint, "check_id": f.check_id,
                    "resource_id": f.resource_id, "account": f.account, "status": f.status.value,
                    "severity": f.severity.value, "suppressed": f.suppression is not None, "message": f.message,
                }
                for f in batch
            ]
            stmt = self._insert(self.findings)
            stmt = stmt.on_conflict_do_update(
                index_elements=["run_id", "target_id", "fingerprint"],
                set_={c: stmt.excluded[c] for c in ("check_id", "resource_id", "account", "status", "severity",
                                                     "suppressed", "message")},
            )
            with self.store._write() as conn:
                conn.execute(stmt, rows)
            total += len(rows)
        return total

    def finish(self, run_id: str, target_id: str, *, state: str, error: str | None, incomplete: bool | None,
               counts: dict[str, Any], scoped_controls: dict[str, Any] | None = None) -> None:
        from sqlalchemy import update

        t = self.targets.c
        with self.store._write() as conn:
            conn.execute(
                update(self.targets)
                .where(t.run_id == run_id, t.target_id == target_id)
                .values(state=state, error=error, incomplete=incomplete, counts=counts, finished=datetime.now(UTC),
                        lease_until=None, scoped_controls=scoped_controls)
            )

    # -- reading ----------------------------------------------------------------------------
    def states(self, run_id: str) -> list[TargetState]:
        from sqlalchemy import select

        t = self.targets.c
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(self.targets).where(t.run_id == run_id).order_by(t.target_id)).mappings().all()
        return [
            TargetState(
                target_id=r["target_id"], source=r["source"], state=r["state"], attempts=r["attempts"] or 0,
                worker=r["worker"], error=r["error"], incomplete=r["incomplete"], counts=dict(r["counts"] or {}),
                started=_aware(r["started"]) if r["started"] else None,
                finished=_aware(r["finished"]) if r["finished"] else None,
                scoped_controls=r["scoped_controls"],
            )
            for r in rows
        ]

    def findings_of(self, run_id: str) -> list[tuple[str, str, str, str]]:
        """(target, fingerprint, status, severity) of every finding of the run, sorted."""
        from sqlalchemy import select

        f = self.findings.c
        query = select(f.target_id, f.fingerprint, f.status, f.severity).where(f.run_id == run_id)
        with self.store.engine.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(query))  # type: ignore[misc]

    def failing(self, run_id: str) -> dict[str, set[str]]:
        """target -> fingerprints of unsuppressed failures."""
        from sqlalchemy import select

        f = self.findings.c
        query = select(f.target_id, f.fingerprint).where(
            f.run_id == run_id, f.status == Status.FAIL.value, f.suppressed.is_(False)
        )
        out: dict[str, set[str]] = {}
        with self.store.engine.connect() as conn:
            for target, fp in conn.execute(query):
                out.setdefault(target, set()).add(fp)
        return out

    def previous_run(self, run_id: str) -> str | None:
        """The newest earlier run of the same scope (for the run's diff)."""
        from sqlalchemy import select

        row = self.run_row(run_id)
        if row is None:
            return None
        r = self.runs.c
        query = (
            select(r.id).where(r.scope == row["scope"], r.created < row["created"], r.id != run_id)
            .order_by(r.created.desc()).limit(1)
        )
        with self.store.engine.connect() as conn:
            found = conn.execute(query).scalar()
        return str(found) if found else None


def _batches(items: Iterable[Finding], size: int) -> Iterator[list[Finding]]:
    batch: list[Finding] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
