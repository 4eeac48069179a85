"""``auditor scan aws``: one live AWS account through the standard credential chain."""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options, split_multi
from auditor.cli.sdk_options import limits_from, sdk_limit_options
from auditor.sources.aws import (  # noqa: F401  (moved to the core; names kept for callers)
    CONFIG_KEYS,
    _as_list,
    build_collectors,
    collectors_from_config,
)


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("aws")
    @click.option("--profile", help="Named profile from the AWS config (default: the standard credential chain).")
    @click.option("--regions", "regions", multiple=True, help="Regions to scan (commas or repetition). Default: every enabled region.")
    @click.option("--endpoint-url", help="Send every API call to this endpoint (AWS_ENDPOINT_URL is also honoured).")
    @click.option("--max-workers", default=16, show_default=True, type=int, help="Concurrent API calls.")
    @sdk_limit_options
    @common_scan_options
    def scan_aws(
        profile: str | None, regions: tuple[str, ...], endpoint_url: str | None, max_workers: int, **common: Any
    ) -> None:
        """Scan one AWS account, read-only: S3, IAM, SageMaker, Bedrock, EC2, KMS, CloudTrail.

        Needs the permissions in docs/aws-readonly-policy.json (or ReadOnlyAccess / SecurityAudit).
        """
        from auditor.pipeline import run_scan

        limits = limits_from(common)
        options = scan_options(common)
        collectors = build_collectors(profile, split_multi(regions), endpoint_url, max_workers, limits)
        sys.exit(run_scan(collectors, options, sources=["aws"]))
