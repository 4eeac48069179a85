"""Helpers for hostile-input IaC tests: a folder with known-bad control files beside the input,
scanned with the real collector and checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.collectors.base import CollectionError, CollectionSink
from auditor.collectors.iac import IacCollector
from auditor.collectors.iac.limits import IacLimits
from auditor.engine import Engine
from auditor.registry import Registry

# A public bucket in Terraform and in CloudFormation: each must still fail beside a bad input.
CONTROL_TF = """resource "aws_s3_bucket" "control" {
  bucket = "control-bucket"
  acl    = "public-read"
}
"""
CONTROL_CFN = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Control:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: PublicRead
"""

_REGISTRY: Registry | None = None


def registry() -> Registry:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry.default(entry_points=False)
    return _REGISTRY


@dataclass
class Outcome:
    resources: dict[str, object]
    errors: list[CollectionError]
    failed: dict[str, set[str]]  # resource id -> failing check ids

    def error_for(self, needle: str) -> CollectionError:
        hits = [e for e in self.errors if needle in (e.path or "") or needle in e.message]
        assert hits, f"no collection error naming {needle!r}: {[e.message for e in self.errors]}"
        return hits[0]


def with_controls(folder: Path, *, cfn: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    control = folder / "control"
    control.mkdir(exist_ok=True)
    (control / "main.tf").write_text(CONTROL_TF)
    if cfn:
        (folder / "control.yaml").write_text(CONTROL_CFN)
    return folder


def scan(folder: Path, *, limits: IacLimits | None = None, skip: tuple[str, ...] = (), root: Path | None = None) -> Outcome:
    sink = CollectionSink()
    IacCollector([str(folder)], root=str(root) if root else None, limits=limits, skip_paths=skip).collect(sink)
    findings = Engine(registry()).evaluate(sink.resources)
    failed: dict[str, set[str]] = {}
    for f in findings:
        if f.status.value == "fail":
            failed.setdefault(f.resource_id, set()).add(f.check_id)
    return Outcome({r.ref.id: r for r in sink.resources}, sink.errors, failed)


def assert_controls_judged(outcome: Outcome, *, cfn: bool = True) -> None:
    tf_ids = [rid for rid in outcome.failed if rid.endswith("aws_s3_bucket.control")]
    assert tf_ids and "bucket_public_read" in outcome.failed[tf_ids[0]], outcome.failed
    if cfn:
        assert "bucket_public_read" in outcome.failed.get("control.yaml#Control", set()), outcome.failed
