"""The streamed result file (schema 2): layout, digest over the bytes, version-1 files, folds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from auditor.pipeline import ScanOptions, evaluate_resources
from auditor.resources import Bucket, Ref
from auditor.result import SCHEMA_VERSION, ScanResult
from auditor.result_stream import FindingStream, is_streamed, verify_result_digest


def _bucket(n: int, public: bool) -> Bucket:
    return Bucket(ref=Ref(provider="aws", cloud="aws", account="1", id=f"arn:aws:s3:::b{n}", name=f"b{n}"),
                  public_read=public, public_via="bucket ACL" if public else None)


def _result(n: int = 30) -> ScanResult:
    resources = (_bucket(i, i % 3 == 0) for i in range(n))  # a generator: evaluated as a stream
    options = ScanOptions(include_checks=["bucket_public_read", "bucket_unencrypted"])
    return evaluate_resources(list(resources), [], {}, sources=["aws"], scope="aws-1", options=options,
                              started=datetime.now(UTC))


def test_findings_stream_from_the_file_one_per_line(tmp_path: Path) -> None:
    result = _result()
    assert isinstance(result.findings, FindingStream) and result.source is not None
    path = tmp_path / "r.json"
    path.write_bytes(result.source.read_bytes())
    lines = path.read_bytes().split(b"\n")
    assert lines[1] == b'"findings":[' and b'"inventory":[' in lines
    doc = json.loads(path.read_text())  # still one ordinary JSON document
    assert doc["schema_version"] == SCHEMA_VERSION == "2.1"
    catalog = doc["checks"]["bucket_public_read"]
    assert catalog["title"] and catalog["remediation"] and catalog["controls"]
    assert all("title" not in f and "remediation" not in f and "controls" not in f for f in doc["findings"])
    loaded = ScanResult.load(path)
    fails = [f for f in loaded.findings if f.check_id == "bucket_public_read" and f.status == "fail"]
    assert len(fails) == 10 and fails[0].title == catalog["title"] and fails[0].controls == catalog["controls"]
    assert loaded.summary() == result.summary() and loaded.summary()["findings"] == len(doc["findings"])


def test_digest_covers_the_bytes_and_catches_one_changed_byte(tmp_path: Path) -> None:
    result = _result()
    path = tmp_path / "r.json"
    path.write_bytes(result.source.read_bytes())  # type: ignore[union-attr]
    assert verify_result_digest(path) and ScanResult.load(path).verify_digest()
    data = path.read_bytes()
    at = data.index(b'"status":"fail"')
    path.write_bytes(data[:at] + b'"status":"pass"' + data[at + len(b'"status":"fail"'):])
    assert not verify_result_digest(path) and not ScanResult.load(path).verify_digest()


def test_a_version_1_result_is_converted_on_load(tmp_path: Path) -> None:
    result = _result(6)
    doc = json.loads(result.to_json())
    catalog = doc.pop("checks")
    for f in doc["findings"]:  # a 1.x finding carried its check's metadata itself
        info = catalog[f["check_id"]]
        f.update(title=info["title"], remediation=info["remediation"], controls=info["controls"],
                 severity=f.get("severity", info["severity"]))
    doc.update(schema_version="1.1", digest="0" * 64)
    doc.pop("totals")
    v1 = tmp_path / "v1.json"
    v1.write_text(json.dumps(doc, indent=2))
    assert not is_streamed(v1)
    loaded = ScanResult.load(v1)
    assert loaded.schema_version == "2.1" and set(loaded.checks) == {f["check_id"] for f in doc["findings"]}
    assert [f.fingerprint for f in loaded.findings] == [f["fingerprint"] for f in doc["findings"]]
    assert loaded.verify_digest()  # re-digested as the version-2 document it now is


def test_evaluate_streams_a_saved_inventory(tmp_path: Path) -> None:
    """`auditor evaluate` reads a line-layout inventory one resource at a time and writes the result."""
    from click.testing import CliRunner

    from auditor.cli.main import cli
    from auditor.evaluation import write_inventory

    inventory = tmp_path / "inv.json"
    write_inventory(inventory, (_bucket(i, i == 0) for i in range(50)), [], {}, sources=["aws"], scope="aws-1",
                    collected=None)
    assert is_streamed(inventory)
    out = tmp_path / "result.json"
    res = CliRunner().invoke(cli, ["evaluate", str(inventory), "-f", "json", "--output", str(out), "-q",
                                   "--fail-on", "none", "--no-store", "--checks", "bucket_public_read"])
    assert res.exit_code == 0, res.output
    loaded = ScanResult.load(out)
    assert loaded.summary()["resources"] == 50 and loaded.summary()["by_status"]["fail"] == 1
    assert verify_result_digest(out)


def test_a_streamed_inventory_is_linked_like_a_list(tmp_path: Path) -> None:
    """The generative-AI and network joins give the same resources whether the inventory is a
    list or a file read as a stream (which keeps only the buckets and roles a workload names)."""
    from auditor.evaluation import InventoryFileResources, linked, write_inventory
    from auditor.resources import MLWorkload, Role

    def ref(rid: str, name: str) -> Ref:
        return Ref(provider="aws", cloud="aws", account="1", region="us-east-1", id=rid, name=name)

    role = "arn:aws:iam::1:role/serve"
    resources = [
        MLWorkload(ref=ref("arn:aws:sagemaker:us-east-1:1:model/m1", "m1"), workload_type="model", role=role,
                   artifact_buckets=["arn:aws:s3:::models"]),
        MLWorkload(ref=ref("arn:aws:bedrock:us-east-1:1:model-invocation-logging", "l"), workload_type="bedrock_logging",
                   invocation_logging=True, log_targets=["s3://logs/prefix"]),
        Role(ref=ref(role, "serve"), is_admin=False, wildcard_data_access=False, policy_documents=[
            {"Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::models/*"]}]}]),
        MLWorkload(ref=ref("arn:aws:bedrock:us-east-1:1:knowledge-base/kb", "kb"), workload_type="knowledge_base",
                   backing_store="arn:aws:aoss:us-east-1:1:collection/vec"),
        MLWorkload(ref=ref("arn:aws:aoss:us-east-1:1:collection/vec", "vec"), workload_type="vector_store",
                   public_access=True),
        Bucket(ref=ref("arn:aws:s3:::models", "models"), public_write=False, public_read=False),
        Bucket(ref=ref("arn:aws:s3:::logs", "logs"), public_read=True, public_via="policy"),
        *(_bucket(i, False) for i in range(20)),
    ]
    path = tmp_path / "inv.json"
    write_inventory(path, resources, [], {}, sources=["aws"], scope="aws-1", collected=None)
    as_list = [r.model_dump() for r in linked(list(resources))]
    streamed = [r.model_dump() for r in linked(InventoryFileResources(path))]
    assert streamed == as_list
    model = next(r for r in linked(InventoryFileResources(path)) if r.ref.name == "m1")
    assert model.exposure_chain and "artifact bucket models" in model.exposure_chain[-1]  # type: ignore[attr-defined]
    kb = next(r for r in linked(InventoryFileResources(path)) if r.ref.name == "kb")
    assert kb.exposure_chain  # type: ignore[attr-defined]  # through the vector store, which needs no link itself
