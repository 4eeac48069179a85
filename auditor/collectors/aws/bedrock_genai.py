"""Bedrock guardrails, custom models, agents and knowledge bases (with their data sources), per
region. Every item is listed and described; pointers to roles, buckets and collections stay ARNs
so ``auditor/linking_genai.py`` joins them with the rest of the scan.
"""

from __future__ import annotations

from typing import Any

from auditor.collectors.aws.bedrock import private_endpoint
from auditor.collectors.aws.runtime import Scan
from auditor.resources import Guardrail, MLWorkload, Ref

PERMISSIONS = (
    "bedrock:ListGuardrails",
    "bedrock:GetGuardrail",
    "bedrock:ListCustomModels",
    "bedrock:GetCustomModel",
    "bedrock:ListImportedModels",
    "bedrock:GetImportedModel",
    "bedrock:ListProvisionedModelThroughputs",
    "bedrock:ListAgents",
    "bedrock:GetAgent",
    "bedrock:ListAgentKnowledgeBases",
    "bedrock:ListKnowledgeBases",
    "bedrock:GetKnowledgeBase",
    "bedrock:ListDataSources",
    "bedrock:GetDataSource",
    "ec2:DescribeVpcEndpoints",
)
OPERATIONS = {
    "bedrock": frozenset({"ListGuardrails", "GetGuardrail", "ListCustomModels", "GetCustomModel", "ListImportedModels",
                          "GetImportedModel", "ListProvisionedModelThroughputs"}),
    "bedrock-agent": frozenset({
        "ListAgents", "GetAgent", "ListAgentKnowledgeBases", "ListKnowledgeBases", "GetKnowledgeBase",
        "ListDataSources", "GetDataSource",
    }),
    "ec2": frozenset({"DescribeVpcEndpoints"}),
}

_FILTERS = {"PROMPT_ATTACK": "prompt_attack", "HATE": "hate", "INSULTS": "insults", "SEXUAL": "sexual",
            "VIOLENCE": "violence", "MISCONDUCT": "misconduct"}
_STRENGTH = {"NONE": "none", "LOW": "low", "MEDIUM": "medium", "HIGH": "high"}
DEFAULT_IDLE_TTL = 1800


def _ref(account: str, region: str, arn: str, name: str) -> Ref:
    return Ref(provider="aws", cloud="aws", account=account, region=region, id=arn, name=name)


def normalize_guardrail(detail: dict[str, Any], account: str, region: str) -> Guardrail:
    filters: dict[str, Any] = {}
    for f in (detail.get("contentPolicy") or {}).get("filters") or []:
        kind = str(f.get("type", "")).upper()
        if kind in _FILTERS:
            filters[_FILTERS[kind]] = _STRENGTH.get(str(f.get("inputStrength", "NONE")).upper(), "none")
    pii = detail.get("sensitiveInformationPolicy") or {}
    kms = detail.get("kmsKeyArn")
    return Guardrail(
        ref=_ref(account, region, str(detail.get("guardrailArn") or detail.get("guardrailId")), str(detail.get("name"))),
        service="bedrock_guardrail",
        filters=filters,
        sensitive_information=bool(pii.get("piiEntities") or pii.get("regexes")),
        customer_managed_key=bool(kms),
        kms_key=kms,
    )


def normalize_custom_model(detail: dict[str, Any], account: str, region: str) -> MLWorkload:
    kms = detail.get("modelKmsKeyArn")
    return MLWorkload(
        ref=_ref(account, region, str(detail["modelArn"]), str(detail.get("modelName"))),
        workload_type="custom_model",
        service="bedrock",
        customer_managed_key=bool(kms),
        kms_key=kms,
        role=detail.get("roleArn") or None,
    )


def normalize_imported_model(detail: dict[str, Any], account: str, region: str) -> MLWorkload:
    """An imported model (Custom Model Import): its key, and the bucket its weights were imported from."""
    kms = detail.get("modelKmsKeyArn")
    uri = ((detail.get("modelDataSource") or {}).get("s3DataSource") or {}).get("s3Uri")
    bucket = str(uri).removeprefix("s3://").split("/", 1)[0] if uri and str(uri).startswith("s3://") else None
    return MLWorkload(
        ref=_ref(account, region, str(detail["modelArn"]), str(detail.get("modelName"))),
        workload_type="custom_model",
        service="bedrock_imported_model",
        customer_managed_key=bool(kms),
        kms_key=kms,
        artifact_buckets=[f"arn:aws:s3:::{bucket}"] if bucket else [],
    )


