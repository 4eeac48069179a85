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

The joins read the estate through a ``JoinIndex`` (lookups by address, id or pointer) and
produce *updates*: the few fields a join sets, keyed by the resource's position. A list is
joined with ``MemoryIndex``; a streamed inventory with ``auditor.link_index.FileIndex``, which
keeps only offsets on disk, so joining a million resources holds no resource in memory.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from auditor.resources import (
    Bucket,
    ClusterExposure,
    FirewallRule,
    Instance,
    MLWorkload,
    Resource,
    Role,
    Service,
)

Update = dict[str, object]


class JoinIndex(Protocol):
    """What the joins look up. Handles are positions: in a list, or in a streamed inventory."""

    def services(self) -> Iterable[tuple[int, Service]]: ...
    def instance_at(self, address: str) -> Instance | None: ...
    def rules_attached_to(self, instance_id: str) -> list[str]: ...
    def rule(self, rule_id: str) -> FirewallRule | None: ...
    def exposure_at(self, address: str, port: int) -> tuple[int, ClusterExposure] | None: ...
    def linking_workloads(self) -> Iterable[tuple[int, MLWorkload]]: ...
    def bucket(self, pointer: str) -> Bucket | None: ...
    def role(self, role_id: str) -> Role | None: ...
    def workload(self, workload_id: str) -> MLWorkload | None: ...


def address_key(address: str) -> str:
    """How an address is compared: an IP in its normal form, anything else lower-cased."""
    return normal_ip(address) or address.lower()


def bucket_keys(bucket_id: str, name: str, cloud: str | None) -> list[str]:
    """The pointers a bucket answers to: its id, its name, its S3 ARN (and an ARM id lower-cased)."""
    keys = [bucket_id, name, f"arn:aws:s3:::{name}"]
    if cloud == "azure":  # ARM ids are case-insensitive (diagnostic settings often differ)
        keys.append(bucket_id.lower())
    return list(dict.fromkeys(keys))


def bucket_pointer_keys(pointer: str) -> list[str]:
    """The keys a pointer is looked up by, best first."""
    name = pointer.removeprefix("s3://").split("/", 1)[0] if pointer.startswith("s3://") else pointer
    keys = [pointer, name]
    if pointer.startswith("/subscriptions/"):
        keys.append(pointer.lower())
    return keys


