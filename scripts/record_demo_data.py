"""Record the GCP, Azure and Kubernetes demo inventories.

Runs the real GCP and Azure collectors against the local test estates (gcp-storage-emulator and
the loopback REST/ARM fakes from the test suite: an ML team's project and subscription with a mix
of hardened and misconfigured resources) and writes what they collected, in the inventory format
of ``--save-inventory``, to ``auditor/demo_data/{gcp,azure}.inventory.json``. ``auditor demo``
evaluates those files with the same engine, so the demo shows three clouds without an emulator
or a test server at run time.

    .venv/bin/python scripts/record_demo_data.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "azure"), str(ROOT / "tests" / "k8s")]

from auditor.collectors.base import CollectionSink  # noqa: E402
from auditor.result import InventoryFile, inventory_to_list  # noqa: E402

OUT = ROOT / "auditor" / "demo_data"


def _write(name: str, source: str, scope: str, sink: CollectionSink, collected: datetime,
           sources: list[str] | None = None) -> Path:
    if sink.errors:
        raise SystemExit(f"{source}: the recording had collection errors: {sink.errors}")
    inventory = InventoryFile(
        sources=sources or [source], scope=scope, collected=collected,
        inventory=inventory_to_list(sorted(sink.resources, key=lambda r: (r.kind, r.ref.id))),
        collection_errors=[], api_calls=dict(sorted(sink.api_calls.items())),
    )
    path = OUT / name
    path.write_text(inventory.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def record_gcp() -> Path:
    from gcp.fake_gcp import FakeGcp, ml_team_project
    from google.auth.credentials import AnonymousCredentials

    from auditor.collectors.gcp import GcpCollector

    with FakeGcp([ml_team_project("acme-ml-research")], page_size=50) as fake:
        collector = GcpCollector(["acme-ml-research"], credentials=AnonymousCredentials(), endpoints=fake.endpoints(), regions=["us-central1"])
        sink = CollectionSink()
        started = datetime.now(UTC).replace(microsecond=0)
        collector.collect(sink)
    return _write("gcp.inventory.json", "gcp", collector.scope(), sink, started)


def record_azure() -> Path:
    import trustme
    from fake_arm import FakeArm, StaticTokenCredential, ml_team_subscription

    from auditor.collectors.azure import AzureCollector

    with FakeArm([ml_team_subscription()], trustme.CA(), page_size=50) as fake, tempfile.TemporaryDirectory() as tmp:
        ca = fake.write_ca(Path(tmp) / "ca.pem")
        sub = next(iter(fake.subs))
        collector = AzureCollector([sub], credential=StaticTokenCredential(), resource_manager_url=fake.arm.url, ca_bundle=str(ca))
        sink = CollectionSink()
        started = datetime.now(UTC).replace(microsecond=0)
        collector.collect(sink)
    return _write("azure.inventory.json", "azure", collector.scope(), sink, started)


# The demo cluster's Ray head: the load balancer address KubeRay's head Service was given, and
# the address the endpoint probe reached it at (documentation range, replacing the loopback one).
DEMO_LB_ADDRESS = "203.0.113.50"


def record_k8s() -> Path:
    """The ML platform's cluster through the Kubernetes collector (loopback API server) and its
    Ray dashboard through the endpoint prober (a loopback server answering like an open Ray)."""
    from endpoints.imitation import RecordingServer
    from endpoints.recorded import RECORDED
    from estate import inference, jupyterhub, mlflow, namespace, notebook, raycluster
    from fake_api import FakeCluster, serve, write_kubeconfig

    from auditor.collectors.endpoints import EndpointCollector
    from auditor.collectors.k8s.collector import KubernetesCollector
    from auditor.resources import Ref, Service

    ns = "ml-platform"
    objects = [namespace(ns), *raycluster(ns, hardened=False), *notebook(ns, hardened=False), *jupyterhub(ns, hardened=True),
               *mlflow(ns, hardened=False), *inference(ns, hardened=False)]
    # the Service KubeRay created for the head, with the address its load balancer was given
    objects.append({"apiVersion": "v1", "kind": "Service", "metadata": {
        "name": "train-head-svc", "namespace": ns,
        "ownerReferences": [{"apiVersion": "ray.io/v1", "kind": "RayCluster", "name": "train", "uid": "uid-train"}]},
        "spec": {"type": "LoadBalancer", "selector": {"ray.io/cluster": "train", "ray.io/node-type": "head"},
                 "ports": [{"port": 8265, "targetPort": 8265}]},
        "status": {"loadBalancer": {"ingress": [{"ip": DEMO_LB_ADDRESS}]}}})
    sink = CollectionSink()
    started = datetime.now(UTC).replace(microsecond=0)
    with serve(FakeCluster(objects=objects)) as url, tempfile.TemporaryDirectory() as tmp:
        collector = KubernetesCollector(kubeconfig=str(write_kubeconfig(Path(tmp) / "kubeconfig", url, "ml-platform-prod")))
        collector.prepare()
        collector.collect(sink)
    with RecordingServer(RECORDED["ray_open"]) as ray:
        probe = EndpointCollector([f"127.0.0.1:{ray.port}"])
        probe.collect(sink)
    url = f"http://{DEMO_LB_ADDRESS}:8265"
    sink.resources = [
        r.model_copy(update={"ref": Ref(**{**r.ref.model_dump(), "id": url, "name": f"{DEMO_LB_ADDRESS}:8265"}),
                             "url": url, "host": DEMO_LB_ADDRESS, "port": 8265})
        if isinstance(r, Service) else r
        for r in sink.resources
    ]
    sink.api_calls["http:GET"] = sink.api_calls.get("http:GET", 0)
    return _write("k8s.inventory.json", "k8s", collector.scope(), sink, started, sources=["k8s", "endpoints"])


def main(only: set[str] | None = None) -> None:
    """Record every inventory, or those named (gcp, azure, k8s)."""
    OUT.mkdir(parents=True, exist_ok=True)
    recorders = {"gcp": record_gcp, "azure": record_azure, "k8s": record_k8s}
    for path in (recorder() for name, recorder in recorders.items() if not only or name in only):
        print(f"wrote {path}")


if __name__ == "__main__":
    main(set(sys.argv[1:]))
