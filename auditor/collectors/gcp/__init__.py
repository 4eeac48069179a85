"""Live GCP collection. The SDKs are imported only when a scan runs."""

from auditor.collectors.gcp.collector import GcpCollector

__all__ = ["GcpCollector"]
