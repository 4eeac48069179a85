"""A small ML platform on Kubernetes, in exposed and hardened variants, as the objects a user
applies (written to manifest files by the tests, served by the loopback API server).

Shapes follow the public docs of each project: KubeRay's RayCluster (ray.io/v1), Kubeflow's
Notebook (kubeflow.org/v1), zero-to-jupyterhub's proxy-public Service, an MLflow Deployment
behind an nginx Ingress, a KServe InferenceService (serving.kserve.io/v1beta1).
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def _meta(name: str, ns: str, **extra: Any) -> Obj:
    return {"name": name, "namespace": ns, **extra}


def raycluster(ns: str, *, hardened: bool) -> list[Obj]:
    head_container: Obj = {
        "name": "ray-head",
        "image": "rayproject/ray:2.40.0-gpu",
        "ports": [{"containerPort": 6379, "name": "gcs"}, {"containerPort": 8265, "name": "dashboard"},
                  {"containerPort": 10001, "name": "client"}],
        "resources": {"limits": {"nvidia.com/gpu": 1}},
    }
    spec: Obj = {
        "rayVersion": "2.40.0",
        "headGroupSpec": {
            "serviceType": "ClusterIP" if hardened else "LoadBalancer",
            "rayStartParams": {"dashboard-host": "0.0.0.0"},
            "template": {"spec": {"containers": [head_container]}},
        },
        "workerGroupSpecs": [{"groupName": "gpu", "replicas": 2,
                              "template": {"spec": {"containers": [{"name": "ray-worker", "image": "rayproject/ray:2.40.0-gpu"}]}}}],
    }
    if hardened:
        spec["authOptions"] = {"mode": "token"}
        head_container["securityContext"] = {"runAsNonRoot": True, "allowPrivilegeEscalation": False}
    else:
        head_container["securityContext"] = {"privileged": True}
        spec["headGroupSpec"]["template"]["spec"]["volumes"] = [{"name": "host", "hostPath": {"path": "/"}}]
        head_container["env"] = [{"name": "WANDB_API_KEY", "value": "4f1c2b9e8d7a6c5b4a3928171615141312111009"}]
    return [{"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": _meta("train", ns), "spec": spec}]


def notebook(ns: str, *, hardened: bool) -> list[Obj]:
    container: Obj = {"name": "nb", "image": "kubeflownotebookswg/jupyter-scipy:v1.9.0", "ports": [{"containerPort": 8888}]}
    containers = [container]
    if hardened:
        containers.append({"name": "oauth2-proxy", "image": "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0", "ports": [{"containerPort": 4180}]})
    else:
        container["args"] = ["start-notebook.sh", "--ServerApp.token=d2f9c1a0b3e4f5a6b7c8d9e0f1a2b3c4"]
    return [{"apiVersion": "kubeflow.org/v1", "kind": "Notebook", "metadata": _meta("alice", ns),
             "spec": {"template": {"spec": {"containers": containers}}}}]


def jupyterhub(ns: str, *, hardened: bool) -> list[Obj]:
    svc: Obj = {"apiVersion": "v1", "kind": "Service", "metadata": _meta("proxy-public", ns),
                "spec": {"type": "LoadBalancer", "selector": {"component": "proxy", "app": "jupyterhub"},
                         "ports": [{"name": "http", "port": 80, "targetPort": 8000}]}}
    if hardened:
        svc["spec"]["loadBalancerSourceRanges"] = ["203.0.113.0/24"]
    proxy: Obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta("proxy", ns),
                  "spec": {"selector": {"matchLabels": {"component": "proxy"}},
                           "template": {"metadata": {"labels": {"component": "proxy", "app": "jupyterhub"}},
                                        "spec": {"containers": [{"name": "chp", "image": "quay.io/jupyterhub/configurable-http-proxy:4.6.2",
                                                                 "ports": [{"containerPort": 8000}]}]}}}}
    return [svc, proxy]


def mlflow(ns: str, *, hardened: bool) -> list[Obj]:
    args = ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000"]
    if hardened:
        args += ["--app-name", "basic-auth"]
    env = [{"name": "MLFLOW_S3_ENDPOINT_URL", "value": "https://s3.example.internal"}]
    env.append({"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {"secretKeyRef": {"name": "s3", "key": "secret"}}} if hardened
               else {"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY1"})
    deploy: Obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta("mlflow", ns),
                   "spec": {"selector": {"matchLabels": {"app": "mlflow"}},
                            "template": {"metadata": {"labels": {"app": "mlflow"}},
                                         "spec": {"containers": [{"name": "mlflow", "image": "ghcr.io/mlflow/mlflow:v2.19.0",
                                                                  "command": args[:2], "args": args[2:],
                                                                  "ports": [{"containerPort": 5000}], "env": env}]}}}}
    svc: Obj = {"apiVersion": "v1", "kind": "Service", "metadata": _meta("mlflow", ns),
                "spec": {"selector": {"app": "mlflow"}, "ports": [{"port": 5000, "targetPort": 5000}]}}
    annotations = {"nginx.ingress.kubernetes.io/auth-url": "https://auth.example.com/oauth2/auth"} if hardened else {}
    ingress: Obj = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                    "metadata": _meta("mlflow", ns, annotations=annotations),
                    "spec": {"ingressClassName": "nginx",
                             "rules": [{"host": "mlflow.example.com", "http": {"paths": [
                                 {"path": "/", "pathType": "Prefix",
                                  "backend": {"service": {"name": "mlflow", "port": {"number": 5000}}}}]}}]}}
    return [deploy, svc, ingress]


def inference(ns: str, *, hardened: bool) -> list[Obj]:
    labels = {"networking.kserve.io/visibility": "cluster-local"} if hardened else {}
    return [{"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
             "metadata": _meta("fraud-model", ns, labels=labels),
             "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "runtime": "kserve-sklearnserver",
                                              "storageUri": "s3://models/fraud/v3"}}}}]


def network_policy(ns: str) -> Obj:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta("default-deny", ns),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}


def namespace(ns: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}


def estate() -> dict[str, list[Obj]]:
    """Manifest file name -> objects: an exposed namespace and a hardened one."""
    files: dict[str, list[Obj]] = {}
    for ns, hardened in (("ml-exposed", False), ("ml-hardened", True)):
        files[f"{ns}/namespace.yaml"] = [namespace(ns)] + ([network_policy(ns)] if hardened else [])
        files[f"{ns}/raycluster.yaml"] = raycluster(ns, hardened=hardened)
        files[f"{ns}/notebook.yaml"] = notebook(ns, hardened=hardened)
        files[f"{ns}/jupyterhub.yaml"] = jupyterhub(ns, hardened=hardened)
        files[f"{ns}/mlflow.yaml"] = mlflow(ns, hardened=hardened)
        files[f"{ns}/inference.yaml"] = inference(ns, hardened=hardened)
    return files


def write_manifests(root: Any) -> None:
    import yaml

    for rel, objects in estate().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump_all(objects, sort_keys=False))
