"""Azure network security group rules as Azure evaluates them: by priority, first match wins.

Shared by the live Azure normalizer and the azurerm reader. Only inbound rules are given. An
Allow from the internet opens its ports minus those a higher-priority Deny from the internet
already matched; a Deny from a narrower source shadows nothing from the world. Pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.resources import PortRange

_ANY = {"all", "-1", "*", "any"}


@dataclass(frozen=True)
class InboundRule:
    priority: int | None
    allow: bool | None
    from_world: bool | None  # the source covers the internet (``*``, ``Internet``, 0.0.0.0/0)
    ports: list[PortRange] | None  # None: the ports could not be told


def _proto(rule: PortRange) -> str:
    proto = rule.protocol.strip().lower()
    return "all" if proto in _ANY else proto


def _minus(rng: PortRange, deny: PortRange) -> list[PortRange]:
    deny_proto, rng_proto = _proto(deny), _proto(rng)
    if deny_proto != "all" and rng_proto == "all":
        # a Deny on one protocol leaves the other one open on those ports
        return [part for proto in ("tcp", "udp") for part in _minus(PortRange(protocol=proto, start=rng.start, end=rng.end), deny)]
    if deny_proto != "all" and deny_proto != rng_proto:
        return [rng]
    if deny.end < rng.start or deny.start > rng.end:
        return [rng]
    out = []
    if rng.start < deny.start:
        out.append(PortRange(protocol=rng.protocol, start=rng.start, end=deny.start - 1))
    if deny.end < rng.end:
        out.append(PortRange(protocol=rng.protocol, start=deny.end + 1, end=rng.end))
    return out


def subtract(ranges: list[PortRange], denied: list[PortRange]) -> list[PortRange]:
    for deny in denied:
        ranges = [part for rng in ranges for part in _minus(rng, deny)]
    return ranges


def world_open_ports(rules: list[InboundRule]) -> list[PortRange] | None:
    """Ports open to the internet after priority; None when an Allow cannot be judged.

    A Deny that cannot be judged or ordered is left out: that can only over-report, never hide
    an open port.
    """
    ordered = sorted(rules, key=lambda r: (r.priority is None, r.priority or 0))
    denied: list[PortRange] = []
    open_ports: list[PortRange] = []
    for rule in ordered:
        if rule.from_world is False:
            continue
        if rule.allow is False:
            if rule.from_world and rule.ports is not None and rule.priority is not None:
                denied += rule.ports
            continue
        if rule.allow is None or rule.from_world is None or rule.ports is None:
            return None
        open_ports += rule.ports if rule.priority is None else subtract(rule.ports, denied)
    return open_ports
