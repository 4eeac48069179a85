"""Run the real entry point (``auditor.cli.main.run``) in-process: exit code, stdout and stderr
exactly as a user sees them, in a private working folder with a private history store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.cli.main import run


@dataclass
class Outcome:
    code: int
    out: str
    err: str


Auditor = Callable[..., Outcome]


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite"


@pytest.fixture
def auditor(tmp_path: Path, store_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Auditor:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AUDITOR_STORE", str(store_file))

    def invoke(*args: str) -> Outcome:
        capsys.readouterr()
        try:
            run(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return invoke


def public_bucket_tf(folder: Path, names: list[str] | None = None) -> Path:
    """A Terraform root with public-read buckets (one critical failure each)."""
    folder.mkdir(parents=True, exist_ok=True)
    blocks = [
        f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "{name}"\n  acl    = "public-read"\n}}\n'
        for i, name in enumerate(names or ["acme-public-data"])
    ]
    (folder / "main.tf").write_text("\n".join(blocks))
    return folder
