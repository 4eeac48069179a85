"""The request budget's arithmetic (on a fake clock), its settings, and how keys are read from
cloud URLs. The shared (Redis) budget and the SDK hooks are tested with real parts in
tests/scale/test_throttle_shared.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import throttle
from auditor.collectors.throttle_hooks import azure_key, gcp_key
from auditor.config import ConfigError, ThrottleConfig, load_config
from auditor.throttle import LocalBudget, Rate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _budget(per_second: float = 10, burst: float = 2, cooldown: float = 10) -> tuple[LocalBudget, Clock]:
    clock = Clock()
    return LocalBudget(Rate(per_second, burst, cooldown), clock=clock, sleep=clock.sleep), clock


def test_requests_are_spaced_at_the_rate_after_the_burst() -> None:
    budget, clock = _budget(per_second=10, burst=2)
    start = clock.now
    waits = [budget.acquire("aws:111111111111") for _ in range(12)]
    assert waits[:2] == [0, 0]  # the burst goes at once
    assert all(w == pytest.approx(0.1) for w in waits[2:])  # then one every 1/rate seconds
    assert clock.now - start == pytest.approx(1.0)
    assert budget.acquire("aws:222222222222") == 0  # another account has its own bucket


def test_a_throttled_answer_halves_the_rate_then_it_recovers() -> None:
    budget, clock = _budget(per_second=10, burst=1, cooldown=10)
    key = "aws:111111111111"
    budget.acquire(key)
    budget.throttled(key)
    budget.throttled(key)  # the same burst of throttled answers: one signal, counted twice
    assert budget.throttles(key) == 2
    assert budget.fraction(key) == pytest.approx(0.5)
    assert budget.acquire(key) == pytest.approx(0.2)  # the spent burst refills at half the rate
    clock.now += 1.5
    budget.throttled(key)  # a second signal, a second apart: halved again
    assert budget.fraction(key) == pytest.approx(0.25)
    clock.now += 10  # held for the cool-down ...
    assert budget.fraction(key) == pytest.approx(0.25)
    clock.now += 5  # ... then back linearly over another cool-down
    assert budget.fraction(key) == pytest.approx(0.625)
    clock.now += 5
    assert budget.fraction(key) == 1.0
    for _ in range(10):
        budget.throttled(key)
        clock.now += 1
    assert budget.fraction(key) == pytest.approx(throttle.MIN_FRACTION)  # never stops altogether


def test_settings_validate_with_file_and_line_and_off_disables(tmp_path: Path) -> None:
    path = tmp_path / "auditor.yaml"
    path.write_text("distributed:\n  throttle:\n    requests_per_second: off\n")
    assert load_config(path).distributed.throttle.requests_per_second == 0
    assert throttle.ensure(ThrottleConfig(requests_per_second=0), None) is None
    assert throttle.active() is None
    path.write_text("distributed:\n  concurrency: 2\n  throttle:\n    requests_per_second: -3\n")
    with pytest.raises(ConfigError, match=r"auditor\.yaml:4: distributed\.throttle\.requests_per_second"):
        load_config(path)
    path.write_text("distributed:\n  throttle:\n    requests_per_sec: 5\n")
    with pytest.raises(ConfigError, match=r"auditor\.yaml:3: distributed\.throttle\.requests_per_sec"):
        load_config(path)


def test_ensure_installs_one_local_budget_per_settings() -> None:
    try:
        first = throttle.ensure(ThrottleConfig(requests_per_second=5), None)
        assert isinstance(first, LocalBudget) and throttle.active() is first
        assert first.rate.per_second == 5 and first.rate.burst == 10  # two seconds' worth by default
        assert throttle.ensure(ThrottleConfig(requests_per_second=5), None) is first  # kept: buckets persist
        assert throttle.ensure(ThrottleConfig(requests_per_second=8, burst=1), None) is not first
    finally:
        throttle.install(None)


def test_keys_come_from_the_request_url() -> None:
    assert gcp_key("https://compute.googleapis.com/compute/v1/projects/ml-prod/global/firewalls") == "gcp:ml-prod"
    assert gcp_key("https://notebooks.googleapis.com/v1/projects/ml-dev/locations/-/instances") == "gcp:ml-dev"
    assert gcp_key("https://storage.googleapis.com/storage/v1/b?project=ml-data&alt=json") == "gcp:ml-data"
    assert gcp_key("https://cloudresourcemanager.googleapis.com/v3/projects:search") == "gcp:-"
    sub = "00000000-0000-0000-0000-00000000000A"
    assert azure_key(f"https://management.azure.com/subscriptions/{sub}/providers/x?api-version=1") == \
        f"azure:{sub.lower()}"
    assert azure_key("https://management.azure.com/subscriptions?api-version=2022-12-01") == "azure:-"


def test_scan_config_scans_under_its_own_budget_and_leaves_none_behind(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import auditor.estate as estate
    from auditor.cli.main import cli

    seen: list[object] = []

    class Probe:
        name = "iac"

        def scope(self) -> str:
            return "probe"

        def collect(self, sink: object) -> None:
            seen.append(throttle.active())

    monkeypatch.setattr(estate, "build_collectors", lambda config: [Probe()])
    cfg = tmp_path / "auditor.yaml"
    cfg.write_text("distributed:\n  throttle:\n    requests_per_second: 7\noutputs:\n  fail_on: none\n")
    res = CliRunner().invoke(cli, ["scan", "--config", str(cfg), "-q", "--no-store"], standalone_mode=False)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    (budget,) = seen
    assert isinstance(budget, LocalBudget) and budget.rate.per_second == 7  # the collectors drew from it
    assert throttle.active() is None  # and the process is left as it was
