from __future__ import annotations

import os
from pathlib import Path

import pytest

from .corpus import build


def require(module: str) -> None:
    """Corpus parts need numpy, joblib and h5py (the test extra). Missing in CI is a failure."""
    try:
        __import__(module)
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{module} is required by the supply-chain tests (pip install -e '.[test]')")
        pytest.skip(f"{module} is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    for module in ("numpy", "joblib", "h5py"):
        require(module)
    base = tmp_path_factory.mktemp("corpus")
    marker = base / "MARKER-must-never-exist"
    expected = build(base / "files", marker)
    return base / "files", expected, marker
