"""``auditor worker``, ``auditor runs show`` and ``auditor scan --config ... --distributed | --shard I/N``."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from auditor.config import ConfigError, load_config

if TYPE_CHECKING:
    from auditor.pipeline import ScanOptions

RUN_ENV = "AUDITOR_RUN"


def _store_url(options: ScanOptions) -> str:
    from auditor.store import resolve_store_url

    if options.no_store and options.store is None:
        raise ConfigError("--distributed and --shard write to the store: do not pass --no-store")
    return resolve_store_url(options.store, options.config.store)


def run_scaled(options: ScanOptions, config_path: str, *, distributed: bool, detach: bool, shard: str | None,
               run_id: str | None, broker: str | None) -> int:
    from auditor.collectors.base import CollectionSink
    from auditor.estate import estate_scope
    from auditor.scale import broker_url, exit_code_for, print_states, run_shard, run_summary
    from auditor.targets import parse_shard, plan_targets
    from auditor.targets import shard as slice_of

    if distributed == bool(shard):
        raise ConfigError("give exactly one of --distributed and --shard I/N (--detach and --run go with them)")
    if detach and not distributed:
        raise ConfigError("--detach goes with --distributed")
    config = options.config
    store_url = _store_url(options)
    scope = estate_scope(config, config_path, [])
    sink = CollectionSink()
    targets = plan_targets(config, sink)
    for error in sink.errors:
        print(f"error: {error.message}", file=sys.stderr)
    if not targets:
        raise ConfigError("the config lists no targets to scan")
    fail_rank = options.fail_on.rank if options.fail_on is not None else None
    if shard:
        index, count = parse_shard(shard)
        run = run_id or os.environ.get(RUN_ENV) or f"{scope}-{datetime.now(UTC):%Y%m%d}"
        mine = slice_of(targets, index, count)
        print(f"run {run}: shard {index}/{count} scans {len(mine)} of {len(targets)} targets", file=sys.stderr)
        progress = None if options.quiet else (lambda line: print(line, file=sys.stderr))
        states = run_shard(config, run, scope, targets, mine, store_url, progress=progress)
        print_states(states)
        return exit_code_for(states, config, fail_rank, options.allow_partial) or (3 if sink.errors and not options.allow_partial else 0)
    from auditor.scale import open_runs
    from auditor.worker import enqueue

    url = broker_url(config, broker)
    run = run_id or f"{scope}-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    runs = open_runs(store_url)
    try:
        runs.create_run(run, scope, "distributed", config.model_dump(mode="json"), targets)
        enqueue(url, config, run, targets, store_url)
        print(f"run {run}: {len(targets)} targets queued", file=sys.stderr)
        if detach:
            print(f"follow it with: auditor runs show {run}", file=sys.stderr)
            return 0
        states = _wait(runs, run, len(targets), quiet=options.quiet)
    finally:
        runs.store.close()
    print_states(states)
    summary = run_summary(states)
    print(json.dumps(summary), file=sys.stderr)
    return exit_code_for(states, config, fail_rank, options.allow_partial)


def _wait(runs: Any, run: str, total: int, *, quiet: bool) -> list[Any]:
    """Poll the run's target rows until every target is done or failed (a progress line per change)."""
    from auditor.runs import FINAL

    last = -1
    while True:
        try:
            states = runs.states(run)
        except Exception as exc:  # the store blinked: keep waiting
            if not quiet:
                print(f"waiting: store not reachable ({type(exc).__name__})", file=sys.stderr)
            time.sleep(2)
            continue
        finished = sum(1 for s in states if s.state in FINAL)
        if finished != last and not quiet:
            print(f"run {run}: {finished}/{total} targets finished", file=sys.stderr)
            last = finished
        if finished >= total:
            return states
        time.sleep(1)


