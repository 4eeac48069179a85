"""``AwsCollector``: one AWS account, every enabled region (or those asked for), read-only.

Services and regions run side by side on one bounded pool with shared clients; each service
module reports into the sink and normalizes with pure functions. The collector never raises for
one unreadable thing: denials and unreachable regions become collection errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from auditor.collectors.aws import (
    bedrock,
    bedrock_genai,
    cloudtrail,
    ec2,
    ecr,
    eks,
    iam,
    kms,
    opensearch_serverless,
    s3,
    sagemaker,
    sagemaker_features,
    sagemaker_registry,
)
from auditor.collectors.aws.runtime import SOURCE, Clients, Scan, Tasks, failure_of
from auditor.collectors.base import CollectionError, CollectionSink
from auditor.collectors.sdk_limits import DEFAULT_LIMITS, SdkLimits
from auditor.config import ConfigError, SettingError

if TYPE_CHECKING:
    import boto3

SERVICE_MODULES = (
    s3, iam, sagemaker, bedrock, ec2, kms, cloudtrail, eks, bedrock_genai, opensearch_serverless, ecr, sagemaker_registry,
    sagemaker_features,
)
STS_OPERATIONS = {"sts": frozenset({"GetCallerIdentity"})}
STS_PERMISSIONS = ("sts:GetCallerIdentity",)


def allowed_operations() -> dict[str, frozenset[str]]:
    """Every operation the collector may call, by botocore service name."""
    allowed: dict[str, set[str]] = {}
    for module in (*SERVICE_MODULES, _Sts):
        for service, ops in module.OPERATIONS.items():
            allowed.setdefault(service, set()).update(ops)
    return {service: frozenset(ops) for service, ops in allowed.items()}


def required_permissions() -> list[str]:
    """The IAM actions a full scan needs (the least-privilege read-only policy)."""
    perms = set(STS_PERMISSIONS)
    for module in SERVICE_MODULES:
        perms.update(module.PERMISSIONS)
    return sorted(perms)


class _Sts:
    OPERATIONS = STS_OPERATIONS


def _session(profile: str | None) -> boto3.Session:
    try:
        import boto3
        from botocore.exceptions import ProfileNotFound
    except ImportError as exc:
        raise ConfigError("the aws extra is not installed: pip install 'ml-posture-auditor[aws]'") from exc
    try:
        return boto3.Session(profile_name=profile) if profile else boto3.Session()
    except ProfileNotFound as exc:
        raise SettingError("profile", f"{profile}: {exc}") from exc


class AwsCollector:
    name: ClassVar[str] = "aws"

    def __init__(
        self,
        session: boto3.Session | None = None,
        *,
        profile: str | None = None,
        regions: list[str] | None = None,
        endpoint_url: str | None = None,
        max_workers: int = 16,
        limits: SdkLimits = DEFAULT_LIMITS,
    ) -> None:
        self.session = session if session is not None else _session(profile)
        self.limits = limits
        self.endpoint_url = endpoint_url
        self.max_workers = max(1, max_workers)
        self.requested_regions = self._validate_regions(regions)
        self.account: str | None = None

    def _validate_regions(self, regions: list[str] | None) -> list[str] | None:
        if not regions:
            return None
        known: set[str] = set()
        for partition in self.session.get_available_partitions():
            known.update(self.session.get_available_regions("ec2", partition_name=partition))
        bad = [r for r in regions if r not in known]
        if bad:
            raise SettingError(
                "regions",
                f"unknown AWS region(s) {', '.join(bad)}; e.g. us-east-1, eu-west-1 (known: {len(known)} regions)",
            )
        return list(dict.fromkeys(regions))

    @property
    def home_region(self) -> str:
        region = self.session.region_name
        if self.requested_regions and (region is None or region not in self.requested_regions):
            region = self.requested_regions[0]
        return region or "us-east-1"

    def scope(self) -> str:
        return f"aws-{self.account or 'unknown'}"

    def collect(self, sink: CollectionSink) -> None:
        from auditor.collectors.throttle_hooks import attach_caller

        attach_caller(self.session, self.endpoint_url)  # a no-op for a session already given an account's budget
        clients = Clients(
            self.session, sink, allowed_operations(), endpoint_url=self.endpoint_url, max_workers=self.max_workers,
            limits=self.limits,
        )
        home = self.home_region
        sink.progress(f"aws: identifying the account ({home})")
        try:
            identity = clients.get("sts", home).get_caller_identity()
        except Exception as exc:
            failure = failure_of(exc)
            sink.error(
                CollectionError(
                    source=SOURCE,
                    message=f"cannot identify the AWS account (check credentials): {failure.code}: {failure.message}",
                    operation="sts:GetCallerIdentity",
                    region=home,
                    incomplete=True,
                )
            )
            return
        self.account = str(identity["Account"])
        regions = self._regions(clients, sink, home)
        sink.progress(f"aws: scanning account {self.account} in {len(regions)} region(s)")
        tasks = Tasks(sink, self.max_workers)
        scan = Scan(clients=clients, sink=sink, tasks=tasks, account=self.account, regions=regions, home_region=home)
        sagemaker_scan = self._narrowed(scan, "sagemaker")
        collections: list[Any] = [
            s3.S3Collection(scan),
            iam.IamCollection(scan),
            sagemaker.SageMakerCollection(sagemaker_scan),
            bedrock.BedrockCollection(scan, self._service_regions("bedrock", regions)),
            ec2.Ec2Collection(scan),
            kms.KmsCollection(scan),
            cloudtrail.CloudTrailCollection(scan),
            eks.EksCollection(self._narrowed(scan, "eks")),
            bedrock_genai.BedrockGenAICollection(scan, self._service_regions("bedrock-agent", regions)),
            opensearch_serverless.OpenSearchServerlessCollection(scan, self._service_regions("opensearchserverless", regions)),
            ecr.EcrCollection(scan, self._service_regions("ecr", regions)),
            sagemaker_registry.ModelRegistryCollection(sagemaker_scan),
            sagemaker_features.FeatureStoreCollection(sagemaker_scan),
        ]
        for collection in collections:
            collection.start()
        tasks.wait()
        for collection in collections:
            collection.finish()
        sink.progress(f"aws: {sum(sink.api_calls.values())} API calls")

    def _service_regions(self, service: str, regions: list[str]) -> list[str]:
        """Regions where the service exists at all (a custom endpoint serves every region)."""
        if self.endpoint_url or _env_endpoint_set():
            return regions
        available = set(self.session.get_available_regions(service))
        return [r for r in regions if r in available] if available else regions

    def _narrowed(self, scan: Scan, service: str) -> Scan:
        return Scan(
            clients=scan.clients, sink=scan.sink, tasks=scan.tasks, account=scan.account,
            regions=self._service_regions(service, scan.regions), home_region=scan.home_region,
        )

    def _regions(self, clients: Clients, sink: CollectionSink, home: str) -> list[str]:
        """Enabled regions (``DescribeRegions``); asked-for regions that are not enabled are noted."""
        try:
            answer = clients.get("ec2", home).describe_regions()
            enabled = [str(r["RegionName"]) for r in answer.get("Regions") or []]
        except Exception as exc:
            failure = failure_of(exc)
            fallback = self.requested_regions or [home]
            sink.error(
                CollectionError(
                    source=SOURCE,
                    message=f"cannot list enabled regions ({failure.code}: {failure.message}); scanning {', '.join(fallback)} only",
                    operation="ec2:DescribeRegions",
                    account=self.account,
                    region=home,
                    incomplete=self.requested_regions is None,
                )
            )
            return fallback
        if self.requested_regions is None:
            return sorted(enabled)
        for region in self.requested_regions:
            if region not in enabled:
                sink.error(
                    CollectionError(
                        source=SOURCE,
                        message=f"region {region} is not enabled for account {self.account}; skipped",
                        account=self.account,
                        region=region,
                    )
                )
        return [r for r in self.requested_regions if r in enabled]


def _env_endpoint_set() -> bool:
    import os

    return bool(os.environ.get("AWS_ENDPOINT_URL"))
