"""Organization runs with the real parts: 50 AWS accounts in one moto server (through AssumeRole)
plus IaC roots, two ``auditor worker`` processes on Redis, findings in PostgreSQL.

A serial run (``--shard 0/1``) is the reference; distributed runs must end with exactly its
findings, each target exactly once, through a SIGKILLed worker, a Redis restart and a few seconds
without PostgreSQL. An IaC root whose every file is broken is a target that always fails: it is
recorded failed, with its reason, and does not hold up the run."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor.runs import DONE, FAILED, FINAL, RunStore
from auditor.store import normalise_url, open_store

from .conftest import ACCOUNTS, Redis, Relay, Workers, aws_env, write_config

TARGETS = ACCOUNTS + 2 + 1  # members, two IaC roots, the broken root


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, organization: tuple[str, list[str]], redis: Redis,
          postgres: tuple[str, Relay]) -> Iterator[dict[str, object]]:
    endpoint, members = organization
    store_url, relay = postgres
    folder = tmp_path_factory.mktemp("scale")
    broken = folder / "broken-root"
    broken.mkdir()
    (broken / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "unterminated\n')
    config = write_config(folder / "auditor.yaml", endpoint, redis.url, extra_roots=[broken], visibility_timeout=15)
    env = aws_env()
    serial = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--config", str(config), "--shard", "0/1", "--run", "serial",
         "--store", store_url, "--fail-on", "none", "--quiet"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert serial.returncode == 3, [ln for ln in serial.stdout.splitlines() if "iac" in ln] + [serial.stderr[-2000:]]
    yield {"config": config, "env": env, "store": store_url, "relay": relay, "redis": redis, "folder": folder,
           "members": members, "broken": f"iac:{broken}"}


def _runs(store_url: str) -> RunStore:
    return RunStore(open_store(normalise_url(store_url)))


def _distributed(setup: dict[str, object], run: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--config", str(setup["config"]), "--distributed", "--detach",
         "--run", run, "--store", str(setup["store"])],
        env=setup["env"], capture_output=True, text=True, timeout=120,  # type: ignore[arg-type]
    )
    assert proc.returncode == 0, proc.stderr


def _wait(setup: dict[str, object], run: str, *, until: int, timeout: float = 150,
          during: Callable[[int], None] | None = None) -> list[object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            runs = _runs(str(setup["store"]))
            states = runs.states(run)
            runs.store.close()
        except Exception:  # the relay is cut right now
            time.sleep(0.5)
            continue
        finished = sum(1 for s in states if s.state in FINAL)
        if during is not None:
            during(finished)
        if finished >= until:
            return states
        time.sleep(0.3)
    raise AssertionError(f"run {run}: not finished in {timeout} s")


def _assert_same_as_serial(setup: dict[str, object], run: str) -> None:
    runs = _runs(str(setup["store"]))
    try:
        serial, dist = runs.states("serial"), runs.states(run)
        assert len(serial) == len(dist) == TARGETS
        assert {s.target_id: s.state for s in dist} == {s.target_id: s.state for s in serial}
        failed = [s for s in dist if s.state == FAILED]
        assert [s.target_id for s in failed] == [setup["broken"]]
        assert failed[0].error and "main.tf" in failed[0].error  # the reason, not just "failed"
        assert all(s.state == DONE for s in dist if s.target_id != setup["broken"])
        ours = runs.findings_of(run)
        assert ours == runs.findings_of("serial")  # same findings, keyed per (target, fingerprint): no duplicates
        public = {t for t, _fp, status, _sev in ours if status == "fail" and t.startswith("aws:")}
        assert len(public) == ACCOUNTS  # every member's public bucket was judged
        for s in dist:  # each target's counts match what the store holds for it: written once
            assert s.counts.get("findings", 0) == sum(1 for t, *_ in ours if t == s.target_id)
    finally:
        runs.store.close()


def test_distributed_run_equals_serial_through_worker_kill_redis_restart_and_postgres_outage(
    setup: dict[str, object],
) -> None:
    """One run through all three failures (50 accounts take a while on two cores): a worker
    SIGKILLed mid-run, Redis restarted (persistence on), PostgreSQL unreachable for 4 seconds."""
    redis: Redis = setup["redis"]  # type: ignore[assignment]
    relay: Relay = setup["relay"]  # type: ignore[assignment]
    workers = Workers(Path(str(setup["config"])), setup["env"], Path(str(setup["folder"])))  # type: ignore[arg-type]
    events: list[tuple[str, int]] = []
    try:
        workers.start("a")
        workers.start("b")
        _distributed(setup, "disrupted")

        def disrupt(finished: int) -> None:
            done = {name for name, _ in events}
            if finished >= 6 and "kill" not in done:
                events.append(("kill", finished))
                workers.kill("a")  # its task in hand is redelivered after the visibility timeout
                workers.start("c")
            elif finished >= 14 and "redis" not in done:
                events.append(("redis", finished))
                redis.stop()  # the queue is on disk (append-only file) and comes back with it
                time.sleep(1)
                redis.start()
            elif finished >= 24 and "postgres" not in done:
                events.append(("postgres", finished))
                relay.cut(4)  # tasks that touch the store now fail, and are retried

        _wait(setup, "disrupted", until=TARGETS, timeout=400, during=disrupt)
        assert [name for name, _ in events] == ["kill", "redis", "postgres"]
        assert all(at < TARGETS for _, at in events)  # each happened mid-run
    finally:
        workers.stop_all()
    _assert_same_as_serial(setup, "disrupted")


def test_runs_show_reports_states_and_totals(setup: dict[str, object]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "runs", "show", "serial", "--store", str(setup["store"]), "--json"],
        env=setup["env"], capture_output=True, text=True, timeout=60,  # type: ignore[arg-type]
    )
    assert proc.returncode == 0, proc.stderr
    import json

    data = json.loads(proc.stdout)
    assert data["summary"]["targets"] == TARGETS and data["summary"]["complete"]
    assert data["summary"]["by_state"] == {"done": TARGETS - 1, "failed": 1}
