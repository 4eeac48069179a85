"""One target per task: the work a Celery worker, a shard and ``runs show`` share.

``scan_target`` collects one target, evaluates it into a streamed result and writes its findings
to the store as idempotent upserts, under a lease on the target's state row. A database that
cannot be reached raises (the worker retries the task); anything else the target does wrong is
recorded on its row as ``failed`` with the reason, and the run goes on.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from auditor.config import AuditorConfig, ConfigError
from auditor.runs import DONE, FAILED, FINAL, RunStore, TargetState
from auditor.targets import Target

BROKER_ENV = "AUDITOR_BROKER_URL"


class TargetBusy(Exception):
    """Another worker holds the target's lease: try again later (one scan per target at a time)."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def is_database_outage(exc: BaseException) -> bool:
    """The store could not be reached (retry the task), as opposed to a bad target (record it)."""
    try:
        from sqlalchemy.exc import DBAPIError, OperationalError
    except ImportError:
        return False
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(getattr(exc, "connection_invalidated", False))


def scan_target(
    runs: RunStore,
    run_id: str,
    target: Target,
    config: AuditorConfig,
    *,
    lease: timedelta,
    worker: str | None = None,
) -> str:
    """Scan one target of a run; returns its final state ('done' or 'failed'), or 'skipped' when
    it had already finished (a redelivered task). Raises TargetBusy and database outages."""
    from auditor.collectors.base import CollectionError
    from auditor.engine import collect
    from auditor.evaluation import discard
    from auditor.pipeline import ScanOptions, evaluate_resources
    from auditor.targets import collectors_for

    claim = runs.claim(run_id, target.id, worker or worker_name(), lease)
    if claim == "done":
        return "skipped"
    if claim == "busy":
        raise TargetBusy(target.id)
    started = datetime.now(UTC)
    try:
        collectors = collectors_for(target, config.concurrency)
        sink = collect(collectors, max_workers=config.concurrency.accounts)
        options = ScanOptions(config=config, formats=[], no_store=True, quiet=True)
        result = evaluate_resources(
            sink.resources, sink.errors, dict(sink.api_calls), sources=[target.source], scope=target.id,
            options=options, started=started,
        )
    except Exception as exc:
        if is_database_outage(exc):
            raise
        runs.finish(run_id, target.id, state=FAILED, error=f"{type(exc).__name__}: {exc}", incomplete=True,
                    counts={})
        return FAILED
    try:
        runs.upsert_findings(run_id, target.id, result.findings)
        summary = result.summary()
        problems: list[CollectionError] = [e for e in result.collection_errors if e.incomplete]
        nothing = summary["resources"] == 0 and bool(problems)
        state = FAILED if nothing else DONE
        error = "; ".join(e.message for e in problems[:3]) or None
        from auditor.compliance.scoped_counts import record

        runs.finish(run_id, target.id, state=state, error=error, incomplete=bool(problems), counts=summary,
                    scoped_controls=record(result, config.framework_scopes))
        return state
    finally:
        discard(result.source)


def open_runs(store_url: str) -> RunStore:
    from auditor.store import open_store

    return RunStore(open_store(store_url))


def run_shard(
    config: AuditorConfig,
    run_id: str,
    scope: str,
    targets: Sequence[Target],
    mine: Sequence[Target],
    store_url: str,
    *,
    progress: Callable[[str], None] | None = None,
) -> list[TargetState]:
    """Register every target of the run (idempotent across shards), then scan this shard's."""
    from auditor import throttle

    # with a broker configured, shards share its buckets like workers do; without, each has its own
    budget = throttle.scoped(config.distributed.throttle, os.environ.get(BROKER_ENV) or config.distributed.broker)
    runs = open_runs(store_url)
    try:
        runs.create_run(run_id, scope, "shard", config.model_dump(mode="json"), targets)
        lease = timedelta(seconds=config.distributed.visibility_timeout)

        def one(target: Target) -> None:
            for attempt in range(5):
                try:
                    state = scan_target(runs, run_id, target, config, lease=lease)
                    if progress:
                        progress(f"{target.id}: {state}")
                    return
                except TargetBusy:
                    if progress:
                        progress(f"{target.id}: scanned elsewhere right now; waiting")
                    time.sleep(min(30, 2**attempt))
                except Exception as exc:
                    if not is_database_outage(exc) or attempt == 4:
                        raise
                    time.sleep(2**attempt)

        with budget, ThreadPoolExecutor(max_workers=max(1, min(config.concurrency.accounts, len(mine) or 1))) as pool:
            for future in [pool.submit(one, t) for t in mine]:
                future.result()
        ids = {t.id for t in mine}
        return [s for s in runs.states(run_id) if s.target_id in ids]
    finally:
        runs.store.close()


def run_summary(states: Sequence[TargetState]) -> dict[str, Any]:
    by_state = Counter(s.state for s in states)
    failing: Counter[str] = Counter()
    resources = findings = 0
    for s in states:
        resources += int(s.counts.get("resources", 0))
        findings += int(s.counts.get("findings", 0))
        failing.update({k: int(v) for k, v in (s.counts.get("failures_by_severity") or {}).items()})
    return {
        "targets": len(states),
        "by_state": dict(sorted(by_state.items())),
        "resources": resources,
        "findings": findings,
        "failures_by_severity": dict(failing),
        "complete": all(s.state in FINAL for s in states),
    }


def exit_code_for(states: Sequence[TargetState], config: AuditorConfig, fail_on_rank: int | None,
                  allow_partial: bool) -> int:
    """0, 1 (a failure at or above fail_on) or 3 (a target failed or was incomplete)."""
    from auditor.findings import Severity

    if not allow_partial and any(s.state == FAILED or s.incomplete for s in states):
        return 3
    if fail_on_rank is None:
        return 0
    for s in states:
        for severity, count in (s.counts.get("failures_by_severity") or {}).items():
            if int(count) and Severity(severity).rank >= fail_on_rank:
                return 1
    return 0


def print_states(states: Sequence[TargetState], out: Any = None) -> None:
    out = out or sys.stdout
    for s in states:
        failing = s.counts.get("failures_by_severity") or {}
        fails = ", ".join(f"{k} {v}" for k, v in failing.items() if v) or "-"
        tail = f"  ({s.error})" if s.error else ""
        print(f"{s.state:8} {s.target_id}  resources {s.counts.get('resources', 0)}, failing: {fails}, "
              f"attempts {s.attempts}{tail}", file=out)


def broker_url(config: AuditorConfig, given: str | None = None) -> str:
    url = given or os.environ.get(BROKER_ENV) or config.distributed.broker
    if not url:
        raise ConfigError(f"no broker: give --broker, set {BROKER_ENV} or distributed.broker in the config")
    if not url.startswith(("redis://", "rediss://", "valkey://", "valkeys://", "redis+socket://")):
        raise ConfigError(f"broker {url!r}: expected a redis:// (or valkey://) URL")
    return url.replace("valkey", "redis", 1) if url.startswith("valkey") else url
