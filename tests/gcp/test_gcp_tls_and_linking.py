"""GCP over https with a private CA (--ca-bundle), and GCP instances joined with probed services."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from google.auth.credentials import AnonymousCredentials

from auditor.collectors.base import CollectionSink
from auditor.collectors.gcp import GcpCollector
from auditor.linking import link
from auditor.resources import Provider, Ref, Service
from gcp.fake_gcp import FakeGcp, ml_team_project


@pytest.fixture
def tls_fake(tmp_path: Path) -> Iterator[tuple[FakeGcp, str]]:
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with FakeGcp([ml_team_project()], ssl_context=ctx) as fake:
        yield fake, str(ca_file)


def test_rest_apis_over_https_with_a_ca_bundle(tls_fake: tuple[FakeGcp, str]) -> None:
    fake, ca_file = tls_fake
    assert fake.api.url.startswith("https://")
    sink = CollectionSink()
    GcpCollector(["ml-research-prod"], credentials=AnonymousCredentials(), endpoints=fake.endpoints(), ca_bundle=ca_file,
                 regions=["us-central1"]).collect(sink)
    assert sink.errors == []
    assert any(r.kind == "FirewallRule" for r in sink.resources)


def test_untrusted_https_endpoint_is_an_error_not_a_pass(tls_fake: tuple[FakeGcp, str]) -> None:
    fake, _ = tls_fake
    sink = CollectionSink()
    GcpCollector(["ml-research-prod"], credentials=AnonymousCredentials(), endpoints=fake.endpoints(),
                 regions=["us-central1"]).collect(sink)
    failed = {e.operation for e in sink.errors}
    assert {"compute:firewalls.list", "cloudresourcemanager:projects.getIamPolicy"} <= failed
    assert all("SSL" in e.message or "certificate" in e.message.lower() for e in sink.errors)
    assert not any(r.kind == "FirewallRule" for r in sink.resources)


def test_gcp_instance_exposes_a_probed_service(fake_gcp: FakeGcp) -> None:
    sink = CollectionSink()
    GcpCollector(["ml-research-prod"], credentials=AnonymousCredentials(), endpoints=fake_gcp.endpoints(),
                 regions=["us-central1"]).collect(sink)
    ray = Service(ref=Ref(provider=Provider.NETWORK, id="http://34.121.40.17:8265", name="ray"), url="http://34.121.40.17:8265",
                  host="34.121.40.17", port=8265, service="ray")
    closed = Service(ref=Ref(provider=Provider.NETWORK, id="http://34.121.40.17:5000", name="mlflow"), url="http://34.121.40.17:5000",
                     host="34.121.40.17", port=5000, service="mlflow")
    linked = {r.ref.id: r for r in link([*sink.resources, ray, closed]) if isinstance(r, Service)}
    assert linked[ray.ref.id].exposed_to_world is True and "allow-ray-dashboard" in linked[ray.ref.id].exposed_via
    assert linked[closed.ref.id].exposed_to_world is False
