"""``auditor scan k8s``: a live cluster through the official ``kubernetes`` client, read-only.

Every kind in ``READ_KINDS`` is listed with ``limit``/``continue`` pagination, cluster-wide when
allowed and namespace by namespace otherwise, so a role bound in a few namespaces still gets
those scanned. The raw JSON of each list goes to the same ``normalize`` as manifests do.

- Read-only by construction: the API client refuses any method but GET before a byte is sent
  (``ReadOnlyApiClient``), and the kinds read are exactly those of the ClusterRole in
  ``docs/kubernetes-clusterrole.yaml``.
- A kind whose custom resource is not installed (404) is simply absent. A 403 on a namespace is a
  collection error naming it; the other namespaces are still judged. A 410 Gone on a ``continue``
  token (the list expired while paging) restarts that list once, as the API asks clients to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from auditor.collectors.base import CollectionError, CollectionSink
from auditor.collectors.k8s.normalize import READ_KINDS, Origin, normalize
from auditor.resources import Provider

if TYPE_CHECKING:
    from auditor.collectors.sdk_limits import SdkLimits

PLURALS = {
    "Namespace": "namespaces",
    "Service": "services",
    "Pod": "pods",
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "Job": "jobs",
    "CronJob": "cronjobs",
    "Ingress": "ingresses",
    "NetworkPolicy": "networkpolicies",
    "RayCluster": "rayclusters",
    "RayService": "rayservices",
    "RayJob": "rayjobs",
    "Notebook": "notebooks",
    "InferenceService": "inferenceservices",
}
DEFAULT_PAGE_SIZE = 500


class ReadOnlyViolation(RuntimeError):
    """The collector tried to send a request that is not a read."""


@dataclass(frozen=True)
class KindInfo:
    group_version: str
    kind: str

    @property
    def plural(self) -> str:
        return PLURALS[self.kind]

    def path(self, namespace: str | None) -> str:
        base = "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"
        if namespace is None or self.kind == "Namespace":
            return f"{base}/{self.plural}"
        return f"{base}/namespaces/{namespace}/{self.plural}"


KINDS = tuple(KindInfo(gv, kind) for gv, kind in READ_KINDS)


class _ListFailed(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def _read_only_client(configuration: Any) -> Any:
    from kubernetes.client import ApiClient

    class ReadOnlyApiClient(ApiClient):  # type: ignore[misc]
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            if method.upper() != "GET":
                raise ReadOnlyViolation(f"refused {method} {url}: the Kubernetes collector only reads")
            return super().request(method, url, *args, **kwargs)

    return ReadOnlyApiClient(configuration)


class KubernetesCollector:
    name: ClassVar[str] = "k8s"

    def __init__(
        self,
        *,
        context: str | None = None,
        namespaces: Sequence[str] = (),
        kubeconfig: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        limits: SdkLimits | None = None,
    ) -> None:
        from auditor.collectors.sdk_limits import DEFAULT_LIMITS

        self.context = context
        self.namespaces = list(namespaces)
        self.kubeconfig = kubeconfig
        self.page_size = page_size
        self.limits = limits or DEFAULT_LIMITS
        # every request: connect and read time-outs (--connect-timeout, --read-timeout)
        self.timeout = (self.limits.connect_timeout, self.limits.read_timeout)
        self.cluster_name = context or "cluster"
        self._configuration: Any = None

    def prepare(self) -> None:
        """Load credentials before any scan work: a missing or broken kubeconfig is a usage error."""
        import os

        from kubernetes import config as kube_config
        from kubernetes.client import Configuration

        from auditor.config import ConfigError

        configuration = Configuration()
        try:
            if self.kubeconfig is None and "KUBECONFIG" not in os.environ and "KUBERNETES_SERVICE_HOST" in os.environ:
                kube_config.load_incluster_config(client_configuration=configuration)
                self.cluster_name = self.context or "in-cluster"
            else:
                kube_config.load_kube_config(config_file=self.kubeconfig, context=self.context,
                                             client_configuration=configuration)
                _, active = kube_config.list_kube_config_contexts(config_file=self.kubeconfig)
                self.cluster_name = self.context or (active or {}).get("name") or "cluster"
        except (kube_config.ConfigException, OSError, TypeError, ValueError) as exc:
            where = self.kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
            raise ConfigError(f"kubeconfig {where}: {exc}") from exc
        # connection failures and 5xx answers are retried up to --max-attempts (urllib3 under the client)
        configuration.retries = max(0, self.limits.max_attempts - 1)
        self._configuration = configuration

    def scope(self) -> str:
        return "k8s-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in self.cluster_name)

    # -- collection ----------------------------------------------------------------------------
    def collect(self, sink: CollectionSink) -> None:
        if self._configuration is None:
            self.prepare()
        client = _read_only_client(self._configuration)
        origin = Origin(Provider.KUBERNETES, cluster=self.cluster_name)
        objects: list[tuple[dict[str, Any], Origin]] = []
        unreadable: list[tuple[str | None, str]] = []
        sink.progress(f"k8s: reading cluster {self.cluster_name}")
        try:
            namespaces = self.namespaces or None
            for info in KINDS:
                if info.kind == "Namespace" and namespaces:
                    continue
                try:
                    for obj in self._list_kind(client, info, namespaces, sink, unreadable):
                        objects.append((obj, origin))
                except _Unreachable as exc:
                    sink.error(CollectionError(source="k8s", account=self.cluster_name, operation=f"list {info.plural}",
                                               message=f"cluster {self.cluster_name}: API server not reachable: {exc}",
                                               incomplete=True))
                    return
            if namespaces:
                objects += [({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}, origin) for ns in namespaces]
        finally:
            client.close()
        sink.progress(f"k8s: {len(objects)} objects")
        sink.add_all(normalize(objects, unreadable=unreadable))

    def _list_kind(
        self,
        client: Any,
        info: KindInfo,
        namespaces: list[str] | None,
        sink: CollectionSink,
        unreadable: list[tuple[str | None, str]],
    ) -> Iterator[dict[str, Any]]:
        if namespaces is None:
            try:
                yield from self._paged(client, info, None, sink)
                return
            except _ListFailed as exc:
                if exc.status == 404:
                    return  # the custom resource is not installed
                if exc.status != 403 or info.kind == "Namespace":
                    self._error(sink, info, None, exc, unreadable)
                    return
            # not allowed cluster-wide: try each namespace the credentials can see
            try:
                names = [str((o.get("metadata") or {}).get("name")) for o in self._paged(client, KindInfo("v1", "Namespace"), None, sink)]
            except _ListFailed as exc:
                self._error(sink, info, None, exc, unreadable)
                return
            namespaces = names
        for ns in namespaces:
            try:
                yield from self._paged(client, info, ns, sink)
            except _ListFailed as exc:
                if exc.status == 404:
                    continue
                self._error(sink, info, ns, exc, unreadable)

    def _error(
        self, sink: CollectionSink, info: KindInfo, ns: str | None, exc: _ListFailed, unreadable: list[tuple[str | None, str]]
    ) -> None:
        unreadable.append((ns, info.kind))
        where = f"namespace {ns}" if ns else "all namespaces"
        sink.error(
            CollectionError(
                source="k8s",
                account=self.cluster_name,
                resource=f"{info.plural} in {where}",
                operation=f"list {info.plural}",
                message=f"cluster {self.cluster_name}: cannot list {info.plural} in {where}: {exc.status} {exc.reason}",
                # one namespace denied leaves the rest judged; a kind unreadable everywhere is a hole
                incomplete=ns is None,
            )
        )

    def _paged(self, client: Any, info: KindInfo, ns: str | None, sink: CollectionSink) -> Iterator[dict[str, Any]]:
        restarted = False
        token: str | None = None
        while True:
            query: list[tuple[str, Any]] = [("limit", self.page_size)]
            if token:
                query.append(("continue", token))
            try:
                page = self._get(client, info.path(ns), query, sink, info)
            except _ListFailed as exc:
                if exc.status == 410 and token and not restarted:
                    restarted, token = True, None  # the list expired while paging: start it again
                    sink.progress(f"k8s: {info.plural} list expired while paging; restarting it")
                    continue
                raise
            for item in page.get("items") or []:
                if isinstance(item, dict):
                    # list items carry neither kind nor apiVersion
                    yield {"apiVersion": info.group_version, "kind": info.kind, **item}
            token = (page.get("metadata") or {}).get("continue") or None
            if not token:
                return

    def _get(self, client: Any, path: str, query: list[tuple[str, Any]], sink: CollectionSink, info: KindInfo) -> dict[str, Any]:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        sink.call(f"k8s:list{info.plural}")
        try:
            response = client.call_api(
                path, "GET", query_params=query, header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"], _preload_content=False, _request_timeout=self.timeout,
            )
        except ApiException as exc:
            raise _ListFailed(int(exc.status or 0), _reason(exc)) from None
        except (HTTPError, OSError) as exc:
            raise _Unreachable(f"{type(exc).__name__}: {exc}") from None
        raw = response[0] if isinstance(response, tuple) else response
        try:
            data = json.loads(raw.data)
        except (ValueError, AttributeError) as exc:
            raise _ListFailed(0, f"answer is not JSON: {exc}") from None
        return data if isinstance(data, dict) else {}


class _Unreachable(Exception):
    pass


def _reason(exc: Any) -> str:
    try:
        body = json.loads(exc.body or "{}")
        return str(body.get("message") or exc.reason or "")[:200]
    except (ValueError, TypeError):
        return str(exc.reason or "")[:200]
