"""The typed resource kinds that collectors produce and checks judge.

Every kind is a frozen pydantic model. Fields that describe a security property are tri-state:
``True``, ``False`` or ``None`` (= could not be read or resolved; checks turn that into
``unknown``, never ``pass``). A live S3 bucket and a Terraform ``aws_s3_bucket`` become the same
``Bucket``, so one check serves both.

Rules for collectors filling these in:
- Fold every provider quirk into the normalized field (S3 ACL grants, policy status and Block
  Public Access all become ``public_read`` plus a ``public_via`` explanation).
- A default that the cloud applies to a new resource counts as set (S3 SSE-S3 since 2023;
  SageMaker ``DirectInternetAccess`` defaults to Enabled).
- Never store a secret value: secrets found in scripts or notebooks are kept as ``SecretHit``
  (a short prefix and a hash).
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class Provider(StrEnum):
    """Where a resource was read from (the DESIGN.md ``provider``)."""

    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"
    TERRAFORM = "terraform"
    CLOUDFORMATION = "cloudformation"
    NETWORK = "network"
    FILE = "file"
    KUBERNETES = "kubernetes"
    MANIFEST = "manifest"


class Cloud(StrEnum):
    """Which cloud platform a resource belongs to, whatever it was read from."""

    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=True)


class Ref(Frozen):
    """Identity and provenance of a resource."""

    provider: Provider
    cloud: Cloud | None = None
    account: str | None = Field(default=None, description="AWS account, GCP project or Azure subscription")
    region: str | None = None
    id: str = Field(description="Stable unique id: ARN, resource id, Terraform address, URL or file path")
    name: str
    path: str | None = Field(default=None, description="IaC or scanned file, relative to the scan root")
    line: int | None = None
    end_line: int | None = None


class SecretHit(Frozen):
    """A credential found in text. Only a redacted prefix and a SHA-256 prefix are kept."""

    kind: str = Field(description="e.g. aws_access_key, private_key, github_token, password_in_url")
    redacted: str = Field(description="first characters followed by '…', never the whole value")
    sha256: str = Field(description="first 16 hex digits of the SHA-256 of the value, to correlate")
    location: str = Field(default="", description="cell/line/field where it was found")
    line: int | None = None


class InlineIgnore(Frozen):
    """An ``# auditor:ignore <check_id> <reason>`` comment on the resource in IaC source."""

    check: str
    reason: str
    line: int | None = None


class Resource(Frozen):
    kind: ClassVar[str] = "Resource"
    ref: Ref
    tags: dict[str, str] = Field(default_factory=dict)
    ignores: list[InlineIgnore] = Field(default_factory=list)

    @property
    def id(self) -> str:
        return self.ref.id


Encryption = Literal["none", "provider_managed", "customer_managed"]


class Bucket(Resource):
    """S3 bucket, GCS bucket, Azure storage account, or an Azure blob container.

    An Azure storage account carries the account-wide settings; each container is a Bucket with
    ``scope="container"`` and ``parent`` set, judged only for its own public access.
    """

    kind: ClassVar[str] = "Bucket"
    scope: Literal["bucket", "account", "container"] = "bucket"
    parent: str | None = Field(default=None, description="ref.id of the storage account of a container")
    public_read: bool | None = None
    public_write: bool | None = None
    public_via: str | None = Field(default=None, description="why it is public: ACL grant, policy, binding...")
    public_access_block: bool | None = Field(
        default=None, description="the provider's guard rail is fully on (all four S3 BPA flags, GCS PAP enforced, Azure allowBlobPublicAccess false)"
    )
    public_access_block_detail: str | None = None
    encryption: Encryption | None = None
    kms_key: str | None = None
    tls_enforced: bool | None = None
    min_tls_version: str | None = Field(default=None, description="'1.0', '1.1', '1.2' or '1.3'")
    versioning: bool | None = None
    access_logging: bool | None = None
    is_log_target: bool | None = Field(default=None, description="the bucket receives other buckets' access logs")
    acls_enabled: bool | None = None
    network_open: bool | None = Field(default=None, description="Azure network rules default action Allow")


