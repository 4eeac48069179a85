"""``auditor scan azure``: live Azure subscriptions through DefaultAzureCredential."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from auditor.cli.common import common_scan_options, scan_options, split_multi
from auditor.cli.sdk_options import CONFIG_KEYS as SDK_KEYS
from auditor.cli.sdk_options import limits_from, sdk_limit_options
from auditor.collectors.base import Collector
from auditor.config import ConfigError

if TYPE_CHECKING:
    from auditor.collectors.sdk_limits import SdkLimits

CONFIG_KEYS = {"subscription", "subscriptions", "cloud", "resource_manager_url", "ca_bundle", *SDK_KEYS}
CLOUD_NAMES = ("public", "usgov", "china")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_multi([value])
    return split_multi(str(v) for v in value)


def build_collectors(
    subscriptions: list[str], cloud: str, resource_manager_url: str | None, ca_bundle: str | None, limits: SdkLimits | None = None
) -> list[Collector]:
    from auditor.collectors.azure import AzureCollector

    extra = {"limits": limits} if limits is not None else {}
    return [AzureCollector(subscriptions or None, cloud=cloud, resource_manager_url=resource_manager_url, ca_bundle=ca_bundle, **extra)]


def collectors_from_config(section: dict[str, Any]) -> list[Collector]:
    """``sources.azure`` of auditor.yaml: ``subscription``, ``cloud``, ``resource_manager_url``, ``ca_bundle``."""
    unknown = set(section) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CONFIG_KEYS))}")
    cloud = str(section.get("cloud") or "public")
    if cloud not in CLOUD_NAMES:
        raise ConfigError(f"cloud: {cloud!r} is not one of {', '.join(CLOUD_NAMES)}")
    return build_collectors(
        _as_list(section.get("subscription", section.get("subscriptions"))),
        cloud,
        section.get("resource_manager_url"),
        section.get("ca_bundle"),
        limits_from(dict(section), "sources.azure."),
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
