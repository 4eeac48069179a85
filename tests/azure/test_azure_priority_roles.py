"""Live Azure over the ARM loopback server: NSG rules by priority (first match wins) and
subscription-scope built-in admin roles held by service principals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import trustme
from fake_arm import CONTRIBUTOR, FakeArm, StaticTokenCredential, SubscriptionSpec, _assignment, _nsg

from auditor.collectors.azure import AzureCollector
from auditor.collectors.base import CollectionSink
from auditor.resources import FirewallRule, Role

SUB = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RG = "rg-ml"


def _rule(name: str, priority: int, access: str, ports: str, source: str = "*", protocol: str = "Tcp") -> dict:
    return {"name": name, "protocol": protocol, "destinationPortRange": ports, "sourceAddressPrefix": source,
            "access": access, "priority": priority, "direction": "Inbound"}


def _estate() -> SubscriptionSpec:
    return SubscriptionSpec(
        subscription_id=SUB,
        display_name="ml-priority",
        role_assignments=[
            _assignment(SUB, "1b1c2d3e-0000-4000-8000-000000000001", CONTRIBUTOR, "ServicePrincipal", "11111111-1111-4222-8333-944455556666"),
            _assignment(SUB, "1b1c2d3e-0000-4000-8000-000000000002", UAA, "ServicePrincipal", "22222222-1111-4222-8333-944455556666"),
            _assignment(SUB, "1b1c2d3e-0000-4000-8000-000000000003", CONTRIBUTOR, "ServicePrincipal", "33333333-1111-4222-8333-944455556666",
                        scope=f"/subscriptions/{SUB}/resourceGroups/{RG}"),
        ],
        nsgs=[
            _nsg(SUB, RG, "nsg-shadowed", [
                _rule("deny-ssh-internet", 100, "Deny", "22", source="Internet"),
                _rule("allow-ssh-any", 200, "Allow", "22"),
                _rule("deny-jupyter-vnet", 150, "Deny", "8888", source="VirtualNetwork"),
                _rule("allow-jupyter-any", 250, "Allow", "8888-8889"),
                _rule("deny-mlflow-late", 400, "Deny", "5000", source="Internet"),
                _rule("allow-mlflow", 300, "Allow", "5000"),
                _rule("deny-tcp-ray", 110, "Deny", "8265", source="*"),
                _rule("allow-any-ray", 210, "Allow", "8265", protocol="*"),
            ], []),
        ],
    )


@pytest.fixture
def estate(ca: trustme.CA, tmp_path) -> Iterator[CollectionSink]:
    with FakeArm([_estate()], ca) as fake:
        ca_file = str(fake.write_ca(tmp_path / "ca.pem"))
        collector = AzureCollector(credential=StaticTokenCredential(), resource_manager_url=fake.arm.url, ca_bundle=ca_file, retry_backoff=0.01)
        sink = CollectionSink()
        collector.collect(sink)
        yield sink


def test_nsg_rules_are_evaluated_by_priority(estate: CollectionSink) -> None:
    nsg = next(r for r in estate.resources if isinstance(r, FirewallRule) and r.ref.name == "nsg-shadowed")
    opened = {(p.protocol, p.start, p.end) for p in nsg.world_open_ports or []}
    # SSH: the higher-priority Deny from the internet matches first. Jupyter: a Deny from the VNet
    # shadows nothing from the world. MLflow: the Deny comes later. Ray: TCP denied, UDP still open.
    assert opened == {("tcp", 8888, 8889), ("tcp", 5000, 5000), ("udp", 8265, 8265)}


def test_subscription_scope_admin_roles_of_service_principals(estate: CollectionSink) -> None:
    roles = {r.ref.name: r for r in estate.resources if isinstance(r, Role)}
    contributor = roles["Contributor for ServicePrincipal 11111111-1111-4222-8333-944455556666"]
    uaa = roles["User Access Administrator for ServicePrincipal 22222222-1111-4222-8333-944455556666"]
    scoped = roles["Contributor for ServicePrincipal 33333333-1111-4222-8333-944455556666"]
    assert contributor.is_admin is True and "Contributor" in (contributor.admin_via or "")
    assert uaa.is_admin is True and "User Access Administrator" in (uaa.admin_via or "")
    assert scoped.is_admin is False  # resource-group scope