def normalize_provisioned_throughput(summary: dict[str, Any], model: MLWorkload | None, account: str,
                                     region: str) -> MLWorkload:
    """Provisioned throughput serving a custom or imported model: its weights are that model's, so is
    its key (``model`` None: the model could not be read, the key is unknown)."""
    return MLWorkload(
        ref=_ref(account, region, str(summary["provisionedModelArn"]), str(summary.get("provisionedModelName"))),
        workload_type="custom_model",
        service="bedrock_provisioned_throughput",
        serves_model=str(summary.get("modelArn")),
        customer_managed_key=None if model is None else model.customer_managed_key,
        kms_key=None if model is None else model.kms_key,
    )


def serves_custom_model(summary: dict[str, Any]) -> bool:
    """Provisioned throughput on a foundation model holds no customer weights; on a custom or imported one it does."""
    return any(part in str(summary.get("modelArn")) for part in (":custom-model/", ":imported-model/"))


def normalize_agent(agent: dict[str, Any], knowledge_bases: list[str] | None, account: str, region: str,
                    runtime_endpoint: bool | None = None) -> MLWorkload:
    """``knowledge_bases``: ARNs of the knowledge bases the agent uses (None if not readable);
    ``runtime_endpoint``: the region has an interface VPC endpoint for bedrock-agent-runtime."""
    guard = agent.get("guardrailConfiguration") or {}
    kms = agent.get("customerEncryptionKeyArn")
    return MLWorkload(
        ref=_ref(account, region, str(agent["agentArn"]), str(agent.get("agentName"))),
        workload_type="agent",
        service="bedrock_agent",
        guardrail_attached=bool(guard.get("guardrailIdentifier")),
        guardrail_id=_guardrail_arn(guard.get("guardrailIdentifier"), account, region),
        role=agent.get("agentResourceRoleArn") or None,
        customer_managed_key=bool(kms),
        kms_key=kms,
        idle_session_ttl=int(agent.get("idleSessionTTLInSeconds") or DEFAULT_IDLE_TTL),
        knowledge_bases=knowledge_bases or [],
        private_endpoint=runtime_endpoint,
    )


def _guardrail_arn(identifier: Any, account: str, region: str) -> str | None:
    if not identifier:
        return None
    text = str(identifier)
    return text if text.startswith("arn:") else f"arn:aws:bedrock:{region}:{account}:guardrail/{text}"


def normalize_knowledge_base(kb: dict[str, Any], sources: list[dict[str, Any]] | None, account: str, region: str) -> MLWorkload:
    """``sources``: the knowledge base's data sources (GetDataSource ``dataSource``); None if not readable."""
    storage = kb.get("storageConfiguration") or {}
    store = (storage.get("opensearchServerlessConfiguration") or {}).get("collectionArn")
    buckets: list[str] = []
    keys: list[bool] = []
    for ds in sources or []:
        s3 = (ds.get("dataSourceConfiguration") or {}).get("s3Configuration") or {}
        if s3.get("bucketArn"):
            buckets.append(str(s3["bucketArn"]))
        keys.append(bool((ds.get("serverSideEncryptionConfiguration") or {}).get("kmsKeyArn")))
    return MLWorkload(
        ref=_ref(account, region, str(kb["knowledgeBaseArn"]), str(kb.get("name"))),
        workload_type="knowledge_base",
        service="bedrock_knowledge_base",
        role=kb.get("roleArn") or None,
        backing_store=store,
        source_buckets=buckets,
        # ingestion data is kept under an AWS key unless every data source names a KMS key
        customer_managed_key=None if sources is None else bool(keys) and all(keys),
    )


