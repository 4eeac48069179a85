from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import trustme

from . import servers as srv


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ml_servers(tmp_path_factory: pytest.TempPathFactory, tls_ca: trustme.CA) -> Iterator[dict[str, srv.Server]]:
    """Jupyter (open, token, TLS+token), MLflow (open, basic-auth), Ray (open, token) on 127.0.0.1."""
    root = tmp_path_factory.mktemp("ml-servers")
    cert = tls_ca.issue_cert("127.0.0.1", "localhost")
    cert_path, key_path = root / "cert.pem", root / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_path))
    cert.private_key_pem.write_to_path(str(key_path))
    (root / "ca.pem").write_bytes(tls_ca.cert_pem.bytes())
    builders = {
        "jupyter_open": lambda: srv.jupyter("lab", root, token=None),
        "jupyter_token": lambda: srv.jupyter("notebook", root, token=srv.JUPYTER_TOKEN),
        "jupyter_tls": lambda: srv.jupyter("server", root, token=srv.JUPYTER_TOKEN, tls=(cert_path, key_path)),
        "mlflow_open": lambda: srv.mlflow(root, basic_auth=False),
        "mlflow_auth": lambda: srv.mlflow(root, basic_auth=True),
        "ray_open": lambda: srv.ray(root, token=False),
        "ray_token": lambda: srv.ray(root, token=True),
    }
    started: dict[str, srv.Server] = {}
    try:
        for name, build in builders.items():
            started[name] = build()
            started[name].start()
        with ThreadPoolExecutor(len(started)) as pool:
            list(pool.map(lambda s: s.wait_ready(), started.values()))
        for server in started.values():
            server.info["ca"] = str(root / "ca.pem")
        yield started
    finally:
        with ThreadPoolExecutor(max(1, len(started))) as pool:
            list(pool.map(lambda s: s.stop(), started.values()))
        for server in started.values():
            if "temp_dir" in server.info:
                shutil.rmtree(server.info["temp_dir"], ignore_errors=True)
        shutil.rmtree(Path(root), ignore_errors=True)
