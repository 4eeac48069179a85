from __future__ import annotations

from collections.abc import Iterator

import pytest

from gcp.fake_gcp import FakeGcp, ProjectSpec, ml_team_project


def sandbox_project() -> ProjectSpec:
    return ProjectSpec(project_id="ml-sandbox", iam_policy={"bindings": [], "auditConfigs": [
        {"service": "allServices", "auditLogConfigs": [{"logType": "ADMIN_READ"}, {"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}]}]})


@pytest.fixture
def fake_gcp(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGcp]:
    # The emulator variable would silently redirect any storage client; we pass endpoints explicitly.
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    with FakeGcp([ml_team_project(), sandbox_project()], page_size=2) as fake, fake.recording_storage():
        yield fake
