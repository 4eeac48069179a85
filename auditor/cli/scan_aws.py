"""``auditor scan aws``: one live AWS account through the standard credential chain."""

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

CONFIG_KEYS = {"profile", "regions", "region", "endpoint_url", "max_workers", *SDK_KEYS}


def build_collectors(
    profile: str | None, regions: list[str], endpoint_url: str | None, max_workers: int, limits: SdkLimits | None = None
) -> list[Collector]:
    if max_workers < 1:
        raise ConfigError(f"--max-workers must be at least 1, got {max_workers}")
    try:
        from auditor.collectors.aws import AwsCollector
    except ImportError as exc:
        raise ConfigError("the aws extra is not installed: pip install 'ml-posture-auditor[aws]'") from exc
    extra = {"limits": limits} if limits is not None else {}
    return [AwsCollector(profile=profile, regions=regions or None, endpoint_url=endpoint_url, max_workers=max_workers, **extra)]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_multi([value])
    return split_multi(str(v) for v in value)


def collectors_from_config(section: dict[str, Any]) -> list[Collector]:
    """``sources.aws`` of auditor.yaml: ``profile``, ``regions``, ``endpoint_url``, ``max_workers``."""
    unknown = set(section) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"sources.aws: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CONFIG_KEYS))}")
    try:
        workers = int(section.get("max_workers", 16))
    except (TypeError, ValueError):
        raise ConfigError(f"sources.aws.max_workers: expected a number, got {section.get('max_workers')!r}") from None
    return build_collectors(
        section.get("profile"),
        _as_list(section.get("regions", section.get("region"))),
        section.get("endpoint_url"),
        workers,
        limits_from(dict(section), "sources.aws."),
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
