"""One estate scan of a cluster and the endpoints its load balancers were given: the probe of the
Ray head's address and KubeRay's Service are one exposure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the endpoint imitation servers

from endpoints.imitation import RecordingServer
from endpoints.recorded import RECORDED
from estate import raycluster
from fake_api import FakeCluster, serve, write_kubeconfig


def test_estate_links_the_probe_and_the_load_balancer(tmp_path: Path) -> None:
    with RecordingServer(RECORDED["ray_open"]) as ray:
        objects = [*raycluster("ml", hardened=False), {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "train-head-svc", "namespace": "ml",
                         "ownerReferences": [{"apiVersion": "ray.io/v1", "kind": "RayCluster", "name": "train", "uid": "u"}]},
            "spec": {"type": "LoadBalancer", "ports": [{"port": ray.port, "targetPort": 8265}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}}]
        # the head's dashboard port is the one the load balancer forwards
        objects[0]["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": ray.port}]
        with serve(FakeCluster(objects=objects)) as url:
            kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url)
            config = tmp_path / "auditor.yaml"
            config.write_text(yaml.safe_dump({"version": 1, "name": "ml-platform", "sources": {
                "k8s": {"kubeconfig": str(kubeconfig)},
                "endpoints": {"targets": [f"127.0.0.1:{ray.port}"]}}}))
            out = tmp_path / "result.json"
            done = subprocess.run([sys.executable, "-m", "auditor", "scan", "--config", str(config), "--no-store",
                                   "-f", "json", "--output", str(out)], capture_output=True, text=True, timeout=120)
        assert {s.method for s in ray.seen} <= {"GET", "HEAD"}
    assert done.returncode == 1, done.stdout + done.stderr
    findings = json.loads(out.read_text())["findings"]
    by = {(f["check_id"], f["resource_id"]): f for f in findings}
    probe = by[("service_exposed_to_world", f"http://127.0.0.1:{ray.port}")]
    assert probe["status"] == "fail" and "Kubernetes Service ml/train-head-svc" in probe["message"]
    k8s = by[("k8s_ml_service_exposed", "Service/ml/train-head-svc")]
    assert k8s["status"] == "fail"
    evidence = json.dumps(k8s.get("evidence", {}))
    assert "answered without authentication" in evidence and f"127.0.0.1:{ray.port}" in evidence
