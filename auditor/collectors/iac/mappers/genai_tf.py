"""Generative-AI services in Terraform, on all three clouds: Bedrock guardrails, agents, knowledge
bases, custom models and invocation logging; OpenSearch Serverless collections; ECR repositories;
Azure AI services accounts, deployments, content filters, AI Search and container registries;
Vertex AI endpoints and Vector Search indexes; Artifact Registry repositories.

Defaults are the providers' (azurerm: public network access and local auth enabled; a deployment
without ``rai_policy_name`` gets Microsoft's default content filter; ECR tags mutable, scan on push
off, AES256). Joins follow references or literal names, as elsewhere in the IaC mappers. Which
store or role a workload points at is kept as the Terraform address, so ``auditor/linking.py`` can
join it with the Bucket and Role of the same scan.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from auditor.analysis import genai_policy
from auditor.analysis.prompt_capture import capture_fields
from auditor.collectors.iac.mappers.common import (
    ByType,
    as_bool,
    as_str,
    blocks,
    first,
    index_by_name,
    is_set,
    make_ref,
    targets,
)
from auditor.collectors.iac.mappers.common import (
    tags_of as _tags,
)
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.values import OWN_ACCOUNT, UNKNOWN_TEXT, Unknown
from auditor.resources import Cloud, Guardrail, MLWorkload, RegistryRepository, Resource

_BEDROCK_STRENGTH = {"NONE": "none", "LOW": "low", "MEDIUM": "medium", "HIGH": "high"}
_BEDROCK_FILTER = {"PROMPT_ATTACK": "prompt_attack", "HATE": "hate", "INSULTS": "insults", "SEXUAL": "sexual",
                   "VIOLENCE": "violence", "MISCONDUCT": "misconduct"}
# Azure content filters block at a severity threshold: blocking from "Low" up is the strictest.
_AZURE_THRESHOLD = {"low": "high", "medium": "medium", "high": "low"}
_AZURE_FILTER = {"jailbreak": "prompt_attack", "hate": "hate", "sexual": "sexual", "violence": "violence",
                 "selfharm": "self_harm", "indirect_attack": "indirect_prompt_attack"}
AI_ACCOUNT_KINDS = {"openai": "azure_openai", "aiservices": "ai_services", "cognitiveservices": "cognitive_services"}


def _repository_policy(
    attached: dict[str, list[tuple[IacResource, bool]]], owner: str, attr: str, actions: Any = None
) -> tuple[bool | None, str | None, genai_policy.RepositoryAccess]:
    """Whether a registry repository's resource policies (ECR, SageMaker model package groups) let
    anyone in: (public, via, access). A policy that cannot be read, or whose owner cannot be told
    (it may be this one's), leaves a repository that is not proven public unknown."""
    docs = [_policy_json(p.attrs.get(attr)) for p, _ in attached.get(owner, [])]
    merged = {"Statement": [st for d in docs if isinstance(d, dict) for st in _as_list(d.get("Statement"))]}
    kwargs = {"actions": actions} if actions is not None else {}
    try:
        access = genai_policy.repository_policy_access(merged, own_account=OWN_ACCOUNT, **kwargs)
    except genai_policy.UnreadablePolicy:
        access, docs = genai_policy.RepositoryAccess(public=False), [*docs, None]
    if access.public:
        return True, access.via or None, access
    if any(d is None for d in docs):
        return None, access.via or None, access
    ambiguous = [p.address for p, _ in attached.get("", [])]
    if ambiguous:
        return None, "policy of an unresolved repository: " + ", ".join(ambiguous), access
    return access.public, access.via or None, access


def _policy_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    if isinstance(value, dict | list):
        return value
    return None


class GenAITerraform(ByType):
    def steps(self) -> list[Callable[[], list[Resource]]]:
        return [self.guardrails, self.agents, self.knowledge_bases, self.custom_models, self.invocation_logging,
                self.collections, self.ecr_repositories, self.model_package_groups, self.feature_groups, self.azure_accounts, self.azure_rai_policies,
                self.azure_search, self.azure_registries, self.vertex, self.vertex_keyed_stores, self.artifact_registries]

    def map(self) -> list[Resource]:
        return [res for step in self.steps() for res in step()]

    def _pointer(self, value: Any, rtype: str, name_attr: str) -> str | None:
        """The address of the declared ``rtype`` that ``value`` names, else the literal value."""
        candidates = self.of(rtype)
        hit = targets(value, index_by_name(candidates, name_attr), {c.address for c in candidates})
        if hit:
            return hit[0]
        return value if isinstance(value, str) else None

    def _bucket_pointer(self, value: Any) -> str | None:
        """A bucket from an ``arn:aws:s3:::name`` or ``s3://name/prefix`` value, or a reference."""
        if isinstance(value, str):
            name = value.removeprefix("arn:aws:s3:::").removeprefix("s3://").split("/", 1)[0]
            return self._pointer(name, "aws_s3_bucket", "bucket")
        return self._pointer(value, "aws_s3_bucket", "bucket")

    # -- Bedrock ---------------------------------------------------------------------------------
    def guardrails(self) -> list[Resource]:
        out: list[Resource] = []
        for g in self.of("aws_bedrock_guardrail"):
            a = g.attrs
            filters: dict[str, Any] | None = {}
            content = first(a.get("content_policy_config"))
            if isinstance(content, Unknown):
                filters = None
            elif content:
                for f in blocks(content.get("filters_config")) or []:
                    kind, strength = f.get("type"), f.get("input_strength")
                    if isinstance(kind, Unknown) or isinstance(strength, Unknown):
                        filters = None
                        break
                    if filters is not None and isinstance(kind, str) and kind.upper() in _BEDROCK_FILTER:
                        filters[_BEDROCK_FILTER[kind.upper()]] = _BEDROCK_STRENGTH.get(str(strength).upper(), "none")
            pii = first(a.get("sensitive_information_policy_config"))
            sensitive = None if isinstance(pii, Unknown) else bool(
                pii and (blocks(pii.get("pii_entities_config")) or blocks(pii.get("regexes_config"))))
            kms = a.get("kms_key_arn")
            out.append(Guardrail(
                ref=make_ref(g, Cloud.AWS, a.get("name")), tags=_tags(a), ignores=g.ignores,
                service="bedrock_guardrail", filters=filters, sensitive_information=sensitive,
                customer_managed_key=is_set(kms), kms_key=as_str(kms),
            ))
        return out

    def agents(self) -> list[Resource]:
        out: list[Resource] = []
        associations = self.of("aws_bedrockagent_agent_knowledge_base_association")
        agents = self.of("aws_bedrockagent_agent")
        by_name = index_by_name(agents, "agent_name")
        addresses = {a.address for a in agents}
        kbs: dict[str, list[str]] = {}
        for assoc in associations:
            kb = self._pointer(assoc.attrs.get("knowledge_base_id"), "aws_bedrockagent_knowledge_base", "name")
            for address in targets(assoc.attrs.get("agent_id"), by_name, addresses) or []:
                if kb:
                    kbs.setdefault(address, []).append(kb)
        action_roles = self._action_roles(agents, by_name, addresses)
        for agent in agents:
            a = agent.attrs
            guard = first(a.get("guardrail_configuration"))
            guard_id = None if not isinstance(guard, dict) else guard.get("guardrail_identifier")
            kms = a.get("customer_encryption_key_arn")
            ttl = a.get("idle_session_ttl_in_seconds")
            out.append(MLWorkload(
                ref=make_ref(agent, Cloud.AWS, a.get("agent_name")), tags=_tags(a), ignores=agent.ignores,
                workload_type="agent", service="bedrock_agent",
                guardrail_attached=None if isinstance(guard, Unknown) else is_set(guard_id),
                guardrail_id=self._pointer(guard_id, "aws_bedrock_guardrail", "name") if guard_id is not None else None,
                role=self._pointer(a.get("agent_resource_role_arn"), "aws_iam_role", "name"),
                customer_managed_key=is_set(kms), kms_key=as_str(kms),
                idle_session_ttl=ttl if isinstance(ttl, int) else (1800 if ttl is None else None),
                knowledge_bases=kbs.get(agent.address, []),
                action_roles=action_roles.get(agent.address, []),
                private_endpoint=self._interface_endpoint("bedrock-agent-runtime"),
            ))
        return out

    def _action_roles(self, agents: list[IacResource], by_name: dict[str, list[str]], addresses: set[str]) -> dict[str, list[str] | None]:
        """Per agent, the execution roles of its action groups' Lambda functions; None when a
        function or its role is not declared in the project."""
        functions = {f.address: f for f in self.of("aws_lambda_function")}
        out: dict[str, list[str] | None] = {}
        for group in self.of("aws_bedrockagent_agent_action_group"):
            executor = first(group.attrs.get("action_group_executor"))
            lam = executor.get("lambda") if isinstance(executor, dict) else None
            if executor is None or (isinstance(executor, dict) and lam is None):
                continue  # custom control: the agent returns control to the caller, no function runs
            fn = self._pointer(lam, "aws_lambda_function", "function_name") if not isinstance(executor, Unknown) else None
            role = self._pointer(functions[fn].attrs.get("role"), "aws_iam_role", "name") if fn in functions else None
            for address in targets(group.attrs.get("agent_id"), by_name, addresses) or []:
                known = out.setdefault(address, [])
                if role is None or known is None:
                    out[address] = None
                else:
                    known.append(role)
        return out

    def knowledge_bases(self) -> list[Resource]:
        out: list[Resource] = []
        kbs = self.of("aws_bedrockagent_knowledge_base")
        sources = {address: [ds for ds, _ in found] for address, found in
                   self._attached("aws_bedrockagent_data_source", "knowledge_base_id", kbs, "name").items() if address}
        for kb in kbs:
            a = kb.attrs
            storage = first(a.get("storage_configuration"))
            store = None
            if isinstance(storage, dict):
                oss = first(storage.get("opensearch_serverless_configuration"))
                if isinstance(oss, dict):
                    store = self._pointer(oss.get("collection_arn"), "aws_opensearchserverless_collection", "name")
            buckets: list[str] = []
            keys: list[bool | None] = []
            for ds in sources.get(kb.address, []):
                config = first(ds.attrs.get("data_source_configuration"))
                s3 = first(config.get("s3_configuration")) if isinstance(config, dict) else None
                if isinstance(s3, dict):
                    bucket = self._bucket_pointer(s3.get("bucket_arn"))
                    if bucket:
                        buckets.append(bucket)
                sse = first(ds.attrs.get("server_side_encryption_configuration"))
                keys.append(None if isinstance(sse, Unknown) else bool(sse and is_set(sse.get("kms_key_arn"))))
            # transient ingestion data is encrypted with an AWS key unless every data source names one
            cmk = False if not keys or False in keys else (None if None in keys else True)
            out.append(MLWorkload(
                ref=make_ref(kb, Cloud.AWS, a.get("name")), tags=_tags(a), ignores=kb.ignores,
                workload_type="knowledge_base", service="bedrock_knowledge_base",
                role=self._pointer(a.get("role_arn"), "aws_iam_role", "name"),
                backing_store=store, source_buckets=buckets, customer_managed_key=cmk,
            ))
        return out

    def custom_models(self) -> list[Resource]:
        out: list[MLWorkload] = []
        for m in self.of("aws_bedrock_custom_model"):
            a = m.attrs
            kms = a.get("custom_model_kms_key_id")
            out.append(MLWorkload(
                ref=make_ref(m, Cloud.AWS, a.get("custom_model_name")), tags=_tags(a), ignores=m.ignores,
                workload_type="custom_model", service="bedrock",
                customer_managed_key=is_set(kms), kms_key=as_str(kms),
                role=self._pointer(a.get("role_arn"), "aws_iam_role", "name"),
            ))
        return [*out, *self._provisioned_throughputs({w.ref.id: w for w in out})]

    def _provisioned_throughputs(self, models: dict[str, MLWorkload]) -> list[Resource]:
        """Provisioned throughput serving a custom model carries that model's weights, so its key."""
        out: list[Resource] = []
        for t in self.of("aws_bedrock_provisioned_model_throughput"):
            a = t.attrs
            served = self._pointer(a.get("model_arn"), "aws_bedrock_custom_model", "custom_model_name")
            model = models.get(served or "")
            if model is None and not any(part in str(served) for part in (":custom-model/", ":imported-model/")):
                continue  # a foundation model: no customer weights
            out.append(MLWorkload(
                ref=make_ref(t, Cloud.AWS, a.get("provisioned_model_name")), tags=_tags(a), ignores=t.ignores,
                workload_type="custom_model", service="bedrock_provisioned_throughput", serves_model=served,
                customer_managed_key=None if model is None else model.customer_managed_key,
                kms_key=None if model is None else model.kms_key,
            ))
        return out

    def feature_groups(self) -> list[Resource]:
        """SageMaker feature groups with an online store, and that store's key."""
        out: list[Resource] = []
        for g in self.of("aws_sagemaker_feature_group"):
            a = g.attrs
            online = first(a.get("online_store_config"))
            if online is None:
                continue
            enabled = None if isinstance(online, Unknown) else as_bool(online.get("enable_online_store"), default=False)
            if enabled is False:
                continue
            security = None if isinstance(online, Unknown) else first(online.get("security_config"))
            kms = security.get("kms_key_id") if isinstance(security, dict) else None
            out.append(MLWorkload(
                ref=make_ref(g, Cloud.AWS, a.get("feature_group_name")), tags=_tags(a), ignores=g.ignores,
                workload_type="feature_store", service="sagemaker_feature_group",
                customer_managed_key=None if isinstance(online, Unknown) or isinstance(security, Unknown) else is_set(kms),
                kms_key=as_str(kms),
            ))
        return out

    def _interface_endpoint(self, service: str) -> bool | None:
        """The project declares a VPC endpoint for Bedrock's ``service`` (bedrock-runtime,
        bedrock-agent-runtime); None when an endpoint's service name is not known offline."""
        verdicts: list[bool | None] = []
        for e in self.of("aws_vpc_endpoint"):
            name = e.attrs.get("service_name")
            text = name.partial if isinstance(name, Unknown) else name
            last = text.rsplit(".", 1)[-1] if isinstance(text, str) and "." in text else UNKNOWN_TEXT
            if UNKNOWN_TEXT not in last:  # the region may be unknown, the service must not be
                verdicts.append(last == service)
            else:
                verdicts.append(None)
        return True if True in verdicts else (None if None in verdicts else False)

    def invocation_logging(self) -> list[Resource]:
        out: list[Resource] = []
        for cfg in self.of("aws_bedrock_model_invocation_logging_configuration"):
            logging = first(cfg.attrs.get("logging_config"))
            targets_: list[str] = []
            on: bool | None = False
            if isinstance(logging, Unknown):
                on = None
            elif logging:
                s3 = first(logging.get("s3_config"))
                cw = first(logging.get("cloudwatch_config"))
                if isinstance(s3, dict) and s3.get("bucket_name") is not None:
                    targets_.append(self._bucket_pointer(s3.get("bucket_name")) or str(s3.get("bucket_name")))
                if isinstance(cw, dict) and cw.get("log_group_name") is not None:
                    targets_.append(self._pointer(cw.get("log_group_name"), "aws_cloudwatch_log_group", "name") or "log group")
                on = bool(targets_)
            out.append(MLWorkload(
                ref=make_ref(cfg, Cloud.AWS, "bedrock-invocation-logging"), ignores=cfg.ignores,
                workload_type="bedrock_logging", service="bedrock", invocation_logging=on, in_use=True,
                log_targets=targets_, log_customer_key=self._log_keys(targets_) if on else None,
                private_endpoint=self._interface_endpoint("bedrock-runtime"),
            ))
        return out

    def _log_keys(self, log_targets: list[str]) -> bool | None:
        """Log groups declared here: encrypted with a KMS key or not. Buckets are joined by linking."""
        groups = {g.address: g for g in self.of("aws_cloudwatch_log_group")}
        verdicts = [is_set(groups[t].attrs.get("kms_key_id")) for t in log_targets if t in groups]
        if False in verdicts:
            return False
        return None  # buckets (and undeclared log groups) are joined with the scan's resources

    # -- OpenSearch Serverless ---------------------------------------------------------------------
    def collections(self) -> list[Resource]:
        out: list[Resource] = []
        policies: dict[str, list[tuple[str, Any]]] = {"network": [], "encryption": []}
        unknown = {"network": False, "encryption": False}
        for p in self.of("aws_opensearchserverless_security_policy"):
            ptype = p.attrs.get("type")
            doc = _policy_json(p.attrs.get("policy"))
            if ptype in policies:
                if doc is None:
                    unknown[ptype] = True
                else:
                    policies[ptype].append((str(p.attrs.get("name") or p.name), doc))
        for c in self.of("aws_opensearchserverless_collection"):
            a = c.attrs
            name = a.get("name")
            if isinstance(name, str):
                public, via = genai_policy.collection_network(policies["network"], name)
                cmk, kms = genai_policy.collection_encryption(policies["encryption"], name)
            else:
                public, via, cmk, kms = None, None, None, None
            if unknown["network"] and not public:
                public, via = None, "a network policy could not be read"
            if unknown["encryption"] and cmk is None:
                cmk = None
            elif cmk is None and not unknown["encryption"] and isinstance(name, str):
                cmk = False  # a collection cannot be created without an encryption policy; AWS-owned when none here
            out.append(MLWorkload(
                ref=make_ref(c, Cloud.AWS, name), tags=_tags(a), ignores=c.ignores,
                workload_type="vector_store", service="opensearch_serverless",
                public_access=public, public_via=via if public else None,
                customer_managed_key=cmk, kms_key=kms,
            ))
        return out

    # -- ECR -------------------------------------------------------------------------------------
    def ecr_repositories(self) -> list[Resource]:
        repos = self.of("aws_ecr_repository")
        if not repos:
            return []
        attached = self._attached("aws_ecr_repository_policy", "repository", repos, "name")
        account_scan = self._registry_scan_rules()
        out: list[Resource] = []
        for r in repos:
            a = r.attrs
            scan = first(a.get("image_scanning_configuration"))
            scan_on_push = None if isinstance(scan, Unknown) else as_bool(scan.get("scan_on_push") if scan else None, default=False)
            name = a.get("name")
            if scan_on_push is False and isinstance(name, str) and account_scan(name):
                scan_on_push = True
            enc = first(a.get("encryption_configuration"))
            enc_type = enc.get("encryption_type") if isinstance(enc, dict) else None
            kms = enc.get("kms_key") if isinstance(enc, dict) else None
            public, via, access = _repository_policy(attached, r.address, "policy")
            mutability = a.get("image_tag_mutability", "MUTABLE")
            out.append(RegistryRepository(
                ref=make_ref(r, Cloud.AWS, name), tags=_tags(a), ignores=r.ignores,
                public=public, public_via=via, foreign_accounts=access.foreign_accounts,
                scan_on_push=scan_on_push,
                tag_immutable=None if isinstance(mutability, Unknown) else str(mutability).startswith("IMMUTABLE"),
                customer_managed_key=None if isinstance(enc_type, Unknown) else enc_type == "KMS",
                kms_key=as_str(kms),
            ))
        return out

    def model_package_groups(self) -> list[Resource]:
        groups = self.of("aws_sagemaker_model_package_group")
        if not groups:
            return []
        attached = self._attached("aws_sagemaker_model_package_group_policy", "model_package_group_name", groups,
                                  "model_package_group_name")
        out: list[Resource] = []
        for g in groups:
            public, via, access = _repository_policy(attached, g.address, "resource_policy",
                                                     genai_policy.MODEL_REGISTRY_ACTIONS)
            out.append(RegistryRepository(
                ref=make_ref(g, Cloud.AWS, g.attrs.get("model_package_group_name")), tags=_tags(g.attrs), ignores=g.ignores,
                registry_type="model", public=public, public_via=via, foreign_accounts=access.foreign_accounts,
            ))
        return out

    def _registry_scan_rules(self) -> Callable[[str], bool]:
        """Whether the account's registry scanning configuration scans a repository on push."""
        patterns: list[str] = []
        for cfg in self.of("aws_ecr_registry_scanning_configuration"):
            for rule in blocks(cfg.attrs.get("rule")) or []:
                if rule.get("scan_frequency") not in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"):
                    continue
                for f in blocks(rule.get("repository_filter")) or []:
                    if isinstance(f.get("filter"), str):
                        patterns.append(f["filter"])
        from fnmatch import fnmatchcase

        return lambda name: any(fnmatchcase(name, p) for p in patterns)

    # -- Azure -----------------------------------------------------------------------------------
    def _private_endpoints(self) -> set[str]:
        """Addresses that a declared private endpoint connects to."""
        out: set[str] = set()
        for pe in self.of("azurerm_private_endpoint"):
            for conn in blocks(pe.attrs.get("private_service_connection")) or []:
                value = conn.get("private_connection_resource_id")
                out |= set(value.refs) if isinstance(value, Unknown) else set()
        return out

    def _diagnostics(self) -> dict[str, list[str]]:
        """Diagnostic settings per target address, with where they send logs."""
        out: dict[str, list[str]] = {}
        declared = {r.address for rs in self.by_type.values() for r in rs}

        def destination(value: Any, setting: str) -> str:
            # a reference to a declared storage account / workspace keeps its address, so linking joins it
            if isinstance(value, str):
                return value
            refs = sorted(r for r in value.refs if r in declared) if isinstance(value, Unknown) else []
            return refs[0] if refs else setting

        for d in self.of("azurerm_monitor_diagnostic_setting"):
            target = d.attrs.get("target_resource_id")
            dest = [destination(d.attrs[k], d.address)
                    for k in ("storage_account_id", "log_analytics_workspace_id", "eventhub_authorization_rule_id")
                    if d.attrs.get(k) is not None]
            logs = blocks(d.attrs.get("enabled_log")) or []
            if not logs:
                continue
            for address in target.refs if isinstance(target, Unknown) else set():
                out.setdefault(address, []).extend(dest or [d.address])
        return out

    def azure_accounts(self) -> list[Resource]:
        out: list[Resource] = []
        accounts = self.of("azurerm_cognitive_account")
        private = self._private_endpoints()
        diagnostics = self._diagnostics()
        cmk_resources: set[str] = set()
        for k in self.of("azurerm_cognitive_account_customer_managed_key"):
            value = k.attrs.get("cognitive_account_id")
            cmk_resources |= set(value.refs) if isinstance(value, Unknown) else set()
        for acc in accounts:
            a = acc.attrs
            kind = a.get("kind")
            service = AI_ACCOUNT_KINDS.get(str(kind).lower(), "cognitive_services") if isinstance(kind, str) else "cognitive_services"
            public, via = _azure_network(a.get("public_network_access_enabled"), a.get("network_acls"))
            cmk_block = first(a.get("customer_managed_key"))
            cmk = True if acc.address in cmk_resources else (None if isinstance(cmk_block, Unknown) else bool(cmk_block))
            logs = diagnostics.get(acc.address)
            out.append(MLWorkload(
                ref=make_ref(acc, Cloud.AZURE, a.get("name")), tags=_tags(a), ignores=acc.ignores,
                workload_type="ai_account", service=service,
                public_access=public, public_via=via, private_endpoint=acc.address in private,
                local_auth_enabled=as_bool(a.get("local_auth_enabled"), default=True),
                customer_managed_key=cmk, kms_key=as_str(cmk_block.get("key_vault_key_id")) if isinstance(cmk_block, dict) else None,
                invocation_logging=bool(logs), log_targets=logs or [],
            ))
        rai = self.of("azurerm_cognitive_account_rai_policy")
        for dep in self.of("azurerm_cognitive_deployment"):
            a = dep.attrs
            policy = a.get("rai_policy_name")
            out.append(MLWorkload(
                ref=make_ref(dep, Cloud.AZURE, a.get("name")), ignores=dep.ignores,
                workload_type="ai_deployment", service="azure_openai",
                # without rai_policy_name Azure applies its default content filter
                guardrail_attached=None if isinstance(policy, Unknown) else True,
                guardrail_id=(self._pointer(policy, "azurerm_cognitive_account_rai_policy", "name") if rai else policy)
                if isinstance(policy, str) else ("Microsoft.DefaultV2" if policy is None else None),
            ))
        return out

    def azure_rai_policies(self) -> list[Resource]:
        out: list[Resource] = []
        for p in self.of("azurerm_cognitive_account_rai_policy"):
            filters: dict[str, Any] | None = {}
            for f in blocks(p.attrs.get("content_filter")) or []:
                name, source = f.get("name"), f.get("source")
                if not isinstance(name, str) or str(source).lower() != "prompt":
                    continue
                key = _AZURE_FILTER.get(name.lower().replace(" ", "_"))
                if key is None:
                    continue
                enabled, blocking = as_bool(f.get("filter_enabled")), as_bool(f.get("block_enabled"))
                if enabled is None or blocking is None:
                    filters = None
                    break
                threshold = str(f.get("severity_threshold", "")).lower()
                strength = "none" if not (enabled and blocking) else (
                    "high" if key in ("prompt_attack", "indirect_prompt_attack") else _AZURE_THRESHOLD.get(threshold, "none"))
                if filters is not None:
                    filters[key] = strength
            out.append(Guardrail(
                ref=make_ref(p, Cloud.AZURE, p.attrs.get("name")), ignores=p.ignores,
                service="azure_rai_policy", filters=filters,
            ))
        return out

    def azure_search(self) -> list[Resource]:
        out: list[Resource] = []
        private = self._private_endpoints()
        for s in self.of("azurerm_search_service"):
            a = s.attrs
            public_flag = as_bool(a.get("public_network_access_enabled"), default=True)
            ips = a.get("allowed_ips")
            public = public_flag if not (public_flag and isinstance(ips, list) and ips) else False
            out.append(MLWorkload(
                ref=make_ref(s, Cloud.AZURE, a.get("name")), tags=_tags(a), ignores=s.ignores,
                workload_type="vector_store", service="ai_search",
                public_access=public, public_via="public network access enabled" if public else None,
                private_endpoint=s.address in private,
                local_auth_enabled=as_bool(a.get("local_authentication_enabled"), default=True),
                customer_managed_key=as_bool(a.get("customer_managed_key_enforcement_enabled"), default=False),
            ))
        return out

    def azure_registries(self) -> list[Resource]:
        out: list[Resource] = []
        for r in self.of("azurerm_container_registry"):
            a = r.attrs
            anonymous = as_bool(a.get("anonymous_pull_enabled"), default=False)
            enc = first(a.get("encryption"))
            out.append(RegistryRepository(
                ref=make_ref(r, Cloud.AZURE, a.get("name")), tags=_tags(a), ignores=r.ignores,
                public=anonymous, public_via="anonymous pull enabled" if anonymous else None,
                customer_managed_key=None if isinstance(enc, Unknown) else bool(enc and is_set(enc.get("key_vault_key_id"))),
            ))
        return out

    # -- GCP -------------------------------------------------------------------------------------
    def vertex(self) -> list[Resource]:
        out: list[Resource] = []
        for e in self.of("google_vertex_ai_endpoint"):
            a = e.attrs
            psc = first(a.get("private_service_connect_config"))
            private = is_set(a.get("network")) or bool(isinstance(psc, dict) and as_bool(psc.get("enable_private_service_connect")))
            logging = first(a.get("predict_request_response_logging_config"))
            logged = None if isinstance(logging, Unknown) else bool(logging and as_bool(logging.get("enabled"), default=False))
            dest = first(logging.get("bigquery_destination")) if isinstance(logging, dict) else None
            spec = first(a.get("encryption_spec"))
            kms_name = spec.get("kms_key_name") if isinstance(spec, dict) else None
            out.append(MLWorkload(
                ref=make_ref(e, Cloud.GCP, a.get("display_name") or a.get("name")), tags=_tags(a, "labels"), ignores=e.ignores,
                workload_type="endpoint", service="vertex_ai",
                public_access=None if private is None else not private, private_endpoint=private,
                customer_managed_key=is_set(kms_name), kms_key=as_str(kms_name),
                invocation_logging=logged,
                log_targets=[str(dest.get("output_uri"))] if isinstance(dest, dict) and dest.get("output_uri") else [],
            ))
        endpoints = self.of("google_vertex_ai_index_endpoint")
        exposure: dict[str, bool | None] = {}
        for ie in endpoints:
            a = ie.attrs
            public = as_bool(a.get("public_endpoint_enabled"), default=False)
            psc = first(a.get("private_service_connect_config"))
            private = is_set(a.get("network")) or bool(isinstance(psc, dict) and as_bool(psc.get("enable_private_service_connect")))
            exposed = True if public else (False if private else (None if public is None else False))
            exposure[ie.address] = exposed
            spec = first(a.get("encryption_spec"))
            kms_name = spec.get("kms_key_name") if isinstance(spec, dict) else None
            out.append(MLWorkload(
                ref=make_ref(ie, Cloud.GCP, a.get("display_name")), tags=_tags(a, "labels"), ignores=ie.ignores,
                workload_type="vector_store", service="vertex_index_endpoint",
                public_access=exposed, public_via="public endpoint enabled" if exposed else None,
                private_endpoint=bool(private),
                customer_managed_key=None if isinstance(spec, Unknown) else is_set(kms_name), kms_key=as_str(kms_name),
            ))
        deployed: dict[str, list[str]] = {}
        for d in self.of("google_vertex_ai_index_endpoint_deployed_index"):
            index, endpoint = d.attrs.get("index"), d.attrs.get("index_endpoint")
            for ia in (index.refs if isinstance(index, Unknown) else set()):
                deployed.setdefault(ia, []).extend(e for e in (endpoint.refs if isinstance(endpoint, Unknown) else set()))
        for idx in self.of("google_vertex_ai_index"):
            a = idx.attrs
            kms = first(a.get("encryption_spec"))
            kms_name = kms.get("kms_key_name") if isinstance(kms, dict) else None
            served = [exposure.get(e) for e in deployed.get(idx.address, [])]
            public = True if True in served else (None if None in served else False)
            out.append(MLWorkload(
                ref=make_ref(idx, Cloud.GCP, a.get("display_name")), tags=_tags(a, "labels"), ignores=idx.ignores,
                workload_type="vector_store", service="vertex_vector_search",
                public_access=public, public_via="deployed to a public index endpoint" if public else None,
                customer_managed_key=None if isinstance(kms, Unknown) else is_set(kms_name), kms_key=as_str(kms_name),
            ))
        return out

    def vertex_keyed_stores(self) -> list[Resource]:
        """Vertex AI datasets and feature stores, judged for their CMEK (encryption_spec)."""
        out: list[Resource] = []
        for rtype, workload_type, service in (
            ("google_vertex_ai_dataset", "dataset", "vertex_dataset"),
            ("google_vertex_ai_feature_online_store", "feature_store", "vertex_feature_online_store"),
            ("google_vertex_ai_featurestore", "feature_store", "vertex_featurestore"),
        ):
            for res in self.of(rtype):
                a = res.attrs
                spec = first(a.get("encryption_spec"))
                kms_name = spec.get("kms_key_name") if isinstance(spec, dict) else None
                out.append(MLWorkload(
                    ref=make_ref(res, Cloud.GCP, a.get("display_name") or a.get("name")), tags=_tags(a, "labels"),
                    ignores=res.ignores, workload_type=workload_type, service=service,  # type: ignore[arg-type]
                    customer_managed_key=None if isinstance(spec, Unknown) else is_set(kms_name), kms_key=as_str(kms_name),
                ))
        return out

    def artifact_registries(self) -> list[Resource]:
        repos = self.of("google_artifact_registry_repository")
        if not repos:
            return []
        by_name = index_by_name(repos, "repository_id")
        addresses = {r.address for r in repos}
        public: dict[str, list[str]] = {}
        for rtype in ("google_artifact_registry_repository_iam_member", "google_artifact_registry_repository_iam_binding"):
            for b in self.of(rtype):
                members = b.attrs.get("members") if "members" in b.attrs else [b.attrs.get("member")]
                anyone = [m for m in members if m in ("allUsers", "allAuthenticatedUsers")] if isinstance(members, list) else []
                for address in targets(b.attrs.get("repository"), by_name, addresses) or []:
                    if anyone:
                        public.setdefault(address, []).extend(f"{m} {b.attrs.get('role')}" for m in anyone)
        out: list[Resource] = []
        for r in repos:
            a = r.attrs
            kms = a.get("kms_key_name")
            grants = public.get(r.address)
            out.append(RegistryRepository(
                ref=make_ref(r, Cloud.GCP, a.get("repository_id")), tags=_tags(a, "labels"), ignores=r.ignores,
                public=bool(grants), public_via="IAM binding " + ", ".join(grants) if grants else None,
                customer_managed_key=is_set(kms), kms_key=as_str(kms),
            ))
        return out


def sagemaker_model_pointers(mapper: ByType, attrs: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The execution role and the artifact buckets of an ``aws_sagemaker_model`` (Terraform, or
    CloudFormation's ``PrimaryContainer``/``Containers`` kept as they are), for the swapped-model join."""
    pointers = GenAITerraform([])
    pointers.by_type = mapper.by_type
    role = pointers._pointer(attrs.get("execution_role_arn"), "aws_iam_role", "name")
    containers = [*(blocks(attrs.get("primary_container")) or []), *(blocks(attrs.get("container")) or [])]
    buckets = []
    for c in containers:
        url = c.get("model_data_url", c.get("ModelDataUrl"))
        bucket = pointers._bucket_pointer(url) if url is not None else None
        if bucket:
            buckets.append(bucket)
    return role, list(dict.fromkeys(buckets))


def sagemaker_capture_fields(mapper: ByType, attrs: dict[str, Any]) -> dict[str, Any]:
    """The prompt-log fields of an endpoint configuration's data capture (Terraform
    ``data_capture_config``, or CloudFormation's ``DataCaptureConfig`` kept as it is)."""
    block = first(attrs.get("data_capture_config"))
    if block is None:
        return capture_fields(False, None, None)
    if isinstance(block, Unknown):
        return capture_fields(None, None, None)
    enabled = as_bool(block.get("enable_capture", block.get("EnableCapture")), default=True)
    destination = block.get("destination_s3_uri", block.get("DestinationS3Uri"))
    pointers = GenAITerraform([])
    pointers.by_type = mapper.by_type
    bucket = pointers._bucket_pointer(destination) if destination is not None else None
    kms = block.get("kms_key_id", block.get("KmsKeyId"))
    fields = capture_fields(enabled, bucket, "set" if is_set(kms) else None)
    if enabled and is_set(kms) is None:
        fields["log_customer_key"] = None
    return fields


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([value] if value is not None else [])


def _azure_network(flag: Any, acls: Any) -> tuple[bool | None, str | None]:
    """Public network access of an AI services account: disabled, or enabled with network rules
    whose default action is Deny, is private."""
    enabled = as_bool(flag, default=True)
    if enabled is False:
        return False, None
    rules = first(acls)
    if isinstance(rules, Unknown):
        return None, None
    action = rules.get("default_action") if rules else None
    if isinstance(action, Unknown):
        return None, None
    if action == "Deny":
        return False, None
    if enabled is None:
        return None, None
    return True, "public network access enabled" + (", network rules default action Allow" if rules else ", no network rules")
