"""``sources.endpoints`` (or ``scan endpoints``'s flags): URLs, host:port, hosts or CIDR ranges."""

from __future__ import annotations

from typing import Any

from auditor.collectors.base import Collector
from auditor.config import ConcurrencyConfig, ConfigError, EndpointsSourceConfig, SettingError

# settings given to EndpointCollector under the same name when set (None: the collector's default)
_PASSED_AS_IS = ("max_hosts", "concurrency", "per_host", "timeout", "ca_bundle", "host_header", "read_timeout",
                 "target_timeout", "max_body")


def collectors(endpoints: EndpointsSourceConfig, limits: ConcurrencyConfig) -> list[Collector]:
    try:
        from auditor.collectors.endpoints import EndpointCollector, TargetError
        from auditor.collectors.endpoints.targets import read_targets_file
    except ImportError as exc:
        raise ConfigError(
            f"the endpoints extra is not installed ({exc.name}): pip install 'ml-posture-auditor[endpoints]'"
        ) from exc
    items = list(endpoints.targets)
    if endpoints.targets_file:
        try:
            items.extend(read_targets_file(endpoints.targets_file))
        except TargetError as exc:
            raise SettingError("targets_file", str(exc)) from exc
    if not items:
        raise SettingError("targets", "no targets given: name URLs, host:port, hosts or CIDR ranges, or a targets file")
    options: dict[str, Any] = {key: getattr(endpoints, key) for key in _PASSED_AS_IS if getattr(endpoints, key) is not None}
    if endpoints.max_decompression_ratio is not None:
        options["max_ratio"] = endpoints.max_decompression_ratio
    try:
        return [EndpointCollector(items, **options)]
    except TargetError as exc:
        raise SettingError("targets", str(exc)) from exc
