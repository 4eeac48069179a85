"""The engine: check isolation, stamping, suppressions, severity overrides, fingerprints."""

from __future__ import annotations

from datetime import date

from auditor.config import SuppressionRule
from auditor.engine import Engine
from auditor.findings import Result, Severity, Status, fail, fingerprint, passed, unknown
from auditor.registry import Registry, check
from auditor.resources import Bucket, InlineIgnore, Ref


def _bucket(name: str, **fields) -> Bucket:
    ref = Ref(provider="aws", cloud="aws", account="111122223333", region="eu-west-1", id=f"arn:aws:s3:::{name}", name=name)
    return Bucket(ref=ref, **fields)


@check(id="bucket_demo_public", severity="high", title="t", remediation="r", description="d")
def demo_public(bucket: Bucket) -> Result:
    if bucket.public_read is None:
        return unknown("unreadable")
    return fail("public") if bucket.public_read else passed("private")


@check(id="bucket_demo_raises", severity="low", title="t", remediation="r", description="d")
def demo_raises(bucket: Bucket) -> Result:
    raise KeyError("boom")


@check(id="bucket_demo_multi", severity="medium", title="t", remediation="r", description="d", clouds=["aws"])
def demo_multi(bucket: Bucket) -> list[Result]:
    return [fail("a", key="k1"), fail("b", key="k2")]


@check(id="bucket_demo_na", severity="medium", title="t", remediation="r", description="d")
def demo_na(bucket: Bucket) -> None:
    return None


def _registry() -> Registry:
    reg = Registry()
    for func in (demo_public, demo_raises, demo_multi, demo_na):
        reg.add(func, "test")
    return reg


def test_results_are_stamped_with_resource_identity_and_fingerprint() -> None:
    engine = Engine(_registry())
    findings = engine.evaluate([_bucket("data", public_read=True)])
    public = next(f for f in findings if f.check_id == "bucket_demo_public")
    assert public.status == Status.FAIL
    assert public.resource_id == "arn:aws:s3:::data"
    assert (public.account, public.region, public.provider, public.cloud) == ("111122223333", "eu-west-1", "aws", "aws")
    assert public.severity == Severity.HIGH
    assert public.fingerprint == fingerprint("bucket_demo_public", "arn:aws:s3:::data", "")


def test_a_raising_check_becomes_an_error_finding_and_the_others_still_run() -> None:
    findings = Engine(_registry()).evaluate([_bucket("a", public_read=False), _bucket("b", public_read=None)])
    errors = [f for f in findings if f.status == Status.ERROR]
    assert [f.resource_name for f in errors] == ["a", "b"]
    assert "KeyError" in errors[0].message
    statuses = {(f.resource_name, f.check_id): f.status for f in findings if f.check_id == "bucket_demo_public"}
    assert statuses == {("a", "bucket_demo_public"): Status.PASS, ("b", "bucket_demo_public"): Status.UNKNOWN}


def test_several_results_per_resource_get_distinct_fingerprints_and_none_means_not_applicable() -> None:
    findings = Engine(_registry()).evaluate([_bucket("a", public_read=False)])
    multi = [f for f in findings if f.check_id == "bucket_demo_multi"]
    assert sorted(f.key for f in multi) == ["k1", "k2"]
    assert len({f.fingerprint for f in multi}) == 2
    assert not [f for f in findings if f.check_id == "bucket_demo_na"]


def test_clouds_restrict_where_a_check_applies() -> None:
    gcs = Bucket(ref=Ref(provider="gcp", cloud="gcp", id="gs://x", name="x"), public_read=False)
    findings = Engine(_registry()).evaluate([gcs])
    assert not [f for f in findings if f.check_id == "bucket_demo_multi"]


def test_suppression_keeps_status_fail_and_expired_rules_stop_suppressing() -> None:
    rules = [
        SuppressionRule(check="bucket_demo_public", resource="arn:aws:s3:::pub*", reason="public website", expires=date(2030, 1, 1)),
        SuppressionRule(check="bucket_demo_multi", resource="*", reason="old", expires=date(2020, 1, 1)),
    ]
    engine = Engine(_registry(), suppressions=rules, today=date(2026, 11, 22))
    findings = engine.evaluate([_bucket("public-site", public_read=True), _bucket("other", public_read=True)])
    public = {f.resource_name: f for f in findings if f.check_id == "bucket_demo_public"}
    assert public["public-site"].status == Status.FAIL
    assert public["public-site"].suppression is not None
    assert public["public-site"].suppression.reason == "public website"
    assert not public["public-site"].active_failure
    assert public["other"].suppression is None and public["other"].active_failure
    assert all(f.suppression is None for f in findings if f.check_id == "bucket_demo_multi")
    assert [r.check for r in engine.expired_rules] == ["bucket_demo_multi"]


def test_inline_ignore_suppresses_only_its_check() -> None:
    bucket = _bucket("x", public_read=True, ignores=[InlineIgnore(check="bucket_demo_public", reason="static site")])
    findings = Engine(_registry()).evaluate([bucket])
    by_check = {f.check_id: f for f in findings if f.key == ""}
    assert by_check["bucket_demo_public"].suppression is not None
    assert by_check["bucket_demo_public"].suppression.source == "inline"
    assert all(f.suppression is None for f in findings if f.check_id == "bucket_demo_multi")


def test_severity_override_and_controls_are_stamped() -> None:
    engine = Engine(
        _registry(),
        severity_overrides={"bucket_demo_public": Severity.CRITICAL},
        controls_for=lambda cid: {"gdpr": ["gdpr-32-1-a"]} if cid == "bucket_demo_public" else {},
    )
    finding = next(f for f in engine.evaluate([_bucket("x", public_read=True)]) if f.check_id == "bucket_demo_public")
    assert finding.severity == Severity.CRITICAL
    assert finding.controls == {"gdpr": ["gdpr-32-1-a"]}
