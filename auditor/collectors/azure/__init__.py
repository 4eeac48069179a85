"""Live Azure collection. The SDKs are imported only when a scan runs."""

from auditor.collectors.azure.collector import AzureCollector

__all__ = ["AzureCollector"]
