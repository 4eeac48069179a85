"""``sources.iac`` in auditor.yaml builds the same collector as the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collectors.base import CollectionSink
from auditor.config import ConfigError, source_config
from auditor.targets import collectors_for_sources

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
    with pytest.raises(ConfigError, match=r"sources\.iac: Value error, 'paths' is required"):
        collectors_from_config({})
    with pytest.raises(ConfigError, match=r"sources\.iac\.paths: no such file or folder: nowhere"):
        collectors_from_config({"paths": "nowhere"})


def test_scope_is_file_name_safe() -> None:
    (collector,) = collectors_from_config({"paths": [str(PROJECTS / "cfn" / "ml-stack.yaml")]})
    assert collector.scope() == "iac-cfn"


def test_pre_commit_hook_runs_the_iac_scan() -> None:
    import shlex

    import yaml

    hooks = yaml.safe_load((Path(__file__).parent.parent.parent / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "auditor-iac" and hook["language"] == "python" and hook["pass_filenames"] is False
    argv = shlex.split(hook["entry"])
    assert argv[:3] == ["auditor", "scan", "iac"] and "--fail-on" in argv
    # the entry's options are real options of the command
    from click.testing import CliRunner

    from auditor.cli.main import cli

    result = CliRunner().invoke(cli, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output


def test_several_root_modules_get_distinct_ids(tmp_path: Path) -> None:
    for env in ("dev", "prod"):
        (tmp_path / "envs" / env).mkdir(parents=True)
        (tmp_path / "envs" / env / "main.tf").write_text(f'resource "aws_s3_bucket" "data" {{\n  bucket = "ml-{env}"\n}}\n')
    (collector,) = collectors_from_config({"paths": [str(tmp_path)]})
    sink = CollectionSink()
    collector.collect(sink)
    assert sorted((r.ref.id, r.ref.path) for r in sink.resources) == [
        ("envs/dev:aws_s3_bucket.data", "envs/dev/main.tf"),
        ("envs/prod:aws_s3_bucket.data", "envs/prod/main.tf"),
    ]


def test_own_accounts_are_not_cross_account() -> None:
    from auditor.engine import Engine
    from auditor.registry import Registry

    def partner_status(section: dict) -> str:
        (collector,) = collectors_from_config(section)
        sink = CollectionSink()
        collector.collect(sink)
        findings = Engine(Registry.default(entry_points=False)).evaluate(sink.resources)
        (status,) = [f.status.value for f in findings
                     if f.resource_id == "aws_iam_role.partner" and f.check_id == "role_cross_account_no_external_id"]
        return status

    paths = [str(PROJECTS / "aws_iam")]
    assert partner_status({"paths": paths}) == "fail"
    assert partner_status({"paths": paths, "own_account": "444455556666,111122223333"}) == "pass"


def collectors_from_config(section: dict) -> list:
    return collectors_for_sources(source_config("iac", section))
