"""``auditor scan gcp``: live GCP projects through Application Default Credentials."""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options
from auditor.cli.sdk_options import sdk_limit_options
from auditor.cli.source_flags import collectors_from_flags


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
    def scan_gcp(**flags: Any) -> None:
        """Scan GCP projects (Application Default Credentials; read-only)."""
        from auditor.pipeline import run_scan

        options = scan_options(flags)  # pops the common options: the rest are sources.gcp keys
        collectors = collectors_from_flags("gcp", flags)
        for collector in collectors:
            collector.prepare()  # type: ignore[attr-defined]
        sys.exit(run_scan(collectors, options, sources=["gcp"]))
