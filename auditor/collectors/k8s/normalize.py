"""Kubernetes objects (the API's JSON form, as `kubectl get -o json` and manifests write them)
into the provider-neutral kinds: ClusterWorkload, ClusterExposure, ClusterNamespace.

Pure: the live collector and the manifest reader hand the same dicts here, so a cluster and the
manifests it was deployed from give the same resources with the same ids
(``<Kind>/<namespace>/<name>``). Objects a controller created (they carry ``ownerReferences``:
the Pods of a Deployment, the head Service KubeRay makes for a RayCluster) are folded into their
owner instead of being judged twice; a live owned Service lends its assigned addresses.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditor.analysis.secrets import find_secrets, secret_hit
from auditor.collectors.k8s.recognize import (
    AUTH_PROXY_IMAGES,
    BY_KIND,
    CUSTOM_RESOURCES,
    GPU_RESOURCES,
    image_repository,
    recognise,
)
from auditor.resources import (
    ClusterExposure,
    ClusterNamespace,
    ClusterWorkload,
    Provider,
    Ref,
    Resource,
    SecretHit,
)

POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod", "CronJob", "ReplicationController"}
# what the reader must fetch: group/version, kind, namespaced (shared by the live collector)
READ_KINDS: tuple[tuple[str, str], ...] = (
    ("v1", "Namespace"),
    ("v1", "Service"),
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("ray.io/v1", "RayCluster"),
    ("ray.io/v1", "RayService"),
    ("ray.io/v1", "RayJob"),
    ("kubeflow.org/v1", "Notebook"),
    ("serving.kserve.io/v1beta1", "InferenceService"),
)

_SECRET_NAME = re.compile(r"(?i)(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)s?$|^(pass|pwd|secret|token)")
_PLACEHOLDER = re.compile(r"(?i)^(|x+|\*+|changeme|none|null|true|false|\$\(.*\)|\$\{.*\}|<.*>|example.*|dummy.*|placeholder)$")
_JUPYTER_TOKEN = re.compile(r"--(?:NotebookApp|ServerApp|IdentityProvider)\.(token|password)=(\S*)")
_INTERNAL_LB = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
    "service.beta.kubernetes.io/aws-load-balancer-scheme": ("internal",),
    "networking.gke.io/load-balancer-type": ("internal",),
    "cloud.google.com/load-balancer-type": ("internal",),
    "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",),
    "service.beta.kubernetes.io/oci-load-balancer-internal": ("true",),
}
_LB_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
_INGRESS_AUTH = {
    "nginx.ingress.kubernetes.io/auth-url": "nginx external auth",
    "nginx.ingress.kubernetes.io/auth-type": "nginx {value} auth",
    "alb.ingress.kubernetes.io/auth-type": "ALB {value} authentication",
    "konghq.com/plugins": "Kong plugins {value}",
    "ingress.kubernetes.io/auth-type": "{value} auth",
    "haproxy-ingress.github.io/auth-url": "HAProxy external auth",
    "haproxy.org/auth-type": "HAProxy {value} auth",
}
_INGRESS_RANGES = (
    "nginx.ingress.kubernetes.io/whitelist-source-range",
    "nginx.ingress.kubernetes.io/allowlist-source-range",
    "alb.ingress.kubernetes.io/inbound-cidrs",
    "haproxy-ingress.github.io/allowlist-source-range",
)
_KSERVE_LOCAL = ("networking.kserve.io/visibility", "serving.knative.dev/visibility", "networking.knative.dev/visibility")
_KSERVE_AUTH = ("security.opendatahub.io/enable-auth", "serving.kserve.io/enable-auth")


@dataclass(frozen=True)
class Origin:
    """Where an object was read: a live cluster, or a manifest file and line."""

    provider: Provider
    cluster: str | None = None
    path: str | None = None
    line: int | None = None


@dataclass
class _Index:
    workloads: dict[str, ClusterWorkload] = field(default_factory=dict)
    services: dict[str, tuple[dict[str, Any], Origin]] = field(default_factory=dict)
    owned_addresses: dict[str, list[str]] = field(default_factory=dict)


_ID_KEY = "__auditor_id"


def object_id(obj: dict[str, Any]) -> str:
    if _ID_KEY in obj:
        return str(obj[_ID_KEY])
    meta = obj.get("metadata") or {}
    kind = str(obj.get("kind") or "Object")
    if kind == "Namespace":
        return f"Namespace/{meta.get('name', '?')}"
    return f"{kind}/{namespace_of(obj)}/{meta.get('name', '?')}"


def namespace_of(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "default")


def normalize(
    objects: Iterable[tuple[dict[str, Any], Origin]],
    *,
    unreadable: Iterable[tuple[str | None, str]] = (),
) -> list[Resource]:
    """Resources for these objects. ``unreadable`` names (namespace or None for all, kind) pairs
    that could not be listed: their absence then proves nothing (e.g. NetworkPolicies -> unknown)."""
    items = _unique([(o, origin) for o, origin in objects if isinstance(o, dict) and o.get("kind")])
    blind = set(unreadable)
    index = _Index()
    out: list[Resource] = []
    namespaces: dict[str, Origin] = {}
    policies: dict[str, int] = {}
    for obj, origin in items:
        kind = obj["kind"]
        ns = namespace_of(obj)
        if kind == "Namespace":
            namespaces[str((obj.get("metadata") or {}).get("name"))] = origin
            continue
        if kind == "NetworkPolicy":
            policies[ns] = policies.get(ns, 0) + 1
            continue
        if kind == "Service":
            if _owned(obj):
                addresses = _service_addresses(obj)
                if addresses:
                    index.owned_addresses[object_id(obj)] = addresses
                continue
            index.services[object_id(obj)] = (obj, origin)
            continue
        if _owned(obj):
            continue  # a controller's Pod, ReplicaSet or Job: judged through its owner
        for workload in _workloads(obj, origin):
            index.workloads[workload.ref.id] = workload
        namespaces.setdefault(ns, origin)
    out.extend(index.workloads.values())
    # Services declared by a custom resource (a RayCluster's head service type)
    for obj, origin in items:
        synthesized = _custom_resource_service(obj)
        if synthesized is not None and object_id(synthesized) not in index.services:
            index.services[object_id(synthesized)] = (synthesized, origin)
    exposures: dict[str, ClusterExposure] = {}
    for sid, (svc, origin) in index.services.items():
        exposures[sid] = _service_exposure(svc, origin, index)
    for obj, origin in items:
        if obj["kind"] == "Ingress" and not _owned(obj):
            exp = _ingress_exposure(obj, origin, index, exposures)
            exposures[exp.ref.id] = exp
        elif obj["kind"] == "InferenceService":
            exp = _inference_exposure(obj, origin, index)
            exposures[exp.ref.id] = exp
    out.extend(exposures.values())
    for ns, origin in sorted(namespaces.items()):
        ml = sorted(w.ref.id for w in index.workloads.values() if w.namespace == ns and w.ml_kind)
        count: int | None = policies.get(ns, 0)
        if (None, "NetworkPolicy") in blind or (ns, "NetworkPolicy") in blind:
            count = policies.get(ns) or None
        out.append(
            ClusterNamespace(
                ref=_ref(origin, f"Namespace/{ns}", ns, None),
                network_policies=count,
                ml_workloads=ml,
            )
        )
    return out


def _unique(items: list[tuple[dict[str, Any], Origin]]) -> list[tuple[dict[str, Any], Origin]]:
    """Manifests of separate apps (a folder of samples, a monorepo) may reuse a name: the second
    object of an id gets its file in the id (``Kind/ns/name@path``) instead of replacing the first."""
    seen: dict[str, str | None] = {}
    out = []
    for obj, origin in items:
        rid = object_id(obj)
        if rid in seen and seen[rid] != origin.path and origin.path is not None:
            obj = {**obj, _ID_KEY: f"{rid}@{origin.path}"}
        else:
            seen.setdefault(rid, origin.path)
        out.append((obj, origin))
    return out


# -- workloads ---------------------------------------------------------------------------------


def _owned(obj: dict[str, Any]) -> bool:
    return bool((obj.get("metadata") or {}).get("ownerReferences"))


def _ref(origin: Origin, rid: str, name: str, namespace: str | None) -> Ref:
    return Ref(
        provider=origin.provider,
        account=origin.cluster,
        id=rid,
        name=name,
        path=origin.path,
        line=origin.line,
    )


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in ((obj.get("metadata") or {}).get("labels") or {}).items()}


def _annotations(obj: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in ((obj.get("metadata") or {}).get("annotations") or {}).items()}


def _pod_templates(obj: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, str], str | None]]:
    """(suffix, pod spec, pod labels, forced ml_kind) for each pod template an object declares."""
    kind = obj["kind"]
    spec = obj.get("spec") or {}
    name = str((obj.get("metadata") or {}).get("name", "?"))
    group = str(obj.get("apiVersion", "")).split("/", 1)[0]
    forced = next((ml for (g, k), ml in CUSTOM_RESOURCES.items() if k == kind and group.startswith(g)), None)
    if kind == "Pod":
        return [("", spec, _labels(obj), None)]
    if kind == "CronJob":
        tpl = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
        return [("", tpl.get("spec") or {}, _labels(tpl), None)]
    if kind in POD_TEMPLATE_KINDS:
        tpl = spec.get("template") or {}
        return [("", tpl.get("spec") or {}, _labels(tpl), None)]
    if kind in ("RayCluster", "RayService", "RayJob"):
        cluster = spec if kind == "RayCluster" else (spec.get("rayClusterConfig") or spec.get("rayClusterSpec") or {})
        head = (cluster.get("headGroupSpec") or {}).get("template") or {}
        ray_labels = {"ray.io/cluster": name, "ray.io/node-type": "head"}
        return [("", head.get("spec") or {}, {**_labels(head), **ray_labels}, "ray_head")]
    if kind == "Notebook":
        tpl = spec.get("template") or {}
        return [("", tpl.get("spec") or {}, {**_labels(tpl), "notebook-name": name}, forced)]
    if kind == "InferenceService":
        predictor = spec.get("predictor") or {}
        containers = list(predictor.get("containers") or [])
        model = predictor.get("model") or {}
        if model:
            containers.append({"name": "kserve-container", "image": str(model.get("runtime") or "kserve-runtime"),
                               "args": [str(a) for a in model.get("args") or []], "env": model.get("env") or [],
                               "resources": model.get("resources") or {}})
        pod = {k: v for k, v in predictor.items() if k not in ("containers", "model")}
        pod["containers"] = containers
        return [("", pod, {"serving.kserve.io/inferenceservice": name}, forced)]
    return []


def _workloads(obj: dict[str, Any], origin: Origin) -> list[ClusterWorkload]:
    out = []
    ns = namespace_of(obj)
    name = str((obj.get("metadata") or {}).get("name", "?"))
    for suffix, pod, labels, forced in _pod_templates(obj):
        rid = object_id(obj) + suffix
        out.append(_workload(obj, pod, labels, forced, _ref(origin, rid, name + suffix, ns), ns))
    return out


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in [*(pod.get("initContainers") or []), *(pod.get("containers") or [])] if isinstance(c, dict)]


def _command_line(container: dict[str, Any]) -> str:
    parts = [str(p) for p in [*(container.get("command") or []), *(container.get("args") or [])]]
    return " ".join(parts)


def _workload(
    obj: dict[str, Any], pod: dict[str, Any], labels: dict[str, str], forced: str | None, ref: Ref, ns: str
) -> ClusterWorkload:
    containers = _containers(pod)
    images = [str(c.get("image", "")) for c in containers if c.get("image")]
    lines = [_command_line(c) for c in containers]
    ports = sorted({int(p["containerPort"]) for c in containers for p in c.get("ports") or [] if _is_int(p.get("containerPort"))})
    seen = recognise(images, lines, ports)
    ml_kind, ml_via = (forced, f"custom resource {obj['kind']}") if forced else (seen or (None, None))
    pod_ctx = pod.get("securityContext") or {}
    privileged = any(bool((c.get("securityContext") or {}).get("privileged")) for c in containers)
    host_paths = sorted({str((v.get("hostPath") or {}).get("path")) for v in pod.get("volumes") or [] if isinstance(v, dict) and v.get("hostPath")})
    env_secrets: list[SecretHit] = []
    args_secrets: list[SecretHit] = []
    env: dict[str, str] = {}
    for c in containers:
        cname = str(c.get("name", "?"))
        for item in c.get("env") or []:
            if not isinstance(item, dict) or "value" not in item:
                continue  # valueFrom a Secret is the right way
            key, value = str(item.get("name", "")), str(item.get("value") or "")
            env[key] = value
            env_secrets.extend(_env_secret(key, value, f"container {cname} env {key}"))
        line = _command_line(c)
        for match in _JUPYTER_TOKEN.finditer(line):
            value = match.group(2).strip("'\"")
            if value:
                args_secrets.extend(_hit(f"jupyter_{match.group(1)}", value, f"container {cname} args"))
        args_secrets.extend(find_secrets(line, location=f"container {cname} args"))
    auth, detail = _own_auth(ml_kind, obj, containers, env)
    repos = [image_repository(i) for i in images]
    proxy = any(any(p in r for p in AUTH_PROXY_IMAGES) for r in repos)
    return ClusterWorkload(
        ref=ref,
        tags=_labels(obj),
        namespace=ns,
        object_kind=str(obj["kind"]),
        ml_kind=ml_kind,
        ml_via=ml_via,
        images=images,
        ports=ports,
        labels=labels,
        privileged=privileged,
        host_paths=host_paths,
        host_network=bool(pod.get("hostNetwork", False)),
        host_pid=bool(pod.get("hostPID", False)),
        run_as_root=_run_as_root(pod_ctx, containers),
        service_account_token=pod.get("automountServiceAccountToken") is not False,
        gpu=any(
            key in GPU_RESOURCES
            for c in containers
            for section in ("limits", "requests")
            for key in ((c.get("resources") or {}).get(section) or {})
        ),
        env_secrets=_dedupe(env_secrets),
        auth_enabled=auth,
        auth_detail=detail,
        auth_proxy=proxy,
        args_secrets=_dedupe(args_secrets),
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _run_as_root(pod_ctx: dict[str, Any], containers: list[dict[str, Any]]) -> bool | None:
    """True when a container may run as UID 0, False when none can, None when the image decides."""
    verdicts: list[bool | None] = []
    for c in containers:
        ctx = {**pod_ctx, **(c.get("securityContext") or {})}
        if ctx.get("runAsUser") == 0:
            verdicts.append(True)
        elif ctx.get("runAsNonRoot") is True or (_is_int(ctx.get("runAsUser")) and ctx["runAsUser"] > 0):
            verdicts.append(False)
        else:
            verdicts.append(None)
    if any(v is True for v in verdicts):
        return True
    if verdicts and all(v is False for v in verdicts):
        return False
    return None


def _hit(kind: str, value: str, location: str) -> list[SecretHit]:
    return [secret_hit(kind, value, location)]


def _env_secret(key: str, value: str, location: str) -> list[SecretHit]:
    found = find_secrets(f"{key}={value}", location=location)
    if found:
        return found
    if _SECRET_NAME.search(key) and len(value) >= 8 and not _PLACEHOLDER.match(value):
        return _hit("env_secret_value", value, location)
    return []


def _dedupe(hits: list[SecretHit]) -> list[SecretHit]:
    seen: set[tuple[str, str]] = set()
    out = []
    for h in hits:
        if (h.sha256, h.location) not in seen:
            seen.add((h.sha256, h.location))
            out.append(h)
    return out


def _own_auth(
    ml_kind: str | None, obj: dict[str, Any], containers: list[dict[str, Any]], env: dict[str, str]
) -> tuple[bool | None, str | None]:
    """Whether the ML service authenticates by itself, and why we think so."""
    line = " ".join(_command_line(c) for c in containers)
    if ml_kind == "ray_head":
        mode = str(((obj.get("spec") or {}).get("authOptions") or {}).get("mode", "")).lower()
        if mode == "token" or env.get("RAY_AUTH_MODE", "").lower() == "token":
            return True, "Ray token authentication (authOptions.mode token / RAY_AUTH_MODE=token)"
        return False, "no Ray token authentication: neither spec.authOptions.mode: token nor RAY_AUTH_MODE=token on the head"
    if ml_kind == "notebook":
        tokens = {m.group(1): m.group(2).strip("'\"") for m in _JUPYTER_TOKEN.finditer(line)}
        if "JUPYTER_TOKEN" in env and not env["JUPYTER_TOKEN"] and "password" not in tokens:
            return False, "JUPYTER_TOKEN is empty: Jupyter accepts every request"
        if "token" in tokens and not tokens["token"] and not tokens.get("password"):
            return False, "Jupyter started with an empty token and no password on the command line"
        if tokens.get("token") or tokens.get("password") or env.get("JUPYTER_TOKEN"):
            return True, "Jupyter token or password set"
        if any("kubeflownotebookswg" in image_repository(str(c.get("image", ""))) for c in containers):
            return False, "Kubeflow notebook images start Jupyter without a token; only a gateway in front can authenticate"
        if obj.get("kind") == "Notebook":
            return None, "Kubeflow Notebook: the image decides whether Jupyter asks for a token"
        return True, "Jupyter's default: a generated token is required"
    if ml_kind == "mlflow":
        if re.search(r"--app-name[= ]basic-auth\b", line):
            return True, "mlflow server --app-name basic-auth"
        return False, "mlflow server without --app-name basic-auth: the tracking API is open to anyone who reaches it"
    if ml_kind == "jupyterhub":
        return True, "JupyterHub authenticates users at the hub"
    if ml_kind == "torchserve":
        if "--disable-token-auth" in line or env.get("TS_DISABLE_TOKEN_AUTHORIZATION", "").lower() == "true":
            return False, "TorchServe token authorization disabled"
        return True, "TorchServe token authorization (default since 0.11)"
    if ml_kind == "vllm":
        if "--api-key" in line or env.get("VLLM_API_KEY"):
            return True, "vLLM --api-key"
        return False, "vLLM without --api-key"
    if ml_kind in ("triton", "ollama", "tgi", "tensorboard", "inference_service", "kubeflow_pipelines"):
        return False, f"{BY_KIND[ml_kind].label} has no authentication of its own"
    if ml_kind == "label_studio":
        return True, "Label Studio requires a login"
    return None, None


# -- exposure ----------------------------------------------------------------------------------


def _service_addresses(svc: dict[str, Any]) -> list[str]:
    spec = svc.get("spec") or {}
    out = [str(a) for a in spec.get("externalIPs") or []]
    for ing in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
        if isinstance(ing, dict):
            out.extend(str(ing[k]) for k in ("ip", "hostname") if ing.get(k))
    if spec.get("loadBalancerIP"):
        out.append(str(spec["loadBalancerIP"]))
    return list(dict.fromkeys(out))


def _custom_resource_service(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The head Service KubeRay creates for a RayCluster, when the spec asks for an exposed type."""
    if obj.get("kind") not in ("RayCluster", "RayService"):
        return None
    spec = obj.get("spec") or {}
    cluster = spec if obj["kind"] == "RayCluster" else (spec.get("rayClusterConfig") or {})
    head = cluster.get("headGroupSpec") or {}
    service_type = head.get("serviceType") or "ClusterIP"
    name = str((obj.get("metadata") or {}).get("name", "?"))
    containers = _containers(((head.get("template") or {}).get("spec")) or {})
    ports = [
        {"name": str(p.get("name", "")), "port": int(p["containerPort"]), "targetPort": int(p["containerPort"])}
        for c in containers[-1:]
        for p in c.get("ports") or []
        if _is_int(p.get("containerPort"))
    ] or [{"port": 6379, "targetPort": 6379}, {"port": 8265, "targetPort": 8265}, {"port": 10001, "targetPort": 10001}]
    head_service = head.get("headService") or {}
    meta = head_service.get("metadata") or {}
    svc_spec = {**(head_service.get("spec") or {}), "type": service_type, "ports": ports,
                "selector": {"ray.io/cluster": name, "ray.io/node-type": "head"}}
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"{name}-head-svc", "namespace": namespace_of(obj), "annotations": meta.get("annotations") or {}},
        "spec": svc_spec,
    }
    owner_id = object_id(obj)
    if "@" in owner_id:  # the head Service of a same-named cluster from another file
        service[_ID_KEY] = f"Service/{namespace_of(obj)}/{name}-head-svc@{owner_id.split('@', 1)[1]}"
    return service


