from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import scan_builder

from auditor.result import ScanResult


@pytest.fixture(scope="session")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """A real scan with a baseline, history, suppression, collection errors and hostile names."""
    return scan_builder.build_with_baseline(tmp_path_factory.mktemp("baseline"))
