"""The collector against real Jupyter, MLflow and Ray servers: exact classification and version."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.collectors.base import CollectionSink
from auditor.collectors.endpoints import EndpointCollector
from auditor.resources import Service

from .servers import Server

pytestmark = pytest.mark.integration

# name -> expected Service fields (the versions pinned by scripts/setup.d/30-ml-services.sh)
EXPECTED: dict[str, dict[str, Any]] = {
    "jupyter_open": dict(service="jupyter_server", product="JupyterLab", package="jupyter-server", version="2.21.1",
                         auth_required=False, runs_code=True, tls=False),
    "jupyter_token": dict(service="jupyter_server", product="Jupyter Server", package="jupyter-server", version="2.21.1",
                          auth_required=True, runs_code=True, tls=False),
    "jupyter_tls": dict(service="jupyter_server", product="Jupyter Server", package="jupyter-server", version="2.21.1",
                        auth_required=True, runs_code=True, tls=True),
    "mlflow_open": dict(service="mlflow", product="MLflow", package="mlflow", version="3.17.2",
                        auth_required=False, runs_code=False, tls=False),
    "mlflow_auth": dict(service="mlflow", product="MLflow (basic-auth)", package="mlflow", version=None,
                        auth_required=True, runs_code=False, tls=False),
    "ray_open": dict(service="ray", product="Ray dashboard", package="ray", version="2.60.0",
                     auth_required=False, runs_code=True, tls=False),
    "ray_token": dict(service="ray", product="Ray dashboard", package="ray", version=None,
                      auth_required=True, runs_code=True, tls=False),
}


@pytest.fixture(scope="module")
def scanned(ml_servers: dict[str, Server]) -> tuple[dict[str, Service], CollectionSink, EndpointCollector]:
    """One collector over every server, addressed as host:port (scheme discovered by the probe)."""
    targets = [s.url.split("://", 1)[1] for s in ml_servers.values()]
    collector = EndpointCollector(targets, timeout=3.0, ca_bundle=next(iter(ml_servers.values())).info["ca"])
    sink = CollectionSink()
    collector.collect(sink)
    by_port = {r.port: r for r in sink.resources if isinstance(r, Service)}
    found = {name: by_port[int(s.url.rsplit(":", 1)[1])] for name, s in ml_servers.items() if int(s.url.rsplit(":", 1)[1]) in by_port}
    return found, sink, collector


@pytest.mark.parametrize("name", list(EXPECTED))
def test_classification_and_version(
    scanned: tuple[dict[str, Service], CollectionSink, EndpointCollector], ml_servers: dict[str, Server], name: str
) -> None:
    found, sink, _ = scanned
    assert name in found, f"{name} not recognised; errors: {sink.errors}\n{ml_servers[name].diagnosis()}"
    service = found[name]
    got = {key: getattr(service, key) for key in EXPECTED[name]}
    assert got == EXPECTED[name], service.auth_detail
    assert service.ref.provider == "network" and service.ref.id == service.url


def test_tls_details_of_the_tls_jupyter(scanned: tuple[dict[str, Service], CollectionSink, EndpointCollector]) -> None:
    service = scanned[0]["jupyter_tls"]
    info = service.tls_info
    assert service.url.startswith("https://")
    assert info is not None
    assert info.version in ("TLSv1.2", "TLSv1.3")
    assert (info.cert_expired, info.cert_self_signed, info.cert_name_mismatch) == (False, False, False)
    assert info.detail and "chain trusted" in info.detail  # the test CA was given as --ca-bundle


def test_auth_details_name_the_data_endpoint(scanned: tuple[dict[str, Service], CollectionSink, EndpointCollector]) -> None:
    found = scanned[0]
    assert found["jupyter_open"].auth_detail.startswith("GET /api/kernels -> 200")  # type: ignore[union-attr]
    assert found["jupyter_token"].auth_detail.startswith("GET /api/kernels -> 403")  # type: ignore[union-attr]
    assert found["mlflow_auth"].auth_detail.startswith("GET /api/2.0/mlflow/experiments/search?max_results=1 -> 401")  # type: ignore[union-attr]
    assert found["ray_token"].auth_detail.startswith("GET /api/jobs/ -> 401")  # type: ignore[union-attr]


def test_no_errors_and_every_request_counted(scanned: tuple[dict[str, Service], CollectionSink, EndpointCollector]) -> None:
    _, sink, collector = scanned
    assert sink.errors == []
    assert sink.api_calls["http:GET"] >= 7 * 3
    assert {o.state for o in collector.outcomes} == {"service"}


@pytest.mark.parametrize(("name", "version"), [("jupyter_open", None), ("mlflow_open", "3.17.2")])
def test_host_guard_is_unknown_not_authenticated(ml_servers: dict[str, Server], name: str, version: str | None) -> None:
    """Reached under a public name, Jupyter (loopback bind) and MLflow >= 3.5 refuse the Host header."""
    target = ml_servers[name].url.split("://", 1)[1]
    collector = EndpointCollector([target], timeout=3.0, host_header="ml.example.com")
    sink = CollectionSink()
    collector.collect(sink)
    [service] = [r for r in sink.resources if isinstance(r, Service)]
    assert service.auth_required is None
    assert service.auth_detail is not None and service.auth_detail.startswith("host guard")
    assert service.version == version  # MLflow still serves /version; Jupyter refuses even /api
