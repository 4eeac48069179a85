"""The package as users get it: a wheel built from a clean copy, installed without ``-e``.

An editable install hides a module or data file that the wheel leaves out; these tests build the
wheel the way a release does, compare it with the source tree, install it with ``[all]`` into a
fresh virtualenv outside the checkout and run the commands a newcomer runs first. The pre-commit
hook is exercised the same way, through ``pre-commit try-repo`` on a clean git copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Installed, `checks/` and `report_templates/` live inside the `auditor` namespace.
PACKAGE_TREES = {"auditor": "auditor", "checks": "auditor/checks", "report_templates": "auditor/report_templates"}

pytestmark = pytest.mark.integration


def _source_files() -> list[str]:
    """Files a clean clone would have: tracked ones plus new, not ignored ones of this checkout."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if line and (ROOT / line).is_file()]


@pytest.fixture(scope="module")
def clean_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("clean") / "src"
    for rel in _source_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    return dest


@pytest.fixture(scope="module")
def wheel(clean_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    # an isolated build, as a release build does: the build backend comes from [build-system]
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), "."],
        cwd=clean_copy,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (built,) = dist.glob("*.whl")
    return built


def test_wheel_holds_every_module_and_data_file(wheel: Path, clean_copy: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = []
    for top, inside in PACKAGE_TREES.items():
        for f in (clean_copy / top).rglob("*"):
            if f.is_file() and "__pycache__" not in f.parts:
                wanted.append(f"{inside}/{f.relative_to(clean_copy / top).as_posix()}")
    assert wanted, "no package files found in the clean copy"
    missing = sorted(w for w in wanted if w not in names)
    assert not missing, f"the wheel lacks {len(missing)} package files, e.g. {missing[:5]}"
    assert not any(n.startswith(("checks/", "report_templates/", "tests/")) for n in names), (
        "the wheel must not put a bare checks/, report_templates/ or tests/ into site-packages"
    )


def test_every_imported_distribution_is_declared(wheel: Path) -> None:
    """A module the package imports must come from a declared dependency (core or an extra)."""
    import ast
    import re

    metadata = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    declared = {
        re.split(r"[\s\[<>=!~;(]", line.split(":", 1)[1].strip(), maxsplit=1)[0].lower().replace("_", "-")
        for line in text.splitlines()
        if line.startswith("Requires-Dist:")
    }
    # import name -> distribution that provides it
    provider = {
        "yaml": "pyyaml",
        "google": "google-cloud-storage",
        "azure": "azure-core",
        "tree_sitter": "tree-sitter",
        "tree_sitter_hcl": "tree-sitter-hcl",
        "cyclonedx": "cyclonedx-python-lib",
        "packageurl": "packageurl-python",
        "psycopg": "psycopg",
        "sklearn": "scikit-learn",
        "celery": "celery",
        "kubernetes": "kubernetes",
        "detect_secrets": "detect-secrets",
    }
    imported: set[str] = set()
    for top in PACKAGE_TREES:
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    imported.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m not in ("auditor", "checks")}
    undeclared = sorted(m for m in third_party if provider.get(m, m).lower().replace("_", "-") not in declared)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_wheel_installed_with_all_runs_the_first_commands(wheel: Path, tmp_path: Path) -> None:
    """`pip install 'ml-posture-auditor[all]'` into a fresh virtualenv, then what a newcomer runs."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    auditor = env_dir / "bin" / "auditor"
    install = _run([str(py), "-m", "pip", "install", "--quiet", f"{wheel}[all]"], cwd=tmp_path, timeout=900)
    assert install.returncode == 0, install.stderr[-2000:]

    work = tmp_path / "work"  # outside the checkout: nothing can be imported from the source tree
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["AUDITOR_STORE"] = "off"

    frameworks = _run([str(auditor), "frameworks", "list"], cwd=work, env=env)
    assert frameworks.returncode == 0, frameworks.stderr
    assert "gdpr" in frameworks.stdout.lower() and "hipaa" in frameworks.stdout.lower()

    checks = _run([str(auditor), "checks", "list"], cwd=work, env=env)
    assert checks.returncode == 0, checks.stderr
    assert "bucket_public_read" in checks.stdout

    tf = work / "infra"
    tf.mkdir()
    (tf / "main.tf").write_text('resource "aws_s3_bucket" "data" {\n  bucket = "training-data"\n  acl    = "public-read"\n}\n')
    iac = _run([str(auditor), "scan", "iac", str(tf), "--no-store", "-f", "json", "--output", str(work / "iac.json")], cwd=work, env=env)
    assert iac.returncode == 1, iac.stdout + iac.stderr  # the public bucket fails the default gate
    assert (work / "iac.json").is_file()
    assert "Traceback" not in iac.stderr

    models = work / "models"
    models.mkdir()
    (models / "model.pkl").write_bytes(b"\x80\x04\x95\x1a\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.")
    files = _run([str(auditor), "scan", "files", str(models), "--no-store", "-f", "json", "--output", str(work / "files.json")], cwd=work, env=env)
    assert files.returncode == 1, files.stdout + files.stderr
    assert "model_code_execution" in (work / "files.json").read_text()

    demo = _run([str(auditor), "demo", "--output-dir", str(work / "demo")], cwd=work, env=env, timeout=600)
    assert demo.returncode in (0, 1), demo.stdout + demo.stderr
    assert (work / "demo" / "report.html").is_file()


def test_pre_commit_hook_installs_and_gates(clean_copy: Path, tmp_path: Path) -> None:
    """The hook as another repository uses it: pre-commit builds it from a git copy of this one."""
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if pre_commit is None:
        pytest.fail("pre-commit is not installed: it is a test dependency in pyproject.toml")
    hook_repo = tmp_path / "hook-repo"
    shutil.copytree(clean_copy, hook_repo)
    git_env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "hook"]):
        subprocess.run(cmd, cwd=hook_repo, check=True, env=git_env, capture_output=True)

    user_repo = tmp_path / "user-repo"
    user_repo.mkdir()
    (user_repo / "main.tf").write_text('resource "aws_s3_bucket" "data" {\n  bucket = "d"\n  acl    = "public-read-write"\n}\n')
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(cmd, cwd=user_repo, check=True, env=git_env, capture_output=True)
    env = {**git_env, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "AUDITOR_STORE": "off"}
    ran = _run([pre_commit, "try-repo", str(hook_repo), "auditor-iac", "--all-files"], cwd=user_repo, env=env, timeout=900)
    out = ran.stdout + ran.stderr
    assert ran.returncode == 1, out
    assert "Failed" in out, out[-3000:]
    assert "ModuleNotFoundError" not in out and "Traceback" not in out
    reports = list((user_repo / ".auditor").glob("*.md"))
    assert reports, f"the hook wrote no Markdown report: {out[-3000:]}"
    assert "bucket_public_write" in reports[0].read_text()
