"""``auditor scan iac PATH...``: Terraform and CloudFormation, gated for CI."""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options
from auditor.cli.source_flags import collectors_from_flags


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("iac")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
    @click.option("--var-file", "var_files", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Extra Terraform .tfvars file (repeatable).")
    @click.option("--root", type=click.Path(exists=True, file_okay=False), help="Paths in findings are relative to this folder (default: the scanned folder).")
    @click.option("--own-account", "own_accounts", multiple=True, help="AWS account id(s) of your organisation: trust policies naming them are not cross-account (commas or repetition).")
    @click.option("--skip-path", "skip_paths", multiple=True, metavar="GLOB", help="Do not scan files or folders matching GLOB, relative to the scanned folder (repeatable), e.g. 'vendor/*' or '**/test'.")
    @click.option("--max-file-size", type=float, default=None, metavar="MIB", help="Refuse IaC files larger than this many MiB before parsing (default 8); each refused file is a collection error.")
    @common_scan_options
    def scan_iac(**flags: Any) -> None:
        """Scan Terraform (.tf, .tf.json, plan JSON) and CloudFormation (YAML, JSON) files or folders."""
        from auditor.pipeline import run_scan

        options = scan_options(flags)  # pops the common options: the rest are sources.iac keys
        collectors = collectors_from_flags("iac", flags)
        sys.exit(run_scan(collectors, options, sources=["iac"]))
