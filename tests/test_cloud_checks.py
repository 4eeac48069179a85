"""The cloud-configuration checks as the engine sees them: catalog ids and severities, one result
per key where a check yields several, evidence, and no check erroring on a mixed inventory.

The per-check pass/fail/unknown semantics live in tests/check_fixtures/<check_id>.yaml.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from auditor.engine import Engine
from auditor.findings import Finding, Severity, Status
from auditor.registry import CheckContext, Registry
from auditor.resources import (
    AccessKey,
    AuditTrail,
    Bucket,
    FirewallRule,
    Key,
    MLWorkload,
    Notebook,
    PortRange,
    Ref,
    Resource,
    Role,
    SecretHit,
)

# The catalog's ids and default severities for storage, identity, notebook servers, managed ML,
# network, keys and logging. Ids never change once released: users suppress by them.
CATALOG = {
    "bucket_public_read": "critical",
    "bucket_public_write": "critical",
    "bucket_public_access_block_off": "medium",
    "bucket_unencrypted": "high",
    "bucket_not_customer_key": "low",
    "bucket_tls_not_enforced": "high",
    "bucket_tls_outdated": "medium",
    "bucket_versioning_off": "medium",
    "bucket_access_logging_off": "medium",
    "bucket_acls_enabled": "low",
    "bucket_network_open": "medium",
    "role_admin_access": "high",
    "role_trusts_any_principal": "critical",
    "role_cross_account_no_external_id": "high",
    "role_wildcard_data_access": "medium",
    "role_public_binding": "critical",
    "user_console_without_mfa": "high",
    "user_stale_access_key": "medium",
    "notebook_direct_internet": "high",
    "notebook_root_access": "medium",
    "notebook_not_customer_key": "medium",
    "notebook_no_private_network": "medium",
    "notebook_startup_secret": "high",
    "ml_endpoint_not_customer_key": "medium",
    "ml_training_no_network_isolation": "medium",
    "ml_training_traffic_unencrypted": "medium",
    "ml_tracking_server_public": "high",
    "ml_invocation_logging_off": "medium",
    "ml_workspace_public_network": "high",
    "network_ml_port_open_to_world": "high",
    "network_admin_port_open_to_world": "high",
    "key_policy_public": "critical",
    "key_rotation_off": "medium",
    "audit_logging_off": "high",
}
CLOUDS = {
    "bucket_tls_outdated": ("azure",),
    "bucket_network_open": ("azure",),
    "bucket_tls_not_enforced": ("aws", "azure"),
    "bucket_acls_enabled": ("aws", "gcp"),
    "role_trusts_any_principal": ("aws",),
    "role_cross_account_no_external_id": ("aws",),
    "role_public_binding": ("gcp",),
    "user_console_without_mfa": ("aws",),
    "key_policy_public": ("aws",),
    "ml_training_no_network_isolation": ("aws",),
    "ml_training_traffic_unencrypted": ("aws",),
    "ml_tracking_server_public": ("aws",),
    "notebook_startup_secret": ("aws", "gcp"),
    "role_wildcard_data_access": ("aws", "gcp"),
    "user_stale_access_key": ("aws", "gcp"),
}
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.default(entry_points=False)


def _ref(name: str, cloud: str = "aws", provider: str | None = None) -> Ref:
    return Ref(provider=provider or cloud, cloud=cloud, account="123456789012", region="us-east-1", id=f"{cloud}:{name}", name=name)


def _evaluate(registry: Registry, *resources: Resource, options: dict | None = None) -> list[Finding]:
    engine = Engine(registry, context=CheckContext(now=NOW, options=options or {}))
    return engine.evaluate(resources)


@pytest.mark.parametrize(("check_id", "severity"), sorted(CATALOG.items()))
def test_catalog_id_and_severity(registry: Registry, check_id: str, severity: str) -> None:
    assert check_id in registry, f"{check_id} is in the catalog but not registered"
    spec = registry.get(check_id)
    assert spec.severity == Severity(severity)
    assert spec.references, f"{check_id} cites no provider documentation"
    assert all(ref.startswith("https://") for ref in spec.references)
    assert spec.clouds == CLOUDS.get(check_id), f"{check_id} applies to {spec.clouds}"


def test_stale_keys_give_one_finding_per_key_with_distinct_fingerprints(registry: Registry) -> None:
    user = Role(
        ref=_ref("alice"),
        principal_type="user",
        access_keys=[
            AccessKey(id="AKIAOLD1", active=True, created=datetime(2025, 1, 1, tzinfo=UTC)),
            AccessKey(id="AKIAOLD2", active=True, created=datetime(2026, 2, 1)),  # naive: read as UTC
            AccessKey(id="AKIANEW3", active=True, created=datetime(2026, 10, 20, tzinfo=UTC)),
        ],
    )
    findings = [f for f in _evaluate(registry, user) if f.check_id == "user_stale_access_key"]
    by_key = {f.key: f for f in findings}
    assert set(by_key) == {"AKIAOLD1", "AKIAOLD2", "AKIANEW3"}
    assert by_key["AKIAOLD1"].status == Status.FAIL
    assert by_key["AKIAOLD1"].evidence["age_days"] == 669
    assert by_key["AKIAOLD2"].status == Status.FAIL
    assert by_key["AKIANEW3"].status == Status.PASS
    assert len({f.fingerprint for f in findings}) == 3


def test_stale_key_limit_comes_from_options(registry: Registry) -> None:
    user = Role(
        ref=_ref("bob"),
        principal_type="user",
        access_keys=[AccessKey(id="AKIA1", active=True, created=datetime(2026, 6, 1, tzinfo=UTC))],
    )
    default = [f for f in _evaluate(registry, user) if f.check_id == "user_stale_access_key"]
    strict = [
        f
        for f in _evaluate(registry, user, options={"user_stale_access_key": {"max_age_days": 30}})
        if f.check_id == "user_stale_access_key"
    ]
    assert [f.status for f in default] == [Status.FAIL]  # 153 days > 90
    assert [f.status for f in strict] == [Status.FAIL]
    lenient = [
        f
        for f in _evaluate(registry, user, options={"user_stale_access_key": {"max_age_days": 400}})
        if f.check_id == "user_stale_access_key"
    ]
    assert [f.status for f in lenient] == [Status.PASS]
    assert registry.get("user_stale_access_key").options == {"max_age_days": 90}


def test_ml_ports_one_finding_per_rule_listing_its_ports(registry: Registry) -> None:
    rule = FirewallRule(
        ref=_ref("sg-1"),
        world_open_ports=[PortRange(protocol="tcp", start=8000, end=9000), PortRange(protocol="tcp", start=5000, end=5000)],
    )
    findings = [f for f in _evaluate(registry, rule) if f.check_id == "network_ml_port_open_to_world"]
    keys = sorted(f.key for f in findings)
    # a rule that opens one ML port range is keyed by that range; one that opens several is one finding
    assert keys == ["5000", "rule tcp 8000-9000"]
    assert all(f.status == Status.FAIL for f in findings)
    wide = next(f for f in findings if f.key == "rule tcp 8000-9000")
    assert wide.evidence == {
        "service": "Jupyter, Ray dashboard, TorchServe, Triton, Streamlit",
        "ports": "8888-8889, 8265, 8080-8081, 8000-8002, 8501",
        "rule": "tcp 8000-9000",
    }
    assert "5 ML service ports" in wide.message and "Jupyter 8888-8889" in wide.message


def test_all_ports_rule_is_one_ml_finding(registry: Registry) -> None:
    rule = FirewallRule(ref=_ref("sg-3"), world_open_ports=[PortRange(protocol="tcp", start=0, end=65535)])
    findings = [f for f in _evaluate(registry, rule) if f.check_id == "network_ml_port_open_to_world"]
    assert [f.key for f in findings] == ["rule tcp 0-65535"]
    assert "Ollama 11434" in findings[0].message


def test_partial_overlap_names_the_ports_actually_open(registry: Registry) -> None:
    rule = FirewallRule(ref=_ref("sg-2"), world_open_ports=[PortRange(protocol="tcp", start=8889, end=8890)])
    findings = [f for f in _evaluate(registry, rule) if f.check_id == "network_ml_port_open_to_world"]
    assert [(f.key, f.evidence["ports"]) for f in findings] == [("8888-8889", "8889")]


def test_admin_ports_keyed_by_port_or_all(registry: Registry) -> None:
    rule = FirewallRule(
        ref=_ref("nsg-rule", "azure"),
        world_open_ports=[PortRange(protocol="tcp", start=22, end=22), PortRange(protocol="udp", start=3389, end=3389)],
    )
    keys = [f.key for f in _evaluate(registry, rule) if f.check_id == "network_admin_port_open_to_world"]
    assert keys == ["22", "3389"]
    everything = FirewallRule(ref=_ref("fw", "gcp"), world_open_ports=[PortRange(protocol="all")])
    found = [f for f in _evaluate(registry, everything) if f.check_id == "network_admin_port_open_to_world"]
    assert [(f.key, f.status) for f in found] == [("all", Status.FAIL)]


def test_startup_secrets_one_finding_each_and_never_the_value(registry: Registry) -> None:
    from auditor.analysis.secrets import find_secrets

    script = "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nexport GH=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
    hits = find_secrets(script, "lifecycle config 'setup' OnStart")
    assert hits, "the secret scanner finds the planted credentials"
    notebook = Notebook(ref=_ref("nb"), startup_secrets=[SecretHit.model_validate(h.model_dump()) for h in hits])
    findings = [f for f in _evaluate(registry, notebook) if f.check_id == "notebook_startup_secret"]
    assert len(findings) == len(hits)
    assert len({f.key for f in findings}) == len(hits)
    assert all(f.status == Status.FAIL for f in findings)
    dumped = " ".join(f.model_dump_json() for f in findings)
    assert "AKIAIOSFODNN7EXAMPLE" not in dumped
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in dumped


def test_azure_container_judged_only_for_public_access(registry: Registry) -> None:
    account = Bucket(
        ref=_ref("acct", "azure"),
        scope="account",
        public_read=False,
        public_write=False,
        public_access_block=False,
        public_access_block_detail="allowBlobPublicAccess=true",
        encryption="provider_managed",
        tls_enforced=True,
        min_tls_version="1.0",
        versioning=False,
        access_logging=True,
        network_open=True,
    )
    container = Bucket(
        ref=_ref("acct/data", "azure"), scope="container", parent=account.ref.id, public_read=True, public_write=False,
        public_via="container access level 'container'",
    )
    findings = _evaluate(registry, account, container)
    on_container = {f.check_id: f.status for f in findings if f.resource_id == container.ref.id}
    assert on_container == {"bucket_public_read": Status.FAIL, "bucket_public_write": Status.PASS}
    on_account = {f.check_id: f.status for f in findings if f.resource_id == account.ref.id}
    assert on_account == {
        "bucket_public_read": Status.PASS,
        "bucket_public_write": Status.PASS,
        "bucket_public_access_block_off": Status.FAIL,
        "bucket_unencrypted": Status.PASS,
        "bucket_not_customer_key": Status.FAIL,
        "bucket_tls_not_enforced": Status.PASS,
        "bucket_tls_outdated": Status.FAIL,
        "bucket_versioning_off": Status.FAIL,
        "bucket_access_logging_off": Status.PASS,
        "bucket_network_open": Status.FAIL,
    }


def test_s3_bucket_with_default_encryption_fails_only_customer_key(registry: Registry) -> None:
    bucket = Bucket(ref=_ref("data"), encryption="provider_managed")
    statuses = {f.check_id: f.status for f in _evaluate(registry, bucket)}
    assert statuses["bucket_unencrypted"] == Status.PASS
    assert statuses["bucket_not_customer_key"] == Status.FAIL
    assert "bucket_tls_outdated" not in statuses and "bucket_network_open" not in statuses  # azure only
    assert statuses["bucket_public_read"] == Status.UNKNOWN  # unset = unknown, never pass


def test_unknown_everywhere_is_never_pass(registry: Registry) -> None:
    """A resource of each kind with nothing readable gives unknowns (or not applicable), no passes."""
    blank: list[Resource] = [
        Bucket(ref=_ref("b")),
        Bucket(ref=_ref("sa", "azure"), scope="account"),
        Role(ref=_ref("r")),
        Role(ref=_ref("u"), principal_type="user"),
        Role(ref=_ref("p", "gcp"), principal_type="policy"),
        Notebook(ref=_ref("n")),
        FirewallRule(ref=_ref("f")),
        Key(ref=_ref("k")),
        AuditTrail(ref=_ref("t"), scope="account"),
        *(MLWorkload(ref=_ref(t), workload_type=t) for t in ("endpoint", "training_job", "model", "domain", "tracking_server", "workspace")),
        MLWorkload(ref=_ref("bedrock"), workload_type="bedrock_logging"),
    ]
    findings = [f for f in _evaluate(registry, *blank) if f.check_id in CATALOG]
    statuses = Counter(f.status for f in findings)
    assert statuses[Status.PASS] == 0, [f for f in findings if f.status == Status.PASS]
    assert statuses[Status.ERROR] == 0
    assert statuses[Status.FAIL] == 0
    assert {f.check_id for f in findings} == set(CATALOG), "every catalog check reports unknown on blank input"
