"""``auditor scan gcp``: live GCP projects through Application Default Credentials."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import click

from auditor.cli.common import common_scan_options, scan_options, split_multi
from auditor.cli.sdk_options import CONFIG_KEYS as SDK_KEYS
from auditor.cli.sdk_options import limits_from, sdk_limit_options
from auditor.collectors.base import Collector
from auditor.config import ConfigError

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

    extra = {"limits": limits} if limits is not None else {}
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


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("gcp")
    @click.option("--project", "projects", multiple=True, help="Project id (repeat or commas). Default: every project the credentials can see.")
    @click.option("--endpoint", "endpoints", multiple=True, metavar="SERVICE=URL",
                  help="API endpoint override, e.g. storage=https://storage-p.p.googleapis.com (Private Service Connect). "
                  "Services: storage, cloudresourcemanager, iam, compute, notebooks, aiplatform ({region} placeholder), cloudkms, "
                  "accesscontextmanager.")
    @click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA certificates to trust for the endpoints (PEM).")
    @click.option("--region", "regions", multiple=True, help="Vertex AI regions to read endpoints from (repeat or commas).")
    @sdk_limit_options
    @common_scan_options
    def scan_gcp(projects: tuple[str, ...], endpoints: tuple[str, ...], ca_bundle: str | None, regions: tuple[str, ...], **common: Any) -> None:
        """Scan GCP projects (Application Default Credentials; read-only)."""
        from auditor.pipeline import run_scan

        limits = limits_from(common)
        options = scan_options(common)
        collectors = build_collectors(split_multi(projects), parse_endpoints(endpoints), ca_bundle, split_multi(regions), limits)
        for collector in collectors:
            collector.prepare()  # type: ignore[attr-defined]
        sys.exit(run_scan(collectors, options, sources=["gcp"]))
