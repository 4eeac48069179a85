"""Transport security of probed ML services."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Service

WEAK_PROTOCOLS = {"SSLv2", "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1"}


@check(
    id="service_no_tls",
    severity=Severity.HIGH,
    title="ML service speaks plain HTTP",
    description="The service answers over unencrypted HTTP, so tokens, passwords and data cross the "
    "network in clear text.",
    remediation="Serve it over HTTPS (the service's own certfile/keyfile options, or a TLS-terminating "
    "proxy) and stop listening on plain HTTP.",
)
def service_no_tls(service: Service) -> Result:
    if service.tls is None:
        return unknown("whether the service uses TLS could not be determined")
    if not service.tls:
        return fail(f"{service.url} speaks plain HTTP")
    return passed(f"{service.url} uses TLS")


@check(
    id="service_weak_tls",
    severity=Severity.MEDIUM,
    title="ML service has weak TLS",
    description="TLS below 1.2, or a certificate that is expired, self-signed or issued for another name.",
    remediation="Allow only TLS 1.2 and later, and serve a current certificate from a trusted CA whose "
    "names include the host name clients use.",
)
def service_weak_tls(service: Service) -> Result | None:
    if service.tls is False:
        return None  # plain HTTP is service_no_tls's finding
    info = service.tls_info
    if service.tls is None or info is None:
        return unknown("TLS details could not be read")
    problems = []
    if info.version in WEAK_PROTOCOLS:
        problems.append(f"negotiates {info.version}")
    elif info.min_version in WEAK_PROTOCOLS:
        problems.append(f"still accepts {info.min_version}")
    if info.cert_expired:
        problems.append("certificate expired" + (f" on {info.cert_not_after:%Y-%m-%d}" if info.cert_not_after else ""))
    if info.cert_self_signed:
        problems.append("certificate is self-signed")
    if info.cert_name_mismatch:
        problems.append(f"certificate is not valid for {service.host}")
    if problems:
        return fail(f"{service.url}: " + "; ".join(problems), version=info.version, detail=info.detail)
    missing = [
        name
        for name, value in (
            ("protocol version", info.version),
            ("TLS 1.0/1.1 acceptance", info.min_version),
            ("expiry", info.cert_expired),
            ("self-signed", info.cert_self_signed),
            ("name match", info.cert_name_mismatch),
        )
        if value is None
    ]
    if missing:
        return unknown(f"{service.url}: could not read " + ", ".join(missing) + (f" ({info.detail})" if info.detail else ""))
    return passed(f"{service.url}: {info.version} with a valid, trusted certificate for {service.host}")
