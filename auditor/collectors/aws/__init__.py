"""The live AWS collector (read-only). Import this only where boto3 is wanted."""

from auditor.collectors.aws.collector import AwsCollector, allowed_operations, required_permissions

__all__ = ["AwsCollector", "allowed_operations", "required_permissions"]
