"""Which pods run which ML service: recognised by custom resource, image and port, the way the
endpoint fingerprints recognise services on the network (pure data, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class MLService:
    ml_kind: str
    label: str
    images: tuple[str, ...] = ()  # substrings of the image repository (registry and tag ignored)
    commands: tuple[str, ...] = ()  # regexes over the container's command + args
    ports: tuple[int, ...] = ()  # the ports it serves; what an exposure of them reaches


# Order matters: the first match wins (a Ray image running `mlflow server` is MLflow).
SERVICES: tuple[MLService, ...] = (
    MLService("mlflow", "MLflow", images=("mlflow",), commands=(r"\bmlflow\s+(server|ui)\b",), ports=(5000,)),
    MLService("ray_head", "Ray head", commands=(r"\bray\s+start\b.*--head\b",), ports=(8265, 10001, 6379)),
    MLService("ray_worker", "Ray worker", images=("rayproject/ray", "/ray-ml", "kuberay"), ports=()),
    MLService("jupyterhub", "JupyterHub", images=("jupyterhub/k8s-hub", "jupyterhub/configurable-http-proxy", "/jupyterhub"),
              commands=(r"\bjupyterhub\b", r"configurable-http-proxy"), ports=(8000, 8081)),
    MLService("notebook", "Jupyter", images=("jupyter/", "jupyterlab", "notebook-servers/", "/scipy-notebook", "/kubeflow-notebook"),
              commands=(r"\bjupyter(-lab|-notebook|\s+lab|\s+notebook|\s+server)\b", r"\bstart-notebook\.sh\b"), ports=(8888,)),
    MLService("triton", "Triton Inference Server", images=("tritonserver",), commands=(r"\btritonserver\b",), ports=(8000, 8001, 8002)),
    MLService("torchserve", "TorchServe", images=("torchserve",), commands=(r"\btorchserve\b",), ports=(8080, 8081, 8082)),
    MLService("vllm", "vLLM", images=("vllm/vllm", "vllm-openai"), commands=(r"\bvllm\s+serve\b", r"vllm\.entrypoints"), ports=(8000,)),
    MLService("ollama", "Ollama", images=("ollama/ollama",), commands=(r"\bollama\s+serve\b",), ports=(11434,)),
    MLService("tgi", "Text Generation Inference", images=("text-generation-inference",), ports=(80, 8080)),
    MLService("label_studio", "Label Studio", images=("label-studio",), commands=(r"\blabel-studio\b",), ports=(8080,)),
    MLService("tensorboard", "TensorBoard", images=("tensorboard",), commands=(r"\btensorboard\b",), ports=(6006,)),
    MLService("kubeflow_pipelines", "Kubeflow Pipelines", images=("ml-pipeline/api-server", "ml-pipeline/frontend"), ports=(8888, 3000)),
    MLService("gradio", "Gradio", commands=(r"\bgradio\b",), ports=(7860,)),
    MLService("streamlit", "Streamlit", images=("streamlit",), commands=(r"\bstreamlit\s+run\b",), ports=(8501,)),
)
BY_KIND = {s.ml_kind: s for s in SERVICES}
# Extra kinds recognised only by their custom resource
BY_KIND.setdefault("inference_service", MLService("inference_service", "KServe InferenceService", ports=(80, 8080)))

# Custom resources that are ML workloads whatever their images: (group prefix, kind) -> ml_kind
CUSTOM_RESOURCES = {
    ("ray.io", "RayCluster"): "ray_head",
    ("ray.io", "RayService"): "ray_head",
    ("ray.io", "RayJob"): "ray_head",
    ("kubeflow.org", "Notebook"): "notebook",
    ("serving.kserve.io", "InferenceService"): "inference_service",
}

# Sidecars that put authentication in front of a pod's web service.
AUTH_PROXY_IMAGES = ("oauth2-proxy", "kube-rbac-proxy", "oauth-proxy", "pomerium", "keycloak-gatekeeper", "louketo-proxy",
                     "vouch-proxy", "authelia")

GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu", "google.com/tpu", "habana.ai/gaudi", "aws.amazon.com/neuron")


def image_repository(image: str) -> str:
    """``registry/org/name:tag@sha`` -> ``registry/org/name`` in lower case."""
    name = image.split("@", 1)[0].lower()
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: len(name) - len(last[-1])] + last[-1].split(":", 1)[0]
    return name


def recognise(images: list[str], command_lines: list[str], ports: list[int]) -> tuple[str, str] | None:
    """(ml_kind, how) for a pod's containers, or None when nothing ML-specific is seen."""
    repos = [image_repository(i) for i in images]
    for service in SERVICES:
        for line in command_lines:
            if any(re.search(rx, line) for rx in service.commands):
                return service.ml_kind, f"command `{_short(line)}`"
        for repo in repos:
            if any(part in repo for part in service.images):
                return service.ml_kind, f"image {repo}"
    return None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
