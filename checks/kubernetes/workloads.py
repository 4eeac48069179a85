"""ML workloads on Kubernetes: their own authentication, pod security and secrets."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import ClusterWorkload


def _name(w: ClusterWorkload) -> str:
    return f"{w.object_kind} {w.namespace}/{w.ref.name}"


@check(
    id="k8s_ray_no_token_auth",
    severity=Severity.HIGH,
    title="Ray cluster without token authentication",
    description="The head of a RayCluster (or a Ray head started by a Deployment) runs without Ray's token "
    "authentication, so anyone who reaches the dashboard (8265) or client port (10001) can submit jobs that run "
    "arbitrary code on every node (ShadowRay, CVE-2023-48022).",
    remediation="Set spec.authOptions.mode: token on the RayCluster (KubeRay 1.5+) or RAY_AUTH_MODE=token on the head "
    "with the token from a Secret, and keep the head Service ClusterIP.",
    references=("https://docs.ray.io/en/latest/ray-security/token-auth.html",),
)
def k8s_ray_no_token_auth(w: ClusterWorkload) -> Result | None:
    if w.ml_kind != "ray_head":
        return None
    if w.auth_enabled is None:
        return unknown(f"{_name(w)}: {w.auth_detail or 'authentication could not be read'}")
    if w.auth_enabled:
        return passed(f"{_name(w)}: {w.auth_detail}")
    return fail(f"{_name(w)}: {w.auth_detail}", images=w.images)


@check(
    id="k8s_notebook_no_auth",
    severity=Severity.HIGH,
    title="Notebook server without authentication, or with its token on the command line",
    description="A Jupyter or Kubeflow notebook pod starts Jupyter with an empty token and no authenticating proxy "
    "in the pod, or passes its token or password as a command-line argument, where anyone who can read the pod spec "
    "(or `ps` on the node) sees it.",
    remediation="Keep Jupyter's token (from a Secret through an environment variable) or put an authenticating "
    "proxy (oauth2-proxy, the Kubeflow gateway with its auth) in front; never pass the token in args.",
    references=("https://jupyter-server.readthedocs.io/en/latest/operators/security.html",),
)
def k8s_notebook_no_auth(w: ClusterWorkload) -> Iterator[Result] | None:
    if w.ml_kind != "notebook":
        return None
    return _notebook(w)


def _notebook(w: ClusterWorkload) -> Iterator[Result]:
    for hit in w.args_secrets:
        yield fail(f"{_name(w)}: {hit.kind} passed on the command line ({hit.redacted}, {hit.location})",
                   key=f"args:{hit.sha256}", secret=hit.redacted)
    if w.auth_enabled is False and not w.auth_proxy:
        yield fail(f"{_name(w)}: {w.auth_detail}; no authenticating proxy in the pod", key="auth")
    elif w.auth_enabled is None and not w.auth_proxy:
        yield unknown(f"{_name(w)}: {w.auth_detail or 'whether Jupyter asks for a token could not be told'}", key="auth")
    elif not w.args_secrets:
        yield passed(f"{_name(w)}: " + ("an authenticating proxy runs in the pod" if w.auth_proxy else str(w.auth_detail)), key="auth")


@check(
    id="k8s_ml_pod_privileged",
    severity=Severity.HIGH,
    title="ML pod runs privileged, on the host network or with host paths",
    description="A pod of an ML workload runs a privileged container, shares the node's network or process "
    "namespace, or mounts a path of the node. Code run through the ML service (a notebook, a Ray job, a "
    "deserialised model) then owns the node, and a GPU node with its drivers and neighbours is a prize.",
    remediation="Drop privileged, hostNetwork, hostPID and hostPath volumes; use the device plugin for GPUs and "
    "PersistentVolumes for data; enforce the baseline Pod Security Standard on ML namespaces.",
    references=("https://kubernetes.io/docs/concepts/security/pod-security-standards/",),
)
def k8s_ml_pod_privileged(w: ClusterWorkload) -> Result | None:
    if not w.ml_kind:
        return None
    problems = []
    if w.privileged:
        problems.append("a privileged container")
    if w.host_network:
        problems.append("the node's network (hostNetwork)")
    if w.host_pid:
        problems.append("the node's processes (hostPID)")
    if w.host_paths:
        problems.append("host paths " + ", ".join(w.host_paths))
    gpu = " on a GPU node" if w.gpu else ""
    if problems:
        return fail(f"{_name(w)}{gpu} runs with " + "; ".join(problems), privileged=w.privileged,
                    host_network=w.host_network, host_paths=w.host_paths, gpu=w.gpu)
    if w.privileged is None or w.host_network is None:
        return unknown(f"{_name(w)}: pod security settings could not be read")
    return passed(f"{_name(w)}: not privileged, no host network, PID namespace or host paths")


@check(
    id="k8s_ml_pod_env_secret",
    severity=Severity.HIGH,
    title="Secret in a plain environment value of an ML pod",
    description="A credential (API key, token, password, cloud key) is written as a literal `value` in the pod spec "
    "of an ML workload, where everyone who can read Deployments, the manifests' repository or the pod's "
    "environment sees it. Values from a Secret (valueFrom) are not flagged.",
    remediation="Move the value into a Secret (or an external secret store) and reference it with valueFrom.secretKeyRef; "
    "rotate the exposed credential.",
    references=("https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables",),
)
def k8s_ml_pod_env_secret(w: ClusterWorkload) -> Iterator[Result] | None:
    if not w.ml_kind:
        return None
    return _env(w)


def _env(w: ClusterWorkload) -> Iterator[Result]:
    if w.env_secrets is None:
        yield unknown(f"{_name(w)}: the environment of its containers could not be read")
        return
    if not w.env_secrets:
        yield passed(f"{_name(w)}: no credential in plain environment values")
        return
    for hit in w.env_secrets:
        yield fail(f"{_name(w)}: {hit.kind} in {hit.location} ({hit.redacted})", key=hit.sha256, secret=hit.redacted)
