"""Bedrock model invocation logging, one record per region where Bedrock is used.

"Used" is read from CloudWatch: Bedrock publishes ``AWS/Bedrock`` metrics for every region in
which models were invoked in the last two weeks (``ListMetrics`` returns only metrics with
recent data), so one cheap call per region tells whether logging matters there.
"""

from __future__ import annotations

from typing import Any

from auditor.collectors.aws.runtime import Scan
from auditor.resources import MLWorkload, Ref

PERMISSIONS = ("bedrock:GetModelInvocationLoggingConfiguration", "cloudwatch:ListMetrics", "logs:DescribeLogGroups",
               "ec2:DescribeVpcEndpoints")
OPERATIONS = {
    "bedrock": frozenset({"GetModelInvocationLoggingConfiguration"}),
    "cloudwatch": frozenset({"ListMetrics"}),
    "logs": frozenset({"DescribeLogGroups"}),
    "ec2": frozenset({"DescribeVpcEndpoints"}),
}
# endpoints that no longer carry traffic
_DEAD_ENDPOINT_STATES = {"deleting", "deleted", "rejected", "failed", "expired"}


def has_interface_endpoint(response: dict[str, Any], service_name: str) -> bool:
    """Whether DescribeVpcEndpoints lists a live interface endpoint for ``service_name``
    (e.g. ``com.amazonaws.us-east-1.bedrock-runtime``)."""
    return any(
        e.get("ServiceName") == service_name and e.get("VpcEndpointType", "Interface") == "Interface"
        and str(e.get("State", "available")).lower() not in _DEAD_ENDPOINT_STATES
        for e in response.get("VpcEndpoints") or []
    )


def private_endpoint(scan: Scan, region: str, service: str) -> bool | None:
    """An interface VPC endpoint for Bedrock's ``service`` (bedrock-runtime, bedrock-agent-runtime)
    exists in ``region``; None when the endpoints could not be read."""
    name = f"com.amazonaws.{region}.{service}"
    found, failure = scan.pages("ec2", region, "DescribeVpcEndpoints", "VpcEndpoints", incomplete=False,
                                Filters=[{"Name": "service-name", "Values": [name]}])
    if failure is not None:
        return None
    return has_interface_endpoint({"VpcEndpoints": found or []}, name)


def logging_enabled(response: dict[str, Any]) -> bool:
    config = response.get("loggingConfig") or {}
    return bool(config.get("cloudWatchConfig") or config.get("s3Config"))


def log_targets(logging_response: dict[str, Any], account: str, region: str) -> list[str]:
    """Where prompts and responses go: the S3 bucket (ARN) and the log group (ARN)."""
    config = logging_response.get("loggingConfig") or {}
    out = []
    bucket = (config.get("s3Config") or {}).get("bucketName")
    if bucket:
        out.append(f"arn:aws:s3:::{bucket}")
    group = (config.get("cloudWatchConfig") or {}).get("logGroupName")
    if group:
        out.append(f"arn:aws:logs:{region}:{account}:log-group:{group}")
    return out


def normalize_bedrock_logging(
    logging_response: dict[str, Any] | None, in_use: bool | None, account: str, region: str,
    log_group_key: bool | None = None, runtime_endpoint: bool | None = None,
) -> MLWorkload:
    """``log_group_key``: the log group is encrypted with a KMS key (None: no log group, or unreadable).
    Log buckets are judged by joining with the scan's Bucket (``auditor/linking_genai.py``).
    ``runtime_endpoint``: the region has an interface VPC endpoint for bedrock-runtime."""
    targets = None if logging_response is None else log_targets(logging_response, account, region)
    has_bucket = bool(targets) and any(t.startswith("arn:aws:s3:::") for t in targets or [])
    return MLWorkload(
        ref=Ref(
            provider="aws",
            cloud="aws",
            account=account,
            region=region,
            id=f"arn:aws:bedrock:{region}:{account}:model-invocation-logging",
            name=f"bedrock-invocation-logging-{region}",
        ),
        workload_type="bedrock_logging",
        invocation_logging=None if logging_response is None else logging_enabled(logging_response),
        in_use=in_use,
        service="bedrock",
        log_targets=targets,
        log_customer_key=False if log_group_key is False else (True if log_group_key and not has_bucket else None),
        private_endpoint=runtime_endpoint,
    )


class BedrockCollection:
    def __init__(self, scan: Scan, regions: list[str]) -> None:
        self.scan = scan
        self.regions = regions

    def start(self) -> None:
        for region in self.regions:
            self.scan.tasks.submit(f"bedrock {region}", self._region, region)

    def _region(self, region: str) -> None:
        scan = self.scan
        metrics, failure = scan.call("cloudwatch", region, "ListMetrics", Namespace="AWS/Bedrock")
        in_use = None if failure is not None else bool(metrics.get("Metrics"))
        if in_use is False:
            return
        response, _ = scan.call("bedrock", region, "GetModelInvocationLoggingConfiguration")
        group = ((response or {}).get("loggingConfig") or {}).get("cloudWatchConfig", {}).get("logGroupName")
        key: bool | None = None
        if group:
            found, failure = scan.call("logs", region, "DescribeLogGroups", resource=group, logGroupNamePrefix=group)
            match = [g for g in (found or {}).get("logGroups") or [] if g.get("logGroupName") == group]
            key = None if failure is not None or not match else bool(match[0].get("kmsKeyId"))
        endpoint = private_endpoint(scan, region, "bedrock-runtime")
        scan.sink.add(normalize_bedrock_logging(response, in_use, scan.account, region, key, endpoint))

    def finish(self) -> None:
        pass
