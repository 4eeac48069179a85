"""The request budget shared per account, with real parts: Debian's redis-server, real botocore
clients against moto's server and against a loopback server that throttles.

- two processes drawing from one account's bucket through Redis never exceed its rate together
  (and the same two with their own local buckets do: the measurement can tell);
- a throttled answer slows the shared bucket down for every process, and is counted;
- Redis unreachable: the scan goes on with a local budget, and says so;
- the AWS collectors draw from the member account's bucket, and AssumeRole from the caller's."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from auditor import throttle
from auditor.collectors.throttle_hooks import attach_boto3
from auditor.config import ThrottleConfig
from auditor.throttle import LocalBudget, Rate, RedisBudget

from .conftest import ROOT, Redis, aws_env

ACCOUNT = "111111111111"

# One process of the pair: waits for "go", then sends ``n`` S3 requests through a session
# attached to the account's bucket and writes when each was sent.
_CLIENT = r"""
import json, sys, time
from pathlib import Path
import boto3
from auditor import throttle
from auditor.collectors.throttle_hooks import attach_boto3
from auditor.config import ThrottleConfig

broker, endpoint, folder, name, n = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], int(sys.argv[5])
throttle.ensure(ThrottleConfig(requests_per_second=8, burst=1), broker or None)
session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
attach_boto3(session, "aws:111111111111")
s3 = session.client("s3", endpoint_url=endpoint)
stamps = []
s3.meta.events.register_last("before-send", lambda **_: stamps.append(time.time()))
(folder / f"{name}.ready").touch()
while not (folder / "go").exists():
    time.sleep(0.01)
for _ in range(n):
    s3.list_buckets()
(folder / f"{name}.json").write_text(json.dumps(stamps))
"""


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _pair(folder: Path, broker: str, endpoint: str, n: int) -> list[float]:
    """Run two client processes at once; every request's send time, sorted."""
    folder.mkdir()
    procs = [
        subprocess.Popen([sys.executable, "-c", _CLIENT, broker, endpoint, str(folder), name, str(n)],
                         env=aws_env(), cwd=ROOT, stderr=subprocess.PIPE)
        for name in ("a", "b")
    ]
    deadline = time.monotonic() + 60
    while not all((folder / f"{name}.ready").exists() for name in ("a", "b")):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [
            p.stderr.read().decode()[-2000:] for p in procs if p.poll() is not None and p.stderr]
        time.sleep(0.02)
    (folder / "go").touch()
    for p in procs:
        assert p.wait(timeout=60) == 0, p.stderr.read().decode()[-2000:] if p.stderr else ""
    return sorted(t for name in ("a", "b") for t in json.loads((folder / f"{name}.json").read_text()))


def _worst_excess(stamps: list[float], per_second: float, burst: float) -> float:
    """The most any window of requests exceeds what the bucket allows in it (burst + rate x span)."""
    worst = float("-inf")
    for i in range(len(stamps)):
        for j in range(i, len(stamps)):
            worst = max(worst, (j - i + 1) - (burst + per_second * (stamps[j] - stamps[i])))
    return worst


def test_two_processes_sharing_an_account_never_exceed_its_rate(tmp_path: Path, redis: Redis, moto_url: str) -> None:
    n = 12
    shared = _pair(tmp_path / "shared", redis.url, moto_url, n)
    assert len(shared) == 2 * n
    # one request of slack: a send time is taken a moment after the token, by a scheduler
    assert _worst_excess(shared, 8, 1) <= 1.0, shared
    assert shared[-1] - shared[0] >= (2 * n - 2) / 8  # paced together: the pair took as long as one of twice the work
    alone = _pair(tmp_path / "local", "", moto_url, n)  # no broker: each process its own bucket
    assert _worst_excess(alone, 8, 1) > 3.0  # together they went about twice the rate: the check can fail


