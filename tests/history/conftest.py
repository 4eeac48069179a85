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


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """The loopback webhook listens on 127.0.0.1 explicitly (never a name that might resolve elsewhere)."""
    return ("127.0.0.1", 0)
