"""Kubernetes as a source: manifests in `scan iac`, a live cluster through the real `kubernetes`
client against a loopback API server, and the same findings from both."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from estate import estate, write_manifests
from fake_api import FakeCluster, serve, write_kubeconfig

from auditor.collectors.base import CollectionSink

K8S_CHECKS = {
    "k8s_ml_service_exposed", "k8s_inference_public_no_auth", "k8s_ray_no_token_auth", "k8s_notebook_no_auth",
    "k8s_ml_pod_privileged", "k8s_ml_pod_env_secret", "k8s_ml_namespace_no_network_policy",
}


def _objects() -> list[dict[str, Any]]:
    return [obj for objs in estate().values() for obj in objs]


def _cli(*args: str, cwd: Path) -> tuple[int, dict[str, Any], str]:
    out = cwd / f"result-{len(list(cwd.glob('result-*.json')))}.json"
    done = subprocess.run(
        [sys.executable, "-m", "auditor", *args, "--no-store", "-f", "json", "--output", str(out)],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )
    data = json.loads(out.read_text()) if out.exists() else {}
    return done.returncode, data, done.stdout + done.stderr


def _verdicts(result: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (f["check_id"], f["resource_id"], f["status"], f.get("key", ""))
        for f in result.get("findings", [])
        if f["check_id"] in K8S_CHECKS
    }


def _status(verdicts: set[tuple[str, str, str, str]], check: str, resource: str) -> set[str]:
    return {status for c, r, status, _ in verdicts if c == check and r == resource}


def test_live_cluster_and_its_manifests_give_the_same_findings(tmp_path: Path) -> None:
    manifests = tmp_path / "manifests"
    write_manifests(manifests)
    code_iac, iac, out_iac = _cli("scan", "iac", str(manifests), cwd=tmp_path)
    assert code_iac == 1, out_iac  # critical and high failures in the exposed namespace
    cluster = FakeCluster(objects=_objects())
    with serve(cluster) as url:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url)
        code_live, live, out_live = _cli("scan", "k8s", "--kubeconfig", str(kubeconfig), cwd=tmp_path)
    assert code_live == 1, out_live
    assert not live["collection_errors"], live["collection_errors"]
    assert _verdicts(iac) == _verdicts(live)
    assert {m for m, _ in cluster.requests} == {"GET"}

    v = _verdicts(live)
    exposed, hardened = "ml-exposed", "ml-hardened"
    expectations = {
        ("k8s_ml_service_exposed", f"Service/{exposed}/train-head-svc"): {"fail"},
        ("k8s_ml_service_exposed", f"Service/{hardened}/train-head-svc"): set(),  # ClusterIP: not exposed
        ("k8s_ml_service_exposed", f"Ingress/{exposed}/mlflow"): {"fail"},
        ("k8s_ml_service_exposed", f"Ingress/{hardened}/mlflow"): {"pass"},
        ("k8s_ml_service_exposed", f"Service/{exposed}/proxy-public"): {"pass"},  # the hub authenticates
        ("k8s_ray_no_token_auth", f"RayCluster/{exposed}/train"): {"fail"},
        ("k8s_ray_no_token_auth", f"RayCluster/{hardened}/train"): {"pass"},
        ("k8s_notebook_no_auth", f"Notebook/{exposed}/alice"): {"fail"},
        ("k8s_notebook_no_auth", f"Notebook/{hardened}/alice"): {"pass"},
        ("k8s_ml_pod_privileged", f"RayCluster/{exposed}/train"): {"fail"},
        ("k8s_ml_pod_privileged", f"RayCluster/{hardened}/train"): {"pass"},
        ("k8s_ml_pod_env_secret", f"Deployment/{exposed}/mlflow"): {"fail"},
        ("k8s_ml_pod_env_secret", f"Deployment/{hardened}/mlflow"): {"pass"},
        ("k8s_ml_namespace_no_network_policy", f"Namespace/{exposed}"): {"fail"},
        ("k8s_ml_namespace_no_network_policy", f"Namespace/{hardened}"): {"pass"},
        ("k8s_inference_public_no_auth", f"InferenceService/{exposed}/fraud-model/route"): {"fail"},
        ("k8s_inference_public_no_auth", f"InferenceService/{hardened}/fraud-model/route"): {"pass"},
    }
    for (check, resource), want in expectations.items():
        assert _status(v, check, resource) == want, (check, resource, sorted(x for x in v if x[0] == check))
    # secrets are named, never written out
    text = json.dumps(live)
    assert "wJalrXUtnFEMI/K7MDENG" not in text and "d2f9c1a0b3e4f5a6b7c8d9e0f1a2b3c4" not in text
    ray = next(f for f in live["findings"] if f["check_id"] == "k8s_ml_pod_privileged" and f["status"] == "fail")
    assert "GPU node" in ray["message"] and "host paths /" in ray["message"]


def _collect(cluster: FakeCluster, tmp_path: Path, **kwargs: Any) -> CollectionSink:
    from auditor.collectors.k8s.collector import KubernetesCollector

    with serve(cluster) as url:
        collector = KubernetesCollector(kubeconfig=str(write_kubeconfig(tmp_path / "kc", url)), **kwargs)
        collector.prepare()
        sink = CollectionSink()
        collector.collect(sink)
    return sink


def test_pagination_forbidden_namespace_expired_token_and_missing_crd(tmp_path: Path) -> None:
    cluster = FakeCluster(
        objects=_objects(),
        forbidden_cluster_wide={"deployments", "networkpolicies"},
        forbidden_namespaces={"ml-hardened"},
        expire_once={"services"},
        missing_crds={"rayjobs", "rayservices"},
    )
    sink = _collect(cluster, tmp_path, page_size=2)
    ids = {r.ref.id for r in sink.resources}
    # every page of every list was read: the exposed namespace is whole
    assert {"Deployment/ml-exposed/mlflow", "Deployment/ml-exposed/proxy", "Service/ml-exposed/mlflow",
            "Service/ml-exposed/proxy-public", "RayCluster/ml-hardened/train"} <= ids
    assert "Deployment/ml-hardened/mlflow" not in ids
    messages = [e.message for e in sink.errors]
    assert any("deployments in namespace ml-hardened: 403" in m for m in messages), messages
    assert all(not e.incomplete for e in sink.errors)  # one namespace denied: the rest is judged
    assert not any("rayjobs" in m for m in messages)  # a CRD that is not installed is no error
    continues = [p for m, p in cluster.requests if "continue=" in p and "/services" in p]
    assert continues, "pagination never used a continue token"
    # the 410 restarted the services list from the first page
    service_lists = [p for _, p in cluster.requests if p.startswith("/api/v1/services")]
    assert sum("continue=" not in p for p in service_lists) == 2
    hardened = next(r for r in sink.resources if r.ref.id == "Namespace/ml-hardened")
    assert hardened.network_policies is None  # not listable there: unknown, never "none"


def test_the_client_refuses_anything_but_get_before_sending(tmp_path: Path) -> None:
    from auditor.collectors.k8s.collector import ReadOnlyViolation, _read_only_client

    cluster = FakeCluster(objects=_objects())
    with serve(cluster) as url:
        from kubernetes import config as kube_config
        from kubernetes.client import Configuration

        configuration = Configuration()
        kube_config.load_kube_config(config_file=str(write_kubeconfig(tmp_path / "kc", url)), client_configuration=configuration)
        client = _read_only_client(configuration)
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            with pytest.raises(ReadOnlyViolation):
                client.call_api("/api/v1/namespaces/x/pods", method, body={}, auth_settings=["BearerToken"])
        client.close()
    assert cluster.requests == []


def test_clusterrole_in_docs_grants_exactly_what_is_read() -> None:
    from auditor.collectors.k8s.collector import KINDS

    role = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "kubernetes-clusterrole.yaml").read_text())
    granted = {(group, res): set(rule["verbs"]) for rule in role["rules"] for group in rule["apiGroups"] for res in rule["resources"]}
    needed = {("" if k.group_version == "v1" else k.group_version.split("/")[0], k.plural) for k in KINDS}
    assert set(granted) == needed
    assert all(verbs <= {"get", "list", "watch"} for verbs in granted.values())


def test_manifest_variants_and_bad_files(tmp_path: Path) -> None:
    from auditor.collectors.iac import IacCollector

    write_manifests(tmp_path)
    # kubectl get -o yaml output: a List
    (tmp_path / "dump.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "tb", "namespace": "viz"},
         "spec": {"template": {"spec": {"hostNetwork": True, "containers": [{"name": "tb", "image": "tensorflow/tensorboard:2.17",
                                                                          "ports": [{"containerPort": 6006}]}]}}}}]}))
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20))
    (tmp_path / "bomb.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + bomb)
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: [unclosed\n")
    chart = tmp_path / "charts" / "ray"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: ray\nversion: 0.1.0\n")
    (chart / "templates" / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n")
    sink = CollectionSink()
    IacCollector([str(tmp_path)]).collect(sink)
    messages = {e.path: e for e in sink.errors}
    assert "aliases" in messages["bomb.yaml"].message and messages["bomb.yaml"].incomplete
    assert messages["broken.yaml"].line in (3, 4) and messages["broken.yaml"].incomplete
    assert "flow sequence" in messages["broken.yaml"].message
    if shutil.which("helm") is None:
        assert "helm" in messages["charts/ray"].message and not messages["charts/ray"].incomplete
    assert not any("templates/svc.yaml" in (e.path or "") for e in sink.errors)  # a Go template is not read as YAML
    tb = next(r for r in sink.resources if r.ref.id == "Deployment/viz/tb")
    assert tb.ml_kind == "tensorboard" and tb.host_network is True  # type: ignore[attr-defined]
    assert any(r.ref.id == "RayCluster/ml-exposed/train" for r in sink.resources)  # the rest is still judged


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (for `kubectl kustomize`) is not installed")
def test_kustomize_folders_are_rendered(tmp_path: Path) -> None:
    from auditor.collectors.iac import IacCollector

    base = tmp_path / "overlay"
    base.mkdir()
    (base / "kustomization.yaml").write_text("resources: [ray.yaml]\nnamePrefix: prod-\nnamespace: ml\n")
    (base / "ray.yaml").write_text(yaml.safe_dump_all(estate()["ml-exposed/raycluster.yaml"]))
    sink = CollectionSink()
    IacCollector([str(tmp_path)]).collect(sink)
    assert not sink.errors, sink.errors
    ids = {r.ref.id for r in sink.resources}
    assert "RayCluster/ml/prod-train" in ids and "RayCluster/ml-exposed/train" not in ids


def test_same_named_objects_in_separate_files_are_all_judged(tmp_path: Path) -> None:
    """A folder of samples (each file its own app) reuses names: none may hide another."""
    from auditor.collectors.iac import IacCollector

    open_cluster = estate()["ml-exposed/raycluster.yaml"][0]
    with_token = {**open_cluster, "spec": {**open_cluster["spec"], "authOptions": {"mode": "token"}}}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(with_token))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(open_cluster))
    sink = CollectionSink()
    IacCollector([str(tmp_path)]).collect(sink)
    clusters = {r.ref.id: r for r in sink.resources if r.kind == "ClusterWorkload"}
    assert set(clusters) == {"RayCluster/ml-exposed/train", "RayCluster/ml-exposed/train@b.yaml"}
    assert clusters["RayCluster/ml-exposed/train"].auth_enabled is True  # type: ignore[attr-defined]
    assert clusters["RayCluster/ml-exposed/train@b.yaml"].auth_enabled is False  # type: ignore[attr-defined]
    services = {r.ref.id: r for r in sink.resources if r.kind == "ClusterExposure"}
    # each head Service reaches its own cluster
    assert services["Service/ml-exposed/train-head-svc@b.yaml"].backends == ["RayCluster/ml-exposed/train@b.yaml"]  # type: ignore[attr-defined]
    assert services["Service/ml-exposed/train-head-svc"].backends == ["RayCluster/ml-exposed/train"]  # type: ignore[attr-defined]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (for `kubectl kustomize`) is not installed")
def test_kustomize_overlays_render_once_and_remote_bases_are_never_fetched(tmp_path: Path) -> None:
    from auditor.collectors.iac import IacCollector

    base, overlay, component, remote = (tmp_path / d for d in ("base", "overlay", "component", "remote"))
    for folder in (base, overlay, component, remote):
        folder.mkdir()
    (base / "kustomization.yaml").write_text("resources: [ray.yaml]\n")
    (base / "ray.yaml").write_text(yaml.safe_dump_all(estate()["ml-exposed/raycluster.yaml"]))
    (component / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n- pairs: {team: ml}\n")
    (overlay / "kustomization.yaml").write_text("resources: [../base]\ncomponents: [../component]\nnamespace: prod\n")
    # a base on a public host: rendering it would need the network
    (remote / "kustomization.yaml").write_text("resources:\n- https://github.com/example/ml-platform//deploy?ref=v1\n")
    sink = CollectionSink()
    IacCollector([str(tmp_path)]).collect(sink)
    ids = sorted(r.ref.id for r in sink.resources if r.kind == "ClusterWorkload")
    assert ids == ["RayCluster/prod/train"], ids  # the overlay, once; neither the base nor the component alone
    (error,) = sink.errors
    assert error.path == "remote" and error.incomplete
    assert "remote resource https://github.com/example/ml-platform" in error.message and "never fetches" in error.message


def test_an_api_server_that_never_answers_ends_at_the_read_timeout(tmp_path: Path) -> None:
    """A listening socket that never answers: the scan ends with a collection error, not a hang."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        kubeconfig = write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "auditor", "scan", "k8s", "--kubeconfig", str(kubeconfig), "--read-timeout", "0.5",
             "--max-attempts", "1", "--no-store", "-f", "json", "--output", str(tmp_path / "r.json")],
            capture_output=True, text=True, timeout=120,
        )
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert done.returncode == 3, done.stdout + done.stderr
    assert "API server not reachable" in done.stderr and "Traceback" not in done.stderr
    assert elapsed < 60
