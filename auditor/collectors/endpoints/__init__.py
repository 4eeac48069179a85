"""Probing ML services on the network (Jupyter, MLflow, Ray, ...) with read-only GET requests."""

from auditor.collectors.endpoints.collector import EndpointCollector, ProbeOutcome
from auditor.collectors.endpoints.targets import (
    DEFAULT_MAX_HOSTS,
    DEFAULT_ML_PORTS,
    TargetError,
    parse_targets,
)

__all__ = ["DEFAULT_MAX_HOSTS", "DEFAULT_ML_PORTS", "EndpointCollector", "ProbeOutcome", "TargetError", "parse_targets"]
