"""The curated advisory data set and OSV range matching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.advisories import AdvisoryDB, AdvisoryError, InvalidVersion, from_osv


def _osv(id: str, package: str, events: list[dict[str, str]], **extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": id,
        "affected": [{"package": {"ecosystem": "PyPI", "name": package}, "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
        "database_specific": {"severity": "HIGH", "network_exploitable": True, "source": id},
    }
    record.update(extra)
    return record


def _db(*records: dict[str, object]) -> AdvisoryDB:
    return AdvisoryDB([a for r in records for a in from_osv(r)])


def test_introduced_fixed_range_bounds() -> None:
    db = _db(_osv("CVE-1", "pkg", [{"introduced": "1.2.0"}, {"fixed": "1.4.1"}]))
    assert [a.id for a in db.match("pkg", "1.2.0")] == ["CVE-1"]
    assert [a.id for a in db.match("pkg", "1.4.0")] == ["CVE-1"]
    assert db.match("pkg", "1.4.1") == []
    assert db.match("pkg", "1.1.9") == []


def test_last_affected_is_inclusive_and_open_range_has_no_end() -> None:
    db = _db(
        _osv("CVE-2", "pkg", [{"introduced": "0"}, {"last_affected": "2.9.2"}]),
        _osv("CVE-3", "other", [{"introduced": "0"}]),
    )
    assert db.match("pkg", "2.9.2")[0].id == "CVE-2"
    assert db.match("pkg", "2.9.3") == []
    assert db.match("other", "99.0")[0].id == "CVE-3"
    assert db.match("other", "99.0")[0].fixed == []


def test_several_ranges_and_explicit_versions() -> None:
    record = _osv("CVE-4", "lab", [{"introduced": "0"}, {"last_affected": "3.6.6"}])
    record["affected"][0]["ranges"].append({"type": "ECOSYSTEM", "events": [{"introduced": "4.0.0"}, {"fixed": "4.0.11"}]})  # type: ignore[index]
    record["affected"][0]["versions"] = ["2.0.0a0"]  # type: ignore[index]
    db = _db(record)
    assert db.match("lab", "3.6.6") and db.match("lab", "4.0.10") and db.match("lab", "2.0.0a0")
    assert not db.match("lab", "3.6.7") and not db.match("lab", "4.0.11")


def test_pep503_names_and_ecosystem() -> None:
    db = _db(_osv("CVE-5", "jupyter_server", [{"introduced": "0"}, {"fixed": "2.7.2"}]))
    assert db.match("Jupyter.Server", "2.7.1") and db.match("jupyter-server", "2.7.1")
    assert db.match("jupyter-server", "2.7.1", ecosystem="npm") == []


def test_withdrawn_never_matches() -> None:
    db = _db(_osv("CVE-6", "ray", [{"introduced": "0"}], withdrawn="2025-01-01T00:00:00Z"))
    assert db.match("ray", "2.8.0") == []
    assert [a.id for a in db.withdrawn] == ["CVE-6"]


def test_unparseable_version_raises_for_the_caller_to_report_unknown() -> None:
    db = _db(_osv("CVE-7", "pkg", [{"introduced": "0"}, {"fixed": "1.0"}]))
    with pytest.raises(InvalidVersion):
        db.match("pkg", "not-a-version")


def test_load_osv_export_directory_and_merge(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "GHSA-x.json").write_text(
        json.dumps(_osv("GHSA-x", "mlflow", [{"introduced": "0"}, {"fixed": "9.0"}], aliases=["CVE-2025-14279"], modified="2026-10-01T00:00:00Z"))
    )
    (export / "list.json").write_text(json.dumps([_osv("PYSEC-1", "example-lib", [{"introduced": "0"}, {"fixed": "2.6.0"}])]))
    user = AdvisoryDB.load([export])
    assert len(user) == 2 and user.data_date == "2026-10-01"
    merged = AdvisoryDB.load_default().merged(user)
    ids = [a.id for a in merged.match("mlflow", "3.17.2")]
    assert ids == ["GHSA-x"], "the user's entry replaces the bundled one with the same alias"
    assert "CVE-2025-14279" not in {a.id for a in merged.advisories if a.package == "mlflow"}
    assert [a.id for a in merged.match("Example_Lib", "2.5.1")] == ["PYSEC-1"]


def test_bad_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(AdvisoryError, match=r"broken\.json"):
        AdvisoryDB.load([bad])
    worse = tmp_path / "badrange.json"
    worse.write_text(json.dumps(_osv("CVE-9", "pkg", [{"introduced": "zzz!"}])))
    with pytest.raises(AdvisoryError, match=r"badrange\.json: advisory CVE-9"):
        AdvisoryDB.load([worse])
    with pytest.raises(AdvisoryError, match=r"missing\.json"):
        AdvisoryDB.load([tmp_path / "missing.json"])


# -- the bundled, curated data ----------------------------------------------------------------
DEFAULT = AdvisoryDB.load_default()


def test_bundled_data_is_curated() -> None:
    assert DEFAULT.data_date >= "2026-11-22"
    seen = set()
    for adv in DEFAULT.advisories:
        assert adv.source and adv.summary, adv.id
        assert adv.network_exploitable is not None, f"{adv.id}: S/C must be decided"
        assert adv.ranges or adv.versions, adv.id
        key = (adv.id, adv.ecosystem, adv.package)
        assert key not in seen, f"duplicate {key}"
        seen.add(key)
    ids = {a.id for a in DEFAULT.advisories}
    excluded = json.loads((Path(__file__).parents[2] / "auditor/advisories/data/services.json").read_text())["excluded"]
    for entry in excluded:  # withdrawn, disputed and mis-attributed entries stay out
        assert not any(a.id == entry["id"] and a.package == entry["package"] for a in DEFAULT.advisories), entry
    assert "CVE-2024-57000" not in ids


@pytest.mark.parametrize(
    ("package", "version", "expected", "absent"),
    [
        ("mlflow", "2.9.2", {"CVE-2025-14279", "CVE-2024-3848", "CVE-2024-27132"}, {"CVE-2023-6018"}),
        ("mlflow", "2.3.0", {"CVE-2023-2780"}, set()),
        ("mlflow", "3.17.2", set(), {"CVE-2025-14279"}),
        ("ray", "2.8.0", {"CVE-2023-6019", "CVE-2025-62593"}, set()),
        ("ray", "2.60.0", set(), {"CVE-2025-62593"}),
        ("jupyter_server", "2.7.1", {"CVE-2023-39968"}, {"CVE-2024-22421"}),
        ("notebook", "7.0.6", {"CVE-2024-22421"}, set()),
    ],
)
def test_bundled_matches(package: str, version: str, expected: set[str], absent: set[str]) -> None:
    ids = {a.id for a in DEFAULT.match(package, version)}
    assert expected <= ids
    assert not (absent & ids)
    if not expected:
        assert ids == set()


def test_client_side_entries_are_marked() -> None:
    recipe = next(a for a in DEFAULT.match("mlflow", "2.9.2") if a.id == "CVE-2024-27132")
    assert recipe.network_exploitable is False
    assert next(a for a in DEFAULT.match("ray", "2.8.0") if a.id == "CVE-2023-6019").network_exploitable is True