class AccessKey(Frozen):
    id: str
    active: bool
    created: datetime | None = None
    last_used: datetime | None = None


class Role(Resource):
    """IAM role or user, GCP service account or project binding, Azure role assignment."""

    kind: ClassVar[str] = "Role"
    principal_type: Literal[
        "role", "user", "group", "service_account", "binding", "role_assignment", "policy"
    ] = "role"
    is_admin: bool | None = None
    admin_via: str | None = None
    trusts_any_principal: bool | None = None
    trust_detail: str | None = None
    untrusted_accounts: list[str] | None = Field(
        default=None, description="foreign AWS accounts trusted without sts:ExternalId/source/org condition"
    )
    wildcard_data_access: bool | None = None
    wildcard_data_via: str | None = None
    public_members: list[str] | None = Field(
        default=None, description="allUsers/allAuthenticatedUsers bindings (GCP)"
    )
    console_access: bool | None = None
    mfa_enabled: bool | None = None
    access_keys: list[AccessKey] | None = None
    trust_policy: dict[str, Any] | None = None
    policy_documents: list[dict[str, Any]] | None = Field(
        default=None, description="effective permission policies (attached, inline, managed), normalized IAM JSON"
    )


class Notebook(Resource):
    """SageMaker notebook instance, Vertex AI Workbench instance, Azure ML compute instance."""

    kind: ClassVar[str] = "Notebook"
    direct_internet_access: bool | None = None
    root_access: bool | None = None
    customer_managed_key: bool | None = None
    kms_key: str | None = None
    private_network: bool | None = Field(default=None, description="placed in a VPC subnet / private network")
    startup_secrets: list[SecretHit] | None = Field(
        default=None, description="credentials found in start-up scripts; None if the scripts could not be read"
    )
    status: str | None = None


class MLWorkload(Resource):
    """Managed ML: SageMaker endpoints/models/training jobs/domains/tracking servers, Bedrock, Vertex, Azure ML."""

    kind: ClassVar[str] = "MLWorkload"
    workload_type: Literal[
        "endpoint",
        "endpoint_config",
        "model",
        "training_job",
        "domain",
        "tracking_server",
        "bedrock_logging",
        "workspace",
        # Generative AI (the fields below the gen-AI marker): see GENAI_WORKLOAD_TYPES.
        "ai_account",
        "ai_deployment",
        "custom_model",
        "agent",
        "knowledge_base",
        "vector_store",
        "feature_store",
        "dataset",
    ]
    customer_managed_key: bool | None = None
    kms_key: str | None = None
    network_isolation: bool | None = None
    inter_container_encryption: bool | None = None
    public_access: bool | None = Field(default=None, description="reachable from the public internet")
    invocation_logging: bool | None = None
    in_use: bool | None = Field(default=None, description="Bedrock: the service is used in this region")
    # -- generative AI: accounts, deployments, custom models, agents, knowledge bases, vector stores --
    service: str | None = Field(
        default=None,
        description="what it is: bedrock, azure_openai, cognitive_services, ai_search, vertex_ai, "
        "opensearch_serverless, bedrock_agent, bedrock_knowledge_base, vertex_index_endpoint...",
    )
    public_via: str | None = Field(default=None, description="why it is reachable: public network access, default action Allow, policy...")
    private_endpoint: bool | None = Field(default=None, description="reached through a private endpoint / VPC endpoint")
    local_auth_enabled: bool | None = Field(
        default=None, description="key-based (local) authentication accepted besides identity-based auth"
    )
    guardrail_attached: bool | None = Field(
        default=None, description="an agent or deployment has a guardrail / content filter (RAI policy) attached"
    )
    guardrail_id: str | None = Field(default=None, description="ref.id of the attached Guardrail")
    log_targets: list[str] | None = Field(
        default=None, description="where prompt/response logs go (bucket, log group, table ref ids); [] = nowhere"
    )
    log_customer_key: bool | None = Field(default=None, description="prompt logs encrypted with a customer-managed key")
    log_public: bool | None = Field(default=None, description="prompt logs readable by anyone (joined with the log bucket)")
    log_detail: str | None = None
    role: str | None = Field(default=None, description="execution / service role ARN or identity the workload acts as")
    role_admin: bool | None = Field(default=None, description="that role has full admin rights (IAM analysis)")
    role_wildcard_data: bool | None = Field(default=None, description="that role has wildcard data access")
    role_detail: str | None = None
    action_roles: list[str] | None = Field(
        default_factory=list,
        description="roles of an agent's action-group functions (Lambda execution roles); None = not readable",
    )
    idle_session_ttl: int | None = Field(default=None, description="agent idle session time-out, seconds")
    knowledge_bases: list[str] = Field(default_factory=list, description="ref.id of knowledge bases an agent uses")
    backing_store: str | None = Field(default=None, description="ref.id of the vector store a knowledge base writes to")
    source_buckets: list[str] = Field(default_factory=list, description="buckets a knowledge base ingests from")
    artifact_buckets: list[str] = Field(default_factory=list, description="buckets model artifacts are loaded from")
    serves_model: str | None = Field(
        default=None, description="ref.id of the custom model a provisioned throughput serves (its key is that model's)"
    )
    exposure_chain: list[str] | None = Field(
        default=None,
        description="joined by auditor/linking.py: every hop from this resource to a store anyone can "
        "read or write (retrieval source, backing store, model artifact bucket); [] = none found",
    )


