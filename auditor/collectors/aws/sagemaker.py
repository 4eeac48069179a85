"""SageMaker: notebook instances (with lifecycle scripts), models, endpoint configs, recent
training jobs, Studio domains and managed MLflow tracking servers.

Only training jobs created in the last ``TRAINING_JOB_DAYS`` days are read: older ones have
finished and an account can hold tens of thousands.
"""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from auditor.analysis.prompt_capture import capture_fields
from auditor.analysis.secrets import find_secrets
from auditor.collectors.aws.runtime import Scan
from auditor.resources import MLWorkload, Notebook, Ref, SecretHit

TRAINING_JOB_DAYS = 90

PERMISSIONS = (
    "sagemaker:ListNotebookInstances",
    "sagemaker:DescribeNotebookInstance",
    "sagemaker:DescribeNotebookInstanceLifecycleConfig",
    "sagemaker:ListModels",
    "sagemaker:DescribeModel",
    "sagemaker:ListEndpointConfigs",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:ListTrainingJobs",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:ListDomains",
    "sagemaker:DescribeDomain",
    "sagemaker:ListMlflowTrackingServers",
)
OPERATIONS = {
    "sagemaker": frozenset(
        {
            "ListNotebookInstances",
            "DescribeNotebookInstance",
            "DescribeNotebookInstanceLifecycleConfig",
            "ListModels",
            "DescribeModel",
            "ListEndpointConfigs",
            "DescribeEndpointConfig",
            "ListTrainingJobs",
            "DescribeTrainingJob",
            "ListDomains",
            "DescribeDomain",
            "ListMlflowTrackingServers",
        }
    )
}


def _ref(account: str, region: str, arn: str, name: str) -> Ref:
    return Ref(provider="aws", cloud="aws", account=account, region=region, id=arn, name=name)


def lifecycle_secrets(config: dict[str, Any]) -> list[SecretHit]:
    """Credentials in a lifecycle configuration's OnCreate/OnStart scripts (base64 in the API)."""
    hits: list[SecretHit] = []
    name = str(config.get("NotebookInstanceLifecycleConfigName", ""))
    for hook in ("OnCreate", "OnStart"):
        for n, script in enumerate(config.get(hook) or []):
            try:
                text = base64.b64decode(script.get("Content") or "").decode("utf-8", "replace")
            except ValueError:
                text = str(script.get("Content") or "")
            hits.extend(find_secrets(text, f"{name} {hook}[{n}]"))
    return hits


def normalize_notebook(
    desc: dict[str, Any], account: str, region: str, secrets: list[SecretHit] | None
) -> Notebook:
    kms = desc.get("KmsKeyId")
    return Notebook(
        ref=_ref(account, region, str(desc["NotebookInstanceArn"]), str(desc["NotebookInstanceName"])),
        # Both default to Enabled when not set.
        direct_internet_access=desc.get("DirectInternetAccess", "Enabled") != "Disabled",
        root_access=desc.get("RootAccess", "Enabled") != "Disabled",
        customer_managed_key=bool(kms),
        kms_key=kms,
        private_network=bool(desc.get("SubnetId")),
        startup_secrets=secrets,
        status=desc.get("NotebookInstanceStatus"),
    )


def normalize_model(desc: dict[str, Any], account: str, region: str) -> MLWorkload:
    return MLWorkload(
        ref=_ref(account, region, str(desc["ModelArn"]), str(desc["ModelName"])),
        workload_type="model",
        network_isolation=bool(desc.get("EnableNetworkIsolation", False)),
        role=desc.get("ExecutionRoleArn") or None,
        artifact_buckets=model_artifact_buckets(desc),
    )


def model_artifact_buckets(desc: dict[str, Any]) -> list[str]:
    """Buckets a model's containers load their artifacts from, as S3 bucket ARNs."""
    containers = [desc.get("PrimaryContainer") or {}, *(desc.get("Containers") or [])]
    urls = [c.get("ModelDataUrl") or ((c.get("ModelDataSource") or {}).get("S3DataSource") or {}).get("S3Uri") for c in containers]
    buckets = [u.removeprefix("s3://").split("/", 1)[0] for u in urls if isinstance(u, str) and u.startswith("s3://")]
    return [f"arn:aws:s3:::{b}" for b in dict.fromkeys(buckets)]


def normalize_endpoint_config(desc: dict[str, Any], account: str, region: str) -> MLWorkload:
    kms = desc.get("KmsKeyId")
    capture = desc.get("DataCaptureConfig")
    # data capture is on by default once configured (EnableCapture defaults to true)
    logs = capture_fields(bool(capture.get("EnableCapture", True)), capture.get("DestinationS3Uri"), capture.get("KmsKeyId")) \
        if isinstance(capture, dict) and capture else capture_fields(False, None, None)
    return MLWorkload(
        ref=_ref(account, region, str(desc["EndpointConfigArn"]), str(desc["EndpointConfigName"])),
        workload_type="endpoint_config",
        customer_managed_key=bool(kms),
        kms_key=kms,
        **logs,
    )