def _backends(ns: str, selector: dict[str, str], index: _Index, path: str | None = None) -> list[ClusterWorkload]:
    """Workloads a selector picks; among manifests of several apps, those of the Service's own file first."""
    if not selector:
        return []
    matches = [
        w
        for w in index.workloads.values()
        if w.namespace == ns and all(w.labels.get(k) == v for k, v in selector.items())
    ]
    same_file = [w for w in matches if path is not None and w.ref.path == path]
    return same_file or matches


def _ml_reached(backends: list[ClusterWorkload], target_ports: list[int | str]) -> list[str]:
    out = []
    for w in backends:
        if not w.ml_kind:
            continue
        label = BY_KIND[w.ml_kind].label if w.ml_kind in BY_KIND else w.ml_kind
        ports = ", ".join(str(p) for p in target_ports) or "all ports"
        out.append(f"{label} ({w.ref.id}) on {ports}")
    return out


def _world(ranges: list[str]) -> bool:
    for cidr in ranges:
        try:
            if ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0:
                return True
        except ValueError:
            continue
    return False


def _front_auth(backends: list[ClusterWorkload]) -> tuple[bool | None, str | None]:
    """Authentication the pods behind an exposure provide: an auth proxy, or the service's own."""
    if not backends:
        return None, None
    ml = [w for w in backends if w.ml_kind] or backends
    if all(w.auth_proxy for w in ml):
        return True, "an authenticating proxy runs in the pods"
    verdicts = [w.auth_enabled for w in ml]
    if all(v is True for v in verdicts):
        return True, "; ".join(dict.fromkeys(w.auth_detail or "" for w in ml))
    if any(v is False for v in verdicts):
        w = next(w for w in ml if w.auth_enabled is False)
        return False, w.auth_detail
    return None, "; ".join(dict.fromkeys(w.auth_detail or "authentication unknown" for w in ml))


