"""Real ML servers (Jupyter, MLflow, Ray) started on 127.0.0.1 for the endpoint tests.

Each server runs from its own virtualenv, installed by scripts/setup.d/30-ml-services.sh under
$AUDITOR_TEST_CACHE/venvs/<name>. Every server is started in a new session (its own process
group) and stopped by signalling exactly that group, never with ``ray stop`` or a name match.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("AUDITOR_TEST_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "auditor-test")
JUPYTER_TOKEN = "audit-test-token-0123456789"
RAY_TOKEN = "audit-test-ray-token-0123456789abcdef"
MLFLOW_ADMIN_PASSWORD = "audit-Test-pw-0123456789"


def venv_bin(name: str) -> Path:
    """The service virtualenv's bin/, or fail (CI) / skip with the reason (elsewhere)."""
    path = CACHE / "venvs" / name
    if (path / ".complete").exists():
        return path / "bin"
    reason = f"{name} virtualenv missing at {path}: run `bash scripts/test-setup.sh` (or `make test`)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    print(f"SKIP: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    url: str
    argv: list[str]
    env: dict[str, str]
    workdir: Path
    ready_path: str = "/"
    grace: float = 15.0  # seconds to wait after SIGTERM to the leader before signalling the group
    proc: subprocess.Popen[bytes] | None = None
    info: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / "server.log").open("wb")
        env = {**os.environ, **self.env}
        self.proc = subprocess.Popen(
            self.argv, env=env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 240.0) -> None:
        assert self.proc is not None
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=3, context=ctx) as resp:
                    if resp.status < 500:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
            except (OSError, ssl.SSLError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = "\n".join((self.workdir / "server.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            text = "(no log)"
        for exit_log in Path(self.info.get("temp_dir", "/nonexistent")).glob("session_*/logs/ray_process_exit.log"):
            text += f"\n--- {exit_log.name}:\n" + exit_log.read_text(errors="replace")[-3000:]
        return text

    def diagnosis(self) -> str:
        state = "running" if self.proc is not None and self.proc.poll() is None else f"exited ({self.proc and self.proc.returncode})"
        return f"{self.name} at {self.url} is {state}; log tail:\n{self.log_tail()}"

    def stop(self) -> None:
        """SIGTERM the leader, then the leader's own process group, then SIGKILL that group."""
        proc = self.proc
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the group id is the leader's pid
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(self.grace)
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            if not _group_alive(pgid):
                break
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while _group_alive(pgid) and time.monotonic() < deadline:
                time.sleep(0.2)
        if proc.poll() is None:
            proc.wait(5)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # zombies of the group still count for killpg(0); treat a group whose members are all
    # zombies as gone
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


# -- the servers -------------------------------------------------------------------------------
def jupyter(kind: str, root: Path, *, token: str | None, tls: tuple[Path, Path] | None = None) -> Server:
    binary = venv_bin("jupyter") / "jupyter"
    port = free_port()
    state = root / f"jupyter-{kind}-{port}"
    (state / "root").mkdir(parents=True, exist_ok=True)
    argv = [
        str(binary), kind, "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
        "--port-retries=0", f"--ServerApp.root_dir={state / 'root'}",
        f"--IdentityProvider.token={token or ''}", "--ServerApp.password=",
    ]
    if tls is not None:
        argv += [f"--ServerApp.certfile={tls[0]}", f"--ServerApp.keyfile={tls[1]}"]
    env = {
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    scheme = "https" if tls else "http"
    return Server(f"jupyter-{kind}", f"{scheme}://127.0.0.1:{port}", argv, env, state, ready_path="/api", grace=10)


def mlflow(root: Path, *, basic_auth: bool) -> Server:
    binary = venv_bin("mlflow") / "mlflow"
    port = free_port()
    state = root / f"mlflow-{'auth' if basic_auth else 'open'}-{port}"
    state.mkdir(parents=True, exist_ok=True)
    argv = [
        str(binary), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{state / 'mlflow.db'}", "--artifacts-destination", str(state / "artifacts"),
    ]
    env = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    if basic_auth:
        ini = state / "basic_auth.ini"
        ini.write_text(
            "[mlflow]\ndefault_permission = READ\n"
            f"database_uri = sqlite:///{state / 'basic_auth.db'}\n"
            f"admin_username = admin\nadmin_password = {MLFLOW_ADMIN_PASSWORD}\n"
            "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        )
        argv[2:2] = ["--app-name", "basic-auth"]
        env |= {"MLFLOW_AUTH_CONFIG_PATH": str(ini), "MLFLOW_FLASK_SERVER_SECRET_KEY": "audit-test-secret-key-0123456789"}
    return Server(f"mlflow-{'auth' if basic_auth else 'open'}", f"http://127.0.0.1:{port}", argv, env, state,
                  # the first API call initialises the store (slow); ready = the data API answers
                  ready_path="/api/2.0/mlflow/experiments/search?max_results=1", grace=15)


def ray(root: Path, *, token: bool) -> Server:
    binary = venv_bin("ray") / "ray"
    ports = [free_port() for _ in range(9)]
    dash = free_port()
    # Unix socket paths must stay under 108 bytes: a short temp dir of our own
    temp = Path("/tmp") / f"rt{dash}"
    temp.mkdir(exist_ok=True)
    state = root / f"ray-{'token' if token else 'open'}-{dash}"
    argv = [
        str(binary), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={ports[0]}",
        f"--ray-client-server-port={ports[1]}", "--dashboard-host=127.0.0.1", f"--dashboard-port={dash}",
        f"--dashboard-agent-listen-port={ports[2]}", f"--dashboard-agent-grpc-port={ports[3]}",
        f"--runtime-env-agent-port={ports[4]}", f"--metrics-export-port={ports[5]}",
        f"--node-manager-port={ports[6]}", f"--object-manager-port={ports[7]}",
        f"--min-worker-port={ports[8]}", f"--max-worker-port={ports[8] + 20}",
        "--include-dashboard=true", "--num-cpus=1", "--object-store-memory=100000000",
        f"--temp-dir={temp}", "--disable-usage-stats",
    ]
    env = {
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
        # a loaded CI machine can starve the GCS for seconds: be patient before declaring nodes dead
        "RAY_health_check_timeout_ms": "60000",
        "RAY_health_check_failure_threshold": "20",
        "RAY_AUTH_MODE": "token" if token else "disabled",
    }
    if token:
        env["RAY_AUTH_TOKEN"] = RAY_TOKEN
    server = Server(f"ray-{'token' if token else 'open'}", f"http://127.0.0.1:{dash}", argv, env, state, ready_path="/api/version", grace=20)
    server.info["temp_dir"] = str(temp)
    return server


def start_all(builders: list[Callable[[], Server]], timeout: float = 300.0) -> list[Server]:
    """Start every server at once, then wait for each (starts overlap; total ~ the slowest)."""
    servers = [build() for build in builders]
    for server in servers:
        server.start()
    return servers
