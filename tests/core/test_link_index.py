"""The joins give the same answers whether the estate is a list (held in memory) or a streamed
inventory indexed on disk (``auditor.link_index``), including which resource wins a shared key."""

from __future__ import annotations

from pathlib import Path

from auditor.demo import bundled_inventories
from auditor.evaluation import InventoryFileResources, linked, write_inventory
from auditor.linking import link
from auditor.resources import (
    Bucket,
    ClusterExposure,
    FirewallRule,
    Instance,
    MLWorkload,
    PortRange,
    Ref,
    Resource,
    Role,
    Service,
)

ACCOUNT = "123456789012"
ADMIN = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
WRITES = {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::models/*"}]}


def _ref(rid: str, name: str, cloud: str = "aws") -> Ref:
    if cloud == "kubernetes":
        return Ref(provider="kubernetes", id=rid, name=name)
    return Ref(provider=cloud, cloud=cloud, account=ACCOUNT, id=rid, name=name)  # type: ignore[arg-type]


def _service(host: str, port: int, auth: bool | None) -> Service:
    url = f"http://{host}:{port}"
    return Service(ref=Ref(provider="network", id=url, name=url), url=url, host=host, port=port,
                   service="jupyter_server", auth_required=auth)


def _estate() -> list[Resource]:
    sub = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts"
    return [
        _service("54.1.2.3", 8888, False),
        _service("10.0.0.7", 8888, None),       # the second instance with this address wins
        _service("34.9.9.9", 443, True),        # behind a Kubernetes load balancer, probed twice
        _service("34.9.9.9", 8443, False),
        _service("lb.example.com", 443, None),  # an ingress host
        Instance(ref=_ref("i-1", "first"), public_ips=["54.1.2.3"], private_ips=["10.0.0.7"], firewall_rules=["sg-1"]),
        FirewallRule(ref=_ref("sg-1", "open"), world_open_ports=[PortRange(protocol="tcp", start=8000, end=9000)]),
        FirewallRule(ref=_ref("sg-2", "unreadable"), world_open_ports=None, attached_to=["i-2"]),
        Instance(ref=_ref("i-2", "second"), public_ips=["54.7.7.7"], private_ips=["10.0.0.7"]),
        ClusterExposure(ref=_ref("svc/ml/ray", "ray", "kubernetes"), object_kind="Service", namespace="ml",
                        exposure="load_balancer", addresses=["34.9.9.9"], ports=[443, 8443], open_to_world=True),
        ClusterExposure(ref=_ref("ing/ml/ui", "ui", "kubernetes"), object_kind="Ingress", namespace="ml",
                        exposure="ingress", addresses=["LB.example.com"], ports=[443], open_to_world=False,
                        source_ranges=["10.0.0.0/8"]),
        MLWorkload(ref=_ref("model/m1", "m1"), workload_type="model", role="arn:aws:iam::1:role/serve",
                   artifact_buckets=["s3://models/prefix"]),
        MLWorkload(ref=_ref("agent/a1", "a1"), workload_type="agent", role="arn:aws:iam::1:role/serve",
                   action_roles=["arn:aws:iam::1:role/admin", "arn:aws:iam::1:role/missing"]),
        MLWorkload(ref=_ref("kb/k1", "k1"), workload_type="knowledge_base", source_buckets=["arn:aws:s3:::docs"],
                   backing_store="store/s1"),
        MLWorkload(ref=_ref("store/s1", "s1"), workload_type="vector_store", public_access=True, public_via="public network"),
        MLWorkload(ref=_ref(f"{sub}/../ai", "ai", "azure"), workload_type="ai_account", invocation_logging=True,
                   log_targets=[f"{sub.lower()}/logs"]),
        Role(ref=_ref("arn:aws:iam::1:role/serve", "serve"), is_admin=False, wildcard_data_access=False,
             policy_documents=[WRITES]),
        Role(ref=_ref("arn:aws:iam::1:role/admin", "admin"), is_admin=True, admin_via="Action *",
             wildcard_data_access=True, policy_documents=[ADMIN]),
        Role(ref=_ref("arn:aws:iam::1:role/serve", "serve-again"), is_admin=True, policy_documents=[ADMIN]),  # first wins
        Bucket(ref=_ref("arn:aws:s3:::models", "models"), public_write=False, public_read=False),
        Bucket(ref=_ref("arn:aws:s3:::models-copy", "models"), public_write=True),  # same name: the first wins
        Bucket(ref=_ref("arn:aws:s3:::docs/c", "docs"), scope="container", public_read=True),  # containers never join
        Bucket(ref=_ref("arn:aws:s3:::docs", "docs"), public_read=True, public_write=False, public_via="bucket policy"),
        Bucket(ref=_ref(f"{sub}/logs", "logs", "azure"), scope="account", public_read=False, encryption="customer_managed"),
    ]


class _Stream:
    """Re-iterable and not a Sequence: the streamed path."""

    def __init__(self, resources: list[Resource]) -> None:
        self.resources = resources

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.resources)


def _dumps(resources: object) -> list[dict[str, object]]:
    return [r.model_dump(mode="json") for r in resources]  # type: ignore[attr-defined]


def test_the_joins_change_what_they_should() -> None:
    joined = {(r.kind, r.ref.id): r for r in link(_estate())}
    first = joined[("Service", "http://54.1.2.3:8888")]
    assert first.exposed_to_world is True and "rule open opens tcp/8000-9000" in first.exposed_via  # type: ignore[attr-defined]
    second = joined[("Service", "http://10.0.0.7:8888")]
    assert second.exposed_to_world is None and "sg-2" in second.exposed_via  # type: ignore[attr-defined]
    assert joined[("ClusterExposure", "svc/ml/ray")].linked_endpoints == [  # type: ignore[attr-defined]
        "http://34.9.9.9:443", "http://34.9.9.9:8443"]
    assert joined[("ClusterExposure", "svc/ml/ray")].probe_auth_required is False  # type: ignore[attr-defined]
    assert joined[("Service", "http://lb.example.com:443")].exposed_to_world is False  # type: ignore[attr-defined]
    assert joined[("MLWorkload", "model/m1")].exposure_chain[1:] == [  # type: ignore[attr-defined]
        "role serve", "s3:PutObject on arn:aws:s3:::models/*", "artifact bucket models"]
    agent = joined[("MLWorkload", "agent/a1")]
    assert agent.role_admin is True and "admin" in agent.role_detail  # type: ignore[attr-defined]
    assert joined[("MLWorkload", "kb/k1")].exposure_chain[1].startswith(  # type: ignore[attr-defined]
        "data source bucket docs readable by anyone")
    logs = next(r for r in joined.values() if r.ref.name == "ai")
    assert (logs.log_public, logs.log_customer_key) == (False, True)  # type: ignore[attr-defined]


def test_a_stream_joins_as_a_list_does() -> None:
    estate = _estate()
    assert _dumps(linked(_Stream(estate))) == _dumps(link(estate))


def test_a_streamed_inventory_file_joins_as_a_list_does(tmp_path: Path) -> None:
    recorded, _errors, _calls, _sources = bundled_inventories()
    estate = [*_estate(), *recorded]
    path = tmp_path / "inventory.json"
    write_inventory(path, estate, [], {}, sources=["aws"], scope="test", collected=None)
    from_file = InventoryFileResources(path)
    assert _dumps(linked(from_file)) == _dumps(link(list(from_file)))
    assert _dumps(link(list(from_file))) != _dumps(list(from_file))  # the joins did change something


def test_an_estate_with_nothing_to_join_streams_unchanged(tmp_path: Path) -> None:
    estate = [r for r in _estate() if isinstance(r, (Bucket, Role))]
    assert _dumps(linked(_Stream(estate))) == _dumps(estate)


def test_an_inventory_line_reads_back_as_the_resource_it_was_whatever_its_layout() -> None:
    import json

    import pytest

    from auditor.resources import resource_from_dict, resource_from_json
    from auditor.result_stream import resource_json

    recorded, _errors, _calls, _sources = bundled_inventories()
    for resource in [*_estate(), *recorded]:
        line = resource_json(resource)
        assert resource_from_json(line) == resource
        data = json.loads(line)
        reordered = json.dumps({**{k: v for k, v in data.items() if k != "kind"}, "kind": data["kind"]}).encode()
        assert resource_from_json(reordered) == resource_from_dict(data) == resource  # kind last: the slow path
    with pytest.raises(ValueError, match="unknown resource kind"):
        resource_from_json(b'{"kind":"Nope","ref":{}}')
    with pytest.raises(ValueError):
        resource_from_json(b'{"kind":"Bucket","ref":{"provider":"aws","id":"x","name":"x"},"colour":"red"}')
