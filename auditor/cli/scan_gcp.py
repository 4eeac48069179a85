"""``auditor scan gcp``: live GCP projects through Application Default Credentials."""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options, split_multi
from auditor.cli.sdk_options import limits_from, sdk_limit_options
from auditor.sources.gcp import (  # noqa: F401  (moved to the core; names kept for callers)
    CONFIG_KEYS,
    _as_list,
    build_collectors,
    collectors_from_config,
    parse_endpoints,
)


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("gcp")
    @click.option("--project", "projects", multiple=True, help="Project id (repeat or commas). Default: every project the credentials can see.")
    @click.option("--endpoint", "endpoints", multiple=True, metavar="SERVICE=URL",
                  help="API endpoint override, e.g. storage=https://storage-p.p.googleapis.com (Private Service Connect). "
                  "Services: storage, cloudresourcemanager, iam, compute, notebooks, aiplatform ({region} placeholder), cloudkms, "
                  "accesscontextmanager, container (GKE).")
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
