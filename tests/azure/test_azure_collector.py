"""The Azure collector with azure-core's real pipeline and ARM bearer-token policy, over https
(trustme CA) against the loopback ARM fake."""

from __future__ import annotations

from typing import Any

import pytest
from fake_arm import FakeArm, StaticTokenCredential

from auditor.collectors.azure import AzureCollector
from auditor.collectors.azure.arm import ALLOWED_OPERATIONS, ArmApi, operation_for
from auditor.collectors.base import CollectionSink
from auditor.config import ConfigError
from auditor.resources import AuditTrail, Bucket, Cluster, FirewallRule, Key, MLWorkload, Notebook, Role

SUB = "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
SANDBOX = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def run(fake: FakeArm, ca_file: str, **kw: Any) -> tuple[CollectionSink, StaticTokenCredential]:
    cred = StaticTokenCredential()
    collector = AzureCollector(credential=cred, resource_manager_url=fake.arm.url, ca_bundle=ca_file, retry_backoff=0.01, **kw)
    sink = CollectionSink()
    collector.collect(sink)
    return sink, cred


def by_name(sink: CollectionSink) -> dict[str, Any]:
    return {r.ref.name: r for r in sink.resources}


def assert_allow_listed(fake: FakeArm) -> None:
    assert fake.requests
    outside = [(r.method, r.path) for r in fake.requests if operation_for(r.method, r.path) is None]
    assert outside == [], f"requests outside the allow-list: {outside}"


def test_whole_estate(fake_arm: FakeArm, ca_file: str) -> None:
    sink, cred = run(fake_arm, ca_file)
    assert sink.errors == []
    assert {r.ref.account for r in sink.resources} == {SUB, SANDBOX}
    assert {type(r) for r in sink.resources} == {AuditTrail, Bucket, Role, Notebook, MLWorkload, FirewallRule, Key, Cluster}
    assert all(r.ref.provider == "azure" and r.ref.cloud == "azure" for r in sink.resources)
    res = by_name(sink)

    demo = res["mlpublicdemo"]
    assert demo.scope == "account" and demo.public_read is True and demo.public_access_block is False
    assert demo.tls_enforced is False and demo.min_tls_version == "1.0" and demo.network_open is True
    assert res["demo-datasets"].scope == "container" and res["demo-datasets"].public_read is True
    assert res["demo-datasets"].parent == demo.ref.id
    legacy = res["mllegacyexports"]
    assert legacy.public_access_block is False and legacy.min_tls_version == "1.0"  # defaults of an old account
    assert res["model-exports"].public_read is True
    training = res["mlprodtraining"]
    assert (training.public_read, training.encryption, training.network_open, training.access_logging, training.versioning) == (
        False, "customer_managed", False, True, True)
    assert res["mlprodlogs"].is_log_target is True and res["mlprodtraining"].is_log_target is False

    roles = [r for r in sink.resources if isinstance(r, Role)]
    admins = [r.ref.name for r in roles if r.is_admin]
    assert admins == ["Owner for ServicePrincipal 7d0c9a1e-1111-4222-8333-944455556666"]  # users/groups are not judged here

    assert res["mlw-research"].public_access is True and res["mlw-research"].customer_managed_key is False
    assert res["mlw-secure"].public_access is False and res["mlw-secure"].customer_managed_key is True
    # a compute cluster's nodes get public IPs unless turned off; no SSH admin, so no root
    cluster = res["gpu-cluster"]
    assert (cluster.direct_internet_access, cluster.root_access, cluster.private_network) == (True, False, False)
    assert res["ci-alice"].direct_internet_access is True and res["ci-alice"].root_access is True
    assert res["ci-secure"].direct_internet_access is False and res["ci-secure"].private_network is True

    jupyter = res["nsg-jupyter-vm"]
    assert {(p.protocol, p.start) for p in jupyter.world_open_ports} == {("tcp", 8888), ("tcp", 22), ("udp", 22)}
    assert res["nsg-inference"].world_open_ports == []  # the Deny from the internet shadows the later Allow

    assert res["cmk-storage"].rotation_enabled is True
    assert res["cmk-ml"].rotation_enabled is False  # its policy only notifies

    trails = {r.ref.account: r for r in sink.resources if isinstance(r, AuditTrail)}
    assert trails[SUB].enabled is False and trails[SANDBOX].enabled is True

    # the real bearer policy asked for the ARM scope and sent the token over https
    assert cred.requests and all(s == ("https://management.azure.com/.default",) for s in cred.requests)
    assert all(r.authorization == "Bearer loopback-arm-token" for r in fake_arm.requests)
    assert_allow_listed(fake_arm)
    assert not any(r.path.endswith("/listKeys") for r in fake_arm.requests)


