"""Real parts for organization runs: Debian's redis-server, a PostgreSQL cluster (behind a loopback
TCP relay the tests can cut), moto's server holding an organization of 50 accounts, and real
``auditor worker`` processes. Everything listens on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "history"))
import pg  # noqa: E402  (the PostgreSQL cluster helper the history tests use)

ACCOUNTS = 50
IAC_ROOTS = [ROOT / "tests" / "iac" / "projects" / "public_grants", ROOT / "tests" / "iac" / "projects" / "iam_users"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Redis:
    """redis-server with append-only persistence in its own folder; stop() and start() keep the data."""

    def __init__(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            reason = "redis-server is not installed (scripts/setup.d/40-redis.sh installs it)"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        self.exe = exe
        self.dir = tempfile.mkdtemp(prefix="auditor-redis-")
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.exe, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir, "--appendonly", "yes",
             "--appendfsync", "always", "--save", "", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None


class Relay:
    """A TCP relay on 127.0.0.1 in front of PostgreSQL; ``cut(seconds)`` drops every connection and
    refuses new ones for a while, as a database that is briefly unreachable does."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = int(self.listener.getsockname()[1])
        self.down_until = 0.0
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self.down_until:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self, seconds: float) -> None:
        self.down_until = time.monotonic() + seconds
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


@pytest.fixture(scope="package")
def redis() -> Iterator[Redis]:
    server = Redis()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


@pytest.fixture(scope="package")
def postgres() -> Iterator[tuple[str, Relay]]:
    """(store URL through the relay, the relay)."""
    if pg.bin_dir() is None:
        reason = "PostgreSQL is not installed (scripts/setup.d/20-postgresql.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with pg.cluster() as url:
        port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        relay = Relay(port)
        yield url.replace(f":{port}/", f":{relay.port}/"), relay


@pytest.fixture(scope="package")
def organization() -> Iterator[tuple[str, list[str]]]:
    """moto's server with an organization of ACCOUNTS member accounts (two buckets each, one of
    them public), reached through AssumeRole. Yields (endpoint URL, member account ids)."""
    import boto3
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in ("MOTO_IAM_LOAD_MANAGED_POLICIES",)}
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "false"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    org = session.client("organizations", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    members = []
    for i in range(ACCOUNTS):
        members.append(org.create_account(AccountName=f"ml-{i}", Email=f"ml-{i}@example.com")
                       ["CreateAccountStatus"]["AccountId"])
    sts = session.client("sts", endpoint_url=url)
    for account in members:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/AuditorReadOnly",
                                RoleSessionName="seed")["Credentials"]
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                          aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
        s3.create_bucket(Bucket=f"models-{account}")
        s3.create_bucket(Bucket=f"open-{account}", ACL="public-read")
    yield url, members
    server.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def aws_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AUDITOR_"))}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               PYTHONPATH=str(ROOT))
    env.update(extra or {})
    return env


def write_config(path: Path, endpoint: str, broker: str, *, extra_roots: list[Path] = (), visibility_timeout: int = 3600) -> Path:  # type: ignore[assignment]
    roots = [*IAC_ROOTS, *extra_roots]
    path.write_text(
        f"""
name: org-scale
sources:
  aws:
    regions: [us-east-1]
    endpoint_url: {endpoint}
    organization:
      role_name: AuditorReadOnly
      include_management: false
  iac:
    paths: [{', '.join(str(p) for p in roots)}]
checks:
  include: ["bucket_*", "role_*", "user_*"]
concurrency:
  accounts: 2
  per_account: 4
distributed:
  broker: {broker}
  visibility_timeout: {visibility_timeout}
  max_tasks_per_child: 10
"""
    )
    return path


class Workers:
    """Real ``auditor worker`` processes, each in its own process group (SIGKILL takes the lot)."""

    def __init__(self, config: Path, env: dict[str, str], logs: Path) -> None:
        self.config, self.env, self.logs = config, env, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "auditor", "worker", "--config", str(self.config), "--concurrency", "2",
             "--loglevel", "WARNING"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
