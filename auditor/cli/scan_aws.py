"""``auditor scan aws``: one live AWS account through the standard credential chain."""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options
from auditor.cli.sdk_options import sdk_limit_options
from auditor.cli.source_flags import collectors_from_flags, per_account_limit


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("aws")
    @click.option("--profile", help="Named profile from the AWS config (default: the standard credential chain).")
    @click.option("--regions", "regions", multiple=True, help="Regions to scan (commas or repetition). Default: every enabled region.")
    @click.option("--endpoint-url", help="Send every API call to this endpoint (AWS_ENDPOINT_URL is also honoured).")
    @click.option("--max-workers", default=16, show_default=True, type=int, help="Concurrent API calls (concurrency.per_account).")
    @sdk_limit_options
    @common_scan_options
    def scan_aws(max_workers: int, **flags: Any) -> None:
        """Scan one AWS account, read-only: S3, IAM, SageMaker, Bedrock, EC2, KMS, CloudTrail.

        Needs the permissions in docs/aws-readonly-policy.json (or ReadOnlyAccess / SecurityAudit).
        """
        from auditor.pipeline import run_scan

        options = scan_options(flags)  # pops the common options: the rest are sources.aws keys
        collectors = collectors_from_flags("aws", flags, per_account_limit("--max-workers", max_workers))
        sys.exit(run_scan(collectors, options, sources=["aws"]))