class PortRange(Frozen):
    protocol: str = Field(description="tcp, udp, icmp or 'all'")
    start: int = 0
    end: int = 65535

    def covers(self, port: int) -> bool:
        return self.start <= port <= self.end

    @property
    def all_ports(self) -> bool:
        return self.protocol == "all" or (self.start <= 0 and self.end >= 65535)


class FirewallRule(Resource):
    """AWS security group, GCP firewall rule, Azure NSG (ingress rules that allow)."""

    kind: ClassVar[str] = "FirewallRule"
    world_open_ports: list[PortRange] | None = Field(
        default=None,
        description="port ranges open inbound from 0.0.0.0/0 or ::/0 (or Azure Internet/*); [] if none",
    )
    attached_to: list[str] = Field(default_factory=list, description="instance/network ids it applies to")
    network: str | None = None


class Instance(Resource):
    """A compute instance with its addresses and firewall rules, for joining with probed endpoints."""

    kind: ClassVar[str] = "Instance"
    public_ips: list[str] = Field(default_factory=list)
    private_ips: list[str] = Field(default_factory=list)
    firewall_rules: list[str] = Field(default_factory=list, description="ref.id of applying FirewallRules")


class Key(Resource):
    """KMS key, Cloud KMS crypto key, Key Vault key."""

    kind: ClassVar[str] = "Key"
    customer_managed: bool | None = None
    rotation_enabled: bool | None = None
    policy_public: bool | None = None
    policy_public_via: str | None = None
    enabled: bool | None = None


class AuditTrail(Resource):
    """Account-wide audit logging (scope account) or one declared trail/setting (scope trail)."""

    kind: ClassVar[str] = "AuditTrail"
    scope: Literal["account", "trail"] = "trail"
    enabled: bool | None = Field(default=None, description="logging is on (trail) / an account-wide trail logs (account)")
    multi_region: bool | None = None
    detail: str | None = None


class TLSInfo(Frozen):
    version: str | None = Field(default=None, description="protocol negotiated by a current client, e.g. TLSv1.3")
    min_version: str | None = Field(
        default=None, description="lowest protocol the server accepted when offered TLS 1.0-1.1 only; None if not tested"
    )
    cert_expired: bool | None = None
    cert_self_signed: bool | None = None
    cert_name_mismatch: bool | None = None
    cert_not_after: datetime | None = None
    detail: str | None = None


