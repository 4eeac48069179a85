"""Every registered check runs over its table fixture (tests/check_fixtures/<check_id>.yaml).

A check without a fixture, or whose fixture lacks a pass, a fail or an unknown case, fails here:
nothing is skipped silently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.registry import CheckContext, Registry
from auditor.resources import resource_from_dict

FIXTURES = Path(__file__).parent / "check_fixtures"
REGISTRY = Registry.default(entry_points=False)
FIXED_NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _resource(data: dict[str, Any]):
    data = dict(data)
    data.setdefault("ref", {})
    ref = {"provider": "aws", "cloud": "aws", "account": "123456789012", "region": "us-east-1", "id": "fixture", "name": "fixture"}
    ref.update(data["ref"])
    data["ref"] = ref
    return resource_from_dict(data)


def _cases() -> list[Any]:
    params = []
    for spec in REGISTRY:
        path = FIXTURES / f"{spec.id}.yaml"
        if not path.exists():
            params.append(pytest.param(spec.id, None, id=f"{spec.id}-MISSING"))
            continue
        for case in yaml.safe_load(path.read_text()) or []:
            params.append(pytest.param(spec.id, case, id=f"{spec.id}-{case['name']}"))
    return params


@pytest.mark.parametrize(("check_id", "case"), _cases())
def test_check_fixture(check_id: str, case: dict[str, Any] | None) -> None:
    assert case is not None, f"check {check_id} has no fixture file tests/check_fixtures/{check_id}.yaml"
    spec = REGISTRY.get(check_id)
    ctx_data = case.get("ctx", {})
    ctx = CheckContext(now=FIXED_NOW, options={check_id: ctx_data.get("options", {})})
    if ctx_data.get("advisories"):
        from auditor.advisories import AdvisoryDB

        ctx = CheckContext(now=FIXED_NOW, options=ctx.options, advisories=AdvisoryDB.load_default())
    resource = _resource(case["resource"])
    results = spec.run(resource, ctx) if spec.applies_to(resource) else []
    statuses = [r.status.value for r in results]
    expect = case["expect"]
    expected = [] if expect == "none" else (expect if isinstance(expect, list) else [expect])
    assert statuses == expected, f"{case['name']}: got {[(r.status.value, r.message) for r in results]}"
    for r in results:
        assert r.message, "every result explains itself"
    if "message_contains" in case:
        assert any(case["message_contains"] in r.message for r in results)


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda s: s.id)
def test_fixture_covers_pass_fail_unknown(spec) -> None:
    path = FIXTURES / f"{spec.id}.yaml"
    assert path.exists(), f"missing fixture for {spec.id}"
    cases = yaml.safe_load(path.read_text()) or []
    seen = set()
    for case in cases:
        expect = case["expect"]
        seen.update(expect if isinstance(expect, list) else [expect])
    assert {"pass", "fail"} <= seen, f"{spec.id}: fixture needs pass and fail cases, has {sorted(seen)}"
    assert "unknown" in seen or any("no_unknown" in c for c in cases), (
        f"{spec.id}: fixture needs an unknown case (or a case with `no_unknown: <why>`)"
    )
