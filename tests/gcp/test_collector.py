"""The GCP collector with the real google-auth / google-cloud-storage stack against the local estate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from auditor.collectors.base import CollectionSink
from auditor.collectors.gcp import GcpCollector
from auditor.collectors.gcp.api import ALLOWED_OPERATIONS, GcpApi, operation_for
from auditor.resources import (
    AuditTrail,
    Bucket,
    Cluster,
    FirewallRule,
    Instance,
    Key,
    MLWorkload,
    Notebook,
    Role,
)
from gcp.fake_gcp import FakeGcp


def run(fake: FakeGcp, **kw: Any) -> CollectionSink:
    collector = GcpCollector(credentials=AnonymousCredentials(), endpoints=fake.endpoints(), regions=["us-central1"], **kw)
    sink = CollectionSink()
    collector.collect(sink)
    return sink


def by_id(sink: CollectionSink) -> dict[str, Any]:
    return {r.ref.id: r for r in sink.resources}


def assert_allow_listed(fake: FakeGcp) -> None:
    assert fake.requests, "nothing reached the servers"
    outside = [(r.method, r.path) for r in fake.requests if r.path != "/token" and operation_for(r.method, r.path) is None]
    assert outside == [], f"requests outside the allow-list: {outside}"


def test_whole_estate_every_project_and_kind(fake_gcp: FakeGcp) -> None:
    sink = run(fake_gcp)
    assert sink.errors == []
    res = by_id(sink)
    assert {r.ref.account for r in sink.resources} == {"ml-research-prod", "ml-sandbox"}
    kinds = {type(r) for r in sink.resources}
    assert kinds == {AuditTrail, Bucket, Role, Notebook, MLWorkload, FirewallRule, Instance, Key, Cluster}
    assert all(r.ref.provider == "gcp" and r.ref.cloud == "gcp" for r in sink.resources)

    public = res["//storage.googleapis.com/mlr-public-datasets"]
    assert public.public_read is True and public.public_write is False
    assert "allUsers" in public.public_via
    acl = res["//storage.googleapis.com/mlr-model-artifacts"]
    assert acl.acls_enabled is True and acl.public_write is True and "allAuthenticatedUsers" in acl.public_via
    hardened = res["//storage.googleapis.com/mlr-training-data"]
    assert (hardened.public_read, hardened.public_access_block, hardened.encryption) == (False, True, "customer_managed")
    assert hardened.access_logging is True
    assert res["//storage.googleapis.com/mlr-access-logs"].is_log_target is True
    assert res["//storage.googleapis.com/mlr-scratch"].versioning is False  # soft delete set to 0
    binding = res["//storage.googleapis.com/mlr-public-datasets/iamPolicy"]
    assert binding.public_members == ["allUsers (roles/storage.objectViewer)"]

    trainer = res["//iam.googleapis.com/projects/ml-research-prod/serviceAccounts/trainer@ml-research-prod.iam.gserviceaccount.com"]
    assert trainer.is_admin is True and "roles/editor" in trainer.admin_via
    assert [k.created.year for k in trainer.access_keys] == [2025]
    pipeline = res["//iam.googleapis.com/projects/ml-research-prod/serviceAccounts/pipeline@ml-research-prod.iam.gserviceaccount.com"]
    assert pipeline.wildcard_data_access is True and pipeline.is_admin is False
    anyone = res["//cloudresourcemanager.googleapis.com/projects/ml-research-prod/members/allAuthenticatedUsers"]
    assert anyone.public_members == ["allAuthenticatedUsers (roles/viewer)"]

    trails = {r.ref.account: r for r in sink.resources if isinstance(r, AuditTrail)}
    assert trails["ml-research-prod"].enabled is False and trails["ml-sandbox"].enabled is True

    ray = res["//compute.googleapis.com/projects/ml-research-prod/zones/us-central1-a/instances/ray-head-1"]
    assert ray.public_ips == ["34.121.40.17"]
    assert "//compute.googleapis.com/projects/ml-research-prod/global/firewalls/allow-ray-dashboard" in ray.firewall_rules
    assert "//compute.googleapis.com/projects/ml-research-prod/global/firewalls/allow-jupyter-world" not in ray.firewall_rules

    keys = {r.ref.name: r for r in sink.resources if isinstance(r, Key)}
    assert keys.keys() == {"data-key", "legacy-features-key"}  # the signing key cannot auto-rotate
    assert keys["data-key"].rotation_enabled is True and keys["legacy-features-key"].rotation_enabled is False

    wb = {r.ref.name: r for r in sink.resources if isinstance(r, Notebook)}
    assert wb["wb-alice"].direct_internet_access is True and wb["wb-alice"].root_access is True
    hits = wb["wb-alice"].startup_secrets
    assert [h.kind for h in hits] == ["huggingface_token"] and "Qw3rTy8uIoP1aSdFgHjKlZxCvBnM0987654" not in hits[0].redacted
    assert wb["wb-secure"].customer_managed_key is True and wb["wb-secure"].root_access is False

    endpoints = {r.ref.name: r for r in sink.resources if isinstance(r, MLWorkload)}
    assert endpoints["fraud-scoring-endpoint"].public_access is True
    # Vertex AI is used in ml-research-prod and only a dry-run perimeter names it: public
    assert endpoints["Vertex AI in ml-research-prod"].workload_type == "workspace"
    assert endpoints["Vertex AI in ml-research-prod"].public_access is True
    assert "Vertex AI in ml-sandbox" not in endpoints  # no Vertex AI in use there
    assert endpoints["churn-private-endpoint"].customer_managed_key is True

    assert_allow_listed(fake_gcp)


def test_paging_follows_every_token(fake_gcp: FakeGcp) -> None:
    sink = run(fake_gcp)
    # page size 2: 6 firewalls take 3 pages; 3 service accounts 2 pages; 2 projects 1 page
    fw = [r for r in fake_gcp.requests if r.path.endswith("/global/firewalls")]
    assert [r.query.get("pageToken") for r in fw if "ml-research-prod" in r.path] == [None, "2", "4"]
    assert sum(isinstance(r, FirewallRule) for r in sink.resources) == 6
    assert sink.api_calls["compute:firewalls.list"] == 4  # 3 pages + 1 for the empty sandbox
    assert sink.api_calls["storage:buckets.getIamPolicy"] == 5


def test_denied_list_call_is_an_incomplete_error_and_the_rest_goes_on(fake_gcp: FakeGcp) -> None:
    fake_gcp.api.faults.deny.append(r"/projects/ml-research-prod/serviceAccounts$")
    sink = run(fake_gcp, projects=["ml-research-prod"])
    errors = [e for e in sink.errors if e.operation == "iam:serviceAccounts.list"]
    assert len(errors) == 1 and errors[0].incomplete and "access denied" in errors[0].message
    assert errors[0].account == "ml-research-prod"
    roles = {r.ref.id for r in sink.resources if isinstance(r, Role)}
    # project bindings still become roles; the service accounts are not invented
    assert "//cloudresourcemanager.googleapis.com/projects/ml-research-prod/members/user:lead@example.com" in roles
    assert any(isinstance(r, Bucket) for r in sink.resources)


def test_denied_project_policy_leaves_trail_and_bucket_logging_unknown(fake_gcp: FakeGcp) -> None:
    fake_gcp.api.faults.deny.append(r":getIamPolicy$")
    sink = run(fake_gcp, projects=["ml-research-prod"])
    assert not any(isinstance(r, AuditTrail) for r in sink.resources)
    assert any(e.operation == "cloudresourcemanager:projects.getIamPolicy" and e.incomplete for e in sink.errors)
    scratch = by_id(sink)["//storage.googleapis.com/mlr-scratch"]
    assert scratch.access_logging is None  # never a guess that it is logged or not


def test_denied_key_listing_is_a_resource_error_and_keys_unknown(fake_gcp: FakeGcp) -> None:
    fake_gcp.api.faults.deny.append(r"/serviceAccounts/trainer@[^/]+/keys$")
    sink = run(fake_gcp, projects=["ml-research-prod"])
    (err,) = [e for e in sink.errors if e.operation == "iam:serviceAccounts.keys.list"]
    assert err.incomplete is False and err.resource.startswith("trainer@")
    trainer = next(r for r in sink.resources if r.ref.name.startswith("trainer@"))
    assert trainer.access_keys is None


def test_unreadable_perimeters_leave_vertex_exposure_unknown(fake_gcp: FakeGcp) -> None:
    fake_gcp.api.faults.deny.append(r"^/v1/accessPolicies$")
    sink = run(fake_gcp, projects=["ml-research-prod"])
    (err,) = sink.errors
    assert err.resource == "//aiplatform.googleapis.com/projects/ml-research-prod" and not err.incomplete
    workspace = by_id(sink)["//aiplatform.googleapis.com/projects/ml-research-prod"]
    assert workspace.public_access is None


def test_throttling_is_retried(fake_gcp: FakeGcp) -> None:
    fake_gcp.api.faults.throttle[r"/global/firewalls$"] = 2
    sink = run(fake_gcp, projects=["ml-research-prod"])
    assert sink.errors == []
    statuses = [r for r in fake_gcp.api.requests if r.path.endswith("/global/firewalls")]
    assert len(statuses) == 5  # 2 throttled + 3 pages
    assert sink.api_calls["compute:firewalls.list"] == 5  # every attempt is counted
    assert sum(isinstance(r, FirewallRule) for r in sink.resources) == 6


def test_throttling_that_never_ends_becomes_an_error(fake_gcp: FakeGcp) -> None:
    fake_gcp.api.faults.throttle[r"/locations/-/instances$"] = 100
    sink = run(fake_gcp, projects=["ml-research-prod"])
    (err,) = [e for e in sink.errors if e.operation == "notebooks:instances.list"]
    assert "HTTP 429" in err.message and err.incomplete
    assert not any(isinstance(r, Notebook) for r in sink.resources)


def test_storage_denied_bucket_policy_is_unknown_not_private(fake_gcp: FakeGcp) -> None:
    fake_gcp.storage_denied_policies.add("mlr-scratch")
    sink = run(fake_gcp, projects=["ml-research-prod"])
    scratch = by_id(sink)["//storage.googleapis.com/mlr-scratch"]
    assert scratch.public_read is None and scratch.public_write is None
    (err,) = [e for e in sink.errors if e.operation == "storage:buckets.getIamPolicy"]
    assert err.resource == "mlr-scratch" and not err.incomplete and "access denied" in err.message
    # a bucket whose policy was readable is still judged
    assert by_id(sink)["//storage.googleapis.com/mlr-public-datasets"].public_read is True


def test_allow_list_has_no_writes_or_data_reads() -> None:
    for name, op in ALLOWED_OPERATIONS.items():
        assert op.method in ("GET", "POST"), name
        if op.method == "POST":
            assert name.endswith("getIamPolicy"), name
        assert "/o/" not in op.path and "setIamPolicy" not in op.path
    assert operation_for("GET", "/storage/v1/b/x/o/secret.csv") is None
    assert operation_for("POST", "/v3/projects/p:setIamPolicy") is None
    assert operation_for("POST", "/v1/projects/p/serviceAccounts/a@b/keys") is None


def test_api_refuses_an_operation_off_the_list() -> None:
    api = GcpApi(session=None, sink=CollectionSink())
    with pytest.raises(ValueError, match="allow-list"):
        api.call("storage:objects.get", "/storage/v1/b/x/o/y")
    with pytest.raises(ValueError, match="allow-list"):
        api.call("storage:buckets.list", "/storage/v1/b/x/o")


def test_unknown_endpoint_service_is_a_config_error() -> None:
    from auditor.config import ConfigError

    with pytest.raises(ConfigError, match="unknown GCP endpoint"):
        GcpCollector(endpoints={"bigquery": "http://127.0.0.1:1"})


def test_credentials_that_cannot_get_a_token_fail_the_source_clearly(fake_gcp: FakeGcp, tmp_path: Path) -> None:
    from google.oauth2 import service_account

    from auditor.engine import collect

    # a service-account credential whose token endpoint refuses it
    fake_gcp.api.faults.deny.append(r"^/token$")
    info = json.loads(fake_gcp.adc_file(tmp_path / "key.json").read_text())
    creds = service_account.Credentials.from_service_account_info(info, scopes=["https://www.googleapis.com/auth/cloud-platform.read-only"])
    sink = collect([GcpCollector(["ml-research-prod"], credentials=creds, endpoints=fake_gcp.endpoints())])
    (err,) = sink.errors
    assert err.incomplete and "cannot obtain a GCP access token" in err.message
    assert [r.path for r in fake_gcp.requests] == ["/token"]  # no API call went out without a token


def test_cloud_clients_refuse_calls_off_the_list_before_sending(fake_gcp: FakeGcp) -> None:
    from google.cloud.resourcemanager_v3.services.projects import ProjectsClient

    from auditor.collectors.gcp.clients import GcpClients, OperationNotAllowed

    sink = CollectionSink()
    clients = GcpClients(AnonymousCredentials(), sink, fake_gcp.endpoints())
    try:
        projects = clients.projects()
        assert isinstance(projects, ProjectsClient) and projects.transport.kind == "rest"
        with pytest.raises(OperationNotAllowed, match="allow-list"):  # a real client method that writes
            projects.set_iam_policy(request={"resource": "projects/ml-research-prod", "policy": {"bindings": []}}, retry=None)
        with pytest.raises(OperationNotAllowed, match="allow-list"):
            clients.firewalls().delete(project="ml-research-prod", firewall="default-allow-ssh", retry=None)
    finally:
        clients.close()
    assert fake_gcp.api.requests == [] and sink.api_calls == {}
