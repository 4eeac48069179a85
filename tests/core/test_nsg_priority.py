"""Azure NSG priority evaluation (shared by live and IaC): first match wins."""

from __future__ import annotations

from auditor.analysis.nsg import InboundRule, world_open_ports
from auditor.analysis.ports import could_open_judged_port
from auditor.resources import PortRange


def tcp(start: int, end: int | None = None) -> PortRange:
    return PortRange(protocol="tcp", start=start, end=end if end is not None else start)


def test_deny_splits_a_range_and_leaves_the_rest_open() -> None:
    rules = [
        InboundRule(priority=100, allow=False, from_world=True, ports=[tcp(8265)]),
        InboundRule(priority=200, allow=True, from_world=True, ports=[tcp(8000, 9000)]),
    ]
    assert world_open_ports(rules) == [tcp(8000, 8264), tcp(8266, 9000)]


def test_any_protocol_deny_shadows_everything_below_it() -> None:
    rules = [
        InboundRule(priority=4000, allow=True, from_world=True, ports=[tcp(22)]),
        InboundRule(priority=100, allow=False, from_world=True, ports=[PortRange(protocol="all")]),
    ]
    assert world_open_ports(rules) == []


def test_unknown_allow_is_unknown_but_unknown_deny_never_hides_an_open_port() -> None:
    assert world_open_ports([InboundRule(priority=100, allow=True, from_world=None, ports=[tcp(22)])]) is None
    rules = [
        InboundRule(priority=100, allow=False, from_world=None, ports=[tcp(22)]),
        InboundRule(priority=200, allow=True, from_world=True, ports=[tcp(22)]),
    ]
    assert world_open_ports(rules) == [tcp(22)]


def test_judged_ports() -> None:
    assert not could_open_judged_port([tcp(443)])
    assert not could_open_judged_port([PortRange(protocol="icmp")])
    assert could_open_judged_port([tcp(8000, 9000)])  # covers Jupyter and Triton
    assert could_open_judged_port([tcp(22)])
    assert could_open_judged_port([PortRange(protocol="all")])
