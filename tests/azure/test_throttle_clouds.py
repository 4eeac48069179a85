"""The shared request budget on GCP and Azure: the real SDK pipelines against the loopback fakes
(https ARM with a bearer-token policy, the GCP REST APIs) take a token from the project's or the
subscription's bucket for every request, retries included, and report HTTP 429 answers."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from fake_arm import FakeArm, StaticTokenCredential
from gcp.fake_gcp import FakeGcp, ml_team_project

from auditor import throttle
from auditor.collectors.base import CollectionSink
from auditor.throttle import LocalBudget, Rate

SUB = "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
PROJECT = "ml-research-prod"


class RecordingBudget(LocalBudget):
    def __init__(self) -> None:
        super().__init__(Rate(1000, 1000))
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()

    def acquire(self, key: str) -> float:
        with self.lock:
            self.keys[key] += 1
        return super().acquire(key)


@pytest.fixture
def budget() -> Iterator[RecordingBudget]:
    recording = RecordingBudget()
    throttle.install(recording)
    yield recording
    throttle.install(None)


def test_azure_requests_draw_from_their_subscription_and_429_slows_it(
    fake_arm: FakeArm, ca_file: str, budget: RecordingBudget,
) -> None:
    from auditor.collectors.azure import AzureCollector

    fake_arm.arm.faults.throttle[r"/providers/Microsoft\.ContainerService/managedClusters$"] = 1
    sink = CollectionSink()
    AzureCollector([SUB], credential=StaticTokenCredential(), resource_manager_url=fake_arm.arm.url,
                   ca_bundle=ca_file, retry_backoff=0.01).collect(sink)
    assert sink.errors == []
    arm_calls = sum(n for op, n in sink.api_calls.items() if op.startswith("arm:"))
    under_sub = sum(1 for r in fake_arm.requests if r.path.lower().startswith(f"/subscriptions/{SUB}"))
    assert budget.keys[f"azure:{SUB}"] == under_sub > 10  # every attempt, the retried 429 included
    assert sum(budget.keys.values()) == arm_calls  # nothing sent outside the budget
    assert budget.throttles(f"azure:{SUB}") == 1
    assert budget.fraction(f"azure:{SUB}") == pytest.approx(0.5)


def test_gcp_requests_draw_from_their_project_and_429_slows_it(budget: RecordingBudget) -> None:
    from google.auth.credentials import AnonymousCredentials

    from auditor.collectors.gcp import GcpCollector

    with FakeGcp([ml_team_project()]) as fake, fake.recording_storage():
        fake.api.faults.throttle[r"/global/firewalls$"] = 2
        sink = CollectionSink()
        GcpCollector([PROJECT], credentials=AnonymousCredentials(), endpoints=fake.endpoints(),
                     regions=["us-central1"]).collect(sink)
        named = sum(1 for r in fake.api.requests if f"/projects/{PROJECT}" in r.path)
    assert not [e for e in sink.errors if "firewall" in e.message.lower()], sink.errors
    assert budget.keys[f"gcp:{PROJECT}"] >= named > 5  # the REST APIs (and Cloud Storage's ?project=)
    assert budget.throttles(f"gcp:{PROJECT}") == 2  # both 429s reported, and paced by the budget
    assert budget.fraction(f"gcp:{PROJECT}") == pytest.approx(0.5)
