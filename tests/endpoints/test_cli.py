"""`auditor scan endpoints` end to end against a recording loopback server, and its config form."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import cli
from auditor.config import ConfigError, source_config
from auditor.targets import collectors_for_sources

from .imitation import RecordingServer
from .recorded import RECORDED


def test_scan_endpoints_reports_open_jupyter_and_ray(tmp_path: Path) -> None:
    with RecordingServer(RECORDED["jupyter_open"]) as jup, RecordingServer(RECORDED["ray_token"]) as ray:
        targets = tmp_path / "targets.txt"
        targets.write_text(f"# one per line\n127.0.0.1:{ray.port}\n")
        result = CliRunner().invoke(
            cli,
            ["scan", "endpoints", f"127.0.0.1:{jup.port}", "--targets-file", str(targets), "--format", "json",
             "--output-dir", str(tmp_path / "out"), "--no-store", "--timeout", "2"],
        )
    assert result.exit_code == 1, result.output  # critical failures: open Jupyter runs code
    assert f"http://127.0.0.1:{jup.port}  JupyterLab" in result.output
    assert "jupyter-server 2.21.1" in result.output and "NONE" in result.output
    report = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    failed = {(f["check_id"], f["resource_id"]) for f in report["findings"] if f["status"] == "fail"}
    assert ("service_unauthenticated", f"http://127.0.0.1:{jup.port}") in failed
    assert ("service_code_execution_exposed", f"http://127.0.0.1:{jup.port}") in failed
    assert ("service_no_tls", f"http://127.0.0.1:{ray.port}") in failed
    assert ("service_unauthenticated", f"http://127.0.0.1:{ray.port}") not in failed
    unknown = {(f["check_id"], f["resource_id"]) for f in report["findings"] if f["status"] == "unknown"}
    assert ("service_vulnerable_version", f"http://127.0.0.1:{ray.port}") in unknown  # version hidden by token auth


def test_bad_target_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "endpoints", "10.0.0.0/8", "--no-store"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "10.0.0.0/8" in proc.stderr and "--max-hosts" in proc.stderr


def test_collectors_from_config() -> None:
    [collector] = collectors_from_config({"targets": ["10.0.0.5:8888", "10.0.1.0/30"], "max_hosts": 10, "timeout": 1})
    assert len(collector.targets) == 1 + 2 * 15  # type: ignore[attr-defined]
    assert collector.scope() == "endpoints-31-targets"
    with pytest.raises(ConfigError, match=r"sources\.endpoints\.target: Extra inputs are not permitted"):
        collectors_from_config({"target": ["x"]})
    with pytest.raises(ConfigError, match="over the limit of 10"):
        collectors_from_config({"targets": ["10.0.0.0/24"], "max_hosts": 10})
    with pytest.raises(ConfigError, match=r"sources\.endpoints\.targets: no targets"):
        collectors_from_config({})


def collectors_from_config(section: dict) -> list:
    return collectors_for_sources(source_config("endpoints", section))