def test_paging_follows_next_link(fake_arm: FakeArm, ca_file: str) -> None:
    sink, _ = run(fake_arm, ca_file, subscriptions=[SUB])
    pages = [r.query.get("$skiptoken") for r in fake_arm.requests if r.path.endswith("/roleAssignments")]
    assert pages == [None, "2", "4"]
    assert sum(isinstance(r, Role) for r in sink.resources) == 5
    assert sink.api_calls["arm:roleAssignments.list"] == 3
    # the first request carries the filter and api-version; nextLinks carry their own
    first = next(r for r in fake_arm.requests if r.path.endswith("/roleAssignments"))
    assert first.query == {"api-version": "2022-04-01", "$filter": "atScope()"}


def test_denied_list_is_incomplete_and_the_rest_goes_on(fake_arm: FakeArm, ca_file: str) -> None:
    fake_arm.arm.faults.deny.append(r"/providers/Microsoft\.Authorization/roleAssignments$")
    sink, _ = run(fake_arm, ca_file, subscriptions=[SUB])
    (err,) = sink.errors
    assert err.operation == "roleAssignments.list" and err.incomplete and "access denied" in err.message
    assert err.account == SUB
    assert not any(isinstance(r, Role) for r in sink.resources)
    assert any(isinstance(r, Bucket) for r in sink.resources)


def test_denied_detail_is_a_resource_error_and_the_field_unknown(fake_arm: FakeArm, ca_file: str) -> None:
    fake_arm.arm.faults.deny.append(r"/mlpublicdemo/blobServices/default/containers$")
    fake_arm.arm.faults.deny.append(r"/mlprodtraining/blobServices/default$")
    sink, _ = run(fake_arm, ca_file, subscriptions=[SUB])
    assert {e.operation for e in sink.errors} == {"blobContainers.list", "blobServices.get"}
    assert all(not e.incomplete and e.resource for e in sink.errors)
    res = by_name(sink)
    assert res["mlpublicdemo"].public_read is None  # containers unreadable and public access allowed
    assert "demo-datasets" not in res
    assert res["mlprodtraining"].versioning is None
    assert res["mlprodtraining"].public_read is False  # still known from its containers


def test_throttling_is_retried_with_retry_after(fake_arm: FakeArm, ca_file: str) -> None:
    fake_arm.arm.faults.throttle[r"/providers/Microsoft\.Network/networkSecurityGroups$"] = 2
    sink, _ = run(fake_arm, ca_file, subscriptions=[SUB])
    assert sink.errors == []
    assert sink.api_calls["arm:networkSecurityGroups.listAll"] == 3  # two 429s, then the answer
    assert sum(isinstance(r, FirewallRule) for r in sink.resources) == 2


def test_endless_throttling_becomes_an_error(fake_arm: FakeArm, ca_file: str) -> None:
    fake_arm.arm.faults.throttle[r"/providers/Microsoft\.KeyVault/vaults$"] = 100
    sink, _ = run(fake_arm, ca_file, subscriptions=[SUB])
    (err,) = sink.errors
    assert err.operation == "vaults.list" and "429" in err.message and err.incomplete


def test_untrusted_certificate_is_refused(fake_arm: FakeArm) -> None:
    sink, _ = run(fake_arm, ca_file=None, subscriptions=[SUB])  # type: ignore[arg-type]
    assert sink.errors and all("ConnectionError" in e.message for e in sink.errors)
    assert fake_arm.requests == []  # the TLS handshake failed before any request was read


