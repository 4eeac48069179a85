"""Real ScanResults for report tests and the report benchmark.

Resources are real resource kinds, run through the real pipeline (engine, suppressions,
baseline comparison, compliance evaluation, digest) with a few small checks that use catalog
ids, so the framework files map them. Some names and tags are hostile markup on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from auditor.collectors.base import CollectionError
from auditor.config import AuditorConfig, SuppressionRule
from auditor.findings import Result, fail, passed, unknown
from auditor.pipeline import ScanOptions, evaluate_resources
from auditor.registry import Registry, check
from auditor.resources import AuditTrail, Bucket, Ref, Resource, Service
from auditor.result import HistoryInfo, ScanResult, TrendPoint

XSS_NAME = '<script>window.__pwned = "name"</script>'
XSS_TAG = '<img src=x onerror="window.__pwned=\'tag\'">'


@check(id="bucket_public_read", severity="critical", title="Bucket is readable by anyone",
       remediation="Turn on the provider's public access block and remove public grants.", description="d")
def bucket_public_read(bucket: Bucket) -> Result:
    if bucket.public_read is None:
        return unknown("public access settings could not be read")
    return fail(f"readable by anyone via {bucket.public_via or 'ACL'}") if bucket.public_read else passed()


@check(id="bucket_unencrypted", severity="high", title="Bucket has no default encryption",
       remediation="Enable default encryption, preferably with a customer-managed key.", description="d")
def bucket_unencrypted(bucket: Bucket) -> Result:
    if bucket.encryption is None:
        return unknown("encryption settings could not be read")
    return fail("no default encryption") if bucket.encryption == "none" else passed()


@check(id="bucket_versioning_off", severity="medium", title="Bucket versioning is off",
       remediation="Turn on object versioning or soft delete.", description="d")
def bucket_versioning_off(bucket: Bucket) -> Result:
    if bucket.versioning is None:
        return unknown("versioning state could not be read")
    return passed() if bucket.versioning else fail("versioning is off")


@check(id="service_unauthenticated", severity="critical", title="ML service answers without authentication",
       remediation="Put the service behind authentication.", description="d")
def service_unauthenticated(service: Service) -> Result:
    if service.auth_required is None:
        return unknown("could not tell")
    return passed() if service.auth_required else fail(f"{service.product} API answered without credentials")


@check(id="audit_logging_off", severity="low", title="No account-wide audit trail",
       remediation="Create a multi-region trail.", description="d")
def audit_logging_off(trail: AuditTrail) -> Result:
    return passed() if trail.enabled else fail("no trail")


def registry() -> Registry:
    reg = Registry()
    for func in (bucket_public_read, bucket_unencrypted, bucket_versioning_off, service_unauthenticated, audit_logging_off):
        reg.add(func, "tests.reports.scan_builder")
    return reg


_PROVIDERS = [("aws", "aws", "111122223333"), ("gcp", "gcp", "ml-project"), ("azure", "azure", "sub-0001"), ("terraform", "aws", None)]


def resources(n_buckets: int = 12, *, hostile: bool = True) -> list[Resource]:
    out: list[Resource] = []
    for i in range(n_buckets):
        provider, cloud, account = _PROVIDERS[i % len(_PROVIDERS)]
        name = f"training-data-{i:05d}"
        iac = provider == "terraform"
        ref = Ref(
            provider=provider, cloud=cloud, account=account, region="us-east-1" if not iac else None,
            id=f"aws_s3_bucket.data_{i}" if iac else f"{provider}://{account}/{name}", name=name,
            path="infra/storage.tf" if iac else None, line=(10 + 7 * i) if iac else None,
        )
        tags = {"data-classification": "phi" if i % 3 == 0 else "internal", "team": "ml"}
        out.append(Bucket(
            ref=ref, tags=tags,
            public_read=[True, False, None][i % 3],
            encryption=["none", "customer_managed", "provider_managed", None][(i // 2) % 4],
            versioning=[False, True, None][(i // 3) % 3],
        ))
    if hostile:
        out.append(Bucket(
            ref=Ref(provider="aws", cloud="aws", account="111122223333", region="us-east-1", id="arn:aws:s3:::xss", name=XSS_NAME),
            tags={"owner": XSS_TAG}, public_read=True, encryption="none", versioning=False,
        ))
    out.append(Service(
        ref=Ref(provider="network", id="http://127.0.0.1:8888/", name="jupyter on 127.0.0.1:8888"),
        url="http://127.0.0.1:8888/", host="127.0.0.1", port=8888, product="Jupyter Server", auth_required=False,
    ))
    out.append(AuditTrail(ref=Ref(provider="aws", cloud="aws", account="111122223333", id="aws-trail", name="account trail"),
                          scope="account", enabled=False))
    return out


def build(
    n_buckets: int = 12,
    *,
    hostile: bool = True,
    baseline: Path | None = None,
    frameworks: Sequence[str] | None = None,
    scopes: dict | None = None,
    with_history: bool = False,
) -> ScanResult:
    config = AuditorConfig(
        framework_scopes=scopes or {},
        suppressions=[SuppressionRule(check="bucket_versioning_off", resource="training-data-00000",
                                      reason="archive bucket, immutable by policy", expires=date(2099, 12, 31))],
    )
    options = ScanOptions(frameworks=list(frameworks) if frameworks else None, config=config, baseline=baseline)
    errors = [
        CollectionError(source="aws", message="AccessDenied on GetBucketPolicy <b>bold?</b>", operation="s3:GetBucketPolicy",
                        resource="arn:aws:s3:::training-data-00002"),
        CollectionError(source="gcp", message="project ml-other not listable", incomplete=True),
    ]
    result = evaluate_resources(
        resources(n_buckets, hostile=hostile), errors, {"s3:ListBuckets": 1, "s3:GetBucketPolicy": n_buckets},
        sources=["aws", "gcp", "azure", "iac", "endpoints"], scope="aws-111122223333+ml-project",
        options=options, started=datetime(2026, 11, 22, 2, 0, tzinfo=UTC), registry=registry(),
    )
    if with_history:
        failing = [f for f in result.findings if f.active_failure]
        start = datetime(2026, 11, 15, 2, 0, tzinfo=UTC)
        history = HistoryInfo(
            previous_scan_id="prev-scan",
            new=[f.fingerprint for f in failing[:2]],
            resolved=["0" * 32],
            first_seen={f.fingerprint: start + timedelta(days=i % 7) for i, f in enumerate(failing)},
            trend=[TrendPoint(scan_id=f"s{d}", started=start + timedelta(days=d),
                              failing_by_severity={"critical": 3 + d % 3, "high": 5 - d % 2, "medium": 2, "low": 1})
                   for d in range(7)],
        )
        result = result.model_copy(update={"history": history}).with_digest()
    return result


def build_with_baseline(tmp: Path, n_buckets: int = 12) -> ScanResult:
    """A scan compared with an earlier one that had fewer buckets and one since-resolved failure."""
    before = build(max(1, n_buckets - 4), hostile=False)
    extra = before.findings[0].model_copy(update={"fingerprint": "f" * 32, "status": before.findings[0].status})
    before = before.model_copy(update={"findings": [*before.findings, extra]}).with_digest()
    path = tmp / "baseline.json"
    path.write_text(before.to_json(), encoding="utf-8")
    return build(n_buckets, baseline=path, with_history=True)
