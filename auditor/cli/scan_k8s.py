"""``auditor scan k8s``: ML workloads on a live Kubernetes cluster (kubeconfig or in-cluster; read-only)."""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options, split_multi
from auditor.collectors.base import Collector, require_modules
from auditor.config import ConfigError

CONFIG_KEYS = {"context", "contexts", "namespace", "namespaces", "kubeconfig", "page_size"}


def build_collectors(
    contexts: list[str], namespaces: list[str], kubeconfig: str | None, page_size: int = 500
) -> list[Collector]:
    require_modules(["kubernetes"], "the k8s extra is not installed: pip install 'ml-posture-auditor[k8s]'")
    from auditor.collectors.k8s.collector import KubernetesCollector

    return [
        KubernetesCollector(context=context, namespaces=namespaces, kubeconfig=kubeconfig, page_size=page_size)
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
    )
    for collector in collectors:
        collector.prepare()  # type: ignore[attr-defined]
    return collectors


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("k8s")
    @click.option("--context", "contexts", multiple=True, help="kubeconfig context (repeat or commas). Default: the current one.")
    @click.option("--namespace", "namespaces", multiple=True, help="Only these namespaces (repeat or commas). Default: every namespace.")
    @click.option("--kubeconfig", type=click.Path(exists=True, dir_okay=False), help="kubeconfig file [default: $KUBECONFIG or ~/.kube/config].")
    @click.option("--page-size", type=click.IntRange(min=1, max=5000), default=500, show_default=True, help="Objects per list request.")
    @common_scan_options
    def scan_k8s(contexts: tuple[str, ...], namespaces: tuple[str, ...], kubeconfig: str | None, page_size: int, **common: Any) -> None:
        """Scan ML workloads on a Kubernetes cluster: Ray, Kubeflow, JupyterHub, MLflow, KServe (list/get only)."""
        from auditor.pipeline import run_scan

        options = scan_options(common)
        collectors = build_collectors(split_multi(contexts), split_multi(namespaces), kubeconfig, page_size)
        for collector in collectors:
            collector.prepare()  # type: ignore[attr-defined]
        sys.exit(run_scan(collectors, options, sources=["k8s"]))
