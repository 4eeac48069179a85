"""Control status, score, coverage and scope, from real resources run through the engine."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from auditor import compliance
from auditor.config import AuditorConfig, ConfigError, SuppressionRule
from auditor.findings import Result, fail, passed, unknown
from auditor.pipeline import ScanOptions, evaluate_resources
from auditor.registry import Registry, check
from auditor.resources import AuditTrail, Bucket, Ref
from auditor.result import ScanResult


# Small in-test checks with catalog ids, so the real framework files map them.
@check(id="bucket_unencrypted", severity="high", title="t", remediation="encrypt it", description="d")
def bucket_unencrypted(bucket: Bucket) -> Result:
    if bucket.encryption is None:
        return unknown("encryption unreadable")
    return fail("no encryption") if bucket.encryption == "none" else passed()


@check(id="bucket_public_read", severity="critical", title="t", remediation="block it", description="d")
def bucket_public_read(bucket: Bucket) -> Result:
    if bucket.public_read is None:
        return unknown("unreadable")
    return fail("public") if bucket.public_read else passed()


@check(id="audit_logging_off", severity="high", title="t", remediation="log", description="d")
def audit_logging_off(trail: AuditTrail) -> Result:
    return passed() if trail.enabled else fail("off")


@check(id="bucket_versioning_off", severity="medium", title="t", remediation="v", description="d")
def bucket_versioning_off(bucket: Bucket) -> Result:
    raise RuntimeError("boom")


def registry(*funcs) -> Registry:
    reg = Registry()
    for func in funcs:
        reg.add(func, "test")
    return reg


def bucket(name: str, account: str = "111111111111", cloud: str = "aws", tags: dict | None = None, **fields) -> Bucket:
    ref = Ref(provider=cloud, cloud=cloud, account=account, region="us-east-1", id=f"{cloud}:{account}:{name}", name=name)
    return Bucket(ref=ref, tags=tags or {}, **fields)


def scan(resources, reg, frameworks=None, scopes=None, suppressions=()) -> ScanResult:
    config = AuditorConfig(framework_scopes=scopes or {}, suppressions=list(suppressions))
    options = ScanOptions(frameworks=frameworks, config=config)
    return evaluate_resources(
        resources, [], {}, sources=["test"], scope="test", options=options, started=datetime.now(UTC), registry=reg
    )


def control(result: ScanResult, framework: str, control_id: str):
    return next(c for c in result.controls if c.framework == framework and c.control_id == control_id)


def test_fail_pass_incomplete_not_assessed_manual() -> None:
    good = bucket("good", encryption="customer_managed", public_read=False)
    bad = bucket("bad", encryption="none", public_read=False)
    result = scan([good, bad], registry(bucket_unencrypted, bucket_public_read), frameworks=["hipaa"])
    enc = control(result, "hipaa", "hipaa-164-312-a-2-iv")
    assert enc.status == "fail"
    assert enc.counts == {"fail": 1, "pass": 1}
    assert [(e.resource_id, e.status.value) for e in enc.evidence] == [("aws:111111111111:bad", "fail"), ("aws:111111111111:good", "pass")]
    assert control(result, "hipaa", "hipaa-164-312-a-2-i").status == "pass"  # public_read all passed
    assert control(result, "hipaa", "hipaa-164-312-b").status == "not_assessed"  # no audit checks ran
    assert control(result, "hipaa", "hipaa-164-314-a").status == "manual"
    backup = control(result, "hipaa", "hipaa-164-308-a-7-ii-a")
    assert backup.kind == "partial" and backup.needs_attestation and backup.status == "not_assessed"

    unreadable = bucket("fog", encryption=None, public_read=False)
    result = scan([good, unreadable], registry(bucket_unencrypted), frameworks=["hipaa"])
    enc = control(result, "hipaa", "hipaa-164-312-a-2-iv")
    assert enc.status == "incomplete" and enc.counts == {"pass": 1, "unknown": 1}


def test_error_result_makes_control_incomplete() -> None:
    result = scan([bucket("b")], registry(bucket_versioning_off), frameworks=["hipaa"])
    ctl = control(result, "hipaa", "hipaa-164-308-a-7-ii-a")
    assert ctl.status == "incomplete" and ctl.counts == {"error": 1}


def test_suppressed_failure_does_not_fail_the_control() -> None:
    bad = bucket("bad", encryption="none")
    rule = SuppressionRule(check="bucket_unencrypted", resource="bad", reason="legacy, migrating", expires=date(2099, 1, 1))
    result = scan([bad], registry(bucket_unencrypted), frameworks=["gdpr"], suppressions=[rule])
    ctl = control(result, "gdpr", "gdpr-32-1-a")
    assert ctl.status == "pass"
    assert ctl.counts == {"suppressed": 1}
    assert ctl.evidence[0].suppressed is True


def test_partial_control_shows_technical_status() -> None:
    bad = bucket("bad", encryption="none")
    result = scan([bad], registry(bucket_unencrypted), frameworks=["gdpr"])
    ctl = control(result, "gdpr", "gdpr-5-1-f")
    assert ctl.kind == "partial" and ctl.status == "fail" and ctl.needs_attestation


def test_score_never_counts_incomplete_unassessed_or_manual_as_passed() -> None:
    # One technical control passes, one is incomplete; everything else is unassessed or manual.
    good = bucket("good", encryption="customer_managed", public_read=None)
    result = scan([good], registry(bucket_unencrypted, bucket_public_read), frameworks=["gdpr"])
    summary = result.frameworks[0]
    judged = [c for c in result.controls if c.kind != "manual" and c.status in ("pass", "fail", "incomplete")]
    passed_n = sum(1 for c in judged if c.status == "pass")
    assert 0 < passed_n < len(judged)
    assert summary.score == round(passed_n / len(judged), 4)
    assert summary.coverage == round(len(judged) / len(result.controls), 4)
    assert summary.counts["manual"] == sum(1 for c in result.controls if c.kind == "manual") > 0
    assert sum(summary.counts.values()) == len(result.controls)


def test_no_results_means_no_score_but_coverage_zero() -> None:
    result = scan([], registry(bucket_unencrypted), frameworks=["ccpa"])
    summary = result.frameworks[0]
    assert summary.score is None and summary.coverage == 0.0
    assert summary.counts["pass"] == 0


def test_scope_by_tag_account_project_subscription() -> None:
    phi = bucket("phi", tags={"data-classification": "phi"}, encryption="customer_managed")
    other = bucket("other", tags={"data-classification": "public"}, encryption="none")
    gcp = bucket("g", account="proj-a", cloud="gcp", encryption="none")
    trail = AuditTrail(ref=Ref(provider="aws", cloud="aws", account="111111111111", id="trail", name="trail"), scope="account", enabled=False)
    reg = registry(bucket_unencrypted, audit_logging_off)
    scopes = {"hipaa": {"tags": {"data-classification": "phi"}}, "gdpr": {"projects": ["proj-a"]}}
    result = scan([phi, other, gcp, trail], reg, frameworks=["hipaa", "gdpr", "ccpa"], scopes=scopes)
    summaries = {s.id: s for s in result.frameworks}
    assert summaries["hipaa"].scope == "tag data-classification=phi"
    assert summaries["hipaa"].resources_in_scope == 2  # the phi bucket + its account's audit trail
    assert control(result, "hipaa", "hipaa-164-312-a-2-iv").status == "pass"  # 'other' is out of scope
    assert control(result, "hipaa", "hipaa-164-312-b").status == "fail"  # account-wide trail guards phi too
    assert summaries["gdpr"].scope == "projects proj-a"
    assert control(result, "gdpr", "gdpr-32-1-a").counts == {"fail": 1}
    assert control(result, "gdpr", "gdpr-33").status == "not_assessed"  # the AWS trail is outside proj-a
    assert summaries["ccpa"].scope == "all resources" and summaries["ccpa"].resources_in_scope == 4
    assert control(result, "ccpa", "ccpa-reg-7123-encrypt").counts == {"fail": 2, "pass": 1}


def test_scope_errors_are_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"unknown key.*colour"):
        compliance.evaluate([], [], ["hipaa"], {"hipaa": {"colour": "red"}})
    with pytest.raises(ConfigError, match=r"unknown framework.*sox"):
        compliance.evaluate([], [], None, {"sox": {"accounts": ["1"]}})


def test_evidence_is_capped_but_counts_exact() -> None:
    from auditor.compliance.evaluate import EVIDENCE_LIMIT

    many = [bucket(f"b{i}", encryption="none") for i in range(EVIDENCE_LIMIT + 7)]
    result = scan(many, registry(bucket_unencrypted), frameworks=["gdpr"])
    ctl = control(result, "gdpr", "gdpr-32-1-a")
    assert ctl.counts == {"fail": EVIDENCE_LIMIT + 7}
    assert len(ctl.evidence) == EVIDENCE_LIMIT and ctl.evidence_omitted == 7


def test_findings_carry_their_controls() -> None:
    result = scan([bucket("bad", encryption="none")], registry(bucket_unencrypted), frameworks=["hipaa", "ccpa"])
    (finding,) = result.findings
    assert set(finding.controls) == {"hipaa", "ccpa"}
    assert "hipaa-164-312-a-2-iv" in finding.controls["hipaa"]
    assert result.scan.frameworks == {"hipaa": compliance.load_all()["hipaa"].version, "ccpa": compliance.load_all()["ccpa"].version}
