"""``auditor history``, ``auditor diff`` and ``auditor init``: scan history and what changed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from auditor.config import ConfigError, load_config

if TYPE_CHECKING:
    from auditor.history import ScanDiff, ScanView
    from auditor.store import Store

_SEVERITIES = ("critical", "high", "medium", "low", "info")


# ``auditor diff`` exit codes: 0 nothing got worse; 1 new failures or control regressions;
# 2 usage error (as everywhere).
DIFF_EXIT_WORSE = 1


def _open(store_opt: str | None, config_path: str | None) -> Store:
    """Read-only commands open an existing store and never create one."""
    from auditor.store import open_store, resolve_store_url

    config = load_config(config_path)
    return open_store(resolve_store_url(store_opt, config.store), create=False)


def _resolve_pair(store: Store | None, old: str | None, new: str | None, scope: str | None) -> tuple[ScanView, ScanView]:
    """Each argument is a result file or a scan id (prefix) in the store."""
    from auditor.history import view_of_json

    def load(ref: str) -> ScanView:
        path = Path(ref)
        if path.is_file():
            try:
                return view_of_json(json.loads(path.read_bytes()), str(path))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"{path}: cannot read it as an auditor result: {exc}") from exc
        if store is None:
            raise ConfigError(f"{ref}: no such result file")
        return store.load_view(store.find_scan(ref).id)

    if old is not None and new is not None:
        return load(old), load(new)
    if store is None:
        raise ConfigError("give two result files, or use the scan store")
    if new is None and old is not None:  # one argument: that scan against the one before it
        newer = load(old)
        earlier = store.previous_baseline(
            newer.ref.scope, [s for s in store.list_scans(newer.ref.scope) if s.started < newer.ref.started]
        )
        if earlier is None:
            raise ConfigError(
                f"scan {newer.ref.id} has no earlier scan of scope {newer.ref.scope!r} that read something; nothing to compare"
            )
        return store.load_view(earlier.id), newer
    if scope is None:
        scopes = store.scopes()
        if not scopes:
            raise ConfigError("the scan store is empty; run a scan first")
        if len(scopes) > 1:
            shown = ", ".join(scopes[:10]) + (f" and {len(scopes) - 10} more" if len(scopes) > 10 else "")
            raise ConfigError(f"the store holds scans of {len(scopes)} scopes ({shown}); choose one with --scope")
        scope = scopes[0]
    scans = store.list_scans(scope)
    if not scans:
        raise ConfigError(f"the store holds no scan of scope {scope!r}")
    # The newest scan against the one before it; a scan that collected nothing is never the baseline.
    before = store.previous_baseline(scope, scans[1:])
    if before is None:
        raise ConfigError(f"scope {scope!r} has no scan before {scans[0].id[:8]} that read something; diff needs two")
    return store.load_view(before.id), store.load_view(scans[0].id)


def _print_table(diff: ScanDiff) -> None:
    from rich.table import Table

    from auditor.console import console_for

    console = console_for()
    n = diff.counts()
    console.print(
        f"[bold]{diff.new.scope}[/]: scan {diff.new.id} ({diff.new.started:%Y-%m-%d %H:%M} UTC) "
        f"against {diff.old.id} ({diff.old.started:%Y-%m-%d %H:%M} UTC)",
        markup=True, highlight=False,
    )
    console.print(
        f"{n['new']} new, {n['resolved']} resolved, {n['still_open']} still open, "
        f"{n['regressions']} control regressions, {n['improvements']} controls improved",
        highlight=False,
    )
    for title, items in (("new", diff.new_findings), ("resolved", diff.resolved), ("still open", diff.still_open)):
        if not items:
            continue
        table = Table(title=title, title_justify="left")
        for col in ("severity", "check", "resource", "account", "region"):
            table.add_column(col)
        for c in items:
            table.add_row(c.severity.value, c.check_id, c.resource_name or c.resource_id, c.account or "", c.region or "")
        console.print(table)
    if diff.regressions:
        table = Table(title="control regressions", title_justify="left")
        for col in ("framework", "control", "title", "before", "after"):
            table.add_column(col)
        for r in diff.regressions:
            table.add_row(r.framework, r.control_id, r.title, r.before, r.after)
        console.print(table)


def _notify_targets(cli_targets: tuple[str, ...], config_path: str | None) -> list[str]:
    config = load_config(config_path)
    return [*cli_targets, *(t.file or t.webhook or "" for t in config.outputs.notify)]


def register(cli: click.Group, scan: click.Group) -> None:
    @cli.command("diff")
    @click.argument("old", required=False)
    @click.argument("new", required=False)
    @click.option("--store", "store_opt", metavar="PATH|URL", help="Scan store (default: $AUDITOR_STORE, config, per-user file).")
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="auditor.yaml (store and notify targets).")
    @click.option("--scope", help="Compare the newest scan of this scope with the one before it (required when the store holds several scopes).")
    @click.option("--format", "fmt", type=click.Choice(["table", "json", "md"]), default="table", show_default=True)
    @click.option("--notify", multiple=True, metavar="FILE|URL", help="Also send the summary: .md/.json file or webhook URL.")
    def diff_cmd(
        old: str | None, new: str | None, store_opt: str | None, config_path: str | None,
        scope: str | None, fmt: str, notify: tuple[str, ...],
    ) -> None:
        """What changed between two scans: new, resolved and still-open failures, and control
        regressions. OLD and NEW are scan ids (or prefixes) from the store, or result JSON files;
        with none, the newest scan of the scope against the one before it (a scan that collected
        nothing is never the baseline).

        Exit codes: 0 nothing got worse; 1 new failures or control regressions; 2 usage error."""
        from auditor.history import diff_views, to_json, to_markdown
        from auditor.notify import NotifyError
        from auditor.notify import notify as send

        both_files = old is not None and new is not None and Path(old).is_file() and Path(new).is_file()
        store = None if both_files and store_opt is None else _open(store_opt, config_path)
        try:
            before, after = _resolve_pair(store, old, new, scope)
        finally:
            if store is not None:
                store.close()
        diff = diff_views(before, after)
        if fmt == "json":
            click.echo(to_json(diff))
        elif fmt == "md":
            click.echo(to_markdown(diff), nl=False)
        else:
            _print_table(diff)
        failed = False
        for target in _notify_targets(notify, config_path):
            if not target:
                continue
            try:
                click.echo(send(diff, target), err=True)
            except NotifyError as exc:
                click.echo(f"error: {exc}", err=True)
                failed = True
        if failed:
            sys.exit(2)
        if diff.new_findings or diff.regressions:
            sys.exit(DIFF_EXIT_WORSE)

    @cli.command("history")
    @click.option("--store", "store_opt", metavar="PATH|URL", help="Scan store (default: $AUDITOR_STORE, config, per-user file).")
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="auditor.yaml (its store: key).")
    @click.option("--scope", help="Only scans of this scope.")
    @click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def history_cmd(store_opt: str | None, config_path: str | None, scope: str | None, limit: int, as_json: bool) -> None:
        """List stored scans, newest first."""
        store = _open(store_opt, config_path)
        try:
            scans = store.list_scans(scope, limit=limit)
        finally:
            store.close()
        if as_json:
            rows = [
                {
                    "id": s.id, "scope": s.scope, "sources": s.sources, "started": s.started.isoformat(),
                    "finished": s.finished.isoformat(), "duration_seconds": s.duration_seconds,
                    "incomplete": s.incomplete, "counts": s.counts, "digest": s.digest,
                }
                for s in scans
            ]
            click.echo(json.dumps(rows, indent=2))
            return
        from rich.table import Table

        from auditor.console import console_for

        table = Table()
        for col in ("scan", "scope", "started (UTC)", "seconds", "resources", "failing c/h/m/l/i", "complete"):
            table.add_column(col)
        for s in scans:
            sev = s.counts.get("failures_by_severity", {})
            table.add_row(
                s.id[:8], s.scope, f"{s.started:%Y-%m-%d %H:%M:%S}", f"{s.duration_seconds:.1f}",
                str(s.counts.get("resources", "")), "/".join(str(sev.get(k, 0)) for k in _SEVERITIES),
                "no" if s.incomplete else "yes",
            )
        console_for().print(table)
        click.echo(f"{len(scans)} scan(s)")

    @cli.command("init")
    @click.argument("path", default="auditor.yaml", type=click.Path(dir_okay=False))
    def init_cmd(path: str) -> None:
        """Write a commented starter auditor.yaml (never overwrites)."""
        from auditor.config import write_starter

        written = write_starter(path)
        click.echo(f"wrote {written}; edit it, then run: auditor scan --config {written}", err=True)
