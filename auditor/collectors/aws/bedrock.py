"""Bedrock model invocation logging, one record per region where Bedrock is used.

"Used" is read from CloudWatch: Bedrock publishes ``AWS/Bedrock`` metrics for every region in
which models were invoked in the last two weeks (``ListMetrics`` returns only metrics with
recent data), so one cheap call per region tells whether logging matters there.
"""

from __future__ import annotations

from typing import Any

from auditor.collectors.aws.runtime import Scan
from auditor.resources import MLWorkload, Ref

PERMISSIONS = ("bedrock:GetModelInvocationLoggingConfiguration", "cloudwatch:ListMetrics")
OPERATIONS = {
    "bedrock": frozenset({"GetModelInvocationLoggingConfiguration"}),
    "cloudwatch": frozenset({"ListMetrics"}),
}


def logging_enabled(response: dict[str, Any]) -> bool:
    config = response.get("loggingConfig") or {}
    return bool(config.get("cloudWatchConfig") or config.get("s3Config"))


def normalize_bedrock_logging(
    logging_response: dict[str, Any] | None, in_use: bool | None, account: str, region: str
) -> MLWorkload:
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
        scan.sink.add(normalize_bedrock_logging(response, in_use, scan.account, region))

    def finish(self) -> None:
        pass
