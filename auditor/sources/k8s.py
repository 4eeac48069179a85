"""``sources.k8s`` (or ``scan k8s``'s flags): kubeconfig contexts, one collector each."""

from __future__ import annotations

from auditor.collectors.base import Collector, require_modules
from auditor.config import ConcurrencyConfig, K8sSourceConfig
from auditor.sources.common import sdk_limits


def collectors(k8s: K8sSourceConfig, limits: ConcurrencyConfig) -> list[Collector]:
    require_modules(["kubernetes"], "the k8s extra is not installed: pip install 'ml-posture-auditor[k8s]'")
    from auditor.collectors.k8s.collector import DEFAULT_PAGE_SIZE, KubernetesCollector

    contexts: list[str | None] = [*k8s.contexts] or [None]  # None: the kubeconfig's current context
    built = [
        KubernetesCollector(context=context, namespaces=list(k8s.namespaces), kubeconfig=k8s.kubeconfig,
                            page_size=k8s.page_size or DEFAULT_PAGE_SIZE, limits=sdk_limits(k8s))
        for context in contexts
    ]
    for collector in built:
        collector.prepare()  # a missing or broken kubeconfig is a usage error, before any scan work
    return list(built)
