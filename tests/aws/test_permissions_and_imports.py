"""Shipped permission docs match the code; the CLI and registry import no cloud SDK."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from auditor.collectors.aws import allowed_operations, required_permissions
from auditor.collectors.aws.permissions import DOC_FILE, POLICY_FILE, permissions_markdown, policy_json

DOCS = Path(__file__).resolve().parents[2] / "docs"
READ_PREFIXES = ("List", "Get", "Describe")


def test_policy_json_in_sync() -> None:
    shipped = (DOCS / POLICY_FILE).read_text(encoding="utf-8")
    assert shipped == policy_json(), "regenerate: python -m auditor.collectors.aws.permissions docs"
    actions = json.loads(shipped)["Statement"][0]["Action"]
    assert actions == required_permissions()


def test_permissions_markdown_in_sync() -> None:
    assert (DOCS / DOC_FILE).read_text(encoding="utf-8") == permissions_markdown()


def test_allow_list_is_read_only() -> None:
    for service, operations in allowed_operations().items():
        for op in operations:
            assert op.startswith(READ_PREFIXES) or op == "GenerateCredentialReport", f"{service}:{op}"


def test_cli_help_and_registry_import_no_cloud_sdk() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from auditor.cli.main import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
        "assert CliRunner().invoke(cli, ['scan', 'aws', '--help']).exit_code == 0\n"
        "assert CliRunner().invoke(cli, ['demo', '--help']).exit_code == 0\n"
        "assert CliRunner().invoke(cli, ['scan', 'k8s', '--help']).exit_code == 0\n"
        "from auditor.registry import Registry\n"
        "Registry.default()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'moto', 'google', 'azure', 'kubernetes', 'celery'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"cloud SDK modules imported: {out.stdout.strip()}"