def register(cli: click.Group, scan: click.Group) -> None:
    @cli.command("worker")
    @click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="auditor.yaml (its distributed: section).")
    @click.option("--broker", help="Redis or Valkey URL (else AUDITOR_BROKER_URL or distributed.broker).")
    @click.option("--concurrency", type=click.IntRange(min=1), help="Targets scanned at once [default: distributed.concurrency].")
    @click.option("--max-tasks-per-child", type=click.IntRange(min=1),
                  help="Recycle a worker process after this many targets [default: distributed.max_tasks_per_child].")
    @click.option("--loglevel", default="INFO", show_default=True)
    def worker_cmd(config_path: Path | None, broker: str | None, concurrency: int | None,
                   max_tasks_per_child: int | None, loglevel: str) -> None:
        """Scan targets of distributed runs as they are queued (a Celery worker)."""
        from auditor.scale import broker_url
        from auditor.worker import run_worker

        config = load_config(config_path)
        try:
            import celery  # noqa: F401
        except ImportError:
            raise ConfigError("the distributed extra is not installed: pip install 'ml-posture-auditor[distributed]'") from None
        run_worker(broker_url(config, broker), config,
                   concurrency=concurrency or config.distributed.concurrency,
                   max_tasks_per_child=max_tasks_per_child or config.distributed.max_tasks_per_child,
                   loglevel=loglevel)

    @cli.group("runs")
    def runs_group() -> None:
        """Organization runs (--distributed or --shard) in the store."""

    @runs_group.command("show")
    @click.argument("run")
    @click.option("--store", help="Store URL or SQLite path (else AUDITOR_STORE or the default).")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def runs_show(run: str, store: str | None, as_json: bool) -> None:
        """Each target's state and failures, the run's totals, and what changed since the previous run."""
        from auditor.scale import open_runs, print_states, run_summary
        from auditor.store import resolve_store_url

        runs = open_runs(resolve_store_url(store, None))
        try:
            if not runs.run_exists(run):
                raise ConfigError(f"no run {run!r} in the store")
            states = runs.states(run)
            summary = run_summary(states)
            previous = runs.previous_run(run)
            changes: dict[str, Any] = {"previous_run": previous}
            if previous:
                now, before = runs.failing(run), runs.failing(previous)
                per_target = {}
                for target in sorted(set(now) | set(before)):
                    new = len(now.get(target, set()) - before.get(target, set()))
                    resolved = len(before.get(target, set()) - now.get(target, set()))
                    if new or resolved:
                        per_target[target] = {"new": new, "resolved": resolved}
                changes["targets"] = per_target
                changes["new"] = sum(v["new"] for v in per_target.values())
                changes["resolved"] = sum(v["resolved"] for v in per_target.values())
        finally:
            runs.store.close()
        if as_json:
            click.echo(json.dumps({"run": run, "summary": summary, "changes": changes, "targets": [
                {"target": s.target_id, "state": s.state, "attempts": s.attempts, "error": s.error,
                 "incomplete": s.incomplete, "counts": s.counts} for s in states]}, indent=2, default=str))
            return
        print_states(states)
        click.echo(f"run {run}: {summary['targets']} targets {summary['by_state']}; {summary['resources']} resources; "
                   f"failing {summary['failures_by_severity']}")
        if changes.get("previous_run"):
            click.echo(f"since {changes['previous_run']}: {changes['new']} new, {changes['resolved']} resolved failures")

    @runs_group.command("report")
    @click.argument("run")
    @click.option("--store", help="Store URL or SQLite path (else AUDITOR_STORE or the default).")
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("estate.html"),
                  show_default=True, help="The HTML file to write.")
    @click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
    def runs_report(run: str, store: str | None, output: Path, force: bool) -> None:
        """An estate HTML report of RUN (or `latest`) from the store: a row and framework scores per target."""
        from auditor.reports.estate_html import render, resolve_run
        from auditor.runs import RunStore
        from auditor.store import open_store, resolve_store_url

        if output.exists() and not force:
            raise ConfigError(f"{output} exists; pass --force to overwrite it or choose another path")
        runs = RunStore(open_store(resolve_store_url(store, None), create=False))  # reading: never a new empty store
        try:
            run_id = resolve_run(runs, run)
            if run_id is None:
                raise ConfigError(f"no run {run!r} in the store")
            page = render(runs, run_id)
        finally:
            runs.store.close()
        output.write_text(page, encoding="utf-8")
        click.echo(f"run {run_id}: estate report written to {output}", err=True)