def _service_exposure(svc: dict[str, Any], origin: Origin, index: _Index) -> ClusterExposure:
    spec = svc.get("spec") or {}
    ns = namespace_of(svc)
    name = str((svc.get("metadata") or {}).get("name", "?"))
    annotations = _annotations(svc)
    stype = str(spec.get("type") or "ClusterIP")
    exposure = {"LoadBalancer": "load_balancer", "NodePort": "node_port", "ExternalName": "external_name"}.get(stype, "cluster_ip")
    ports_spec = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    ports = [int(p["port"]) for p in ports_spec if _is_int(p.get("port"))]
    target_ports: list[int | str] = []
    for p in ports_spec:
        target = p.get("targetPort", p.get("port"))
        if isinstance(target, (int, str)):
            target_ports.append(target)
    backends = _backends(ns, {str(k): str(v) for k, v in (spec.get("selector") or {}).items()}, index, origin.path)
    addresses = list(dict.fromkeys([*_service_addresses(svc), *index.owned_addresses.get(object_id(svc), [])]))
    ranges = [str(r) for r in spec.get("loadBalancerSourceRanges") or []]
    if not ranges and annotations.get(_LB_RANGES_ANNOTATION):
        ranges = [r.strip() for r in annotations[_LB_RANGES_ANNOTATION].split(",") if r.strip()]
    internal = next(
        (f"{k}: {annotations[k]}" for k, values in _INTERNAL_LB.items() if annotations.get(k, "").lower() in values), None
    )
    open_to_world: bool | None
    if exposure == "load_balancer":
        open_to_world = False if internal else (not ranges or _world(ranges))
    elif exposure == "node_port":
        open_to_world = None  # the nodes' own firewall decides
    elif spec.get("externalIPs"):
        open_to_world = None
    else:
        open_to_world = False
    auth, via = _front_auth(backends)
    return ClusterExposure(
        ref=_ref(origin, object_id(svc), name, ns),
        tags=_labels(svc),
        namespace=ns,
        object_kind="Service",
        exposure=exposure,  # type: ignore[arg-type]
        ports=ports,
        target_ports=target_ports,
        source_ranges=ranges,
        open_to_world=open_to_world,
        tls=None,
        auth=auth,
        auth_via=(f"internal load balancer ({internal}); " if internal else "") + (via or "") or None,
        addresses=addresses,
        backends=[w.ref.id for w in backends],
        ml_services=_ml_reached(backends, target_ports),
    )


