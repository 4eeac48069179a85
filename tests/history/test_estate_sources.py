"""``auditor scan --config`` over several sources at once (IaC and files: no network), twice."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from auditor.cli.main import cli
from auditor.config import ConfigError
from auditor.result import ScanResult

PRIVATE = """
resource "aws_s3_bucket" "models" {
  bucket = "acme-models"
}
"""
GROWN = PRIVATE + """
resource "aws_s3_bucket" "data" {
  bucket = "acme-training-data"
}
"""


def _estate(tmp_path: Path) -> Path:
    infra, notebooks = tmp_path / "infra", tmp_path / "notebooks"
    infra.mkdir()
    notebooks.mkdir()
    (infra / "main.tf").write_text(PRIVATE)
    (infra / "broken.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = \n')
    (notebooks / "train.ipynb").write_text(
        '{"cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [], "execution_count": null,'
        ' "source": ["print(1)\\n"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )
    cfg = tmp_path / "auditor.yaml"
    cfg.write_text(
        f"name: ml platform\nsources:\n  iac:\n    paths: [{infra}]\n  files:\n    paths: [{notebooks}]\n"
        f"outputs:\n  formats: [json]\n  output_dir: {tmp_path / 'out'}\n  fail_on: none\n"
    )
    return cfg


def test_two_sources_one_scope_and_history(tmp_path: Path, store_path: Path) -> None:
    cfg = _estate(tmp_path)
    runner = CliRunner()
    first = runner.invoke(cli, ["scan", "--config", str(cfg), "-q"], standalone_mode=False)
    # The unparsable Terraform file is named, the rest is scanned, and the run says incomplete.
    assert isinstance(first.exception, SystemExit) and first.exception.code == 3
    result = ScanResult.load(sorted((tmp_path / "out").glob("*.json"))[-1])
    assert result.scan.scope == "estate-ml-platform"
    assert result.scan.sources == ["files", "iac"]
    assert any("broken.tf" in (e.path or e.message) for e in result.collection_errors)
    assert any(item["kind"] == "Bucket" for item in result.inventory)
    (tmp_path / "infra" / "main.tf").write_text(GROWN)
    (tmp_path / "infra" / "broken.tf").unlink()
    second = runner.invoke(cli, ["scan", "--config", str(cfg), "-q"], standalone_mode=False)
    assert second.exit_code == 0, second.output
    latest = ScanResult.load(sorted((tmp_path / "out").glob("*.json"))[-1])
    assert latest.history is not None and latest.history.previous_scan_id == result.scan.id
    before = {f.fingerprint for f in result.findings if f.active_failure}
    now = {f.fingerprint for f in latest.findings if f.active_failure}
    grown = {f.fingerprint for f in latest.findings if f.active_failure and "acme-training-data" in f.resource_name}
    assert grown and set(latest.history.new) == now - before and grown <= set(latest.history.new)
    assert set(latest.history.resolved) == before - now


def test_a_bad_source_section_is_a_config_error_naming_it(tmp_path: Path) -> None:
    cfg = tmp_path / "auditor.yaml"
    cfg.write_text("sources:\n  iac:\n    pathz: [x]\n")
    res = CliRunner().invoke(cli, ["scan", "--config", str(cfg), "-q"], standalone_mode=False)
    assert isinstance(res.exception, ConfigError) and "sources.iac" in str(res.exception)
