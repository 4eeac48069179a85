"""Vertex AI endpoints as generative-AI fronts: network and request-response logging."""

from __future__ import annotations

from auditor.collectors.gcp import normalize as n

P = "ml-prod"


def test_public_endpoint_with_logging_to_bigquery() -> None:
    e = n.vertex_endpoint(P, {"name": "projects/1/locations/us-central1/endpoints/7", "displayName": "chat",
                              "predictRequestResponseLoggingConfig": {"enabled": True, "samplingRate": 1,
                                                                      "bigqueryDestination": {"outputUri": "bq://ml-prod.logs.chat"}}})
    assert e.public_access is True and e.private_endpoint is False and e.service == "vertex_ai"
    assert e.invocation_logging is True and e.log_targets == ["bq://ml-prod.logs.chat"]


def test_private_endpoint_without_logging() -> None:
    e = n.vertex_endpoint(P, {"name": "projects/1/locations/us-central1/endpoints/8",
                              "privateServiceConnectConfig": {"enablePrivateServiceConnect": True}})
    assert e.public_access is False and e.invocation_logging is False and e.log_targets == []
