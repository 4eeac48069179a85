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
    "auditor.cli.compliance_cmds",
    "auditor.cli.history_cmds",
    "auditor.cli.supply_chain_cmds",
    "auditor.cli.demo_cmd",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="auditor")
def cli() -> None:
    """Posture and compliance auditor for AI/ML infrastructure.

    Scans cloud accounts, infrastructure-as-code, ML services on the network and ML files, and
    maps every finding to GDPR, HIPAA and CCPA controls.

    Exit codes: 0 ok; 1 unsuppressed failure at or above --fail-on; 2 usage or config error;
    3 scan incomplete (unless --allow-partial).
    """


@cli.group(invoke_without_command=True)
@common_scan_options
@click.pass_context
def scan(ctx: click.Context, **common: Any) -> None:
    """Scan a source: aws, gcp, azure, iac, endpoints, files; or the whole estate that
    ``--config auditor.yaml`` describes (``auditor init`` writes a starter file)."""
    if ctx.invoked_subcommand is not None:
        given = [k for k, v in common.items() if v not in (None, False, ())]
        if given:
            raise click.UsageError("put options after the source name: auditor scan SOURCE [OPTIONS]")
        return
    if not common.get("config_path"):
        raise click.UsageError("name a source (auditor scan aws ...) or give --config auditor.yaml")
    from auditor.estate import run_estate

    config_path = common["config_path"]
    sys.exit(run_estate(scan_options(common), config_path))


@cli.command("evaluate")
@click.argument("inventory", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@common_scan_options
def evaluate_cmd(inventory: Path, **common: Any) -> None:
    """Re-run the current checks over a saved inventory or result JSON, without the cloud."""
    from datetime import UTC, datetime

    from auditor.pipeline import evaluate_resources, finish
    from auditor.resources import resource_from_dict
    from auditor.result import load_inventory

    options = scan_options(common)
    try:
        inv = load_inventory(inventory)
        resources = [resource_from_dict(item) for item in inv.inventory]
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{inventory}: {exc}") from exc
    result = evaluate_resources(
        resources,
        inv.collection_errors,
        inv.api_calls,
        sources=inv.sources or ["inventory"],
        scope=inv.scope or inventory.stem,
        options=options,
        started=datetime.now(UTC),
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
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("id", "severity", "kind", "clouds", "title"):
        table.add_column(col)
    for s in registry:
        table.add_row(s.id, s.severity.value, s.kind.kind if s.kind else "", ",".join(s.clouds or ()) or "any", s.title)
    Console(soft_wrap=True).print(table)
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


def run() -> None:
    try:
        cli.main(standalone_mode=False)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except SystemExit:
        raise


if __name__ == "__main__":
    run()
