from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own SQLite store: nothing lands in the user's data directory."""
    path = tmp_path / "store" / "history.sqlite"
    monkeypatch.setenv("AUDITOR_STORE", str(path))
    return path


@pytest.fixture
def store_path(_private_store: Path) -> Path:
    return _private_store
