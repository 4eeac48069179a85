"""Endpoint ranges from their configuration (``scan endpoints`` flags or ``sources.endpoints``).

Core code: the CLI command, the estate scan, the worker and the shard all build this source's
collectors here (``auditor.targets``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from auditor.collectors.base import Collector
from auditor.config import ConfigError
from auditor.sources.common import split_multi

if TYPE_CHECKING:
    from auditor.collectors.endpoints import EndpointCollector


CONFIG_KEYS = {"targets", "targets_file", "max_hosts", "concurrency", "per_host", "timeout", "ca_bundle", "host_header"}


# the limits of docs/limits.md: config key -> (type, default); the same names as the flags
LIMIT_KEYS: dict[str, tuple[type, float | int | None]] = {
    "read_timeout": (float, None),
    "target_timeout": (float, 60.0),
    "max_body": (int, 512 * 1024),
    "max_decompression_ratio": (float, 100.0),
}


CONFIG_KEYS |= set(LIMIT_KEYS)


def build_collector(
    targets: Sequence[str],
    *,
    targets_file: str | None = None,
    max_hosts: int = 4096,
    concurrency: int = 64,
    per_host: int = 4,
    timeout: float = 3.0,
    ca_bundle: str | None = None,
    host_header: str | None = None,
    where: str = "",
    limits: dict[str, Any] | None = None,
) -> EndpointCollector:
    try:
        from auditor.collectors.endpoints import EndpointCollector, TargetError
        from auditor.collectors.endpoints.targets import read_targets_file
    except ImportError as exc:
        raise ConfigError(
            f"the endpoints extra is not installed ({exc.name}): pip install 'ml-posture-auditor[endpoints]'"
        ) from exc
    items = list(targets)
    try:
        if targets_file:
            items.extend(read_targets_file(targets_file))
        if not items:
            raise ConfigError(f"{where}no targets: give URLs, host:port, hosts or CIDR ranges, or --targets-file")
        return EndpointCollector(
            items,
            max_hosts=max_hosts,
            concurrency=concurrency,
            per_host=per_host,
            timeout=timeout,
            ca_bundle=ca_bundle,
            host_header=host_header,
            **_limit_kwargs(limits or {}),
        )
    except TargetError as exc:
        raise ConfigError(f"{where}{exc}") from exc


def _limit_kwargs(limits: dict[str, Any]) -> dict[str, Any]:
    """EndpointCollector keyword arguments for the limits that were given (None: the default)."""
    names = {"read_timeout": "read_timeout", "target_timeout": "target_timeout", "max_body": "max_body",
             "max_decompression_ratio": "max_ratio"}
    out: dict[str, Any] = {}
    for key, value in limits.items():
        if value is None:
            continue
        kind = LIMIT_KEYS[key][0]
        number = kind(value)
        if number <= 0:
            raise ValueError(f"{key} must be above 0, not {value!r}")
        out[names[key]] = number
    return out


def collectors_from_config(section: dict[str, Any]) -> list[Collector]:
    """``sources.endpoints`` of auditor.yaml: ``targets`` (list), ``targets_file``, ``max_hosts``, ``concurrency``,
    ``per_host``, ``timeout``, ``ca_bundle``, ``host_header``."""
    unknown = set(section) - CONFIG_KEYS
    if unknown:
        raise ConfigError(
            f"sources.endpoints: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CONFIG_KEYS))}"
        )
    raw = section.get("targets") or []
    targets = split_multi([raw] if isinstance(raw, str) else [str(t) for t in raw])
    try:
        return [
            build_collector(
                targets,
                targets_file=section.get("targets_file"),
                max_hosts=int(section.get("max_hosts", 4096)),
                concurrency=int(section.get("concurrency", 64)),
                per_host=int(section.get("per_host", 4)),
                timeout=float(section.get("timeout", 3.0)),
                ca_bundle=section.get("ca_bundle"),
                host_header=section.get("host_header"),
                where="sources.endpoints: ",
                limits={key: section.get(key) for key in LIMIT_KEYS},
            )
        ]
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"sources.endpoints: {exc}") from exc
