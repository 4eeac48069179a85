"""Cross-resource joins done after collection and before checks (pure, no I/O).

A probed ML service is matched to a cloud instance by address, and the instance's firewall
rules tell whether the service's port is open to the world (``Service.exposed_to_world``):

- the probed address may be one of the instance's public or private addresses (a scan from
  inside the VPC sees the private one); the service is exposed when the instance has a public
  address and a rule applying to it opens the port to 0.0.0.0/0 or ::/0;
- rules apply through ``Instance.firewall_rules`` or ``FirewallRule.attached_to``;
- a rule that could not be read (or is missing from the scan) leaves the answer unknown unless
  another rule already proves exposure;
- a service whose address matches no instance keeps ``None``: the scan cannot tell.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from auditor.resources import FirewallRule, Instance, Resource, Service


def link(resources: Sequence[Resource]) -> list[Resource]:
    services = [r for r in resources if isinstance(r, Service)]
    instances = [r for r in resources if isinstance(r, Instance)]
    if not services or not instances:
        return list(resources)
    rules = {r.ref.id: r for r in resources if isinstance(r, FirewallRule)}
    attached: dict[str, list[str]] = {}
    for rule in rules.values():
        for target in rule.attached_to:
            attached.setdefault(target, []).append(rule.ref.id)
    by_ip: dict[str, Instance] = {}
    for inst in instances:
        for ip in [*inst.private_ips, *inst.public_ips]:  # public wins when an address is listed twice
            key = _normal(ip)
            if key:
                by_ip[key] = inst
    out: list[Resource] = []
    for res in resources:
        if isinstance(res, Service):
            match = by_ip.get(_normal(res.host) or res.host.lower())
            if match is not None:
                rule_ids = list(dict.fromkeys([*match.firewall_rules, *attached.get(match.ref.id, [])]))
                res = _exposure(res, match, rule_ids, rules)
        out.append(res)
    return out


def _normal(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip("[]")))
    except ValueError:
        return None


def _exposure(service: Service, instance: Instance, rule_ids: list[str], rules: dict[str, FirewallRule]) -> Service:
    unreadable = []
    opening: str | None = None
    for rule_id in rule_ids:
        rule = rules.get(rule_id)
        if rule is None or rule.world_open_ports is None:
            unreadable.append(rule_id)
            continue
        for pr in rule.world_open_ports:
            if pr.protocol in ("tcp", "all") and (pr.all_ports or pr.covers(service.port)):
                opening = f"rule {rule.ref.name} opens {pr.protocol}/{pr.start}-{pr.end} to the world"
                break
        if opening:
            break
    if opening and instance.public_ips:
        return service.model_copy(
            update={
                "exposed_to_world": True,
                "exposed_via": f"{instance.ref.id} (public IP {', '.join(instance.public_ips)}): {opening}",
            }
        )
    if not instance.public_ips:
        return service.model_copy(
            update={
                "exposed_to_world": False,
                "exposed_via": f"matched {instance.ref.id}, which has no public IP address",
            }
        )
    if unreadable:
        return service.model_copy(
            update={
                "exposed_to_world": None,
                "exposed_via": f"matched {instance.ref.id}; firewall rules not readable or not in the scan: "
                + ", ".join(unreadable),
            }
        )
    return service.model_copy(
        update={
            "exposed_to_world": False,
            "exposed_via": f"matched {instance.ref.id}; no rule opens port {service.port} to the world",
        }
    )
