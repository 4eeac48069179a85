"""Azure AI services (Azure OpenAI, AI Foundry / AI services, Cognitive Services) accounts with
their deployments, content filters (RAI policies) and diagnostic settings; AI Search services;
container registries. Read with ``ArmApi`` GETs (no extra SDK package), normalized here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from auditor.collectors.azure.arm import ArmApi
from auditor.collectors.base import CollectionSink
from auditor.resources import Guardrail, MLWorkload, Ref, RegistryRepository

PERMISSIONS = (
    "Microsoft.CognitiveServices/accounts/read",
    "Microsoft.CognitiveServices/accounts/deployments/read",
    "Microsoft.CognitiveServices/accounts/raiPolicies/read",
    "Microsoft.Search/searchServices/read",
    "Microsoft.ContainerRegistry/registries/read",
)
OPERATION_PATHS = {
    "cognitiveAccounts.list": "/subscriptions/{sub}/providers/Microsoft.CognitiveServices/accounts",
    "searchServices.list": "/subscriptions/{sub}/providers/Microsoft.Search/searchServices",
    "registries.list": "/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries",
}
_KINDS = {"openai": "azure_openai", "aiservices": "ai_services"}
_FILTERS = {"jailbreak": "prompt_attack", "indirect_attack": "indirect_prompt_attack", "hate": "hate",
            "sexual": "sexual", "violence": "violence", "selfharm": "self_harm"}
# Azure blocks content at or above a severity threshold: blocking from Low up is the strictest.
_THRESHOLD = {"low": "high", "medium": "medium", "high": "low"}
# A deployment without raiPolicyName gets Microsoft's default content filter.
DEFAULT_RAI_POLICY = "Microsoft.DefaultV2"
_REQUEST_LOG_CATEGORIES = {"requestresponse", "audit"}
_REQUEST_LOG_GROUPS = {"alllogs", "audit"}


def _ref(sub: str, item: Mapping[str, Any]) -> Ref:
    return Ref(provider="azure", cloud="azure", account=sub, region=item.get("location"), id=str(item["id"]),
               name=str(item.get("name") or str(item["id"]).rsplit("/", 1)[-1]))


def _tags(item: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (item.get("tags") or {}).items()}


def _enabled(value: Any, default: bool = True) -> bool:
    return default if value is None else str(value).lower() == "enabled"


def _network(props: Mapping[str, Any]) -> tuple[bool, str | None]:
    if not _enabled(props.get("publicNetworkAccess")):
        return False, None
    acls = props.get("networkAcls") or props.get("networkRuleSet") or {}
    if str(acls.get("defaultAction", "Allow")).lower() == "deny":
        return False, None
    return True, "public network access enabled" + (", network rules default action Allow" if acls else ", no network rules")


def _request_logs(settings: list[Mapping[str, Any]] | None) -> tuple[bool | None, list[str]]:
    if settings is None:
        return None, []
    targets: list[str] = []
    for s in settings:
        props = s.get("properties") or {}
        logs = [entry for entry in props.get("logs") or [] if entry.get("enabled")]
        if any(str(entry.get("category") or "").lower() in _REQUEST_LOG_CATEGORIES
               or str(entry.get("categoryGroup") or "").lower() in _REQUEST_LOG_GROUPS for entry in logs):
            targets += [str(props[k]) for k in ("storageAccountId", "workspaceId", "eventHubAuthorizationRuleId") if props.get(k)]
    return bool(targets), targets


def ai_account(sub: str, item: Mapping[str, Any], diagnostic_settings: list[Mapping[str, Any]] | None) -> MLWorkload:
    """``diagnostic_settings``: the account's settings (None if unreadable)."""
    props = item.get("properties") or {}
    public, via = _network(props)
    encryption = props.get("encryption") or {}
    cmk = str(encryption.get("keySource", "Microsoft.CognitiveServices")).lower() == "microsoft.keyvault"
    vault = encryption.get("keyVaultProperties") or {}
    logged, targets = _request_logs(diagnostic_settings)
    return MLWorkload(
        ref=_ref(sub, item), tags=_tags(item),
        workload_type="ai_account",
        service=_KINDS.get(str(item.get("kind", "")).lower(), "cognitive_services"),
        public_access=public, public_via=via,
        private_endpoint=bool(props.get("privateEndpointConnections")),
        local_auth_enabled=not bool(props.get("disableLocalAuth", False)),
        customer_managed_key=cmk,
        kms_key=f"{vault.get('keyVaultUri', '')}keys/{vault['keyName']}" if cmk and vault.get("keyName") else None,
        invocation_logging=logged, log_targets=targets if logged is not None else None,
    )


