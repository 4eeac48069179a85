"""Kubernetes clusters from their configuration (``scan k8s`` flags or ``sources.k8s``).

Core code: the CLI command, the estate scan, the worker and the shard all build this source's
collectors here (``auditor.targets``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditor.collectors.base import Collector, require_modules
from auditor.config import ConfigError
from auditor.sources.common import SDK_KEYS, limits_from, split_multi

if TYPE_CHECKING:
    from auditor.collectors.sdk_limits import SdkLimits

CONFIG_KEYS = {"context", "contexts", "namespace", "namespaces", "kubeconfig", "page_size"} | set(SDK_KEYS)


def build_collectors(
    contexts: list[str], namespaces: list[str], kubeconfig: str | None, page_size: int = 500,
    limits: SdkLimits | None = None,
) -> list[Collector]:
    require_modules(["kubernetes"], "the k8s extra is not installed: pip install 'ml-posture-auditor[k8s]'")
    from auditor.collectors.k8s.collector import KubernetesCollector

    return [
        KubernetesCollector(context=context, namespaces=namespaces, kubeconfig=kubeconfig, page_size=page_size,
                            limits=limits)
        for context in (contexts or [None])  # type: ignore[list-item]
    ]


def collectors_from_config(section: dict[str, Any]) -> list[Collector]:
    """``sources.k8s`` of auditor.yaml: ``context`` (one or a list), ``namespace``, ``kubeconfig``, ``page_size``."""
    unknown = set(section) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CONFIG_KEYS))}")

    def as_list(value: Any) -> list[str]:
        if value is None:
            return []
        return split_multi([value] if isinstance(value, str) else [str(v) for v in value])

    collectors = build_collectors(
        as_list(section.get("context", section.get("contexts"))),
        as_list(section.get("namespace", section.get("namespaces"))),
        section.get("kubeconfig"),
        int(section.get("page_size", 500)),
        limits_from(dict(section), "sources.k8s: "),
    )
    for collector in collectors:
        collector.prepare()  # type: ignore[attr-defined]
    return collectors
