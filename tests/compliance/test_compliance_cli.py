"""``auditor frameworks`` commands and ``--framework-scope`` on scans, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import cli
from auditor.compliance.scope import parse_cli_scopes
from auditor.config import ConfigError


def test_frameworks_list() -> None:
    out = CliRunner().invoke(cli, ["frameworks", "list", "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["id"]: r for r in json.loads(out.output)}
    assert {"gdpr", "hipaa", "ccpa", "ai-security"} <= set(rows)
    assert rows["hipaa"]["manual"] > 0 and rows["hipaa"]["controls"] == sum(rows["hipaa"][k] for k in ("technical", "partial", "manual"))


def test_frameworks_show() -> None:
    out = CliRunner().invoke(cli, ["frameworks", "show", "hipaa"])
    assert out.exit_code == 0, out.output
    assert "hipaa-164-312-a-2-iv" in out.output and "164.312(a)(2)(iv)" in out.output
    assert "bucket_unencrypted" in out.output


def test_frameworks_show_unknown_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "auditor", "frameworks", "show", "nope"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unknown framework 'nope'" in proc.stderr and "hipaa" in proc.stderr


def test_parse_cli_scopes() -> None:
    scopes = parse_cli_scopes(["hipaa:tag:data-classification=phi", "hipaa:account:1,2", "gdpr:subscription:s-1"])
    assert scopes == {
        "hipaa": {"tags": {"data-classification": ["phi"]}, "accounts": ["1", "2"]},
        "gdpr": {"subscriptions": ["s-1"]},
    }
    for bad in ("hipaa", "hipaa:tag:novalue", "hipaa:colour:red"):
        with pytest.raises(ConfigError):
            parse_cli_scopes([bad])


def test_scan_with_framework_scope_states_the_scope(tmp_path: Path) -> None:
    """The real evaluate command over a saved inventory, with --framework and --framework-scope."""
    from auditor.resources import Bucket, Ref
    from auditor.result import InventoryFile, inventory_to_list

    resources = [
        Bucket(ref=Ref(provider="aws", cloud="aws", account="1", id="b1", name="b1"), tags={"data-classification": "phi"}, encryption="none"),
        Bucket(ref=Ref(provider="aws", cloud="aws", account="1", id="b2", name="b2"), encryption="none"),
    ]
    inv = tmp_path / "inv.json"
    inv.write_text(InventoryFile(sources=["aws"], scope="aws-1", inventory=inventory_to_list(resources)).model_dump_json())
    out_path = tmp_path / "r.json"
    result = CliRunner().invoke(
        cli,
        ["evaluate", str(inv), "--framework", "hipaa", "--framework-scope", "hipaa:tag:data-classification=phi",
         "--format", "json", "--output", str(out_path), "--fail-on", "none", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out_path.read_text())
    assert [f["id"] for f in data["frameworks"]] == ["hipaa"]
    assert data["frameworks"][0]["scope"] == "tag data-classification=phi"
    assert data["frameworks"][0]["resources_in_scope"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--framework", "sox"], "unknown framework(s): sox"),
        (["--framework-scope", "sox:account:1"], "unknown framework(s): sox"),
        (["--framework-scope", "hipaa:colour:red"], "unknown scope kind 'colour'"),
    ],
)
def test_framework_usage_errors_exit_2_before_scanning(tmp_path: Path, args: list[str], message: str) -> None:
    inv = tmp_path / "inv.json"
    inv.write_text('{"kind": "auditor-inventory", "inventory": []}')
    proc = subprocess.run([sys.executable, "-m", "auditor", "evaluate", str(inv), *args, "--output-dir", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not list(tmp_path.glob("auditor-*"))  # nothing was written
