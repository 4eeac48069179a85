"""Answers of ML services as recorded from real servers or their documentation (ENDPOINTS.md).

service key -> {path: (status, headers, body)}. Unit tests feed them to the fingerprint logic
directly; the safety test serves them from a recording loopback HTTP server.
"""

from __future__ import annotations

import json
from typing import Any

Answer = tuple[int, dict[str, str], str]
JSON = {"content-type": "application/json"}
TORNADO = {"server": "TornadoServer/6.5.2"}
TORNADO_JSON = {**TORNADO, **JSON}
LAB_PAGE = '<html><head><title>JupyterLab</title><script id="jupyter-config-data" type="application/json">{"appName": "JupyterLab", "appVersion": "4.6.6"}</script></head></html>'
MLFLOW_401 = (401, {"www-authenticate": 'Basic realm="mlflow"', "server": "uvicorn"},
              "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html")
TS_TOKEN = (400, JSON, json.dumps({"code": 400, "type": "InvalidKeyException",
                                   "message": "Token Authorization failed. Token either incorrect, expired, or not provided correctly"}))


def j(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return status, {**JSON, **(headers or {})}, json.dumps(data)


RECORDED: dict[str, dict[str, Answer]] = {
    "jupyter_open": {
        "/": (302, {**TORNADO, "location": "/lab"}, ""),
        "/api": j({"version": "2.21.1"}, headers=TORNADO),
        "/api/kernels": j([], headers=TORNADO),
        "/lab": (200, TORNADO, LAB_PAGE),
    },
    "jupyter_token": {
        "/": (302, {**TORNADO, "location": "/login?next=%2Ftree"}, ""),
        "/api": j({"version": "2.21.1"}, headers=TORNADO),
        "/api/kernels": j({"message": "Forbidden", "reason": None}, 403, TORNADO),
        "/lab": (302, {**TORNADO, "location": "/login?next=%2Flab"}, ""),
        "/tree": (302, {**TORNADO, "location": "/login?next=%2Ftree"}, ""),
    },
    "jupyter_host_guard": {  # bound to loopback, reached under another Host name
        "/": j({"message": "Forbidden", "reason": None}, 403, TORNADO),
        "/api": j({"message": "Forbidden", "reason": None}, 403, TORNADO),
        "/api/kernels": j({"message": "Forbidden", "reason": None}, 403, TORNADO),
    },
    "notebook6": {
        "/api": j({"version": "6.5.7"}, headers=TORNADO),
        "/api/kernels": j([], headers=TORNADO),
    },
    "jupyterhub": {
        "/hub/api": j({"version": "5.3.0"}),
        "/hub/api/users": j({"status": 403, "message": "Missing or invalid credentials."}, 403),
    },
    "mlflow_open": {
        "/": (200, {"server": "uvicorn"}, '<!doctype html><html><head><title>MLflow</title></head><body><div id="root" class="mlflow-ui-container"></div></body></html>'),
        "/version": (200, {"server": "uvicorn"}, "3.17.2"),
        "/health": (200, {}, "OK"),
        "/api/2.0/mlflow/experiments/search?max_results=1": j({"experiments": [{"experiment_id": "0", "name": "Default"}]}),
    },
    "mlflow_auth": {
        "/": MLFLOW_401,
        "/version": MLFLOW_401,
        "/health": (200, {}, "OK"),
        "/api/2.0/mlflow/experiments/search?max_results=1": MLFLOW_401,
    },
    "mlflow_host_guard": {  # MLflow >= 3.5 reached under a public name
        "/": (403, {"content-type": "text/plain"}, "Invalid Host header - possible DNS rebinding attack detected"),
        "/version": (200, {}, "3.17.2"),
        "/health": (200, {}, "OK"),
        "/api/2.0/mlflow/experiments/search?max_results=1": (403, {"content-type": "text/plain"}, "Invalid Host header - possible DNS rebinding attack detected"),
    },
    "ray_open": {
        "/": (200, {"server": "Python/3.11 aiohttp/3.13.2"}, "<!doctype html><html><head><title>Ray Dashboard</title></head></html>"),
        "/api/version": j({"version": "4", "ray_version": "2.60.0", "ray_commit": "abc"}),
        "/api/jobs/": j([]),
    },
    "ray_token": {
        "/": (200, {}, "<!doctype html><html><head><title>Ray Dashboard</title></head></html>"),
        "/api/version": (401, {}, "Unauthorized: Missing authentication token"),
        "/api/jobs/": (401, {}, "Unauthorized: Missing authentication token"),
    },
    "tensorboard": {
        "/": (200, {"server": "Werkzeug/3.1"}, "<html><head><title>TensorBoard</title></head></html>"),
        "/data/environment": j({"version": "2.21.0", "data_location": "/logs"}),
        "/data/plugins_listing": j({"scalars": {"loading_mechanism": {}}}),
    },
    "torchserve_management": {
        "/models": j({"models": [{"modelName": "resnet", "modelUrl": "resnet.mar"}]}),
        "/api-description": j({"openapi": "3.0.1", "info": {"title": "TorchServe APIs", "version": "0.12.0"}}),
    },
    "torchserve_inference": {
        "/ping": j({"status": "Healthy"}),
        "/api-description": j({"openapi": "3.0.1", "info": {"title": "TorchServe APIs", "version": "0.8.1"}}),
    },
    "torchserve_token": {
        "/ping": TS_TOKEN,
        "/models": TS_TOKEN,
        "/api-description": TS_TOKEN,
    },
    "triton": {
        "/v2": j({"name": "triton", "version": "2.45.0", "extensions": ["classification", "model_repository"]}),
        "/v2/models/stats": j({"model_stats": []}),
    },
    "ollama": {
        "/": (200, {"content-type": "text/plain"}, "Ollama is running"),
        "/api/version": j({"version": "0.1.33"}),
        "/api/tags": j({"models": []}),
    },
    "vllm_key": {
        "/version": j({"version": "0.8.4"}),
        "/v1/models": j({"error": "Unauthorized"}, 401),
    },
    "openai_compatible": {
        "/v1/models": j({"object": "list", "data": [{"id": "llama", "object": "model"}]}),
    },
    "gradio": {
        "/": (200, {"server": "uvicorn"}, '<html><script>window.gradio_config = {"version":"4.10.0","mode":"blocks"};</script><gradio-app></gradio-app></html>'),
        "/config": j({"version": "4.10.0", "mode": "blocks", "components": []}),
    },
    "streamlit": {
        "/": (200, {}, "<!doctype html><html><head><title>Streamlit</title></head></html>"),
        "/_stcore/host-config": j({"allowedOrigins": ["*.streamlit.app"], "useExternalAuthToken": False}),
    },
    "kubeflow": {
        "/": (200, {}, "<html><head><title>Kubeflow Central Dashboard</title></head></html>"),
        "/api/workgroup/env-info": (302, {"location": "/dex/auth"}, ""),
    },
    "label_studio": {
        "/version": j({"release": "1.9.1", "label-studio-os-package": {"version": "1.9.1"}}),
        "/api/projects": j({"detail": "Authentication credentials were not provided."}, 401),
    },
    "clearml": {
        "/": (200, {"server": "nginx"}, "<html><title>ClearML</title><body>ClearML - automate and orchestrate your ML stack</body></html>"),
        "/projects.get_all": j({"meta": {"result_code": 401, "result_msg": "Unauthorized (missing credentials)"}}, 401),
    },
    "nginx_default": {
        "/": (200, {"server": "nginx"}, "<html><head><title>Welcome to nginx!</title></head></html>"),
    },
}

# key -> (service id, product, version, auth_required, auth_detail starts with)
EXPECTED: dict[str, tuple[str, str, str | None, bool | None, str]] = {
    "jupyter_open": ("jupyter_server", "JupyterLab", "2.21.1", False, "GET /api/kernels -> 200"),
    "jupyter_token": ("jupyter_server", "Jupyter Server", "2.21.1", True, "GET /api/kernels -> 403"),
    "jupyter_host_guard": ("jupyter_server", "Jupyter Server", None, None, "host guard"),
    "notebook6": ("jupyter_notebook_classic", "Jupyter Notebook (classic)", "6.5.7", False, "GET /api/kernels -> 200"),
    "jupyterhub": ("jupyterhub", "JupyterHub", "5.3.0", True, "GET /hub/api/users -> 403"),
    "mlflow_open": ("mlflow", "MLflow", "3.17.2", False, "GET /api/2.0/mlflow/experiments/search?max_results=1 -> 200"),
    "mlflow_auth": ("mlflow", "MLflow (basic-auth)", None, True, "GET /api/2.0/mlflow/experiments/search?max_results=1 -> 401"),
    "mlflow_host_guard": ("mlflow", "MLflow", "3.17.2", None, "host guard"),
    "ray_open": ("ray", "Ray dashboard", "2.60.0", False, "GET /api/jobs/ -> 200"),
    "ray_token": ("ray", "Ray dashboard", None, True, "GET /api/jobs/ -> 401"),
    "tensorboard": ("tensorboard", "TensorBoard", "2.21.0", False, "GET /data/plugins_listing -> 200"),
    "torchserve_management": ("torchserve_management", "TorchServe management API", "0.12.0", False, "GET /models -> 200"),
    "torchserve_inference": ("torchserve_inference", "TorchServe inference API", "0.8.1", False, "GET /api-description -> 200"),
    "torchserve_token": ("torchserve", "TorchServe (token auth)", None, True, "GET /models -> 400"),
    "triton": ("triton", "NVIDIA Triton Inference Server", "2.45.0", False, "GET /v2/models/stats -> 200"),
    "ollama": ("ollama", "Ollama", "0.1.33", False, "GET /api/tags -> 200"),
    "vllm_key": ("vllm", "vLLM", "0.8.4", True, "GET /v1/models -> 401"),
    "openai_compatible": ("openai_compatible", "OpenAI-compatible API", None, False, "GET /v1/models -> 200"),
    "gradio": ("gradio", "Gradio", "4.10.0", False, "GET /config -> 200"),
    "streamlit": ("streamlit", "Streamlit", None, False, "GET /_stcore/host-config -> 200"),
    "kubeflow": ("kubeflow", "Kubeflow Central Dashboard", None, True, "GET /api/workgroup/env-info -> 302"),
    "label_studio": ("label_studio", "Label Studio", "1.9.1", True, "GET /api/projects -> 401"),
    "clearml": ("clearml", "ClearML", None, True, "GET /projects.get_all -> 401"),
}
