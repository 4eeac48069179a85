"""Framework files and the check catalog stay in step.

Fails on: a check id a framework names that is neither in the catalog nor registered; a
registered check a core framework neither maps nor explains in ``why_not``; duplicate or empty
controls; a resolved check -> controls table that differs from the committed snapshot.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import compliance
from auditor.compliance.catalog import CATALOG_CHECK_IDS, FAMILIES
from auditor.compliance.loader import FrameworkError, load_file
from auditor.registry import Registry

FRAMEWORKS = compliance.load_all()
CORE = [f for f in FRAMEWORKS.values() if f.core]
REGISTERED = set(Registry.default(entry_points=False).ids())
SNAPSHOT = Path(__file__).parent / "mapping_snapshot.txt"


def test_core_frameworks_present() -> None:
    assert {"gdpr", "hipaa", "ccpa"} <= {f.framework for f in CORE}
    assert "ai-security" in FRAMEWORKS


@pytest.mark.parametrize("fw", FRAMEWORKS.values(), ids=lambda f: f.framework)
def test_every_named_check_exists(fw) -> None:
    known = CATALOG_CHECK_IDS | REGISTERED
    unknown = sorted((fw.mapped_checks() | set(fw.why_not)) - known)
    assert not unknown, f"{fw.framework} names checks that do not exist: {unknown}"


@pytest.mark.parametrize("fw", CORE, ids=lambda f: f.framework)
def test_every_check_mapped_or_explained(fw) -> None:
    judged = fw.mapped_checks(judged_only=True)
    missing = sorted((CATALOG_CHECK_IDS | REGISTERED) - judged - set(fw.why_not))
    assert not missing, f"{fw.framework}: map these to a technical/partial control or add them to why_not: {missing}"


@pytest.mark.parametrize("fw", FRAMEWORKS.values(), ids=lambda f: f.framework)
def test_controls_are_complete(fw) -> None:
    ids = [c.id for c in fw.controls]
    assert len(ids) == len(set(ids))
    for control in fw.controls:
        assert control.ref and control.title and control.intent, control.id
        if control.kind != "manual":
            assert control.checks, f"{control.id} has no checks"
        assert set(control.families) <= set(FAMILIES), control.id
        for family in control.families:  # the families note must agree with the check list
            assert set(FAMILIES[family]) <= set(control.checks), (control.id, family)


def test_framework_lists_manual_controls_too() -> None:
    hipaa = FRAMEWORKS["hipaa"]
    kinds = {c.kind for c in hipaa.controls}
    assert kinds == {"technical", "partial", "manual"}
    assert hipaa.control("hipaa-164-314-a").kind == "manual"
    ccpa = FRAMEWORKS["ccpa"]
    audit_components = [c for c in ccpa.controls if c.id.startswith("ccpa-reg-7123-")]
    assert len(audit_components) >= 16, "every §7123 audit component is listed"


def test_ai_security_ids_are_atlas_or_owasp() -> None:
    import re

    for control in FRAMEWORKS["ai-security"].controls:
        assert re.fullmatch(r"AML\.T\d{4}(\.\d{3})?|ML(0[1-9]|10):2023", control.ref), control.ref


def test_loader_rejects_duplicate_control(tmp_path: Path) -> None:
    bad = tmp_path / "dup.yaml"
    bad.write_text(
        "framework: dup\nname: D\nversion: '1'\ncontrols:\n"
        "- {id: a, ref: r, title: t, intent: i, kind: technical, checks: [bucket_public_read]}\n"
        "- {id: a, ref: r, title: t, intent: i, kind: technical, checks: [bucket_unencrypted]}\n"
    )
    with pytest.raises(FrameworkError, match=r"dup\.yaml.*duplicate control id a"):
        load_file(bad)


def test_loader_rejects_empty_technical_control(tmp_path: Path) -> None:
    bad = tmp_path / "empty.yaml"
    bad.write_text(
        "framework: empty\nname: E\nversion: '1'\ncontrols:\n"
        "- {id: a, ref: r, title: t, intent: i, kind: partial, checks: []}\n"
    )
    with pytest.raises(FrameworkError, match="needs at least one check"):
        load_file(bad)


def test_loader_rejects_unknown_keys_and_mismatched_id(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("framework: y\nname: E\nversion: '1'\ncontrols:\n- {id: a, ref: r, title: t, intent: i, kind: manual}\n")
    with pytest.raises(FrameworkError, match="must match the file name"):
        load_file(bad)
    bad.write_text("framework: x\nname: E\nversion: '1'\nbogus: 1\ncontrols: []\n")
    with pytest.raises(FrameworkError, match="bogus"):
        load_file(bad)


def test_unknown_framework_is_a_usage_error() -> None:
    with pytest.raises(FrameworkError, match=r"unknown framework.*nist.*choose from"):
        compliance.controls_lookup(["nist"])


def test_lookup_maps_check_to_controls() -> None:
    lookup = compliance.controls_lookup(["hipaa", "gdpr"])
    mapped = lookup("bucket_unencrypted")
    assert set(mapped) == {"hipaa", "gdpr"}
    assert "hipaa-164-312-a-2-iv" in mapped["hipaa"]
    assert "gdpr-32-1-a" in mapped["gdpr"]
    assert lookup("no_such_check") == {}


def test_snapshot_matches() -> None:
    """Regenerate with: python scripts/update_mapping_snapshot.py (and review the diff)."""
    assert SNAPSHOT.read_text(encoding="utf-8") == compliance.resolved_table(), (
        "the check -> controls mapping changed; run scripts/update_mapping_snapshot.py and commit the diff"
    )
