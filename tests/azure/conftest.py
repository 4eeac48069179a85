from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from fake_arm import FakeArm, ml_team_subscription, sandbox_subscription


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def fake_arm(ca: trustme.CA) -> Iterator[FakeArm]:
    with FakeArm([ml_team_subscription(), sandbox_subscription()], ca, page_size=2) as fake:
        yield fake


@pytest.fixture
def ca_file(fake_arm: FakeArm, tmp_path: Path) -> str:
    return str(fake_arm.write_ca(tmp_path / "ca.pem"))
