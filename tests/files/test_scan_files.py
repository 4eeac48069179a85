"""End to end: ``auditor scan files``, notebooks, dependencies, lineage and the ML-BOM."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.collectors.base import CollectionSink
from auditor.collectors.files import FilesCollector
from auditor.collectors.files.deps import parse_manifest
from auditor.collectors.files.notebooks import find_personal_data, luhn_ok
from auditor.resources import Dataset, Dependency, ModelArtifact, NotebookFile

from .corpus import Reduce

AWS_KEY = "AKIA" + "Q3EXAMPLEKEY7TES"  # split so secret scanners of this repository stay quiet
PASSWORD = "hunter2" + "-s3cret-pw"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUDITOR_STORE": ""}
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def collect(*paths: Path, **kwargs: object) -> CollectionSink:
    sink = CollectionSink()
    FilesCollector(list(paths), **kwargs).collect(sink)  # type: ignore[arg-type]
    return sink


def notebook(cells: list[dict[str, object]]) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})


def code_cell(source: str, outputs_text: str = "", idx: int = 0) -> dict[str, object]:
    outputs = [{"output_type": "stream", "name": "stdout", "text": outputs_text}] if outputs_text else []
    return {"cell_type": "code", "id": f"c{idx}", "execution_count": 1, "metadata": {}, "source": source, "outputs": outputs}


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "models" / "clean.pkl").write_bytes(pickle.dumps({"w": [1.0]}, 4))
    (root / "models" / "weights.bin").write_bytes(pickle.dumps(Reduce(os.system, f"touch {tmp_path}/MARKER"), 2))
    (root / "analysis.ipynb").write_text(notebook([
        code_cell(f"import boto3\nkey = '{AWS_KEY}'\n", idx=0),
        code_cell("db = connect()", f"postgres://admin:{PASSWORD}@db.internal:5432/x\ncustomer jane.roe@acme-corp.de +44 20 7946 0958\n", idx=1),
    ]))
    (root / "requirements.txt").write_text("torch==2.5.1\ntransformers>=4.0\nnumpy==2.1.0\n")
    (root / "README.md").write_text("# not a model\n")
    return root


def test_collector_emits_every_kind_with_relative_paths(mixed: Path) -> None:
    sink = collect(mixed)
    models = {r.ref.id: r for r in sink.resources if isinstance(r, ModelArtifact)}
    assert set(models) == {"models/clean.pkl", "models/weights.bin"}
    assert models["models/weights.bin"].code_execution is True
    assert models["models/clean.pkl"].code_execution is False
    assert all(r.ref.provider == "file" and not r.ref.id.startswith("/") for r in sink.resources)
    deps = {r.package: r.version for r in sink.resources if isinstance(r, Dependency)}
    assert deps == {"torch": "2.5.1", "transformers": None, "numpy": "2.1.0"}
    nb = next(r for r in sink.resources if isinstance(r, NotebookFile))
    assert {h.kind for h in nb.secrets or []} >= {"aws_access_key_id", "password_in_url"}
    assert {h.kind for h in nb.personal_data or []} >= {"email", "phone_number"}
    dumped = json.dumps([r.model_dump(mode="json") for r in sink.resources])
    assert AWS_KEY not in dumped and PASSWORD not in dumped and "jane.roe@acme-corp.de" not in dumped
    assert sink.errors == []


def test_scan_files_cli_exit_codes(mixed: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    proc = run_cli("scan", "files", str(mixed), "--format", "json", "--output", str(out), "--no-store", "-q")
    assert proc.returncode == 1, proc.stderr
    result = json.loads(out.read_text())
    failing = {(f["check_id"], f["resource"]["id"] if isinstance(f.get("resource"), dict) else f.get("resource_id"))
               for f in result["findings"] if f["status"] == "fail"}
    ids = {c for c, _ in failing}
    assert {"model_code_execution", "notebook_secret", "notebook_personal_data", "dependency_vulnerable",
            "model_unsafe_format", "lineage_manifest_unsigned"} <= ids
    text = out.read_text()
    assert AWS_KEY not in text and PASSWORD not in text
    assert not (tmp_path / "MARKER").exists()

    # A file that cannot be scanned: incomplete (3) unless --allow-partial.
    (mixed / "models" / "broken.pkl").write_bytes(pickle.dumps(list(range(500)), 4)[:200])
    proc = run_cli("scan", "files", str(mixed), "--format", "json", "--output", str(out), "--force", "--no-store", "-q")
    assert proc.returncode == 3, proc.stderr
    proc = run_cli("scan", "files", str(mixed), "--format", "json", "--output", str(out), "--force", "--no-store", "-q",
                   "--allow-partial")
    assert proc.returncode == 1
    result = json.loads(out.read_text())
    broken = [f for f in result["findings"] if f["check_id"] == "model_code_execution" and "broken.pkl" in json.dumps(f)]
    assert [f["status"] for f in broken] == ["unknown"]

    # Only clean files: exit 0 at the default --fail-on high.
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "m.pkl").write_bytes(pickle.dumps({"a": 1}, 4))
    proc = run_cli("scan", "files", str(clean), "--format", "json", "--output", str(tmp_path / "c.json"), "--no-store", "-q")
    assert proc.returncode == 0, proc.stderr


def test_symlink_loop_and_unreadable_paths(tmp_path: Path) -> None:
    root = tmp_path / "loop"
    (root / "a").mkdir(parents=True)
    (root / "a" / "back").symlink_to(root)
    (root / "a" / "m.pkl").write_bytes(pickle.dumps([1], 4))
    sink = collect(root, tmp_path / "does-not-exist")
    assert [r.ref.id for r in sink.resources if isinstance(r, ModelArtifact)] == ["loop/a/m.pkl"]
    assert any("does-not-exist" in e.message for e in sink.errors)


def test_max_file_size_reports_not_scanned(tmp_path: Path) -> None:
    (tmp_path / "big.pkl").write_bytes(pickle.dumps(list(range(10000)), 4))
    sink = collect(tmp_path, max_file_size=100)
    model = next(r for r in sink.resources if isinstance(r, ModelArtifact))
    assert model.code_execution is None and "max-file-size" in (model.scan_error or "")
    assert sink.errors and sink.errors[0].path == "big.pkl"


def test_personal_data_detectors() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    hits = find_personal_data("card 4111 1111 1111 1111, bad 4111 1111 1111 1112, ssn 123-45-6789, nino AB 12 34 56 C, "
                              "mail a.b@company.io, example x@example.com")
    kinds = sorted(h.kind for h in hits)
    assert kinds == ["card_number", "email", "national_id_uk_nino", "national_id_us_ssn"]
    assert all("…" in h.redacted and len(h.sha256) == 16 for h in hits)
    assert "4111111111111111" not in json.dumps([h.model_dump() for h in hits])


def test_broken_notebook_is_a_per_file_error(tmp_path: Path) -> None:
    (tmp_path / "bad.ipynb").write_text("{not json")
    (tmp_path / "m.pkl").write_bytes(pickle.dumps([1], 4))
    sink = collect(tmp_path)
    nb = next(r for r in sink.resources if isinstance(r, NotebookFile))
    assert nb.secrets is None and nb.parse_error
    assert any(e.path == "bad.ipynb" and e.incomplete for e in sink.errors)
    assert any(isinstance(r, ModelArtifact) for r in sink.resources), "the scan went on"


MANIFESTS = {
    "requirements-dev.txt": ("torch==2.5.1  # pinned\nnumpy>=1\n-r other.txt\nkeras[tf] == 3.8.0 ; python_version>'3'\n",
                             {"torch": "2.5.1", "numpy": None, "keras": "3.8.0"}),
    "pyproject.toml": ('[project]\nname="x"\ndependencies=["transformers==4.30.0","numpy>=1"]\n'
                       '[project.optional-dependencies]\ngpu=["onnx==1.15.0"]\n'
                       '[tool.poetry.dependencies]\npython="^3.11"\njoblib="1.1.0"\n',
                       {"transformers": "4.30.0", "numpy": None, "onnx": "1.15.0", "joblib": "1.1.0"}),
    "poetry.lock": ('[[package]]\nname = "torch"\nversion = "2.0.0"\n\n[[package]]\nname = "numpy"\nversion = "1.26.4"\n',
                    {"torch": "2.0.0", "numpy": "1.26.4"}),
    "uv.lock": ('version = 1\n[[package]]\nname = "keras"\nversion = "3.8.0"\nsource = { registry = "https://pypi.org/simple" }\n',
                {"keras": "3.8.0"}),
    "Pipfile.lock": (json.dumps({"default": {"scikit-learn": {"version": "==1.4.0"}}, "develop": {"pytest": {"version": "*"}}}),
                     {"scikit-learn": "1.4.0", "pytest": None}),
    "environment.yml": ("name: ml\ndependencies:\n  - python=3.11\n  - numpy=1.16.0\n  - pip\n  - pip:\n    - torch==2.5.1\n",
                        {"python": "3.11", "numpy": "1.16.0", "pip": None, "torch": "2.5.1"}),
}


@pytest.mark.parametrize("name", list(MANIFESTS))
def test_manifest_parsers(name: str) -> None:
    from auditor.collectors.files.deps import manifest_kind

    text, want = MANIFESTS[name]
    kind = manifest_kind(name)
    assert kind is not None
    got = {p.package: p.version for p in parse_manifest(kind, text)}
    assert got == want


def test_user_advisories_are_merged(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("tokenizers==0.13.0\n")
    osv = tmp_path / "osv"
    osv.mkdir()
    (osv / "GHSA-xxxx.json").write_text(json.dumps({
        "id": "GHSA-test-tok1", "summary": "test advisory", "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "tokenizers"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.14.0"}]}]}],
        "database_specific": {"severity": "HIGH"}}))
    out = tmp_path / "r.json"
    proc = run_cli("scan", "files", str(tmp_path / "requirements.txt"), "--advisories", str(osv), "--format", "json",
                   "--output", str(out), "--no-store", "-q")
    assert proc.returncode == 1, proc.stderr
    result = json.loads(out.read_text())
    msgs = [f["message"] for f in result["findings"] if f["check_id"] == "dependency_vulnerable"]
    assert any("GHSA-test-tok1" in m for m in msgs), msgs
    bad = tmp_path / "bad-osv"
    bad.mkdir()
    (bad / "x.json").write_text("{oops")
    proc = run_cli("scan", "files", str(tmp_path / "requirements.txt"), "--advisories", str(bad), "--no-store", "-q")
    assert proc.returncode == 2 and "x.json" in proc.stderr


def test_lineage_record_verify_tamper_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("a,b\n1,2\n")
    (data / "sub").mkdir()
    (data / "sub" / "labels.csv").write_text("x\n")
    model = tmp_path / "model.pkl"
    model.write_bytes(pickle.dumps({"w": 1}, 4))
    key = tmp_path / "signing.pem"
    assert run_cli("lineage", "keygen", "--key", str(key)).returncode == 0
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    manifest = tmp_path / "lineage.json"
    proc = run_cli("lineage", "record", "--data", str(data), "--model", str(model), "--key", str(key), "-o", str(manifest))
    assert proc.returncode == 0, proc.stderr
    body = json.loads(manifest.read_text())
    assert body["hash_algorithm"] == "sha256" and body["signature_algorithm"] == "ed25519"
    assert {f["path"] for f in body["data"]["files"]} == {"train.csv", "sub/labels.csv"}
    assert run_cli("lineage", "verify", str(manifest)).returncode == 0
    assert run_cli("lineage", "verify", str(manifest), "--trusted-key", str(key) + ".pub").returncode == 0

    sink = collect(tmp_path)
    ds = [r for r in sink.resources if isinstance(r, Dataset)]
    assert [(d.manifest, d.signature_valid, d.hash_mismatches) for d in ds] == [("lineage.json", True, [])]

    (data / "train.csv").write_text("a,b\n1,3\n")  # the data changed
    proc = run_cli("lineage", "verify", str(manifest))
    assert proc.returncode == 1 and "changed: data/train.csv" in proc.stdout
    sink = collect(tmp_path)
    ds = [r for r in sink.resources if isinstance(r, Dataset)]
    assert ds[0].hash_mismatches == ["data/train.csv"]

    body["data"]["files"][0]["sha256"] = "0" * 64  # the manifest was edited after signing
    manifest.write_text(json.dumps(body))
    sink = collect(tmp_path)
    assert [r.signature_valid for r in sink.resources if isinstance(r, Dataset)] == [False]

    del body["signature"]
    manifest.write_text(json.dumps(body))
    out = tmp_path / "res.json"
    run_cli("scan", "files", str(tmp_path), "--format", "json", "--output", str(out), "--no-store", "-q", "--fail-on", "none")
    result = json.loads(out.read_text())
    statuses = {(f["check_id"], f["status"]) for f in result["findings"] if f["check_id"].startswith(("lineage_", "dataset_"))}
    assert ("lineage_manifest_unsigned", "fail") in statuses and ("dataset_hash_mismatch", "fail") in statuses


def test_bom_validates_against_cyclonedx_1_6(mixed: Path, tmp_path: Path) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    out = tmp_path / "bom.cdx.json"
    proc = run_cli("bom", str(mixed), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    by_type: dict[str, list[dict[str, object]]] = {}
    for c in bom["components"]:
        by_type.setdefault(c["type"], []).append(c)
    models = {c["name"]: {p["name"]: p["value"] for p in c["properties"]} for c in by_type["machine-learning-model"]}
    assert models["weights.bin"]["auditor:verdict"] == "code-execution"
    assert models["clean.pkl"]["auditor:verdict"] == "clean"
    assert all(c["hashes"][0]["alg"] == "SHA-256" for c in by_type["machine-learning-model"])
    assert {c["name"] for c in by_type["library"]} == {"torch", "transformers", "numpy"}


def test_collectors_from_config(tmp_path: Path) -> None:
    from auditor.config import ConfigError, source_config
    from auditor.targets import collectors_for_sources

    def collectors_from_config(section: dict) -> list:
        return collectors_for_sources(source_config("files", section))

    (tmp_path / "m.pkl").write_bytes(pickle.dumps([1], 4))
    [collector] = collectors_from_config({"paths": [str(tmp_path)], "max_file_size": "1K", "no_hash": True})
    assert collector.scope() == f"files-{tmp_path.name}"
    sink = CollectionSink()
    collector.collect(sink)
    [model] = [r for r in sink.resources if isinstance(r, ModelArtifact)]
    assert model.sha256 is None and model.code_execution is False
    with pytest.raises(ConfigError, match=r"sources\.files\.bogus: Extra inputs are not permitted"):
        collectors_from_config({"paths": ["x"], "bogus": 1})
    with pytest.raises(ConfigError, match=r"sources\.files\.paths: no such file or folder: x"):
        collectors_from_config({"paths": ["x"]})
    with pytest.raises(ConfigError, match=r"sources\.files\.max_file_size: .*expected a size such as 500M"):
        collectors_from_config({"paths": [str(tmp_path)], "max_file_size": "lots"})


def test_ordinary_archives_and_lookalikes_are_not_models(tmp_path: Path) -> None:
    import gzip
    import zipfile

    with zipfile.ZipFile(tmp_path / "report.docx", "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    (tmp_path / "src.tar.gz").write_bytes(gzip.compress(b"plain text\n" * 100))
    (tmp_path / "script.py").write_text("x = 1\nprint(x)\n")  # 'x ' is also a valid zlib header
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as zf:
        zf.writestr("model/weights.bin", pickle.dumps(Reduce(os.system, "true"), 2))
    sink = collect(tmp_path)
    assert [r.ref.id for r in sink.resources if isinstance(r, ModelArtifact)] == ["bundle.zip"]
    assert not [e for e in sink.errors if e.incomplete]
