"""Port catalogs and protocol matching for the firewall checks."""

from __future__ import annotations

# The port catalog lives beside the analyses that collectors share (re-exported here).
from auditor.analysis.ports import ML_PORTS as ML_PORTS
from auditor.analysis.ports import ServicePorts as ServicePorts
from auditor.resources import PortRange

# Protocols without ports: a world-open ICMP or IPsec rule opens no service port.
_PORTLESS = {"icmp", "icmpv6", "esp", "ah", "1", "50", "51", "58"}
_ANY = {"all", "-1", "*", "any"}


def protocol_of(rule: PortRange) -> str:
    proto = rule.protocol.strip().lower()
    if proto in _ANY:
        return "all"
    return {"6": "tcp", "17": "udp"}.get(proto, proto)


def carries(rule: PortRange, protocols: tuple[str, ...]) -> bool:
    """Whether the rule lets in traffic of one of ``protocols`` ('all' lets in everything)."""
    proto = protocol_of(rule)
    return proto == "all" or proto in protocols


def opens_all_ports(rule: PortRange) -> bool:
    proto = protocol_of(rule)
    if proto in _PORTLESS:
        return False
    return proto == "all" or (rule.start <= 0 and rule.end >= 65535)


def overlap(rule: PortRange, start: int, end: int) -> tuple[int, int] | None:
    """The ports of [start, end] the rule opens, or None."""
    if protocol_of(rule) == "all":
        return start, end
    low, high = max(rule.start, start), min(rule.end, end)
    return (low, high) if low <= high else None


def describe(rule: PortRange) -> str:
    proto = protocol_of(rule)
    if proto == "all":
        return "all traffic"
    span = str(rule.start) if rule.start == rule.end else f"{rule.start}-{rule.end}"
    return f"{proto} {span}"
