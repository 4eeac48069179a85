"""``auditor bom`` tells the truth about lineage: the data files' hashes as they are now beside
the manifest's recorded ones and the verdict, the model's dependency on its data files, and no
silent overwrite of an earlier BOM."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

from auditor.lineage import keygen, record

from .test_scan_files import run_cli


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _project(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "project"
    data = root / "data"
    (data / "sub").mkdir(parents=True)
    (data / "train.csv").write_text("a,b\n1,2\n")
    (data / "sub" / "labels.csv").write_text("x\n1\n")
    model = root / "model.pkl"
    model.write_bytes(pickle.dumps({"w": [0.5]}, 4))
    key = tmp_path / "signing.pem"
    keygen(key)
    record(data, model, key, root / "lineage.json")
    return root, data


def _properties(component: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


def _bom(path: Path) -> dict:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    text = path.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    return json.loads(text)


def test_bom_shows_current_and_recorded_hashes_and_model_dependencies(tmp_path: Path) -> None:
    root, data = _project(tmp_path)
    recorded = _sha(data / "train.csv")
    out = tmp_path / "bom.cdx.json"
    proc = run_cli("bom", str(root), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    bom = _bom(out)
    files = {c["name"]: c for c in bom["components"] if c["type"] == "data"}
    assert set(files) == {"data/train.csv", "data/sub/labels.csv"}
    train = _properties(files["data/train.csv"])
    assert train["auditor:hash_verification"] == "match" and train["auditor:lineage_verified"] == "true"
    assert train["auditor:recorded_sha256"] == train["auditor:current_sha256"] == recorded
    [model] = [c for c in bom["components"] if c["type"] == "machine-learning-model"]
    assert model["name"] == "model.pkl" and _properties(model)["auditor:hash_verification"] == "match"
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in bom["dependencies"]}
    assert deps[model["bom-ref"]] == {c["bom-ref"] for c in files.values()}

    # the data changes after the manifest was signed; the signature itself still verifies
    (data / "train.csv").write_text("a,b\n1,3\n")
    (data / "sub" / "labels.csv").unlink()
    before = out.read_text()
    refused = run_cli("bom", str(root), "-o", str(out))
    assert refused.returncode == 2 and "--force" in refused.stderr and str(out) in refused.stderr
    assert out.read_text() == before  # never overwritten without --force
    proc = run_cli("bom", str(root), "-o", str(out), "--force")
    assert proc.returncode == 0, proc.stderr
    bom = _bom(out)
    files = {c["name"]: c for c in bom["components"] if c["type"] == "data"}
    train = _properties(files["data/train.csv"])
    assert train["auditor:signature_valid"] == "true"  # the manifest is authentic ...
    assert train["auditor:hash_verification"] == "mismatch"  # ... but the file is not what it recorded
    assert train["auditor:lineage_verified"] == "false"
    assert train["auditor:recorded_sha256"] == recorded
    assert train["auditor:current_sha256"] == _sha(data / "train.csv") != recorded
    assert files["data/train.csv"]["hashes"] == [{"alg": "SHA-256", "content": _sha(data / "train.csv")}]
    labels = files["data/sub/labels.csv"]
    assert _properties(labels)["auditor:hash_verification"] == "missing" and not labels.get("hashes")
