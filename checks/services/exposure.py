"""ML services reachable from the whole internet per the cloud firewall rules in the same scan."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Service


@check(
    id="service_exposed_to_world",
    severity=Severity.HIGH,
    title="ML service is reachable from the internet",
    description="The probed host is a cloud instance's public IP and that instance's security groups / "
    "firewall rules open the service's port to 0.0.0.0/0 or ::/0. Needs the cloud account and the "
    "endpoints in the same scan.",
    remediation="Restrict the firewall rule to known source ranges, or move the service to a private "
    "network reached through a VPN or an authenticating proxy.",
)
def service_exposed_to_world(service: Service) -> Result:
    if service.exposed_to_world is None:
        return unknown(
            service.exposed_via
            or "no cloud instance with this address in the scan: scan the cloud account together with the endpoints"
        )
    if service.exposed_to_world:
        return fail(f"{service.url} is open to the world: {service.exposed_via}", via=service.exposed_via)
    return passed(service.exposed_via or "no firewall rule opens the port to the world")
