"""Joining probed services with cloud instances and firewall rules (service_exposed_to_world)."""

from __future__ import annotations

from auditor.linking import link
from auditor.resources import FirewallRule, Instance, PortRange, Ref, Resource, Service


def _service(host: str, port: int = 8888) -> Service:
    url = f"http://{host}:{port}"
    return Service(ref=Ref(provider="network", id=url, name=url), url=url, host=host, port=port, service="jupyter_server")


def _instance(public: list[str], private: list[str] | None = None, rules: list[str] | None = None) -> Instance:
    return Instance(
        ref=Ref(provider="aws", cloud="aws", id="i-0abc", name="nb"),
        public_ips=public,
        private_ips=private or [],
        firewall_rules=rules or [],
    )


def _rule(rule_id: str, ports: list[PortRange] | None, attached: list[str] | None = None) -> FirewallRule:
    return FirewallRule(
        ref=Ref(provider="aws", cloud="aws", id=rule_id, name=rule_id), world_open_ports=ports, attached_to=attached or []
    )


def _linked(*resources: Resource) -> Service:
    return next(r for r in link(list(resources)) if isinstance(r, Service))


def test_public_ip_and_open_rule_is_exposed() -> None:
    svc = _linked(_service("54.1.2.3"), _instance(["54.1.2.3"], rules=["sg-1"]), _rule("sg-1", [PortRange(protocol="tcp", start=8888, end=8889)]))
    assert svc.exposed_to_world is True
    assert "sg-1 opens tcp/8888-8889" in (svc.exposed_via or "")


def test_probed_by_private_ip_still_exposed_through_the_public_one() -> None:
    svc = _linked(
        _service("10.0.0.5"),
        _instance(["54.1.2.3"], ["10.0.0.5"]),
        _rule("sg-1", [PortRange(protocol="all")], attached=["i-0abc"]),
    )
    assert svc.exposed_to_world is True


def test_rule_for_another_port_is_not_exposure() -> None:
    svc = _linked(_service("54.1.2.3"), _instance(["54.1.2.3"], rules=["sg-1"]), _rule("sg-1", [PortRange(protocol="tcp", start=22, end=22)]))
    assert svc.exposed_to_world is False


def test_no_public_ip_is_not_exposed() -> None:
    svc = _linked(_service("10.0.0.5"), _instance([], ["10.0.0.5"], rules=["sg-1"]), _rule("sg-1", [PortRange(protocol="all")]))
    assert svc.exposed_to_world is False and "no public IP" in (svc.exposed_via or "")


def test_unreadable_rule_is_unknown_unless_another_rule_proves_exposure() -> None:
    unknown = _linked(_service("54.1.2.3"), _instance(["54.1.2.3"], rules=["sg-1", "sg-missing"]), _rule("sg-1", []))
    assert unknown.exposed_to_world is None and "sg-missing" in (unknown.exposed_via or "")
    proven = _linked(
        _service("54.1.2.3"),
        _instance(["54.1.2.3"], rules=["sg-unreadable", "sg-2"]),
        _rule("sg-unreadable", None),
        _rule("sg-2", [PortRange(protocol="tcp", start=8000, end=9000)]),
    )
    assert proven.exposed_to_world is True


def test_unmatched_service_stays_unknown_and_ipv6_is_normalised() -> None:
    assert _linked(_service("54.9.9.9"), _instance(["54.1.2.3"])).exposed_to_world is None
    svc = _linked(_service("2001:db8::0001"), _instance(["2001:db8::1"], rules=["sg-1"]), _rule("sg-1", [PortRange(protocol="tcp", start=8888, end=8888)]))
    assert svc.exposed_to_world is True