def test_allow_list_is_reads_only() -> None:
    for name, op in ALLOWED_OPERATIONS.items():
        assert op.method == "GET", name
        assert not any(word in op.path.lower() for word in ("listkeys", "sas", "secrets", "regenerate")), name
    sa = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a"
    assert operation_for("POST", f"{sa}/listKeys") is None
    assert operation_for("GET", f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/secrets") is None
    assert operation_for("GET", f"{sa}/blobServices/default/containers") == "blobContainers.list"


def test_api_refuses_operations_off_the_list(fake_arm: FakeArm, ca_file: str) -> None:
    api = ArmApi(StaticTokenCredential(), CollectionSink(), base_url=fake_arm.arm.url, scope="x/.default", ca_bundle=ca_file)
    sa = f"/subscriptions/{SUB}/resourceGroups/rg-ml-demo/providers/Microsoft.Storage/storageAccounts/mlpublicdemo"
    with pytest.raises(ValueError, match="allow-list"):
        api.get("storageAccounts.listKeys", f"{sa}/listKeys")
    with pytest.raises(ValueError, match="allow-list"):
        api.get("blobServices.get", f"{sa}/listKeys")
    assert fake_arm.requests == []


def test_next_link_to_another_host_is_not_followed(fake_arm: FakeArm, ca_file: str) -> None:
    from auditor.collectors.azure.arm import ArmError

    api = ArmApi(StaticTokenCredential(), CollectionSink(), base_url=fake_arm.arm.url, scope="x/.default", ca_bundle=ca_file)
    with pytest.raises(ArmError, match="outside"):
        api.get("subscriptions.list", "https://attacker.example/subscriptions?api-version=1")


def test_cloud_selection() -> None:
    gov = AzureCollector(cloud="usgov", credential=StaticTokenCredential())
    assert gov.base_url == "https://management.usgovcloudapi.net"
    assert gov.token_scope == "https://management.usgovcloudapi.net/.default"
    china = AzureCollector(cloud="china", credential=StaticTokenCredential())
    assert china.base_url == "https://management.chinacloudapi.cn"
    with pytest.raises(ConfigError, match="unknown Azure cloud"):
        AzureCollector(cloud="mars")


def test_credential_without_a_token_fails_the_source_clearly(fake_arm: FakeArm, ca_file: str) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    from auditor.engine import collect

    class NoToken:
        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token from the included credentials.")

    collector = AzureCollector([SUB], credential=NoToken(), resource_manager_url=fake_arm.arm.url, ca_bundle=ca_file)
    sink = collect([collector])
    (err,) = sink.errors
    assert err.incomplete and err.source == "azure"
    assert "cannot obtain an Azure access token: DefaultAzureCredential failed" in err.message
    assert fake_arm.requests == []  # nothing was sent without a token


def test_each_client_sends_the_api_version_on_the_allow_list(fake_arm: FakeArm, ca_file: str) -> None:
    sink, _ = run(fake_arm, ca_file)
    assert sink.errors == []
    seen: dict[str, set[str]] = {}
    for r in fake_arm.requests:
        op = operation_for(r.method, r.path)
        assert op is not None
        seen.setdefault(op, set()).add(r.query.get("api-version", ""))
    assert set(seen) == set(ALLOWED_OPERATIONS)  # every allowed operation is used
    assert {op: versions for op, versions in seen.items() if versions != {ALLOWED_OPERATIONS[op].api_version}} == {}


def test_missing_registration_is_reported_not_registered(fake_arm: FakeArm, ca_file: str) -> None:
    import re

    # ARM's answer when a resource provider is not registered; the SDK's default pipeline would
    # POST .../providers/Microsoft.Network/register and retry.
    answer = (409, {"error": {"code": "MissingSubscriptionRegistration",
                              "message": "The subscription is not registered to use namespace 'Microsoft.Network'."}})
    fake_arm.arm.routes.insert(0, ("GET", re.compile(r".*/providers/Microsoft\.Network/networkSecurityGroups"), lambda m, q, b: answer))
    sink, _ = run(fake_arm, ca_file, subscriptions=[SUB])
    (err,) = sink.errors
    assert err.operation == "networkSecurityGroups.listAll" and err.incomplete
    assert "HTTP 409 MissingSubscriptionRegistration" in err.message
    assert [r for r in fake_arm.requests if r.method != "GET"] == []
    assert not any(isinstance(r, FirewallRule) for r in sink.resources)


def test_pipeline_leaves_out_auto_registration() -> None:
    from azure.mgmt.core.policies import (
        ARMAutoResourceProviderRegistrationPolicy,
        ARMChallengeAuthenticationPolicy,
    )

    from auditor.collectors.azure.arm import read_only_policies

    kinds = [type(p) for p in read_only_policies(StaticTokenCredential(), "x/.default", CollectionSink(), "https://management.azure.com")]
    assert ARMAutoResourceProviderRegistrationPolicy not in kinds
    assert ARMChallengeAuthenticationPolicy in kinds
    names = [k.__name__ for k in kinds]
    assert names.index("RetryPolicy") < names.index("AllowListPolicy") < names.index("ARMChallengeAuthenticationPolicy")


def test_sdk_calls_off_the_list_are_refused_before_sending(fake_arm: FakeArm, ca_file: str) -> None:
    from azure.core.rest import HttpRequest

    from auditor.collectors.azure.arm import ArmClients, OperationNotAllowed

    sink = CollectionSink()
    cred = StaticTokenCredential()
    arm = ArmClients(cred, sink, base_url=fake_arm.arm.url, scope="x/.default", ca_bundle=ca_file, retry_backoff=0.01)
    try:
        storage = arm.storage(SUB)
        with pytest.raises(OperationNotAllowed, match="allow-list"):
            storage.storage_accounts.list_keys("rg-ml-demo", "mlpublicdemo")  # a real SDK method returning secrets
        with pytest.raises(OperationNotAllowed, match="outside"):
            storage.send_request(HttpRequest("GET", f"https://attacker.example/subscriptions/{SUB}/providers/Microsoft.Storage/storageAccounts"))
    finally:
        arm.close()
    assert fake_arm.requests == [] and sink.api_calls == {}
    assert cred.requests == []  # no token was even fetched for them