def ai_deployment(sub: str, account: Mapping[str, Any], item: Mapping[str, Any]) -> MLWorkload:
    props = item.get("properties") or {}
    policy = props.get("raiPolicyName") or DEFAULT_RAI_POLICY
    return MLWorkload(
        ref=Ref(provider="azure", cloud="azure", account=sub, region=account.get("location"), id=str(item["id"]),
                name=str(item.get("name"))),
        workload_type="ai_deployment",
        service=_KINDS.get(str(account.get("kind", "")).lower(), "cognitive_services"),
        guardrail_attached=True,
        guardrail_id=f"{account['id']}/raiPolicies/{policy}",
    )


def rai_policy(sub: str, account: Mapping[str, Any], item: Mapping[str, Any]) -> Guardrail:
    props = item.get("properties") or {}
    filters: dict[str, Any] = {}
    for f in props.get("contentFilters") or []:
        if str(f.get("source", "")).lower() != "prompt":
            continue
        key = _FILTERS.get(str(f.get("name", "")).lower().replace(" ", "_"))
        if key is None:
            continue
        on = bool(f.get("enabled")) and bool(f.get("blocking"))
        if not on:
            filters[key] = "none"
        elif key in ("prompt_attack", "indirect_prompt_attack"):
            filters[key] = "high"
        else:
            filters[key] = _THRESHOLD.get(str(f.get("severityThreshold", "")).lower(), "none")
    return Guardrail(
        ref=Ref(provider="azure", cloud="azure", account=sub, region=account.get("location"), id=str(item["id"]),
                name=str(item.get("name"))),
        service="azure_rai_policy", filters=filters,
    )


def search_service(sub: str, item: Mapping[str, Any]) -> MLWorkload:
    props = item.get("properties") or {}
    public, via = _network(props)
    if public and (props.get("networkRuleSet") or {}).get("ipRules"):
        public, via = False, None  # reachable only from the listed addresses
    return MLWorkload(
        ref=_ref(sub, item), tags=_tags(item),
        workload_type="vector_store", service="ai_search",
        public_access=public, public_via=via,
        private_endpoint=bool(props.get("privateEndpointConnections")),
        local_auth_enabled=not bool(props.get("disableLocalAuth", False)),
        customer_managed_key=str((props.get("encryptionWithCmk") or {}).get("enforcement", "")).lower() == "enabled",
    )


def container_registry(sub: str, item: Mapping[str, Any]) -> RegistryRepository:
    props = item.get("properties") or {}
    anonymous = bool(props.get("anonymousPullEnabled", False))
    encryption = props.get("encryption") or {}
    return RegistryRepository(
        ref=_ref(sub, item), tags=_tags(item),
        public=anonymous, public_via="anonymous pull enabled" if anonymous else None,
        customer_managed_key=str(encryption.get("status", "disabled")).lower() == "enabled",
        kms_key=(encryption.get("keyVaultProperties") or {}).get("keyIdentifier"),
    )


Guard = Callable[..., Any]


def collect(api: ArmApi, sub: str, sink: CollectionSink, guard: Guard, max_workers: int) -> None:
    """Every AI account (with deployments, RAI policies, diagnostic settings), search service and registry."""
    accounts = guard(sink, sub, "cognitiveAccounts.list", lambda: list(api.pages(
        "cognitiveAccounts.list", OPERATION_PATHS["cognitiveAccounts.list"].format(sub=sub))))

    def one(account: dict[str, Any]) -> None:
        aid = str(account["id"])
        diag = guard(sink, sub, "cognitiveDiagnosticSettings.list", lambda: list(api.pages(
            "cognitiveDiagnosticSettings.list", f"{aid}/providers/Microsoft.Insights/diagnosticSettings")), resource=aid)
        sink.add(ai_account(sub, account, diag))
        for item in guard(sink, sub, "cognitiveDeployments.list", lambda: list(api.pages(
                "cognitiveDeployments.list", f"{aid}/deployments")), resource=aid) or []:
            sink.add(ai_deployment(sub, account, item))
        for item in guard(sink, sub, "raiPolicies.list", lambda: list(api.pages(
                "raiPolicies.list", f"{aid}/raiPolicies")), resource=aid) or []:
            sink.add(rai_policy(sub, account, item))

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        list(pool.map(one, accounts or []))
    for item in guard(sink, sub, "searchServices.list", lambda: list(api.pages(
            "searchServices.list", OPERATION_PATHS["searchServices.list"].format(sub=sub)))) or []:
        sink.add(search_service(sub, item))
    for item in guard(sink, sub, "registries.list", lambda: list(api.pages(
            "registries.list", OPERATION_PATHS["registries.list"].format(sub=sub)))) or []:
        sink.add(container_registry(sub, item))
