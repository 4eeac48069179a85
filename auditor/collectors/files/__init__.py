"""ML supply-chain files: model files, notebooks, dependency manifests, lineage manifests."""

from auditor.collectors.files.collector import FilesCollector

__all__ = ["FilesCollector"]
