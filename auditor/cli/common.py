"""Options spelled the same on every scan command, and turning them into ScanOptions."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.config import ConfigError, load_config, split_multi
from auditor.findings import Severity
from auditor.pipeline import ScanOptions

F = TypeVar("F", bound=Callable[..., Any])


def parse_fail_on(value: str) -> Severity | None:
    if value.strip().lower() == "none":
        return None
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fail-on") from None


_COMMON = [
    click.option("--config", "config_path", type=click.Path(dir_okay=False), help="auditor.yaml with suppressions, severities, options."),
    click.option("--format", "-f", "formats", multiple=True, help="Comma-separated: html,json,sarif,junit,csv,md (default html,json)."),
    click.option("--output-dir", "-o", type=click.Path(file_okay=False, path_type=Path), help="Folder for auditor-<scope>-<UTC time>.<ext> files (never overwrites)."),
    click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="One exact output path (one format; without --format, the format its name ends in)."),
    click.option("--force", is_flag=True, help="Allow --output / --save-inventory to overwrite an existing file."),
    click.option("--fail-on", default=None, help="Exit 1 on an unsuppressed failure at or above: critical|high|medium|low|info|none (default high, or outputs.fail_on)."),
    click.option("--fail-on-new", is_flag=True, default=None, help="Exit 1 only on failures absent from the previous stored scan of the same scope (or the --baseline); a scan that collected nothing is never that baseline."),
    click.option("--allow-partial", is_flag=True, help="Do not exit 3 when a source could not be fully read."),
    click.option("--checks", "include_checks", multiple=True, help="Only these check ids (commas or repetition; 'bucket_*' prefixes)."),
    click.option("--skip-checks", "exclude_checks", multiple=True, help="Skip these check ids."),
    click.option("--checks-dir", "checks_dirs", multiple=True, type=click.Path(file_okay=False), help="Folder of your own checks."),
    click.option("--framework", "frameworks", multiple=True, help="Limit compliance mapping to these framework ids."),
    click.option("--framework-scope", "framework_scopes", multiple=True, help="Judge a framework on part of the estate: hipaa:tag:data-classification=phi, gdpr:account:ID, :project:ID, :subscription:ID."),
    click.option("--save-inventory", type=click.Path(dir_okay=False, path_type=Path), help="Also write the collected inventory alone."),
    click.option("--baseline", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Earlier result JSON: only new failures fail the run."),
    click.option("--quiet", "-q", is_flag=True, help="Only the summary: no progress, no list of failing findings."),
    click.option("--store", "store", metavar="PATH|URL", help="Scan history: SQLite file or database URL (default: $AUDITOR_STORE, config store:, or a per-user file)."),
    click.option("--no-store", is_flag=True, help="Do not record this scan in the history."),
    click.option("--notify", "notify", multiple=True, metavar="FILE|URL", help="Send what changed since the previous scan: .md/.json file or webhook URL."),
]


def common_scan_options(func: F) -> F:
    for option in reversed(_COMMON):
        func = option(func)
    return func


COMMON_KEYS = (
    "config_path", "formats", "output_dir", "output", "force", "fail_on", "fail_on_new", "allow_partial",
    "include_checks", "exclude_checks", "checks_dirs", "frameworks", "framework_scopes", "save_inventory", "baseline",
    "quiet", "store", "no_store", "notify",
)


def _format_of_output(output: Path) -> list[str]:
    """``--output r.sarif`` without ``--format``: the format the file name asks for."""
    from auditor.reports import OUTPUT_SUFFIXES, format_for_path

    fmt = format_for_path(output)
    if fmt is None:
        endings = ", ".join(s for suffixes in OUTPUT_SUFFIXES.values() for s in suffixes)
        raise ConfigError(f"--output {output}: cannot tell the format from its name (use one of {endings}, or --format)")
    return [fmt]


def _is_scan_command() -> bool:
    """The history is recorded by default for ``auditor scan ...``; other commands opt in."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.command.name == "scan":
            return True
        ctx = ctx.parent
    return False


def scan_options(common: dict[str, Any]) -> ScanOptions:
    """Pop the common options out of a command's kwargs and build ScanOptions."""
    from auditor.reports import ReportError, parse_formats

    values = {k: common.pop(k) for k in COMMON_KEYS if k in common}
    config = load_config(values.get("config_path"))
    try:
        formats = parse_formats(values.get("formats") or ()) or ["html", "json"]
    except ReportError as exc:
        raise ConfigError(str(exc)) from exc
    frameworks = split_multi(values.get("frameworks")) or None
    if values.get("framework_scopes"):
        from auditor.compliance.scope import merge_scopes, parse_cli_scopes

        scopes = merge_scopes(config.framework_scopes, parse_cli_scopes(values["framework_scopes"]))
        config = config.model_copy(update={"framework_scopes": scopes})
    from auditor.compliance import check_selection

    check_selection(frameworks if frameworks is not None else config.frameworks, config.framework_scopes)
    outputs = config.outputs
    if not values.get("formats") and outputs.formats:
        try:
            formats = parse_formats(outputs.formats)
        except ReportError as exc:
            raise ConfigError(f"outputs.formats: {exc}") from exc
    if values.get("output") is not None and not values.get("formats") and not outputs.formats:
        formats = _format_of_output(values["output"])
    output_dir = values.get("output_dir")
    if output_dir is None and outputs.output_dir and values.get("output") is None:
        output_dir = Path(outputs.output_dir).expanduser()
    store = values.get("store")
    no_store = bool(values.get("no_store")) or (store is None and not _is_scan_command())
    return ScanOptions(
        formats=formats,
        output_dir=output_dir,
        output=values.get("output"),
        force=bool(values.get("force")),
        fail_on=parse_fail_on(values.get("fail_on") or outputs.fail_on or "high"),
        fail_on_new=bool(values.get("fail_on_new") or outputs.fail_on_new),
        allow_partial=bool(values.get("allow_partial")) or bool(outputs.allow_partial),
        store=store,
        no_store=no_store,
        notify=[*values.get("notify", ()), *(t.file or t.webhook or "" for t in outputs.notify)],
        include_checks=split_multi(values.get("include_checks")),
        exclude_checks=split_multi(values.get("exclude_checks")),
        checks_dirs=list(values.get("checks_dirs") or ()),
        frameworks=frameworks,
        save_inventory=values.get("save_inventory"),
        baseline=values.get("baseline"),
        quiet=bool(values.get("quiet")),
        command=" ".join(shlex.quote(a) for a in ["auditor", *sys.argv[1:]]),
        config=config,
    )
