"""Helpers shared by the storage checks."""

from __future__ import annotations

from auditor.resources import Bucket


def account_setting_applies(bucket: Bucket) -> bool:
    """Account-wide settings (encryption, TLS, network, logging...) are judged on the bucket or
    storage account that carries them, never on an Azure blob container, which only has its own
    public access level."""
    return bucket.scope != "container"


def where(bucket: Bucket) -> str:
    """What the message calls the resource: storage accounts are not buckets to Azure users."""
    return {"account": "storage account", "container": "container"}.get(bucket.scope, "bucket")