class Service(Resource):
    """An ML service found on the network (Jupyter, MLflow, Ray, ...)."""

    kind: ClassVar[str] = "Service"
    url: str
    host: str
    port: int
    service: str | None = Field(default=None, description="fingerprint id: jupyter_server, mlflow, ray, ...")
    product: str | None = Field(default=None, description="display name, e.g. 'JupyterLab'")
    package: str | None = Field(default=None, description="PyPI package whose version was read")
    package_ecosystem: str = Field(
        default="PyPI", description="OSV ecosystem of `package` (PyPI; Go for Ollama; NVIDIA for Triton server versions)"
    )
    version: str | None = None
    auth_required: bool | None = None
    auth_detail: str | None = None
    runs_code: bool = Field(default=False, description="the API runs code (Jupyter kernels, Ray jobs, ...)")
    tls: bool | None = None
    tls_info: TLSInfo | None = None
    exposed_to_world: bool | None = Field(default=None, description="set by joining with cloud firewall rules")
    exposed_via: str | None = None


class ModelVerdictItem(Frozen):
    """One thing a model scan found: a global import, a Lambda layer, ..."""

    severity: Literal["critical", "high", "medium", "low", "info"]
    reference: str = Field(description="e.g. 'posix.system' or 'keras Lambda layer'")
    reason: str
    location: str = Field(default="", description="member/pickle/opcode offset")


class ModelArtifact(Resource):
    kind: ClassVar[str] = "ModelArtifact"
    format: str = Field(description="pickle, pytorch_zip, pytorch_legacy, joblib, numpy, keras_h5, safetensors, ...")
    sha256: str | None = None
    size: int | None = None
    pickle_based: bool | None = None
    code_execution: bool | None = Field(default=None, description="loading it runs code; None if it could not be scanned")
    findings: list[ModelVerdictItem] = Field(default_factory=list)
    scan_error: str | None = None


class NotebookFile(Resource):
    kind: ClassVar[str] = "NotebookFile"
    secrets: list[SecretHit] | None = None
    personal_data: list[SecretHit] | None = Field(
        default=None, description="e-mail, phone, national id, card numbers in outputs (redacted)"
    )
    parse_error: str | None = None


class KnownAdvisory(Frozen):
    """An advisory matched by a collector against user-supplied advisory data."""

    id: str
    summary: str = ""
    severity: str = "medium"
    fixed: list[str] = Field(default_factory=list)
    source: str = ""


class Dependency(Resource):
    kind: ClassVar[str] = "Dependency"
    ecosystem: str = "PyPI"
    package: str
    version: str | None = Field(default=None, description="exact pinned version; None if not pinned")
    manifest: str = Field(description="the lock or requirements file it came from")
    advisories: list[KnownAdvisory] | None = Field(
        default=None,
        description="matches in user-supplied advisory data (scan files --advisories); the bundled data is matched by the check",
    )


class Dataset(Resource):
    """A dataset (or model) covered by a lineage manifest, or a model lacking one."""

    kind: ClassVar[str] = "Dataset"
    manifest: str | None = Field(default=None, description="path of the lineage manifest; None if missing")
    signed: bool | None = None
    signature_valid: bool | None = None
    signature_detail: str | None = None
    hash_mismatches: list[str] | None = Field(default=None, description="files whose SHA-256 changed")
    missing_files: list[str] | None = None


# -- Kubernetes -------------------------------------------------------------------------------
# A live cluster (provider kubernetes) and manifests in an IaC scan (provider manifest) become the
# same kinds with the same ``ref.id`` (``<Kind>/<namespace>/<name>``), so one check judges both.


