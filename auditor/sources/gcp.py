"""GCP projects from their configuration (``scan gcp`` flags or ``sources.gcp``).

Core code: the CLI command, the estate scan, the worker and the shard all build this source's
collectors here (``auditor.targets``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from auditor.collectors.base import Collector
from auditor.config import ConfigError
from auditor.sources.common import SDK_KEYS, limits_from, split_multi

if TYPE_CHECKING:
    from auditor.collectors.sdk_limits import SdkLimits


CONFIG_KEYS = {"project", "projects", "endpoint", "endpoints", "ca_bundle", "region", "regions", *SDK_KEYS}


def parse_endpoints(values: Iterable[str] | Mapping[str, str] | None, *, where: str = "--endpoint") -> dict[str, str]:
    """``service=URL`` pairs (or a mapping) -> {service: URL}."""
    if values is None:
        return {}
    if isinstance(values, Mapping):
        values = [f"{k}={v}" for k, v in values.items()]
    out: dict[str, str] = {}
    for value in values:
        service, sep, url = str(value).partition("=")
        if not sep or not service.strip() or not url.strip():
            raise ConfigError(f"{where}: expected service=URL, got {value!r}")
        if not url.strip().startswith(("http://", "https://")):
            raise ConfigError(f"{where}: {service.strip()} URL must start with http:// or https://, got {url.strip()!r}")
        out[service.strip()] = url.strip()
    return out


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_multi([value])
    return split_multi(str(v) for v in value)


def build_collectors(
    projects: list[str], endpoints: dict[str, str], ca_bundle: str | None, regions: list[str], limits: SdkLimits | None = None
) -> list[Collector]:
    from auditor.collectors.gcp import GcpCollector

    extra: dict[str, Any] = {"limits": limits} if limits is not None else {}
    return [GcpCollector(projects or None, endpoints=endpoints, ca_bundle=ca_bundle, regions=regions or None, **extra)]


def collectors_from_config(section: dict[str, Any]) -> list[Collector]:
    """``sources.gcp`` of auditor.yaml: ``project``, ``endpoint`` (service: URL), ``ca_bundle``, ``region``."""
    unknown = set(section) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CONFIG_KEYS))}")
    endpoints = section.get("endpoint", section.get("endpoints"))
    return build_collectors(
        _as_list(section.get("project", section.get("projects"))),
        parse_endpoints(endpoints, where="endpoint"),
        section.get("ca_bundle"),
        _as_list(section.get("region", section.get("regions"))),
        limits_from(dict(section), "sources.gcp."),
    )
