"""The Dockerfile and the composite GitHub Action are documented examples: keep them lint-clean.

hadolint (Dockerfile best practice, with ShellCheck on RUN lines) and check-jsonschema's vendored
schema for GitHub Action metadata run as users' CI would run them; a few project rules follow.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is a test dependency in pyproject.toml")
    return found


def test_dockerfile_passes_hadolint() -> None:
    ran = subprocess.run([_tool("hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_dockerfile_runs_the_entry_point_as_non_root_on_a_slim_base() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    bases = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert bases and bases[-1].endswith("-slim"), bases
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), users
    assert 'ENTRYPOINT ["auditor"]' in lines


def test_action_metadata_is_valid() -> None:
    ran = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", "action.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_action_never_pastes_inputs_into_scripts() -> None:
    """`${{ inputs.x }}` inside `run:` is script injection; inputs travel through `env:`."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert step.get("shell"), f"composite run steps need a shell: {step.get('name')}"
            assert "${{" not in step["run"], f"expression pasted into a script: {step.get('name')}"
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif") for step in steps)
    assert any("--format sarif" in step.get("run", "") for step in steps)
