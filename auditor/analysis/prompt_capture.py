"""SageMaker endpoint data capture read as a prompt log: one home for live and IaC.

Data capture writes every request and response of an endpoint to S3, the same data Bedrock's
invocation logs hold, so an endpoint configuration that captures is judged by
``ml_prompt_log_unprotected``: the destination bucket's public access and key are joined from
the scan (``auditor/linking_genai.py``); a capture KMS key encrypts the objects whatever the
bucket's default.
"""

from __future__ import annotations

from typing import Any


def capture_bucket(destination: str) -> str:
    """``s3://bucket/prefix`` -> ``arn:aws:s3:::bucket``; anything else (an IaC address) is kept."""
    if destination.startswith("s3://"):
        return "arn:aws:s3:::" + destination.removeprefix("s3://").split("/", 1)[0]
    return destination


def capture_fields(enabled: bool | None, destination: str | None, kms_key: str | None) -> dict[str, Any]:
    """MLWorkload log fields for a data-capture configuration. ``enabled`` None: not known offline;
    ``destination`` None with capture on: the bucket is not known (access and key stay unknown)."""
    if enabled is None:
        return {"invocation_logging": None}
    if not enabled:
        return {"invocation_logging": False, "log_targets": []}
    return {
        "invocation_logging": True,
        "log_targets": [capture_bucket(destination)] if destination else [],
        "log_customer_key": True if kms_key else None,
    }