class _ThrottlingSageMaker(BaseHTTPRequestHandler):
    """SageMaker's JSON protocol on loopback: 400 ThrottlingException for the first ``throttle``
    requests, then an empty notebook list."""

    throttle = 0
    seen = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        cls = type(self)
        cls.seen += 1
        body: dict[str, object]
        if cls.seen <= cls.throttle:
            status, body = 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
        else:
            status, body = 200, {"NotebookInstances": []}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "r")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def throttling_server() -> Iterator[tuple[str, type[_ThrottlingSageMaker]]]:
    handler = type("Handler", (_ThrottlingSageMaker,), {"throttle": 2, "seen": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _sagemaker(endpoint: str, key: str) -> object:
    import boto3
    from botocore.config import Config

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    attach_boto3(session, key)
    return session.client("sagemaker", endpoint_url=endpoint, config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def _redis_budget(url: str, rate: Rate) -> RedisBudget:
    budget = throttle.redis_budget(url, rate)
    assert isinstance(budget, RedisBudget)
    return budget


def test_a_throttled_answer_slows_the_shared_bucket_for_every_worker(
    redis: Redis, throttling_server: tuple[str, type[_ThrottlingSageMaker]],
) -> None:
    from botocore.exceptions import ClientError

    endpoint, handler = throttling_server
    key = f"aws:{ACCOUNT}-slowed-{time.time_ns()}"  # a bucket of its own on the shared server
    rate = Rate(20, 1, cooldown=5)
    ours, other_worker = _redis_budget(redis.url, rate), _redis_budget(redis.url, rate)
    throttle.install(ours)
    try:
        client = _sagemaker(endpoint, key)
        for _ in range(2):
            with pytest.raises(ClientError, match="ThrottlingException"):
                client.list_notebook_instances()  # type: ignore[attr-defined]
        assert client.list_notebook_instances()["NotebookInstances"] == []  # type: ignore[attr-defined]
    finally:
        throttle.install(None)
    assert handler.seen == 3
    assert other_worker.throttles(key) == 2  # counted where every worker sees it
    assert other_worker.fraction(key) == pytest.approx(0.5)  # two answers in one burst: halved once
    start = time.monotonic()
    for _ in range(5):
        other_worker.acquire(key)
    assert time.monotonic() - start >= 0.4  # 10 requests/s now, not 20 (5 at 20/s would take 0.25 s)
    fresh = f"aws:{ACCOUNT}-untouched-{time.time_ns()}"
    start = time.monotonic()
    for _ in range(5):
        other_worker.acquire(fresh)
    assert time.monotonic() - start < 0.35  # an account the cloud did not throttle keeps its full rate


def test_redis_unreachable_falls_back_to_a_local_budget(
    caplog: pytest.LogCaptureFixture, throttling_server: tuple[str, type[_ThrottlingSageMaker]],
) -> None:
    endpoint, handler = throttling_server
    handler.throttle = 0
    caplog.set_level(logging.WARNING, logger="auditor.throttle")
    server = Redis()
    dead = server.url  # nothing listens there yet
    try:
        budget = throttle.ensure(ThrottleConfig(requests_per_second=50), dead)
        assert isinstance(budget, LocalBudget)
        assert "unreachable" in caplog.text and "own request budget" in caplog.text
        assert _sagemaker(endpoint, f"aws:{ACCOUNT}").list_notebook_instances()["NotebookInstances"] == []  # type: ignore[attr-defined]
        caplog.clear()
        server.start()  # now a budget on a live Redis that goes away mid-scan
        shared = _redis_budget(server.url, Rate(50, 1))
        shared.RETRY_AFTER = 0.2  # 5 s in production
        throttle.install(shared)
        client = _sagemaker(endpoint, f"aws:{ACCOUNT}")
        assert client.list_notebook_instances()["NotebookInstances"] == []  # type: ignore[attr-defined]
        server.stop()
        assert client.list_notebook_instances()["NotebookInstances"] == []  # type: ignore[attr-defined]
        assert "unreachable" in caplog.text
        assert f"aws:{ACCOUNT}" in shared.fallback._states  # that request was paced by this process's bucket
        server.start()
        time.sleep(0.3)
        assert client.list_notebook_instances()["NotebookInstances"] == []  # type: ignore[attr-defined]
        assert "answers again" in caplog.text  # back on the shared buckets
    finally:
        throttle.install(None)
        server.stop()
        import shutil

        shutil.rmtree(server.dir, ignore_errors=True)
    assert handler.seen == 4


class RecordingBudget(LocalBudget):
    def __init__(self) -> None:
        super().__init__(Rate(1000, 1000))
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()

    def acquire(self, key: str) -> float:
        with self.lock:
            self.keys[key] += 1
        return super().acquire(key)


def test_member_calls_draw_from_the_member_and_assume_role_from_the_caller(
    moto_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from auditor.collectors.aws_org import AccountCollector, AccountTarget
    from auditor.collectors.base import CollectionSink

    for name, value in aws_env().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    member = "222222222222"
    budget = RecordingBudget()
    throttle.install(budget)
    try:
        sink = CollectionSink()
        AccountCollector(AccountTarget(account=member, role_arn=f"arn:aws:iam::{member}:role/AuditorReadOnly"),
                         regions=["us-east-1"], endpoint_url=moto_url, max_workers=4).collect(sink)
    finally:
        throttle.install(None)
    assert not [e for e in sink.errors if "could not be reached" in e.message], sink.errors
    assert set(budget.keys) == {f"aws:{member}", "aws:123456789012"}  # moto's default caller account
    assert budget.keys["aws:123456789012"] == sink.api_calls["sts:AssumeRole"] == 1
    # every API call the collector made inside the member account took one of its tokens
    assert budget.keys[f"aws:{member}"] >= sum(sink.api_calls.values()) - 1 > 20


def test_a_worker_task_draws_from_the_brokers_buckets(tmp_path: Path, redis: Redis) -> None:
    """The Celery task itself (run in this process): it installs the budget on the broker it was
    started with, before scanning its target."""
    from auditor.config import AuditorConfig
    from auditor.scale import open_runs
    from auditor.targets import Target
    from auditor.worker import TASK, make_app

    root = ROOT / "tests" / "iac" / "projects" / "public_grants"
    target = Target("iac", str(root), {"iac": {"paths": [str(root)]}})
    store = f"sqlite:///{tmp_path / 'store.db'}"
    config = AuditorConfig.model_validate({"distributed": {"throttle": {"requests_per_second": 9}}})
    runs = open_runs(store)
    runs.create_run("r1", "test", "distributed", config.model_dump(mode="json"), [target])
    runs.store.close()
    app = make_app(redis.url, 60)
    try:
        assert app.tasks[TASK]("r1", target.to_json(), config.model_dump(mode="json"), store) == "done"
        budget = throttle.active()
        assert isinstance(budget, RedisBudget) and budget.url == redis.url and budget.rate.per_second == 9
    finally:
        throttle.install(None)
