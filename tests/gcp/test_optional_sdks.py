"""The cloud SDKs are optional and lazy: loading the CLI and the collectors imports neither, and
a missing extra is a clear usage error naming the pip extra."""

from __future__ import annotations

import subprocess
import sys

import pytest

BLOCKER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ({blocked}):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Block())
"""


def test_cli_and_collector_modules_import_no_cloud_sdk() -> None:
    code = (
        "import sys\n"
        "import auditor.cli.main, auditor.cli.scan_gcp, auditor.cli.scan_azure\n"
        "import auditor.collectors.gcp, auditor.collectors.azure\n"
        "from auditor.cli.main import cli\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('google', 'azure', 'grpc', 'msal'))\n"
        "print(loaded)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize(("command", "blocked", "extra"), [("gcp", "'google',", "gcp"), ("azure", "'azure',", "azure")])
def test_missing_extra_is_a_usage_error_naming_it(command: str, blocked: str, extra: str) -> None:
    code = BLOCKER.format(blocked=blocked) + (
        "from auditor.cli.main import run\n"
        f"sys.argv = ['auditor', 'scan', {command!r}, '--quiet']\n"
        "run()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert f"pip install 'ml-posture-auditor[{extra}]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_extra_from_config_section() -> None:
    code = BLOCKER.format(blocked="'google',") + (
        "from auditor.config import ConfigError, source_config\n"
        "from auditor.targets import collectors_for_sources\n"
        "try:\n"
        "    collectors_for_sources(source_config('gcp', {'project': 'p'}))\n"
        "except ConfigError as exc:\n"
        "    print(exc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "the gcp extra is not installed" in proc.stdout, proc.stderr


def test_documented_permissions_match_the_collectors() -> None:
    from pathlib import Path

    from auditor.collectors.azure.collector import PERMISSIONS as AZURE
    from auditor.collectors.gcp.collector import PERMISSIONS as GCP

    doc = (Path(__file__).resolve().parents[2] / "docs" / "gcp-azure.md").read_text()
    missing = [p for p in GCP if f"`{p}`" not in doc]
    missing += [p for p in AZURE if p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1] not in doc]
    assert missing == []
