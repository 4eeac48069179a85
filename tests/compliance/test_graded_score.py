"""Scores with a gradient: beside the strict met/not-met, each control's share of passing
results and each framework's graded score, so a month of fixes shows before the last one."""

from __future__ import annotations

from datetime import date

from test_compliance_evaluate import bucket, bucket_public_read, bucket_unencrypted, control, registry, scan

from auditor.config import SuppressionRule


def _estate(fixed: int, n: int = 10) -> list:
    """n buckets, the first ``fixed`` of them encrypted and private, the rest neither."""
    return [
        bucket(f"b{i}", encryption="customer_managed" if i < fixed else "none", public_read=i >= fixed)
        for i in range(n)
    ]


def test_passing_share_beside_the_strict_status() -> None:
    reg = registry(bucket_unencrypted, bucket_public_read)
    result = scan([*_estate(3, 4), bucket("fog", encryption=None, public_read=False)], reg, frameworks=["gdpr"])
    enc = control(result, "gdpr", "gdpr-32-1-a")
    assert enc.status == "fail"  # strict: one failure is enough
    assert enc.counts == {"fail": 1, "pass": 3, "unknown": 1}
    assert enc.passing_share == 0.6  # 3 of 5: the unknown counts against, never for
    assert all(c.passing_share is None for c in result.controls if c.kind == "manual")
    assert all(c.passing_share is None for c in result.controls if c.status == "not_assessed")


def test_suppressed_failures_are_outside_the_share() -> None:
    rule = SuppressionRule(check="bucket_unencrypted", resource="b1", reason="legacy", expires=date(2099, 1, 1))
    result = scan(_estate(1, 2), registry(bucket_unencrypted), frameworks=["gdpr"], suppressions=[rule])
    enc = control(result, "gdpr", "gdpr-32-1-a")
    assert enc.status == "pass" and enc.passing_share == 1.0


def test_a_month_of_fixes_moves_the_graded_score_not_the_strict_one() -> None:
    reg = registry(bucket_unencrypted, bucket_public_read)
    weeks = [scan(_estate(fixed), reg, frameworks=["gdpr", "hipaa"]) for fixed in (0, 3, 6, 9)]
    for fid in ("gdpr", "hipaa"):
        strict = [next(f for f in r.frameworks if f.id == fid).score for r in weeks]
        graded = [next(f for f in r.frameworks if f.id == fid).graded_score for r in weeks]
        assert strict == [0.0] * 4  # one bucket still fails every judged control
        assert graded[0] == 0.0 and graded == sorted(graded) and len(set(graded)) == 4
        assert graded[-1] == 0.9
    done = scan(_estate(10), reg, frameworks=["gdpr"])
    assert done.frameworks[0].score == done.frameworks[0].graded_score == 1.0
