"""``sources.iac`` in auditor.yaml builds the same collector as the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli.scan_iac import collectors_from_config
from auditor.collectors.base import CollectionSink
from auditor.config import ConfigError

PROJECTS = Path(__file__).parent / "projects"


def test_collectors_from_config(tmp_path: Path) -> None:
    prod = tmp_path / "prod.tfvars"
    prod.write_text('env = "prod"\n')
    (collector,) = collectors_from_config({"paths": [str(PROJECTS / "aws_s3")], "var_file": [str(prod)]})
    assert collector.name == "iac" and collector.scope() == "iac-aws_s3"
    sink = CollectionSink()
    collector.collect(sink)
    names = {r.ref.name for r in sink.resources}
    assert "ml-prod-training-data" in names


def test_config_without_paths_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="paths"):
        collectors_from_config({})


def test_scope_is_file_name_safe() -> None:
    (collector,) = collectors_from_config({"paths": [str(PROJECTS / "cfn" / "ml-stack.yaml")]})
    assert collector.scope() == "iac-cfn"