class ClusterExposure(Resource):
    """A Kubernetes Service or Ingress, and how it exposes pods outside the cluster."""

    kind: ClassVar[str] = "ClusterExposure"
    namespace: str = "default"
    object_kind: Literal["Service", "Ingress", "InferenceService"] = "Service"
    exposure: Literal["load_balancer", "node_port", "ingress", "cluster_ip", "external_name"] = "cluster_ip"
    ports: list[int] = Field(default_factory=list, description="service ports (Service) or backend ports (Ingress)")
    target_ports: list[int | str] = Field(default_factory=list)
    source_ranges: list[str] | None = Field(
        default=None, description="loadBalancerSourceRanges / allow-list annotation; [] = no restriction; None = unknown"
    )
    open_to_world: bool | None = Field(default=None, description="reachable from any address outside the cluster")
    hosts: list[str] = Field(default_factory=list, description="ingress hosts")
    paths: list[str] = Field(default_factory=list)
    tls: bool | None = None
    auth: bool | None = Field(default=None, description="authentication in front: ingress auth annotation or an auth proxy in the pods")
    auth_via: str | None = None
    addresses: list[str] = Field(default_factory=list, description="external IPs / hostnames assigned (status, externalIPs)")
    backends: list[str] = Field(default_factory=list, description="ref.id of the ClusterWorkloads it reaches")
    ml_services: list[str] = Field(default_factory=list, description="ML services reached, e.g. 'ray_dashboard:8265'")
    linked_endpoints: list[str] = Field(
        default_factory=list, description="URLs of probed services that are this exposure (auditor/linking.py)"
    )
    probe_auth_required: bool | None = Field(default=None, description="what the endpoint probe saw at a linked URL")


class ClusterWorkload(Resource):
    """A pod template in a cluster (Deployment, StatefulSet, Pod, RayCluster, Notebook, InferenceService...)."""

    kind: ClassVar[str] = "ClusterWorkload"
    namespace: str = "default"
    object_kind: str = Field(description="Deployment, StatefulSet, DaemonSet, Job, Pod, RayCluster, Notebook, InferenceService...")
    ml_kind: str | None = Field(
        default=None,
        description="ray_head, notebook, jupyterhub, mlflow, inference_service, triton, torchserve, label_studio, "
        "kubeflow_pipelines, ray_worker, ...; None = not recognised as an ML workload",
    )
    ml_via: str | None = Field(default=None, description="how it was recognised: CRD, image or port")
    images: list[str] = Field(default_factory=list)
    ports: list[int] = Field(default_factory=list, description="container ports")
    labels: dict[str, str] = Field(default_factory=dict, description="pod template labels, to match Service selectors")
    privileged: bool | None = None
    host_paths: list[str] = Field(default_factory=list)
    host_network: bool | None = None
    host_pid: bool | None = None
    run_as_root: bool | None = Field(default=None, description="a container may run as UID 0 (runAsNonRoot not true, runAsUser 0 or unset)")
    service_account_token: bool | None = Field(default=None, description="the service-account token is mounted")
    gpu: bool = Field(default=False, description="requests an accelerator (nvidia.com/gpu, amd.com/gpu, google.com/tpu)")
    env_secrets: list[SecretHit] | None = Field(
        default_factory=list, description="credentials in plain env values (redacted); None = the env could not be read"
    )
    auth_enabled: bool | None = Field(
        default=None, description="the ML service's own authentication (Ray token auth, Jupyter token/password)"
    )
    auth_detail: str | None = None
    auth_proxy: bool | None = Field(default=None, description="an authenticating proxy runs in the pod (oauth2-proxy, ...)")
    args_secrets: list[SecretHit] = Field(default_factory=list, description="tokens passed on the command line (redacted)")


class ClusterNamespace(Resource):
    """A namespace, with what isolates it."""

    kind: ClassVar[str] = "ClusterNamespace"
    network_policies: int | None = Field(default=None, description="NetworkPolicies in the namespace; None = not readable")
    ml_workloads: list[str] = Field(default_factory=list, description="ref.id of its ML workloads")


