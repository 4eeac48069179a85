"""Azure OpenAI / AI services accounts, deployments, content filters, AI Search and container
registries: the real Azure collector over https against the loopback ARM fake, then the checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import trustme
from fake_arm import (
    FakeArm,
    StaticTokenCredential,
    SubscriptionSpec,
    account_json,
    blob_service_json,
    container_json,
    encryption_json,
)

from auditor.collectors.azure import AzureCollector
from auditor.collectors.azure.arm import operation_for
from auditor.collectors.base import CollectionSink
from auditor.engine import Engine
from auditor.linking import link
from auditor.registry import Registry
from auditor.resources import Guardrail, MLWorkload, RegistryRepository

SUB = "0d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
OPENAI = f"{RG}/providers/Microsoft.CognitiveServices/accounts/chat-openai"
LOCKED = f"{RG}/providers/Microsoft.CognitiveServices/accounts/locked-ai"
LOGGED = f"{RG}/providers/Microsoft.CognitiveServices/accounts/logged-ai"
LEAKY = f"{RG}/providers/Microsoft.CognitiveServices/accounts/leaky-ai"
# where prompt logs land: a private storage account with a customer key, and a public one
VAULT = "https://kv-ai.vault.azure.net/"
PRIVATE_LOGS = account_json(SUB, "rg-ai", "aipromptlogs", "swedencentral", {
    "allowBlobPublicAccess": False, "supportsHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2",
    "encryption": encryption_json(VAULT)})
PUBLIC_LOGS = account_json(SUB, "rg-ai", "aiopenlogs", "swedencentral", {
    "allowBlobPublicAccess": True, "supportsHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2",
    "encryption": encryption_json()})


def _to_storage(rid: str, account_id: str) -> list[dict[str, Any]]:
    return [{"id": f"{rid}/providers/Microsoft.Insights/diagnosticSettings/prompts", "name": "prompts",
             "properties": {"storageAccountId": account_id, "logs": [{"categoryGroup": "allLogs", "enabled": True}]}}]


def ai_subscription() -> SubscriptionSpec:
    def account(rid: str, kind: str, props: dict[str, Any]) -> dict[str, Any]:
        return {"id": rid, "name": rid.rsplit("/", 1)[-1], "type": "Microsoft.CognitiveServices/accounts", "kind": kind,
                "location": "swedencentral", "sku": {"name": "S0"}, "properties": props}

    return SubscriptionSpec(
        subscription_id=SUB, display_name="ai-apps",
        cognitive_accounts=[
            account(OPENAI, "OpenAI", {"publicNetworkAccess": "Enabled", "endpoint": "https://chat-openai.openai.azure.com/"}),
            account(LOCKED, "AIServices", {
                "publicNetworkAccess": "Disabled", "disableLocalAuth": True,
                "encryption": {"keySource": "Microsoft.KeyVault", "keyVaultProperties": {
                    "keyName": "cmk-ai", "keyVaultUri": "https://kv-ai.vault.azure.net/"}},
                "privateEndpointConnections": [{"id": f"{LOCKED}/privateEndpointConnections/pe"}]}),
            account(LOGGED, "OpenAI", {"publicNetworkAccess": "Disabled", "disableLocalAuth": True}),
            account(LEAKY, "OpenAI", {"publicNetworkAccess": "Disabled", "disableLocalAuth": True}),
        ],
        storage_accounts=[PRIVATE_LOGS, PUBLIC_LOGS],
        blob_services={a["id"]: blob_service_json(a["id"], False, False) for a in (PRIVATE_LOGS, PUBLIC_LOGS)},
        containers={PRIVATE_LOGS["id"]: [container_json(PRIVATE_LOGS["id"], "insights-logs-requestresponse", "None")],
                    PUBLIC_LOGS["id"]: [container_json(PUBLIC_LOGS["id"], "insights-logs-requestresponse", "Container")]},
        cognitive_deployments={OPENAI: [
            {"id": f"{OPENAI}/deployments/gpt-4o", "name": "gpt-4o", "type": "Microsoft.CognitiveServices/accounts/deployments",
             "properties": {"model": {"format": "OpenAI", "name": "gpt-4o"}, "raiPolicyName": "lenient"}},
            {"id": f"{OPENAI}/deployments/embed", "name": "embed", "type": "Microsoft.CognitiveServices/accounts/deployments",
             "properties": {"model": {"format": "OpenAI", "name": "text-embedding-3-large"}}},
        ]},
        rai_policies={OPENAI: [
            {"id": f"{OPENAI}/raiPolicies/lenient", "name": "lenient", "type": "Microsoft.CognitiveServices/accounts/raiPolicies",
             "properties": {"basePolicyName": "Microsoft.DefaultV2", "mode": "Blocking", "contentFilters": [
                 {"name": "Jailbreak", "enabled": False, "blocking": False, "source": "Prompt"},
                 {"name": "Hate", "enabled": True, "blocking": True, "severityThreshold": "High", "source": "Prompt"},
                 {"name": "Hate", "enabled": True, "blocking": True, "severityThreshold": "Low", "source": "Completion"}]}},
        ]},
        cognitive_diagnostics={LOCKED: [
            {"id": f"{LOCKED}/providers/Microsoft.Insights/diagnosticSettings/prompts", "name": "prompts",
             "properties": {"workspaceId": f"/subscriptions/{SUB}/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/law",
                            "logs": [{"category": "RequestResponse", "enabled": True}]}}],
            # ARM ids are case-insensitive: diagnostic settings often spell the storage account id differently
            LOGGED: _to_storage(LOGGED, PRIVATE_LOGS["id"].replace("/resourceGroups/", "/resourcegroups/")),
            LEAKY: _to_storage(LEAKY, PUBLIC_LOGS["id"])},
        search_services=[
            {"id": f"{RG}/providers/Microsoft.Search/searchServices/rag", "name": "rag", "type": "Microsoft.Search/searchServices",
             "location": "swedencentral", "properties": {"publicNetworkAccess": "enabled", "disableLocalAuth": False,
                                                        "networkRuleSet": {"ipRules": []}}}],
        registries=[
            {"id": f"{RG}/providers/Microsoft.ContainerRegistry/registries/mlmodels", "name": "mlmodels",
             "type": "Microsoft.ContainerRegistry/registries", "location": "swedencentral",
             "properties": {"anonymousPullEnabled": True, "publicNetworkAccess": "Enabled", "encryption": {"status": "disabled"}}}],
    )


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CollectionSink, FakeArm]]:
    ca = trustme.CA()
    with FakeArm([ai_subscription()], ca, page_size=1) as fake:
        ca_file = str(fake.write_ca(tmp_path_factory.mktemp("ca") / "ca.pem"))
        sink = CollectionSink()
        AzureCollector(credential=StaticTokenCredential(), resource_manager_url=fake.arm.url, ca_bundle=ca_file,
                       retry_backoff=0.01).collect(sink)
        yield sink, fake


def _by_name(sink: CollectionSink) -> dict[str, Any]:
    return {r.ref.name: r for r in sink.resources if isinstance(r, MLWorkload | Guardrail | RegistryRepository)}


def test_normalized(collected) -> None:
    sink, fake = collected
    assert sink.errors == []
    res = _by_name(sink)
    chat = res["chat-openai"]
    assert (chat.workload_type, chat.service, chat.public_access, chat.local_auth_enabled, chat.customer_managed_key,
            chat.invocation_logging) == ("ai_account", "azure_openai", True, True, False, False)
    locked = res["locked-ai"]
    assert (locked.public_access, locked.local_auth_enabled, locked.customer_managed_key, locked.private_endpoint) == (False, False, True, True)
    assert locked.invocation_logging is True and locked.log_targets and locked.log_targets[0].endswith("/workspaces/law")
    assert res["gpt-4o"].guardrail_id == f"{OPENAI}/raiPolicies/lenient"
    assert res["embed"].guardrail_id == f"{OPENAI}/raiPolicies/Microsoft.DefaultV2"  # the default filter
    assert res["lenient"].filters == {"prompt_attack": "none", "hate": "low"}
    assert res["rag"].public_access is True and res["rag"].local_auth_enabled is True
    assert res["mlmodels"].public is True
    # every request was a GET on the allow-list, paging included
    assert [(r.method, r.path) for r in fake.requests if operation_for(r.method, r.path) is None] == []
    assert sink.api_calls["arm:cognitiveDeployments.list"] == 5  # four accounts; one has two pages


def test_judged(collected) -> None:
    sink, _ = collected
    findings = Engine(Registry.default(entry_points=False)).evaluate(sink.resources)
    status = {(f.check_id, f.resource_id.rsplit("/", 1)[-1]): f.status.value for f in findings}
    assert status[("ml_genai_public_network", "chat-openai")] == "fail"
    assert status[("ml_genai_local_auth", "chat-openai")] == "fail"
    assert status[("ml_invocation_logging_off", "chat-openai")] == "fail"
    assert status[("ml_genai_public_network", "locked-ai")] == "pass"
    assert status[("ml_genai_not_customer_key", "locked-ai")] == "pass"
    assert status[("ml_guardrail_weak", "lenient")] == "fail"
    assert status[("ml_guardrail_missing", "gpt-4o")] == "pass"
    assert status[("ml_vector_store_public", "rag")] == "fail"
    assert status[("ml_registry_public", "mlmodels")] == "fail"


def test_prompt_logs_joined_with_storage_accounts(collected) -> None:
    sink, _ = collected
    resources = link(sink.resources)
    status = {(f.check_id, f.resource_id.rsplit("/", 1)[-1]): f.status.value
              for f in Engine(Registry.default(entry_points=False)).evaluate(resources)}
    # private, customer-keyed storage account in the scan: decided
    assert status[("ml_prompt_log_unprotected", "logged-ai")] == "pass"
    # a container anyone can read
    assert status[("ml_prompt_log_unprotected", "leaky-ai")] == "fail"
    leaky = next(r for r in resources if r.ref.name == "leaky-ai")
    assert "aiopenlogs" in (leaky.log_detail or "")
    # a Log Analytics workspace is not a storage account of the scan: still unknown
    assert status[("ml_prompt_log_unprotected", "locked-ai")] == "unknown"
