"""One AWS account from its configuration (``scan aws`` flags or ``sources.aws``).

Core code: the CLI command, the estate scan, the worker and the shard all build this source's
collectors here (``auditor.targets``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditor.collectors.base import Collector
from auditor.config import ConfigError
from auditor.sources.common import SDK_KEYS, limits_from, split_multi

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
    extra: dict[str, Any] = {"limits": limits} if limits is not None else {}
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
