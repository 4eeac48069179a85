"""``sources.gcp`` (or ``scan gcp``'s flags): projects through Application Default Credentials."""

from __future__ import annotations

from auditor.collectors.base import Collector
from auditor.config import ConcurrencyConfig, GcpSourceConfig
from auditor.sources.common import sdk_limits


def collectors(gcp: GcpSourceConfig, limits: ConcurrencyConfig) -> list[Collector]:
    from auditor.collectors.gcp import GcpCollector

    return [GcpCollector(gcp.projects or None, endpoints=gcp.endpoints, ca_bundle=gcp.ca_bundle,
                         regions=gcp.regions or None, limits=sdk_limits(gcp))]