def _ingress_exposure(
    ing: dict[str, Any], origin: Origin, index: _Index, exposures: dict[str, ClusterExposure]
) -> ClusterExposure:
    spec = ing.get("spec") or {}
    ns = namespace_of(ing)
    name = str((ing.get("metadata") or {}).get("name", "?"))
    annotations = _annotations(ing)
    hosts: list[str] = []
    paths: list[str] = []
    services: list[tuple[str, Any]] = []
    default = ((spec.get("defaultBackend") or {}).get("service")) or {}
    if default.get("name"):
        services.append((str(default["name"]), (default.get("port") or {}).get("number") or (default.get("port") or {}).get("name")))
    for rule in spec.get("rules") or []:
        if not isinstance(rule, dict):
            continue
        if rule.get("host"):
            hosts.append(str(rule["host"]))
        for path in ((rule.get("http") or {}).get("paths")) or []:
            paths.append(str(path.get("path", "/")))
            svc = ((path.get("backend") or {}).get("service")) or {}
            if svc.get("name"):
                port = svc.get("port") or {}
                services.append((str(svc["name"]), port.get("number") or port.get("name")))
    backends: list[ClusterWorkload] = []
    target_ports: list[int | str] = []
    for svc_name, port in services:
        svc_exp = exposures.get(f"Service/{ns}/{svc_name}")
        if svc_exp is not None:
            backends.extend(index.workloads[b] for b in svc_exp.backends if b in index.workloads)
        if port is not None:
            target_ports.append(port)
    backends = list({w.ref.id: w for w in backends}.values())
    auth_annotation = next(
        (template.format(value=annotations[k]) for k, template in _INGRESS_AUTH.items() if annotations.get(k)), None
    )
    auth: bool | None
    via: str | None
    if auth_annotation:
        auth, via = True, f"ingress annotation: {auth_annotation}"
    else:
        auth, via = _front_auth(backends)
        if auth is None and not services:
            via = "no backend service"
    ranges = next(([r.strip() for r in annotations[k].split(",") if r.strip()] for k in _INGRESS_RANGES if annotations.get(k)), [])
    internal = annotations.get("alb.ingress.kubernetes.io/scheme", "").lower() == "internal"
    addresses = [
        str(i.get(k))
        for i in (((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [])
        if isinstance(i, dict)
        for k in ("ip", "hostname")
        if i.get(k)
    ]
    return ClusterExposure(
        ref=_ref(origin, object_id(ing), name, ns),
        tags=_labels(ing),
        namespace=ns,
        object_kind="Ingress",
        exposure="ingress",
        ports=[443 if spec.get("tls") else 80],
        target_ports=target_ports,
        source_ranges=ranges,
        open_to_world=False if internal else (not ranges or _world(ranges)),
        hosts=hosts,
        paths=paths,
        tls=bool(spec.get("tls")),
        auth=auth,
        auth_via=via,
        addresses=addresses,
        backends=[w.ref.id for w in backends],
        ml_services=_ml_reached(backends, target_ports),
    )


def _inference_exposure(isvc: dict[str, Any], origin: Origin, index: _Index) -> ClusterExposure:
    ns = namespace_of(isvc)
    name = str((isvc.get("metadata") or {}).get("name", "?"))
    labels, annotations = _labels(isvc), _annotations(isvc)
    local = any(labels.get(k, annotations.get(k, "")) == "cluster-local" for k in _KSERVE_LOCAL)
    auth_on = any(annotations.get(k, labels.get(k, "")).lower() == "true" for k in _KSERVE_AUTH)
    workload = index.workloads.get(object_id(isvc))
    url = str((isvc.get("status") or {}).get("url") or "")
    host = re.sub(r"^https?://", "", url).split("/", 1)[0] if url else ""
    return ClusterExposure(
        ref=_ref(origin, f"{object_id(isvc)}/route", name, ns),
        tags=labels,
        namespace=ns,
        object_kind="InferenceService",
        exposure="ingress",
        ports=[443 if url.startswith("https") else 80],
        source_ranges=[],
        open_to_world=not local,
        hosts=[host] if host else [],
        tls=url.startswith("https") if url else None,
        auth=auth_on,
        auth_via="KServe auth annotation" if auth_on else "no enable-auth annotation: KServe serves predictions to anyone who reaches the gateway",
        addresses=[host] if host else [],
        backends=[workload.ref.id] if workload else [],
        ml_services=[f"KServe InferenceService ({object_id(isvc)})"],
    )

