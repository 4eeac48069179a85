"""``auditor scan iac PATH...``: Terraform and CloudFormation, gated for CI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options, split_multi
from auditor.collectors.base import Collector
from auditor.config import ConfigError


def _require_parsers() -> None:
    try:
        import tree_sitter  # noqa: F401
        import tree_sitter_hcl  # noqa: F401
    except ImportError:
        raise ConfigError("the iac extra is not installed: pip install 'ml-posture-auditor[iac]'") from None


def collectors_from_config(section: dict[str, Any]) -> list[Collector]:
    """``sources.iac`` of auditor.yaml: ``{"paths": [...], "var_file": [...], "root": "...",
    "own_account": [...]}`` (own AWS account ids: trusting them is not cross-account)."""
    _require_parsers()
    from auditor.collectors.iac import IacCollector

    paths = section.get("paths") or section.get("path") or []
    if isinstance(paths, str):
        paths = [paths]
    if not paths:
        raise ConfigError("sources.iac: 'paths' is required")
    missing = [str(p) for p in paths if not Path(str(p)).exists()]
    if missing:
        raise ConfigError(f"sources.iac: no such file or folder: {', '.join(missing)}")
    var_files = section.get("var_file") or section.get("var_files") or []
    if isinstance(var_files, str):
        var_files = [var_files]
    own = section.get("own_account") or section.get("own_accounts") or []
    if isinstance(own, str | int):
        own = [own]
    skip = section.get("skip_path") or section.get("skip_paths") or []
    if isinstance(skip, str):
        skip = [skip]
    return [
        IacCollector(
            [str(p) for p in paths],
            root=section.get("root"),
            var_files=[str(v) for v in var_files],
            own_accounts=[a for v in own for a in split_multi([str(v)])],
            skip_paths=[str(g) for g in skip],
            limits=_limits(section.get("max_file_size")),
        )
    ]


def _limits(max_file_size_mib: Any) -> Any:
    """IaC limits with the user's file size limit (MiB), checked here so a typo is a usage error."""
    from auditor.collectors.iac.limits import IacLimits

    if max_file_size_mib is None:
        return IacLimits()
    try:
        mib = float(max_file_size_mib)
    except (TypeError, ValueError):
        mib = -1
    if mib <= 0:
        raise ConfigError(f"sources.iac: max_file_size must be a positive number of MiB, not {max_file_size_mib!r}")
    return IacLimits(max_file_bytes=int(mib * 1024 * 1024))


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("iac")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
    @click.option("--var-file", "var_files", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Extra Terraform .tfvars file (repeatable).")
    @click.option("--root", type=click.Path(exists=True, file_okay=False), help="Paths in findings are relative to this folder (default: the scanned folder).")
    @click.option("--own-account", "own_accounts", multiple=True, help="AWS account id(s) of your organisation: trust policies naming them are not cross-account (commas or repetition).")
    @click.option("--skip-path", "skip_paths", multiple=True, metavar="GLOB", help="Do not scan files or folders matching GLOB, relative to the scanned folder (repeatable), e.g. 'vendor/*' or '**/test'.")
    @click.option("--max-file-size", type=float, default=None, metavar="MIB", help="Refuse IaC files larger than this many MiB before parsing (default 8); each refused file is a collection error.")
    @common_scan_options
    def scan_iac(
        paths: tuple[str, ...],
        var_files: tuple[str, ...],
        root: str | None,
        own_accounts: tuple[str, ...],
        skip_paths: tuple[str, ...],
        max_file_size: float | None,
        **common: Any,
    ) -> None:
        """Scan Terraform (.tf, .tf.json, plan JSON) and CloudFormation (YAML, JSON) files or folders."""
        options = scan_options(common)
        collectors = collectors_from_config(
            {
                "paths": list(paths),
                "var_file": list(var_files),
                "root": root,
                "own_account": list(own_accounts),
                "skip_path": list(skip_paths),
                "max_file_size": max_file_size,
            }
        )
        sys.exit(_run(collectors, options))


def _run(collectors: list[Collector], options: Any) -> int:
    from auditor.pipeline import run_scan

    return run_scan(collectors, options, sources=["iac"])
