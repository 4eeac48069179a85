"""Cross-resource joins done after collection and before checks (pure, no I/O).

A probed ML service is matched to a cloud instance by address, and the instance's firewall
rules tell whether the service's port is open to the world (``Service.exposed_to_world``).
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.resources import FirewallRule, Instance, Resource, Service


def link(resources: Sequence[Resource]) -> list[Resource]:
    services = [r for r in resources if isinstance(r, Service)]
    instances = [r for r in resources if isinstance(r, Instance)]
    if not services or not instances:
        return list(resources)
    rules = {r.ref.id: r for r in resources if isinstance(r, FirewallRule)}
    by_ip: dict[str, Instance] = {}
    for inst in instances:
        for ip in inst.public_ips:
            by_ip[ip] = inst
    out: list[Resource] = []
    for res in resources:
        if isinstance(res, Service):
            match = by_ip.get(res.host)
            if match is not None:
                res = _exposure(res, match, rules)
        out.append(res)
    return out


def _exposure(service: Service, instance: Instance, rules: dict[str, FirewallRule]) -> Service:
    unknown = False
    for rule_id in instance.firewall_rules:
        rule = rules.get(rule_id)
        if rule is None or rule.world_open_ports is None:
            unknown = True
            continue
        for pr in rule.world_open_ports:
            if pr.protocol in ("tcp", "all") and (pr.all_ports or pr.covers(service.port)):
                return service.model_copy(
                    update={
                        "exposed_to_world": True,
                        "exposed_via": f"{instance.ref.id} public IP {service.host}, rule {rule.ref.name} opens {pr.protocol}/{pr.start}-{pr.end} to the world",
                    }
                )
    return service.model_copy(
        update={
            "exposed_to_world": None if unknown else False,
            "exposed_via": f"matched {instance.ref.id}; "
            + ("some firewall rules could not be read" if unknown else "no rule opens the port to the world"),
        }
    )
