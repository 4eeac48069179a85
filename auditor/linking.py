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

A probed service is also matched to the Kubernetes Service or Ingress that exposes it (by the
address the load balancer was given, or the ingress host, and the port): the two are one
exposure. The probe learns where it is exposed from (``exposed_via`` names the Kubernetes
object and its source ranges); the Kubernetes object learns what the probe saw
(``linked_endpoints``, ``probe_auth_required``), so its finding carries both views.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from auditor.resources import ClusterExposure, FirewallRule, Instance, Resource, Service

# The kinds a join reads or rewrites: a streaming evaluation holds only these in memory.
LINKED_KINDS: frozenset[str] = frozenset({"Instance", "FirewallRule", "Service", "ClusterExposure",
                                          "MLWorkload", "Bucket", "Role"})  # + generative-AI joins (linking_genai)


def link(resources: Sequence[Resource]) -> list[Resource]:
    from auditor.linking_genai import link_genai

    return link_genai(_link_cluster_exposures(_link_instances(resources)))


def _link_instances(resources: Sequence[Resource]) -> list[Resource]:
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


def _link_cluster_exposures(resources: list[Resource]) -> list[Resource]:
    services = [r for r in resources if isinstance(r, Service)]
    exposures = [r for r in resources if isinstance(r, ClusterExposure) and r.addresses]
    if not services or not exposures:
        return resources
    by_address: dict[tuple[str, int], ClusterExposure] = {}
    for exp in exposures:
        for address in exp.addresses:
            key = _normal(address) or address.lower()
            for port in exp.ports:
                by_address[(key, port)] = exp
    probes: dict[str, list[Service]] = {}
    linked: dict[int, Resource] = {}
    for i, res in enumerate(resources):
        if not isinstance(res, Service):
            continue
        found = by_address.get((_normal(res.host) or res.host.lower(), res.port))
        if found is None:
            continue
        exp = found
        probes.setdefault(exp.ref.id, []).append(res)
        ranges = ", ".join(exp.source_ranges or []) or "no source ranges"
        via = f"Kubernetes {exp.object_kind} {exp.namespace}/{exp.ref.name} ({exp.exposure.replace('_', ' ')}, {ranges})"
        if res.exposed_to_world is None or exp.open_to_world:
            linked[i] = res.model_copy(update={"exposed_to_world": exp.open_to_world, "exposed_via": via})
    out = []
    for i, res in enumerate(resources):
        res = linked.get(i, res)
        if isinstance(res, ClusterExposure) and res.ref.id in probes:
            seen = probes[res.ref.id]
            verdicts = [s.auth_required for s in seen]
            auth = False if False in verdicts else (True if verdicts and all(verdicts) else None)
            res = res.model_copy(update={"linked_endpoints": sorted(s.url for s in seen), "probe_auth_required": auth})
        out.append(res)
    return out
