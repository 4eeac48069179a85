"""Which managed-ML workload types each check judges."""

from __future__ import annotations

ENDPOINT_TYPES = ("endpoint", "endpoint_config")
TRAINING_TYPES = ("training_job", "model")
WORKSPACE_TYPES = ("workspace", "domain")

LABELS = {
    "endpoint": "endpoint",
    "endpoint_config": "endpoint configuration",
    "model": "model",
    "training_job": "training job",
    "domain": "studio domain",
    "tracking_server": "MLflow tracking server",
    "bedrock_logging": "Bedrock region",
    "workspace": "workspace",
}