def normalize_training_job(desc: dict[str, Any], account: str, region: str) -> MLWorkload:
    kms = (desc.get("ResourceConfig") or {}).get("VolumeKmsKeyId") or (desc.get("OutputDataConfig") or {}).get("KmsKeyId")
    return MLWorkload(
        ref=_ref(account, region, str(desc["TrainingJobArn"]), str(desc["TrainingJobName"])),
        workload_type="training_job",
        network_isolation=bool(desc.get("EnableNetworkIsolation", False)),
        inter_container_encryption=bool(desc.get("EnableInterContainerTrafficEncryption", False)),
        customer_managed_key=bool(kms),
        kms_key=kms,
    )


def normalize_domain(desc: dict[str, Any], account: str, region: str) -> MLWorkload:
    kms = desc.get("KmsKeyId")
    return MLWorkload(
        ref=_ref(account, region, str(desc["DomainArn"]), str(desc.get("DomainName") or desc["DomainId"])),
        workload_type="domain",
        # PublicInternetOnly is the default; only VpcOnly keeps Studio off the internet.
        public_access=desc.get("AppNetworkAccessType", "PublicInternetOnly") != "VpcOnly",
        customer_managed_key=bool(kms),
        kms_key=kms,
    )


def normalize_tracking_server(summary: dict[str, Any], account: str, region: str) -> MLWorkload:
    return MLWorkload(
        ref=_ref(account, region, str(summary["TrackingServerArn"]), str(summary["TrackingServerName"])),
        workload_type="tracking_server",
        # A managed MLflow server is served on a public HTTPS endpoint (IAM-authenticated) and
        # the API offers no VPC-only mode nor a customer key for its metadata store.
        public_access=True,
        customer_managed_key=False,
    )


class SageMakerCollection:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self._lifecycle: dict[tuple[str, str], list[SecretHit] | None] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        for region in self.scan.regions:
            self.scan.tasks.submit(f"sagemaker {region}", self._region, region)

    def _region(self, region: str) -> None:
        scan = self.scan
        notebooks, failure = scan.pages("sagemaker", region, "ListNotebookInstances", "NotebookInstances")
        if failure is not None and failure.code in ("UnrecognizedClientException", "InvalidClientTokenId"):
            return  # the region is not reachable with these credentials: already recorded
        for item in notebooks or []:
            scan.tasks.submit("sagemaker notebook", self._notebook, region, item["NotebookInstanceName"])
        self._list_describe(region, "ListModels", "Models", "ModelName", "DescribeModel", normalize_model)
        self._list_describe(
            region, "ListEndpointConfigs", "EndpointConfigs", "EndpointConfigName", "DescribeEndpointConfig",
            normalize_endpoint_config,
        )
        since = datetime.now(UTC) - timedelta(days=TRAINING_JOB_DAYS)
        self._list_describe(
            region, "ListTrainingJobs", "TrainingJobSummaries", "TrainingJobName", "DescribeTrainingJob",
            normalize_training_job, CreationTimeAfter=since,
        )
        self._list_describe(region, "ListDomains", "Domains", "DomainId", "DescribeDomain", normalize_domain)
        servers, _ = scan.pages("sagemaker", region, "ListMlflowTrackingServers", "TrackingServerSummaries")
        for summary in servers or []:
            scan.sink.add(normalize_tracking_server(summary, scan.account, region))

    def _list_describe(
        self, region: str, list_op: str, key: str, name_key: str, describe_op: str, normalize: Any, **params: Any
    ) -> None:
        items, _ = self.scan.pages("sagemaker", region, list_op, key, **params)
        for item in items or []:
            self.scan.tasks.submit(f"sagemaker {describe_op}", self._describe, region, describe_op, name_key, item[name_key], normalize)

    def _describe(self, region: str, op: str, name_key: str, name: str, normalize: Any) -> None:
        params: dict[str, Any] = {name_key: name}
        desc, failure = self.scan.call("sagemaker", region, op, resource=name, **params)
        if failure is None:
            self.scan.sink.add(normalize(desc, self.scan.account, region))

    def _notebook(self, region: str, name: str) -> None:
        scan = self.scan
        desc, failure = scan.call("sagemaker", region, "DescribeNotebookInstance", resource=name, NotebookInstanceName=name)
        if failure is not None:
            return
        config_name = desc.get("NotebookInstanceLifecycleConfigName")
        secrets: list[SecretHit] | None = []
        if config_name:
            secrets = self._lifecycle_secrets(region, str(config_name))
        scan.sink.add(normalize_notebook(desc, scan.account, region, secrets))

    def _lifecycle_secrets(self, region: str, config_name: str) -> list[SecretHit] | None:
        key = (region, config_name)
        with self._lock:
            if key in self._lifecycle:
                return self._lifecycle[key]
        config, failure = self.scan.call(
            "sagemaker", region, "DescribeNotebookInstanceLifecycleConfig",
            resource=config_name, NotebookInstanceLifecycleConfigName=config_name,
        )
        hits = lifecycle_secrets(config) if failure is None else None
        with self._lock:
            self._lifecycle[key] = hits
        return hits

    def finish(self) -> None:
        pass
