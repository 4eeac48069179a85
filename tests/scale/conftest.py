"""Real parts for organization runs: Debian's redis-server, a PostgreSQL cluster (behind a loopback
TCP relay the tests can cut), moto's server holding an organization of 50 accounts, and real
``auditor worker`` processes. Everything listens on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import os
import shutil
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

from .org_parts import IAC_ROOTS, Workers, aws_env, moto_organization, write_config  # noqa: E402

ACCOUNTS = 50
__all__ = ["IAC_ROOTS", "Workers", "aws_env", "write_config"]  # the tests import them from here


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
    with moto_organization(ACCOUNTS) as parts:
        yield parts
