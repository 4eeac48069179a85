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
    return [
        IacCollector(
            [str(p) for p in paths],
            root=section.get("root"),
            var_files=[str(v) for v in var_files],
            own_accounts=[a for v in own for a in split_multi([str(v)])],
        )
    ]


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("iac")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
    @click.option("--var-file", "var_files", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Extra Terraform .tfvars file (repeatable).")
    @click.option("--root", type=click.Path(exists=True, file_okay=False), help="Paths in findings are relative to this folder (default: the scanned folder).")
    @click.option("--own-account", "own_accounts", multiple=True, help="AWS account id(s) of your organisation: trust policies naming them are not cross-account (commas or repetition).")
    @common_scan_options
    def scan_iac(
        paths: tuple[str, ...], var_files: tuple[str, ...], root: str | None, own_accounts: tuple[str, ...], **common: Any
    ) -> None:
        """Scan Terraform (.tf, .tf.json, plan JSON) and CloudFormation (YAML, JSON) files or folders."""
        options = scan_options(common)
        collectors = collectors_from_config(
            {"paths": list(paths), "var_file": list(var_files), "root": root, "own_account": list(own_accounts)}
        )
        sys.exit(_run(collectors, options))


def _run(collectors: list[Collector], options: Any) -> int:
    from auditor.pipeline import run_scan

    return run_scan(collectors, options, sources=["iac"])
