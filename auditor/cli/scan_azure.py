"""``auditor scan azure``: live Azure subscriptions through DefaultAzureCredential."""

from __future__ import annotations

import sys
from typing import Any, get_args

import click

from auditor.cli.common import common_scan_options, scan_options
from auditor.cli.sdk_options import sdk_limit_options
from auditor.cli.source_flags import collectors_from_flags
from auditor.config import AzureSourceConfig

CLOUD_NAMES = get_args(AzureSourceConfig.model_fields["cloud"].annotation)


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("azure")
    @click.option("--subscription", "subscriptions", multiple=True, help="Subscription id (repeat or commas). Default: every subscription visible.")
    @click.option("--cloud", type=click.Choice(CLOUD_NAMES), default="public", show_default=True, help="Azure cloud (sovereign clouds: usgov, china).")
    @click.option("--resource-manager-url", help="Explicit Azure Resource Manager URL (private endpoints, Azure Stack).")
    @click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA certificates to trust for the resource manager (PEM).")
    @sdk_limit_options
    @common_scan_options
    def scan_azure(**flags: Any) -> None:
        """Scan Azure subscriptions (DefaultAzureCredential; read-only, the Reader role is enough)."""
        from auditor.pipeline import run_scan

        options = scan_options(flags)  # pops the common options: the rest are sources.azure keys
        collectors = collectors_from_flags("azure", flags)
        for collector in collectors:
            collector.prepare()  # type: ignore[attr-defined]
        sys.exit(run_scan(collectors, options, sources=["azure"]))
