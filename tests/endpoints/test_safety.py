"""The whole probe set against recording loopback servers: only GET/HEAD, never a body.

One imitation server per recorded service (every fingerprint entry, with its variants, version
sources and auth probes), one of them behind TLS; the collector scans them all at once.
"""

from __future__ import annotations

import ssl
from contextlib import ExitStack

import pytest
import trustme

from auditor.collectors.base import CollectionSink
from auditor.collectors.endpoints import EndpointCollector
from auditor.resources import Service

from .imitation import RecordingServer, servers_for_all_recorded
from .recorded import EXPECTED, RECORDED


@pytest.fixture(scope="module")
def probed() -> tuple[dict[str, RecordingServer], CollectionSink, EndpointCollector]:
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    servers = servers_for_all_recorded(tls=ctx, tls_keys=("jupyter_token",))
    with ExitStack() as stack:
        for server in servers.values():
            stack.enter_context(server)
        collector = EndpointCollector([f"127.0.0.1:{s.port}" for s in servers.values()], timeout=2.0, concurrency=8)
        sink = CollectionSink()
        collector.collect(sink)
        yield servers, sink, collector


def test_only_get_or_head_and_no_body(probed) -> None:
    servers, _, _ = probed
    seen = [s for server in servers.values() for s in server.seen]
    assert seen, "the servers saw no requests at all"
    bad = [(s.method, s.path) for s in seen if s.method not in ("GET", "HEAD")]
    assert bad == []
    assert [s.path for s in seen if s.body_bytes or s.chunked] == []
    assert not any(s.headers.get("User-Agent", "").startswith("Mozilla") for s in seen)


def test_every_request_is_counted(probed) -> None:
    servers, sink, _ = probed
    assert set(sink.api_calls) <= EndpointCollector.OPERATIONS
    plain = sum(len(s.seen) for key, s in servers.items() if key != "jupyter_token")
    # the TLS server also got one plain request that failed its handshake (never reaches the handler)
    assert sink.api_calls["http:GET"] == plain + len(servers["jupyter_token"].seen) + 1


def test_every_imitation_is_classified_over_the_network(probed) -> None:
    servers, sink, collector = probed
    by_port = {r.port: r for r in sink.resources if isinstance(r, Service)}
    for key, (service, product, version, auth, detail) in EXPECTED.items():
        found = by_port.get(servers[key].port)
        assert found is not None, key
        assert (found.service, found.product, found.version, found.auth_required) == (service, product, version, auth), key
        assert found.auth_detail is not None and found.auth_detail.startswith(detail)
    nginx = next(o for o in collector.outcomes if o.target.port == servers["nginx_default"].port)
    assert nginx.state == "http" and nginx.service is None


def test_tls_fallback_and_inspection(probed) -> None:
    servers, sink, _ = probed
    svc = next(r for r in sink.resources if isinstance(r, Service) and r.port == servers["jupyter_token"].port)
    assert svc.url.startswith("https://") and svc.tls is True
    assert svc.tls_info is not None and svc.tls_info.version == "TLSv1.3"
    assert (svc.tls_info.cert_expired, svc.tls_info.cert_self_signed, svc.tls_info.cert_name_mismatch) == (False, False, False)
    assert "chain not trusted" in (svc.tls_info.detail or "")  # the test CA was not given
    plain = next(r for r in sink.resources if isinstance(r, Service) and r.port == servers["mlflow_open"].port)
    assert plain.tls is False and plain.tls_info is None


def test_host_header_is_presented_on_every_request() -> None:
    with RecordingServer(RECORDED["mlflow_host_guard"]) as server:
        collector = EndpointCollector([f"127.0.0.1:{server.port}"], timeout=2.0, host_header="ml.example.com")
        sink = CollectionSink()
        collector.collect(sink)
    assert server.seen and {s.headers.get("Host") for s in server.seen} == {"ml.example.com"}
    [svc] = [r for r in sink.resources if isinstance(r, Service)]
    assert svc.auth_required is None and (svc.auth_detail or "").startswith("host guard")