class MemoryIndex:
    """A ``JoinIndex`` over resources held in a list."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        from auditor.linking_genai import needs_linking

        self._services: list[tuple[int, Service]] = []
        self._workloads_to_link: list[tuple[int, MLWorkload]] = []
        self._by_ip: dict[str, Instance] = {}
        self._rules: dict[str, FirewallRule] = {}
        self._attached: dict[str, list[str]] = {}
        self._exposures: dict[tuple[str, int], tuple[int, ClusterExposure]] = {}
        self._buckets: dict[str, Bucket] = {}
        self._roles: dict[str, Role] = {}
        self._workloads: dict[str, MLWorkload] = {}
        for i, r in enumerate(resources):
            if isinstance(r, Service):
                self._services.append((i, r))
            elif isinstance(r, Instance):
                for ip in [*r.private_ips, *r.public_ips]:  # public wins when an address is listed twice
                    key = normal_ip(ip)
                    if key:
                        self._by_ip[key] = r
            elif isinstance(r, FirewallRule):
                self._rules[r.ref.id] = r
                for target in r.attached_to:
                    self._attached.setdefault(target, []).append(r.ref.id)
            elif isinstance(r, ClusterExposure):
                for address in r.addresses:
                    for port in r.ports:
                        self._exposures[(address_key(address), port)] = (i, r)
            elif isinstance(r, Bucket) and r.scope != "container":
                for key in bucket_keys(r.ref.id, r.ref.name, r.ref.cloud):
                    self._buckets.setdefault(key, r)
            elif isinstance(r, Role):
                self._roles.setdefault(r.ref.id, r)
            elif isinstance(r, MLWorkload):
                self._workloads.setdefault(r.ref.id, r)
                if needs_linking(r):
                    self._workloads_to_link.append((i, r))

    def services(self) -> Iterable[tuple[int, Service]]:
        return self._services

    def instance_at(self, address: str) -> Instance | None:
        key = normal_ip(address)
        return self._by_ip.get(key) if key else None

    def rules_attached_to(self, instance_id: str) -> list[str]:
        return self._attached.get(instance_id, [])

    def rule(self, rule_id: str) -> FirewallRule | None:
        return self._rules.get(rule_id)

    def exposure_at(self, address: str, port: int) -> tuple[int, ClusterExposure] | None:
        return self._exposures.get((address_key(address), port))

    def linking_workloads(self) -> Iterable[tuple[int, MLWorkload]]:
        return self._workloads_to_link

    def bucket(self, pointer: str) -> Bucket | None:
        for key in bucket_pointer_keys(pointer):
            found = self._buckets.get(key)
            if found is not None:
                return found
        return None

    def role(self, role_id: str) -> Role | None:
        return self._roles.get(role_id)

    def workload(self, workload_id: str) -> MLWorkload | None:
        return self._workloads.get(workload_id)


def link(resources: Sequence[Resource]) -> list[Resource]:
    """The resources with every join applied (copies of those a join changed)."""
    out = list(resources)
    for i, update in join_updates(MemoryIndex(out)):
        out[i] = out[i].model_copy(update=update)
    return out


def join_updates(index: JoinIndex) -> Iterator[tuple[int, Update]]:
    """Every join's result: (position, the fields it sets), one update per position."""
    from auditor.linking_genai import genai_update

    probes: dict[int, tuple[ClusterExposure, list[tuple[str, bool | None]]]] = {}
    for i, service in index.services():
        update = _instance_update(service, index)
        found = index.exposure_at(service.host, service.port)
        if found is not None:
            at, exp = found
            probes.setdefault(at, (exp, []))[1].append((service.url, service.auth_required))
            exposed = update.get("exposed_to_world", service.exposed_to_world)
            if exposed is None or exp.open_to_world:
                ranges = ", ".join(exp.source_ranges or []) or "no source ranges"
                update = {"exposed_to_world": exp.open_to_world,
                          "exposed_via": f"Kubernetes {exp.object_kind} {exp.namespace}/{exp.ref.name} "
                                         f"({exp.exposure.replace('_', ' ')}, {ranges})"}
        if update:
            yield i, update
    for at, (_exp, seen) in probes.items():
        verdicts = [auth for _url, auth in seen]
        auth = False if False in verdicts else (True if verdicts and all(verdicts) else None)
        yield at, {"linked_endpoints": sorted(url for url, _auth in seen), "probe_auth_required": auth}
    for i, workload in index.linking_workloads():
        update = genai_update(workload, index)
        if update:
            yield i, update


def normal_ip(address: str) -> str | None:
    """An IP address in its normal form (None for a host name)."""
    try:
        return str(ipaddress.ip_address(address.strip("[]")))
    except ValueError:
        return None


def _instance_update(service: Service, index: JoinIndex) -> Update:
    instance = index.instance_at(service.host)
    if instance is None:
        return {}
    rule_ids = list(dict.fromkeys([*instance.firewall_rules, *index.rules_attached_to(instance.ref.id)]))
    unreadable = []
    opening: str | None = None
    for rule_id in rule_ids:
        rule = index.rule(rule_id)
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
        return {"exposed_to_world": True,
                "exposed_via": f"{instance.ref.id} (public IP {', '.join(instance.public_ips)}): {opening}"}
    if not instance.public_ips:
        return {"exposed_to_world": False, "exposed_via": f"matched {instance.ref.id}, which has no public IP address"}
    if unreadable:
        return {"exposed_to_world": None,
                "exposed_via": f"matched {instance.ref.id}; firewall rules not readable or not in the scan: "
                               + ", ".join(unreadable)}
    return {"exposed_to_world": False,
            "exposed_via": f"matched {instance.ref.id}; no rule opens port {service.port} to the world"}
