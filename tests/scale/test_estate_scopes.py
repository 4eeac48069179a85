"""``auditor runs report`` honours ``framework_scopes``: a framework limited by tag is scored on the
resources in scope, exactly as a plain scan of each target with the same scope scores it; a
target row written before scopes were recorded shows "scope not decidable from the store"."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _auditor(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    if check:
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
    return proc


def _bucket(name: str, acl: str, classification: str | None) -> str:
    tags = f'\n  tags = {{\n    classification = "{classification}"\n  }}' if classification else ""
    return f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "{name}"\n  acl    = "{acl}"{tags}\n}}\n'


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("scoped")
    phi, plain = folder / "phi", folder / "plain"
    phi.mkdir()
    plain.mkdir()
    # the PHI bucket is private, the untagged one public: HIPAA on PHI alone differs from HIPAA on all
    (phi / "main.tf").write_text(_bucket("patients", "private", "phi") + _bucket("site", "public-read", None))
    (plain / "main.tf").write_text(_bucket("assets", "public-read", "public"))
    config = folder / "auditor.yaml"
    config.write_text(
        "name: scoped\nframework_scopes:\n  hipaa:\n    tags: {classification: phi}\n"
        "sources:\n  iac:\n    paths: " + json.dumps([str(phi), str(plain)]) + "\n"
    )
    store = str(folder / "store.db")
    _auditor("scan", "--config", str(config), "--shard", "0/1", "--run", "scoped-1", "--store", store,
             "--fail-on", "none", "--quiet")
    return {"folder": folder, "store": store, "phi": f"iac:{phi}", "plain": f"iac:{plain}"}


def _score_cells(page: str) -> dict[str, dict[str, str]]:
    """target id (or 'estate') -> framework -> the cell's HTML."""
    table = page.split('<table class="scores">', 1)[1].split("</table>", 1)[0]
    out: dict[str, dict[str, str]] = {}
    for m in re.finditer(r'<tr (?:class="estate"|data-target="([^"]*)")>(.*?)</tr>', table, re.S):
        key = unescape(m.group(1)) if m.group(1) else "estate"
        out[key] = dict(re.findall(r'<td[^>]*data-fw="([^"]+)"[^>]*>(.*?)</td>', m.group(2), re.S))
    return out


def _report(run: dict[str, object], name: str) -> str:
    out = Path(str(run["folder"])) / name
    _auditor("runs", "report", "scoped-1", "--store", str(run["store"]), "-o", str(out), "--force")
    return out.read_text(encoding="utf-8")


def test_scoped_framework_scores_equal_a_scoped_scan_of_each_target(run: dict[str, object]) -> None:
    page = _report(run, "scoped.html")
    assert "limits HIPAA to tag classification=phi" in page
    cells = _score_cells(page)
    folder = Path(str(run["folder"]))
    scanned = {}
    for key in ("phi", "plain"):
        target = str(run[key])
        out = folder / f"{key}.json"
        _auditor("scan", "iac", target.removeprefix("iac:"), "--output", str(out), "--no-store", "--fail-on", "none",
                 "--quiet", "--framework-scope", "hipaa:tag:classification=phi")
        expected = {fw["id"]: fw for fw in json.loads(out.read_text())["frameworks"]}
        assert set(cells[target]) == set(expected)
        scanned[key] = expected
    # the page's cells carry the score as data attributes: compare with the plain scoped scan
    table = page.split('<table class="scores">', 1)[1].split("</table>", 1)[0]
    for key in ("phi", "plain"):
        row = re.search(r'<tr data-target="' + re.escape(str(run[key])) + r'">(.*?)</tr>', table, re.S)
        assert row is not None
        shown = {fw: (score, graded) for fw, score, graded in
                 re.findall(r'data-fw="([^"]+)" data-score="([^"]*)" data-graded="([^"]*)"', row.group(1))}
        assert shown == {fw: (str(s["score"]), str(s["graded_score"])) for fw, s in scanned[key].items()}, key
    assert scanned["phi"]["hipaa"]["resources_in_scope"] == 1 and scanned["plain"]["hipaa"]["resources_in_scope"] == 0
    assert "1 in scope" in cells[str(run["phi"])]["hipaa"] and "0 in scope" in cells[str(run["plain"])]["hipaa"]
    # scoped differs from unscoped here, so the page did not simply judge every result
    unscoped = folder / "unscoped.json"
    _auditor("scan", "iac", str(run["phi"]).removeprefix("iac:"), "--output", str(unscoped), "--no-store",
             "--fail-on", "none", "--quiet")
    all_resources = next(fw for fw in json.loads(unscoped.read_text())["frameworks"] if fw["id"] == "hipaa")
    assert all_resources["score"] != scanned["phi"]["hipaa"]["score"]
    assert "1 resources in scope" in cells["estate"]["hipaa"]
    assert "scope not decidable" not in page


def test_a_row_without_the_record_is_not_decidable_never_misjudged(run: dict[str, object]) -> None:
    from sqlalchemy import update

    from auditor.runs import RunStore
    from auditor.store import normalise_url, open_store

    runs = RunStore(open_store(normalise_url(str(run["store"])), create=False))
    try:
        with runs.store._write() as conn:  # as a worker before the scoped counts were recorded wrote it
            t = runs.targets.c
            conn.execute(update(runs.targets).where(t.run_id == "scoped-1", t.target_id == str(run["plain"]))
                         .values(scoped_controls=None))
    finally:
        runs.store.close()
    page = _report(run, "undecidable.html")
    cells = _score_cells(page)
    assert "scope not decidable from the store" in cells[str(run["plain"])]["hipaa"]
    assert "scope not decidable from the store" in cells["estate"]["hipaa"]
    assert "1 in scope" in cells[str(run["phi"])]["hipaa"]  # the recorded target is still scored
    assert all("%" in cell for fw, cell in cells[str(run["plain"])].items() if fw != "hipaa")
    assert "1 target were scanned before scopes were recorded" in page
