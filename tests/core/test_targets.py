"""Targets and shards: a config becomes targets; a shard scans its slice into the store; the core
never imports the CLI."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.config import ConfigError, load_config
from auditor.targets import Target, collectors_for, parse_shard, plan_targets, shard

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = ROOT / "tests" / "iac" / "projects"


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "auditor.yaml"
    path.write_text(body)
    return path


def test_each_project_path_and_account_is_a_target(tmp_path: Path) -> None:
    cfg = load_config(_config(tmp_path, f"""
sources:
  aws:
    role_name: AuditorReadOnly
    accounts: [{{id: "111111111111"}}, {{id: "222222222222"}}]
  gcp: {{project: [p1, p2]}}
  iac: {{paths: [{PROJECTS / 'cfn'}, {PROJECTS / 'iam_users'}]}}
"""))
    targets = plan_targets(cfg)
    assert [t.id for t in targets] == [
        "aws:111111111111", "aws:222222222222", "gcp:p1", "gcp:p2", f"iac:{PROJECTS / 'cfn'}", f"iac:{PROJECTS / 'iam_users'}",
    ]
    again = Target.from_json(json.loads(json.dumps(targets[0].to_json())))  # travels as JSON
    narrowed = again.config()
    assert narrowed.configured() == ["aws"] and [a.id for a in narrowed.aws.accounts] == ["111111111111"]  # type: ignore[union-attr]
    iac = collectors_for(targets[4])
    assert len(iac) == 1 and iac[0].name == "iac"


def test_shards_partition_the_targets_stably() -> None:
    targets = [Target("aws", str(100000000000 + i)) for i in range(200)]
    slices = [shard(targets, i, 4) for i in range(4)]
    assert sorted(t.id for s in slices for t in s) == sorted(t.id for t in targets)
    assert all(20 < len(s) < 80 for s in slices)
    grown = [*targets, Target("gcp", "new-project")]
    assert all(set(shard(targets, i, 4)) <= set(shard(grown, i, 4)) for i in range(4))  # nobody moves
    assert parse_shard("1/4") == (1, 4)
    for bad in ("4/4", "x", "1/0"):
        with pytest.raises(ConfigError):
            parse_shard(bad)


def test_typed_source_sections_fail_with_file_and_line(tmp_path: Path) -> None:
    path = _config(tmp_path, "sources:\n  iac:\n    paths: [x]\n  files:\n    pathz: [y]\n")
    with pytest.raises(ConfigError, match=r"auditor\.yaml:5: sources\.files\.pathz"):
        load_config(path)


def test_two_shards_meet_in_one_store(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n')
    cfg = _config(tmp_path, f"name: shards\nsources:\n  iac:\n    paths: [{PROJECTS / 'cfn'}, {PROJECTS / 'iam_users'}, {broken}]\n")
    store = tmp_path / "store.sqlite"
    codes = []
    for i in range(2):
        proc = subprocess.run([sys.executable, "-m", "auditor", "scan", "--config", str(cfg), "--shard", f"{i}/2",
                               "--run", "night-1", "--store", str(store), "--fail-on", "none", "-q"],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
        codes.append(proc.returncode)
    shown = subprocess.run([sys.executable, "-m", "auditor", "runs", "show", "night-1", "--store", str(store), "--json"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    data = json.loads(shown.stdout)
    assert data["summary"]["targets"] == 3 and data["summary"]["complete"]
    states = {t["target"]: t for t in data["targets"]}
    assert states[f"iac:{broken}"]["state"] == "failed" and "main.tf" in states[f"iac:{broken}"]["error"]
    assert states[f"iac:{PROJECTS / 'cfn'}"]["state"] == "done" and states[f"iac:{PROJECTS / 'cfn'}"]["counts"]["findings"]
    assert sorted(codes) == [0, 3]  # the shard holding the broken root says incomplete


def test_the_core_never_imports_the_cli() -> None:
    offenders = []
    for path in (ROOT / "auditor").rglob("*.py"):
        rel = path.relative_to(ROOT / "auditor")
        if rel.parts[0] == "cli" or rel.name == "__main__.py":  # the entry point runs the CLI
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "auditor.cli" or n.startswith("auditor.cli.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
