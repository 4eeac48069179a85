"""Inbound firewall rules open to the whole internet."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import FirewallRule

from ._common import ML_PORTS, carries, describe, opens_all_ports, overlap

_FIREWALL_DOCS = (
    "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    "https://cloud.google.com/firewall/docs/firewalls",
    "https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview",
)
# SSH is TCP only; RDP also has a UDP transport.
_ADMIN_PORTS = ((22, "SSH", ("tcp",)), (3389, "RDP", ("tcp", "udp")))


@check(
    id="network_ml_port_open_to_world",
    severity=Severity.HIGH,
    title="ML service port open to the internet",
    description="An inbound rule allows 0.0.0.0/0 or ::/0 to reach a port that ML services listen on: "
    "8888-8889 Jupyter, 5000 MLflow, 8265 Ray dashboard, 10001 Ray client, 6379 Ray GCS/Redis, 6006 "
    "TensorBoard, 8080-8081 TorchServe, 8000-8002 Triton, 7860 Gradio, 8501 Streamlit, 11434 Ollama. "
    "Most of these answer without authentication by default. Port ranges, all-ports and all-protocol "
    "rules count. One result per rule: a rule opening one ML port range is keyed by that range, a rule "
    "opening several (an all-ports rule) is one result listing them.",
    remediation="Restrict the rule's source to known address ranges or remove it, and reach ML services "
    "through a VPN, bastion, identity-aware proxy or private endpoint. AWS: edit the security group "
    "ingress rule. GCP: narrow the firewall rule's source ranges. Azure: narrow the NSG rule's source "
    "address prefix.",
    references=_FIREWALL_DOCS,
)
def network_ml_port_open_to_world(rule: FirewallRule) -> Iterator[Result]:
    if rule.world_open_ports is None:
        yield unknown("inbound rules could not be read")
        return
    # each ML port range is charged to the first rule that opens it; a rule opening several is one result
    by_rule: dict[str, list[tuple[str, str, str]]] = {}
    for ports in ML_PORTS:
        for open_range in rule.world_open_ports:
            if not carries(open_range, ("tcp",)):
                continue
            hit = overlap(open_range, ports.start, ports.end)
            if hit is None:
                continue
            opened = str(hit[0]) if hit[0] == hit[1] else f"{hit[0]}-{hit[1]}"
            by_rule.setdefault(describe(open_range), []).append((ports.label, ports.service, opened))
            break
    for described, hits in by_rule.items():
        if len(hits) == 1:
            label, service, opened = hits[0]
            yield fail(f"{service} port {opened} open to the world by rule {described}", key=label,
                       service=service, ports=opened, rule=described)
            continue
        listed = ", ".join(f"{service} {opened}" for _, service, opened in hits)
        yield fail(
            f"{len(hits)} ML service ports open to the world by rule {described}: {listed}",
            key=f"rule {described}",
            service=", ".join(service for _, service, _ in hits),
            ports=", ".join(opened for _, _, opened in hits),
            rule=described,
        )
    if not by_rule:
        opened = ", ".join(describe(r) for r in rule.world_open_ports) or "nothing"
        yield passed(f"no ML service port open to the world (world-open: {opened})")


@check(
    id="network_admin_port_open_to_world",
    severity=Severity.HIGH,
    title="Admin port open to the internet",
    description="An inbound rule allows 0.0.0.0/0 or ::/0 to reach SSH (22), RDP (3389) or all ports.",
    remediation="Restrict the source to known address ranges or remove the rule; use AWS Systems Manager "
    "Session Manager, GCP IAP TCP forwarding or Azure Bastion instead of open admin ports.",
    references=_FIREWALL_DOCS,
)
def network_admin_port_open_to_world(rule: FirewallRule) -> Iterator[Result]:
    if rule.world_open_ports is None:
        yield unknown("inbound rules could not be read")
        return
    everything = [r for r in rule.world_open_ports if opens_all_ports(r)]
    if everything:
        # Every port, not one admin port: weighted above the check's own severity.
        yield fail(f"all ports open to the world by rule {describe(everything[0])}", key="all",
                   severity=Severity.CRITICAL, rule=describe(everything[0]))
        return
    found = False
    for port, name, protocols in _ADMIN_PORTS:
        matching = [r for r in rule.world_open_ports if carries(r, protocols) and r.covers(port)]
        if matching:
            found = True
            yield fail(f"{name} port {port} open to the world by rule {describe(matching[0])}", key=str(port),
                       service=name, rule=describe(matching[0]))
    if not found:
        yield passed("SSH, RDP and all-ports access are not open to the world")
