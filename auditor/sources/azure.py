"""Azure subscriptions from their configuration (``scan azure`` flags or ``sources.azure``).

Core code: the CLI command, the estate scan, the worker and the shard all build this source's
collectors here (``auditor.targets``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditor.collectors.base import Collector
from auditor.config import ConfigError
from auditor.sources.common import SDK_KEYS, limits_from, split_multi

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

    extra: dict[str, Any] = {"limits": limits} if limits is not None else {}
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
