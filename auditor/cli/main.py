"""``auditor``: the command group. Cloud SDKs are imported only inside the commands that need them."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from auditor import __version__
from auditor.cli.common import common_scan_options, scan_options
from auditor.config import ConfigError

# Each module adds its commands with ``register(cli, scan)``; see auditor/cli/scan_aws.py.
COMMAND_MODULES = (
    "auditor.cli.scan_aws",
    "auditor.cli.scan_gcp",
    "auditor.cli.scan_azure",
    "auditor.cli.scan_iac",
    "auditor.cli.scan_endpoints",
    "auditor.cli.scan_files",
    "auditor.cli.scan_k8s",
    "auditor.cli.compliance_cmds",
    "auditor.cli.history_cmds",
    "auditor.cli.supply_chain_cmds",
    "auditor.cli.demo_cmd",
    "auditor.cli.scale_cmds",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="auditor")
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected error (accepted anywhere on the line; or AUDITOR_DEBUG=1).")
def cli(debug: bool = False) -> None:
    """Posture and compliance auditor for AI/ML infrastructure.

    Scans cloud accounts, infrastructure-as-code, ML services on the network and ML files, and
    maps every finding to GDPR, HIPAA and CCPA controls.

    Exit codes: 0 ok; 1 unsuppressed failure at or above --fail-on (or, with --fail-on-new, a new
    one; for diff: new failures or control regressions); 2 usage or config error; 3 scan incomplete
    (unless --allow-partial); 4 unexpected internal error (one line; --debug shows the traceback).
    """


@cli.group(invoke_without_command=True)
@common_scan_options
@click.option("--distributed", is_flag=True, help="With --config: one task per target for `auditor worker`s (Celery).")
@click.option("--detach", is_flag=True, help="With --distributed: enqueue and return; follow with `auditor runs show RUN`.")
@click.option("--shard", metavar="I/N", help="With --config: scan only slice I of N of the targets (0-based), no broker.")
@click.option("--run", "run_id", metavar="RUN", help="Run id for --distributed or --shard (all shards of a run share it).")
@click.option("--broker", help="Broker URL for --distributed (else AUDITOR_BROKER_URL or distributed.broker).")
@click.pass_context
def scan(ctx: click.Context, distributed: bool = False, detach: bool = False, shard: str | None = None,
         run_id: str | None = None, broker: str | None = None, **common: Any) -> None:
    """Scan a source: aws, gcp, azure, iac, endpoints, files; or the whole estate that
    ``--config auditor.yaml`` describes (``auditor init`` writes a starter file)."""
    if ctx.invoked_subcommand is not None:
        given = [k for k, v in common.items() if v not in (None, False, ())]
        if given:
            raise click.UsageError("put options after the source name: auditor scan SOURCE [OPTIONS]")
        return
    if not common.get("config_path"):
        raise click.UsageError("name a source (auditor scan aws ...) or give --config auditor.yaml")
    config_path = common["config_path"]
    if distributed or shard or detach or run_id or broker:
        from auditor.cli.scale_cmds import run_scaled

        sys.exit(run_scaled(scan_options(common), config_path, distributed=distributed, detach=detach, shard=shard,
                            run_id=run_id, broker=broker))
    from auditor.estate import run_estate

    sys.exit(run_estate(scan_options(common), config_path))


@cli.command("evaluate")
@click.argument("inventory", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@common_scan_options
def evaluate_cmd(inventory: Path, **common: Any) -> None:
    """Re-run the current checks over a saved inventory or result JSON, without the cloud."""
    from datetime import UTC, datetime

    from auditor.evaluation import inventory_stream
    from auditor.pipeline import build_registry, evaluate_resources, finish, save_inventory
    from auditor.preflight import preflight

    options = scan_options(common)
    registry = build_registry(options)
    preflight(options)
    try:
        resources, inv = inventory_stream(inventory)  # a streamed file is read one resource at a time
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{inventory}: {exc}") from exc
    sources = inv.sources or ["inventory"]
    scope = inv.scope or inventory.stem
    if options.save_inventory is not None:
        save_inventory(
            options.save_inventory, resources, inv.collection_errors, inv.api_calls,
            sources, scope, inv.collected or datetime.now(UTC), options.force,
        )
    result = evaluate_resources(
        resources,
        inv.collection_errors,
        inv.api_calls,
        sources=sources,
        scope=scope,
        options=options,
        started=datetime.now(UTC),
        registry=registry,
    )
    sys.exit(finish(result, options))


@cli.group("checks")
def checks_group() -> None:
    """The check catalog."""


@checks_group.command("list")
@click.option("--checks-dir", "checks_dirs", multiple=True, type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def checks_list(checks_dirs: tuple[str, ...], as_json: bool) -> None:
    """List every check with its id, severity, resource kind and title."""
    import json

    from auditor.registry import Registry, RegistryError

    try:
        registry = Registry.default(list(checks_dirs))
    except RegistryError as exc:
        raise ConfigError(str(exc)) from exc
    if as_json:
        rows = [
            {
                "id": s.id,
                "severity": s.severity.value,
                "kind": s.kind.kind if s.kind else None,
                "clouds": list(s.clouds) if s.clouds else None,
                "title": s.title,
                "remediation": s.remediation,
            }
            for s in registry
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    from auditor.console import console_for

    table = Table(show_lines=False)
    for col in ("id", "severity", "kind", "clouds", "title"):
        table.add_column(col)
    for s in registry:
        table.add_row(s.id, s.severity.value, s.kind.kind if s.kind else "", ",".join(s.clouds or ()) or "any", s.title)
    console_for().print(table)
    click.echo(f"{len(registry)} checks")


@cli.command("report")
@click.argument("result_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "-f", "formats", multiple=True, help="Comma-separated formats (default html).")
@click.option("--output-dir", "-o", type=click.Path(file_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True)
def report_cmd(
    result_file: Path, formats: tuple[str, ...], output_dir: Path | None, output: Path | None, force: bool
) -> None:
    """Render a saved result JSON in any format."""
    from auditor.reports import ReportError, parse_formats, write_reports
    from auditor.result import ScanResult

    try:
        result = ScanResult.load(result_file)
        fmts = parse_formats(formats) or ["html"]
        paths = write_reports(result, fmts, output_dir=output_dir, output=output, force=force)
    except (OSError, ValueError, ReportError) as exc:
        raise ConfigError(f"{result_file}: {exc}") from exc
    for path in paths:
        click.echo(f"wrote {path}", err=True)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(cli, scan)


_register_commands()


EXIT_INTERNAL = 4  # documented beside 0/1/2/3: an unexpected error, never "failures found"


def run(argv: list[str] | None = None) -> None:
    """The console entry point: usage errors exit 2, an unexpected exception is one line naming
    its cause (the traceback only with ``--debug``) and exits 4."""
    import os

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("AUDITOR_DEBUG", "").strip().lower() in ("1", "true", "yes")
    args = [a for a in args if a != "--debug"]
    try:
        cli.main(args=args, prog_name="auditor", standalone_mode=False)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except SystemExit:
        raise
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        cause = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        where = _origin(exc)
        click.echo(
            f"internal error: {type(exc).__name__}{': ' + cause if cause else ''}{where}"
            + ("" if debug else " (run again with --debug for the traceback)"),
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


def _origin(exc: BaseException) -> str:
    """Where it was raised, as ``module:line`` (no machine paths in the message)."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    if not frames:
        return ""
    last = frames[-1]
    return f" at {Path(last.filename).name}:{last.lineno}"


if __name__ == "__main__":
    run()
