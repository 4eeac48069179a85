"""Ingress rules as port ranges open to the world (0.0.0.0/0, ::/0, Azure ``*``/``Internet``)."""

from __future__ import annotations

from typing import Any

from auditor.analysis.ports import could_open_judged_port
from auditor.collectors.iac.values import Unknown
from auditor.resources import PortRange

WORLD = frozenset({"0.0.0.0/0", "::/0", "*", "internet", "any", "0.0.0.0"})


def protocol_name(value: Any) -> str | None:
    if isinstance(value, Unknown) or value is None:
        return None
    text = str(value).lower()
    return {"-1": "all", "*": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp"}.get(text, text)


def aws_rule_ranges(rule: dict[str, Any]) -> list[PortRange] | None:
    """One AWS ingress rule: [] if not world-open, None if it cannot be told. An unresolved CIDR
    on ports that no network check judges (443 alone) cannot open a judged port: []."""
    cidrs: list[Any] = []
    unresolved = False
    for key in ("cidr_blocks", "ipv6_cidr_blocks"):
        value = rule.get(key)
        if isinstance(value, Unknown):
            unresolved = True
        elif isinstance(value, list):
            cidrs += value
        elif isinstance(value, str):
            cidrs.append(value)
    world = any(isinstance(c, str) and c in ("0.0.0.0/0", "::/0") for c in cidrs)
    if not world and (unresolved or any(isinstance(c, Unknown) for c in cidrs)):
        ports = _aws_ports(rule)
        return [] if ports is not None and not could_open_judged_port(ports) else None
    if not world:
        return []
    return _aws_ports(rule)


def _aws_ports(rule: dict[str, Any]) -> list[PortRange] | None:
    proto = protocol_name(rule.get("protocol"))
    start, end = rule.get("from_port"), rule.get("to_port")
    if proto is None or isinstance(start, Unknown) or isinstance(end, Unknown):
        return None
    if proto == "all":
        return [PortRange(protocol="all", start=0, end=65535)]
    try:
        lo, hi = int(start if start is not None else 0), int(end if end is not None else 65535)
    except (TypeError, ValueError):
        return None
    if lo == -1 or hi == -1:
        lo, hi = 0, 65535
    return [PortRange(protocol=proto, start=lo, end=hi)]


def port_spec(value: Any, protocol: str) -> list[PortRange] | None:
    """'22', '8000-9000', '*' or a list of those."""
    if isinstance(value, Unknown):
        return None
    items = value if isinstance(value, list) else [value]
    out: list[PortRange] = []
    for item in items:
        if isinstance(item, Unknown):
            return None
        text = str(item).strip()
        if text in ("*", ""):
            out.append(PortRange(protocol=protocol, start=0, end=65535))
            continue
        lo, _, hi = text.partition("-")
        try:
            out.append(PortRange(protocol=protocol, start=int(lo), end=int(hi or lo)))
        except ValueError:
            return None
    return out


def merge_ranges(parts: list[list[PortRange] | None]) -> list[PortRange] | None:
    """World-open ranges of several rules; unknown if any rule cannot be told."""
    found: list[PortRange] = []
    for part in parts:
        if part is None:
            return None
        found += part
    return found