class BedrockGenAICollection:
    def __init__(self, scan: Scan, regions: list[str]) -> None:
        self.scan = scan
        self.regions = regions

    def start(self) -> None:
        for region in self.regions:
            self.scan.tasks.submit(f"bedrock guardrails and models {region}", self._bedrock, region)
            self.scan.tasks.submit(f"bedrock agents {region}", self._agents, region)

    def _bedrock(self, region: str) -> None:
        scan = self.scan
        guardrails, _ = scan.pages("bedrock", region, "ListGuardrails", "guardrails", incomplete=False)
        for g in guardrails or []:
            detail, failure = scan.call("bedrock", region, "GetGuardrail", resource=str(g.get("arn")),
                                        guardrailIdentifier=g["id"])
            if failure is None:
                scan.sink.add(normalize_guardrail(detail, scan.account, region))
        read: dict[str, MLWorkload] = {}
        models, _ = scan.pages("bedrock", region, "ListCustomModels", "modelSummaries", incomplete=False)
        for m in models or []:
            detail, failure = scan.call("bedrock", region, "GetCustomModel", resource=str(m["modelArn"]),
                                        modelIdentifier=m["modelArn"])
            if failure is None:
                read[str(m["modelArn"])] = normalize_custom_model(detail, scan.account, region)
        imported, _ = scan.pages("bedrock", region, "ListImportedModels", "modelSummaries", incomplete=False)
        for m in imported or []:
            detail, failure = scan.call("bedrock", region, "GetImportedModel", resource=str(m["modelArn"]),
                                        modelIdentifier=m["modelArn"])
            if failure is None:
                read[str(m["modelArn"])] = normalize_imported_model(detail, scan.account, region)
        for workload in read.values():
            scan.sink.add(workload)
        throughputs, _ = scan.pages("bedrock", region, "ListProvisionedModelThroughputs", "provisionedModelSummaries",
                                    incomplete=False)
        for t in throughputs or []:
            if serves_custom_model(t):
                scan.sink.add(normalize_provisioned_throughput(t, read.get(str(t["modelArn"])), scan.account, region))

    def _agents(self, region: str) -> None:
        scan = self.scan
        kb_arns: dict[str, str] = {}
        kbs, _ = scan.pages("bedrock-agent", region, "ListKnowledgeBases", "knowledgeBaseSummaries", incomplete=False)
        for summary in kbs or []:
            kb_id = str(summary["knowledgeBaseId"])
            detail, failure = scan.call("bedrock-agent", region, "GetKnowledgeBase", resource=kb_id, knowledgeBaseId=kb_id)
            if failure is not None:
                continue
            kb = detail["knowledgeBase"]
            kb_arns[kb_id] = str(kb["knowledgeBaseArn"])
            scan.sink.add(normalize_knowledge_base(kb, self._sources(region, kb_id), scan.account, region))
        agents, _ = scan.pages("bedrock-agent", region, "ListAgents", "agentSummaries", incomplete=False)
        endpoint = private_endpoint(scan, region, "bedrock-agent-runtime") if agents else None
        for summary in agents or []:
            agent_id = str(summary["agentId"])
            detail, failure = scan.call("bedrock-agent", region, "GetAgent", resource=agent_id, agentId=agent_id)
            if failure is not None:
                continue
            used, _ = scan.pages("bedrock-agent", region, "ListAgentKnowledgeBases", "agentKnowledgeBaseSummaries",
                                 incomplete=False, agentId=agent_id, agentVersion="DRAFT")
            arns = [kb_arns.get(str(u["knowledgeBaseId"]), f"arn:aws:bedrock:{region}:{scan.account}:knowledge-base/{u['knowledgeBaseId']}")
                    for u in used or []]
            scan.sink.add(normalize_agent(detail["agent"], arns, scan.account, region, endpoint))

    def _sources(self, region: str, kb_id: str) -> list[dict[str, Any]] | None:
        scan = self.scan
        summaries, failure = scan.pages("bedrock-agent", region, "ListDataSources", "dataSourceSummaries",
                                        incomplete=False, knowledgeBaseId=kb_id)
        if failure is not None:
            return None
        out: list[dict[str, Any]] = []
        for s in summaries or []:
            detail, failure = scan.call("bedrock-agent", region, "GetDataSource", resource=kb_id,
                                        knowledgeBaseId=kb_id, dataSourceId=s["dataSourceId"])
            if failure is not None:
                return None
            out.append(detail["dataSource"])
        return out

    def finish(self) -> None:
        pass
