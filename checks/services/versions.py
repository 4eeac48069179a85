"""Known CVEs in the version a probed ML service reports."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import CheckContext, check
from auditor.resources import Service


@check(
    id="service_vulnerable_version",
    severity=Severity.HIGH,
    title="ML service runs a version with a known CVE",
    description="The version the service reports falls in a known advisory's affected range (curated "
    "OSV data; each advisory says whether it is exploitable through the network service or only "
    "as a client library / locally). One result per advisory.",
    remediation="Upgrade the service to a fixed version (see each advisory's fixed versions).",
)
def service_vulnerable_version(service: Service, ctx: CheckContext) -> Iterator[Result]:
    from auditor.advisories import InvalidVersion

    if ctx.advisories is None:
        yield unknown("no advisory data loaded")
        return
    if service.package is None:
        yield unknown(f"{service.product or service.service or 'the service'}: no version source for this product")
        return
    if service.version is None:
        yield unknown(f"{service.package}: the server does not reveal its version without credentials")
        return
    try:
        hits = ctx.advisories.match(service.package, service.version, ecosystem=service.package_ecosystem)
    except InvalidVersion:
        yield unknown(f"{service.package}: version {service.version!r} cannot be compared")
        return
    if not hits:
        yield passed(
            f"{service.package} {service.version}: no known advisory (data of {ctx.advisories.data_date})",
            data_date=ctx.advisories.data_date,
        )
        return
    for adv in hits:
        reach = {
            True: "exploitable over the network through the service",
            False: "client-side or local only, not through the network service",
            None: "network exploitability not established",
        }[adv.network_exploitable]
        fixed = f"; fixed in {', '.join(adv.fixed)}" if adv.fixed else "; no fixed version"
        yield fail(
            f"{service.package} {service.version} is affected by {adv.id} ({adv.severity}): {adv.summary}; {reach}{fixed}",
            key=adv.id,
            severity=Severity.parse(adv.severity),  # the advisory's rating, not the check's
            advisory=adv.id,
            aliases=adv.aliases,
            advisory_severity=adv.severity,
            network_exploitable=adv.network_exploitable,
            fixed=adv.fixed,
            source=adv.source,
        )
