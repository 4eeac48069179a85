"""ML services that answer without credentials, and those whose open API runs code."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Service


def _name(service: Service) -> str:
    return service.product or service.service or "the service"


@check(
    id="service_unauthenticated",
    severity=Severity.CRITICAL,
    title="ML service answers without authentication",
    description="The service's API answers a read request with data and no credentials (Jupyter "
    "/api/kernels, MLflow experiments search, Ray jobs API, TorchServe management API, ...). Judged "
    "from a harmless data endpoint, never from the landing page.",
    remediation="Turn on the service's authentication (Jupyter token or password, MLflow basic-auth app, "
    "RAY_AUTH_MODE=token, TorchServe token auth) or put it behind an authenticating proxy, and keep it "
    "off public networks.",
)
def service_unauthenticated(service: Service) -> Result:
    if service.auth_required is None:
        return unknown(
            f"{_name(service)}: whether authentication is required could not be determined"
            + (f" ({service.auth_detail})" if service.auth_detail else ""),
            detail=service.auth_detail,
        )
    if not service.auth_required:
        return fail(
            f"{_name(service)} at {service.url} answers its data API without credentials"
            + (f": {service.auth_detail}" if service.auth_detail else ""),
            detail=service.auth_detail,
        )
    return passed(f"{_name(service)} requires credentials" + (f" ({service.auth_detail})" if service.auth_detail else ""))


@check(
    id="service_code_execution_exposed",
    severity=Severity.CRITICAL,
    title="Unauthenticated ML service API runs code",
    description="The unauthenticated API is one that runs code (Jupyter kernels and terminals, Ray jobs, "
    "TorchServe model registration): remote code execution for anyone who reaches it.",
    remediation="Require authentication on the service at once and restrict network access to it; "
    "treat the host as possibly compromised if it has been reachable.",
)
def service_code_execution_exposed(service: Service) -> Result:
    if service.service is None:
        # runs_code comes from the fingerprint: an unidentified service is not known to be safe.
        return unknown(f"{service.url}: the service could not be identified, so whether its API runs code is unknown")
    if not service.runs_code:
        return passed(f"{_name(service)}'s API does not run submitted code")
    if service.auth_required is None:
        return unknown(
            f"{_name(service)} runs code, but whether it requires authentication is unknown"
            + (f" ({service.auth_detail})" if service.auth_detail else "")
        )
    if not service.auth_required:
        return fail(f"{_name(service)} at {service.url} runs code for anyone who can reach it, without credentials")
    return passed(f"{_name(service)} runs code but requires credentials")
