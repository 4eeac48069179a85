"""``sources.azure`` (or ``scan azure``'s flags): subscriptions through DefaultAzureCredential."""

from __future__ import annotations

from auditor.collectors.base import Collector
from auditor.config import AzureSourceConfig, ConcurrencyConfig
from auditor.sources.common import sdk_limits


def collectors(azure: AzureSourceConfig, limits: ConcurrencyConfig) -> list[Collector]:
    from auditor.collectors.azure import AzureCollector

    return [AzureCollector(azure.subscriptions or None, cloud=azure.cloud, resource_manager_url=azure.resource_manager_url,
                           ca_bundle=azure.ca_bundle, limits=sdk_limits(azure))]
