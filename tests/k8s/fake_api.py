"""A loopback server that answers the Kubernetes REST API's list calls, for the real client.

It speaks what the collector relies on and what the API server does: list responses whose items
carry neither kind nor apiVersion, ``limit`` with opaque ``continue`` tokens, 403 Status objects
for a forbidden namespace or a cluster-wide list, 404 for a custom resource that is not
installed, 410 Gone for an expired ``continue`` token. Every request is recorded, so a test can
fail on anything that is not a read.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

PLURAL_TO_KIND = {
    "namespaces": "Namespace", "services": "Service", "pods": "Pod", "deployments": "Deployment",
    "statefulsets": "StatefulSet", "daemonsets": "DaemonSet", "jobs": "Job", "cronjobs": "CronJob",
    "ingresses": "Ingress", "networkpolicies": "NetworkPolicy", "rayclusters": "RayCluster",
    "rayservices": "RayService", "rayjobs": "RayJob", "notebooks": "Notebook", "inferenceservices": "InferenceService",
}
TOKEN = "test-bearer-token"


@dataclass
class FakeCluster:
    objects: list[dict[str, Any]] = field(default_factory=list)
    forbidden_namespaces: set[str] = field(default_factory=set)
    forbidden_cluster_wide: set[str] = field(default_factory=set)  # plurals that must be listed per namespace
    missing_crds: set[str] = field(default_factory=set)  # plurals answered 404
    expire_once: set[str] = field(default_factory=set)  # plurals whose first continue token is 410 Gone
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def items(self, plural: str, namespace: str | None) -> list[dict[str, Any]]:
        kind = PLURAL_TO_KIND[plural]
        out = []
        for obj in self.objects:
            if obj.get("kind") != kind:
                continue
            ns = (obj.get("metadata") or {}).get("namespace") or "default"
            if namespace is not None and kind != "Namespace" and ns != namespace:
                continue
            item = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
            meta = dict(item.get("metadata") or {})
            if kind != "Namespace":
                meta["namespace"] = ns
            meta.setdefault("uid", f"uid-{kind}-{ns}-{meta.get('name')}")
            item["metadata"] = meta
            out.append(item)
        return sorted(out, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


def _handler(cluster: FakeCluster) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> None:
            with cluster.lock:
                cluster.requests.append((self.command, self.path))

        def do_GET(self) -> None:
            self._record()
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, _status(401, "Unauthorized", "Unauthorized"))
                return
            url = urlparse(self.path)
            parts = [p for p in url.path.split("/") if p]
            # /api/v1/<plural> | /api/v1/namespaces/<ns>/<plural> | /apis/<g>/<v>/...
            rest = parts[2:] if parts[:1] == ["api"] else parts[3:]
            namespace = None
            if len(rest) == 3 and rest[0] == "namespaces":
                namespace, plural = rest[1], rest[2]
            elif len(rest) == 1:
                plural = rest[0]
            else:
                self._send(404, _status(404, "NotFound", f"no route {url.path}"))
                return
            if plural not in PLURAL_TO_KIND or plural in cluster.missing_crds:
                self._send(404, _status(404, "NotFound", "the server could not find the requested resource"))
                return
            if namespace is None and plural in cluster.forbidden_cluster_wide:
                self._send(403, _status(403, "Forbidden", f'{plural} is forbidden: User "scanner" cannot list resource "{plural}" at the cluster scope'))
                return
            if namespace in cluster.forbidden_namespaces:
                self._send(403, _status(403, "Forbidden", f'{plural} is forbidden: User "scanner" cannot list resource "{plural}" in the namespace "{namespace}"'))
                return
            query = parse_qs(url.query)
            limit = int(query.get("limit", ["500"])[0])
            token = query.get("continue", [""])[0]
            if token and plural in cluster.expire_once:
                cluster.expire_once.discard(plural)
                self._send(410, _status(410, "Expired", "The provided continue parameter is too old to display a consistent list result."))
                return
            offset = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
            items = cluster.items(plural, namespace)
            page = items[offset: offset + limit]
            nxt = offset + limit
            meta: dict[str, Any] = {"resourceVersion": "4242"}
            if nxt < len(items):
                meta["continue"] = base64.urlsafe_b64encode(str(nxt).encode()).decode()
            self._send(200, {"kind": PLURAL_TO_KIND[plural] + "List", "apiVersion": "v1", "metadata": meta, "items": page})

        def _refuse(self) -> None:
            self._record()
            self._send(405, _status(405, "MethodNotAllowed", "the fake API server only lists"))

        do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

    return Handler


@contextmanager
def serve(cluster: FakeCluster) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(cluster))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_kubeconfig(path: Path, server: str, context: str = "ml-prod") -> Path:
    import yaml

    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": context,
        "clusters": [{"name": context, "cluster": {"server": server}}],
        "users": [{"name": "scanner", "user": {"token": TOKEN}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": "scanner"}}],
    }))
    return path
