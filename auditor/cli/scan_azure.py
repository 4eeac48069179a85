"""``auditor scan azure``: live Azure subscriptions through DefaultAzureCredential."""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options, split_multi
from auditor.cli.sdk_options import limits_from, sdk_limit_options
from auditor.sources.azure import (  # noqa: F401  (moved to the core; names kept for callers)
    CLOUD_NAMES,
    CONFIG_KEYS,
    _as_list,
    build_collectors,
    collectors_from_config,
)


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("azure")
    @click.option("--subscription", "subscriptions", multiple=True, help="Subscription id (repeat or commas). Default: every subscription visible.")
    @click.option("--cloud", type=click.Choice(CLOUD_NAMES), default="public", show_default=True, help="Azure cloud (sovereign clouds: usgov, china).")
    @click.option("--resource-manager-url", help="Explicit Azure Resource Manager URL (private endpoints, Azure Stack).")
    @click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA certificates to trust for the resource manager (PEM).")
    @sdk_limit_options
    @common_scan_options
    def scan_azure(subscriptions: tuple[str, ...], cloud: str, resource_manager_url: str | None, ca_bundle: str | None, **common: Any) -> None:
        """Scan Azure subscriptions (DefaultAzureCredential; read-only, the Reader role is enough)."""
        from auditor.pipeline import run_scan

        limits = limits_from(common)
        options = scan_options(common)
        collectors = build_collectors(split_multi(subscriptions), cloud, resource_manager_url, ca_bundle, limits)
        for collector in collectors:
            collector.prepare()  # type: ignore[attr-defined]
        sys.exit(run_scan(collectors, options, sources=["azure"]))