class Cluster(Resource):
    """A Kubernetes control plane: EKS, GKE, AKS (live or Terraform/CloudFormation) or a kubeconfig cluster."""

    kind: ClassVar[str] = "Cluster"
    flavor: Literal["eks", "gke", "aks", "kubernetes"] = "kubernetes"
    api_public: bool | None = Field(default=None, description="the API server has a public endpoint")
    api_source_ranges: list[str] | None = Field(
        default=None, description="CIDRs allowed to reach the public endpoint; [] = none declared (any address)"
    )
    api_detail: str | None = None


# -- Generative AI -----------------------------------------------------------------------------
# Accounts, deployments, agents, knowledge bases and vector stores are MLWorkloads (above); the
# guardrail policies they attach and the registries serving their images are kinds of their own.

GuardrailStrength = Literal["none", "low", "medium", "high"]


class Guardrail(Resource):
    """A Bedrock guardrail or an Azure OpenAI content filter (RAI policy)."""

    kind: ClassVar[str] = "Guardrail"
    service: str | None = Field(default=None, description="bedrock_guardrail or azure_rai_policy")
    filters: dict[str, GuardrailStrength] | None = Field(
        default=None,
        description="input strength per content filter: prompt_attack (jailbreak / prompt shield), hate, "
        "insults, sexual, violence, misconduct; a filter left out is 'none'; None = not readable",
    )
    sensitive_information: bool | None = Field(
        default=None, description="a sensitive-information (PII) filter blocks or masks entities"
    )
    customer_managed_key: bool | None = None
    kms_key: str | None = None


class RegistryRepository(Resource):
    """A registry of model-serving images or of models: ECR repository, ACR registry, Artifact Registry
    repository, SageMaker model package group."""

    kind: ClassVar[str] = "RegistryRepository"
    registry_type: Literal["container", "model"] = Field(
        default="container", description="container images, or a model registry (SageMaker model package group)"
    )
    public: bool | None = Field(default=None, description="anyone can pull (or push) images")
    public_via: str | None = None
    foreign_accounts: list[str] | None = Field(
        default=None, description="other accounts granted by the repository policy; [] = none"
    )
    scan_on_push: bool | None = None
    tag_immutable: bool | None = None
    customer_managed_key: bool | None = None
    kms_key: str | None = None


ALL_KINDS: tuple[type[Resource], ...] = (
    Bucket,
    Role,
    Notebook,
    MLWorkload,
    FirewallRule,
    Instance,
    Key,
    AuditTrail,
    Service,
    ModelArtifact,
    NotebookFile,
    Dependency,
    Dataset,
    ClusterExposure,
    ClusterWorkload,
    ClusterNamespace,
    Cluster,
    Guardrail,
    RegistryRepository,
)
KINDS: dict[str, type[Resource]] = {k.kind: k for k in ALL_KINDS}


def resource_to_dict(resource: Resource) -> dict[str, Any]:
    """Inventory form: the kind plus every field, JSON-ready."""
    data = resource.model_dump(mode="json", exclude_none=False)
    return {"kind": resource.kind, **data}


def resource_from_dict(data: dict[str, Any]) -> Resource:
    payload = dict(data)
    kind = payload.pop("kind", None)
    if kind not in KINDS:
        raise ValueError(f"unknown resource kind {kind!r}")
    return KINDS[kind].model_validate(payload)


_KIND_PREFIX = b'{"kind":"'


def resource_from_json(line: bytes) -> Resource:
    """A resource from its inventory line. The line as ``auditor.result_stream.resource_json``
    writes it (the kind first) is validated straight from its bytes, without a dictionary in
    between; any other layout goes through ``resource_from_dict``."""
    if line.startswith(_KIND_PREFIX):
        end = line.find(b'"', len(_KIND_PREFIX))
        model = KINDS.get(line[len(_KIND_PREFIX):end].decode("utf-8", "replace")) if end > 0 else None
        if model is not None and line[end + 1:end + 2] == b",":
            return model.model_validate_json(b"{" + line[end + 2:])
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("an inventory item must be a JSON object")
    return resource_from_dict(data)
