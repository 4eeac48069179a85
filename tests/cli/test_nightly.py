"""Nightly semantics: --fail-on-new against the previous complete scan of the scope (or the
--baseline), the init template using it, diff exit codes and --scope, and read-only commands that
never create a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.config import STARTER_CONFIG, load_config

from .conftest import Auditor, public_bucket_tf


def test_an_unchanged_night_passes_with_fail_on_new_and_a_new_failure_fails(auditor: Auditor, tmp_path: Path) -> None:
    public_bucket_tf(tmp_path / "infra", ["acme-ml-s5-access-logs-of-the-training-cluster"])
    assert auditor("scan", "iac", "infra", "-o", "out", "--fail-on-new").code == 1  # first night: all new
    unchanged = auditor("scan", "iac", "infra", "-o", "out", "--fail-on-new")
    assert unchanged.code == 0, unchanged.out
    assert auditor("scan", "iac", "infra", "-o", "out").code == 1  # without the flag, as before
    public_bucket_tf(tmp_path / "infra", ["acme-ml-s5-access-logs-of-the-training-cluster", "acme-new-bucket"])
    worse = auditor("scan", "iac", "infra", "-o", "out", "--fail-on-new")
    assert worse.code == 1
    assert "2 new failing finding(s) at or above high:" in worse.out and "acme-new-bucket" in worse.out
    assert "(2 more already failing in the previous scan; not new)" in worse.out
    diff = auditor("diff", "--scope", "iac-infra")
    assert diff.code == 1  # new failures
    assert "acme-ml-s5-access-logs-of-the-training-cluster" in diff.out or "acme-new-bucket" in diff.out
    assert "…" not in diff.out  # never cut when piped
    same = auditor("scan", "iac", "infra", "-o", "out", "--fail-on-new")
    assert same.code == 0
    assert auditor("diff", "--scope", "iac-infra").code == 0  # nothing got worse


def test_fail_on_new_asks_the_store_when_the_result_lists_only_the_first_new_failures(
    auditor: Auditor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import auditor.store as store_module

    monkeypatch.setattr(store_module, "CHANGES_LISTED", 1)  # a large night: one new failure listed
    public_bucket_tf(tmp_path / "infra", ["acme-ml-s5-access-logs-of-the-training-cluster", "acme-old-two"])
    assert auditor("scan", "iac", "infra", "-o", "out", "-q").code == 1
    public_bucket_tf(tmp_path / "infra", ["acme-ml-s5-access-logs-of-the-training-cluster", "acme-old-two",
                                          "acme-new-one", "acme-new-two"])
    worse = auditor("scan", "iac", "infra", "-o", "out", "--fail-on-new", "-f", "json", "--output", "r.json")
    assert worse.code == 1
    history = json.loads((tmp_path / "r.json").read_text())["history"]
    assert len(history["new"]) == 1 and history["new_count"] > 4  # every severity; 4 at or above high
    assert "4 new failing finding(s) at or above high:" in worse.out
    assert "acme-new-one" in worse.out and "acme-new-two" in worse.out
    assert "(4 more already failing in the previous scan; not new)" in worse.out
    assert auditor("scan", "iac", "infra", "-o", "out", "--fail-on-new").code == 0  # nothing new since


def test_fail_on_new_against_a_baseline_file(auditor: Auditor, tmp_path: Path) -> None:
    public_bucket_tf(tmp_path / "infra")
    assert auditor("scan", "iac", "infra", "--no-store", "-f", "json", "--output", "base.json").code == 1
    res = auditor("scan", "iac", "infra", "--no-store", "--fail-on-new", "--baseline", "base.json", "-o", "out")
    assert res.code == 0


def test_init_template_fails_only_on_new_failures(tmp_path: Path) -> None:
    (tmp_path / "auditor.yaml").write_text(STARTER_CONFIG)
    assert load_config(tmp_path / "auditor.yaml").outputs.fail_on_new is True
    assert "fail_on_new: true" in STARTER_CONFIG


def test_diff_needs_a_scope_when_the_store_holds_several(auditor: Auditor, tmp_path: Path) -> None:
    public_bucket_tf(tmp_path / "a")
    public_bucket_tf(tmp_path / "b")
    for folder in ("a", "b", "a", "b"):
        auditor("scan", "iac", folder, "-o", "out", "-q")
    res = auditor("diff")
    assert res.code == 2 and "choose one with --scope" in res.err and "iac-a" in res.err and "iac-b" in res.err
    ok = auditor("diff", "--scope", "iac-b", "--format", "json")
    assert ok.code == 0 and json.loads(ok.out)["new"]["scope"] == "iac-b"


def test_read_only_commands_never_create_a_store(auditor: Auditor, tmp_path: Path) -> None:
    for args in (["history", "--store", "typo.db"], ["diff", "--store", "typo.db"]):
        res = auditor(*args)
        assert res.code == 2
        assert "typo.db does not exist" in res.err
        assert not (tmp_path / "typo.db").exists()
