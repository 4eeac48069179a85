"""``auditor scan k8s``: ML workloads on a live Kubernetes cluster (kubeconfig or in-cluster; read-only)."""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options, split_multi
from auditor.cli.sdk_options import sdk_limit_options
from auditor.sources.common import limits_from
from auditor.sources.k8s import (  # noqa: F401  (moved to the core; names kept for callers)
    CONFIG_KEYS,
    build_collectors,
    collectors_from_config,
)


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("k8s")
    @click.option("--context", "contexts", multiple=True, help="kubeconfig context (repeat or commas). Default: the current one.")
    @click.option("--namespace", "namespaces", multiple=True, help="Only these namespaces (repeat or commas). Default: every namespace.")
    @click.option("--kubeconfig", type=click.Path(exists=True, dir_okay=False), help="kubeconfig file [default: $KUBECONFIG or ~/.kube/config].")
    @click.option("--page-size", type=click.IntRange(min=1, max=5000), default=500, show_default=True, help="Objects per list request.")
    @sdk_limit_options
    @common_scan_options
    def scan_k8s(contexts: tuple[str, ...], namespaces: tuple[str, ...], kubeconfig: str | None, page_size: int, **common: Any) -> None:
        """Scan ML workloads on a Kubernetes cluster: Ray, Kubeflow, JupyterHub, MLflow, KServe (list/get only)."""
        from auditor.pipeline import run_scan

        limits = limits_from(common, "scan k8s: ")
        options = scan_options(common)
        collectors = build_collectors(split_multi(contexts), split_multi(namespaces), kubeconfig, page_size, limits)
        for collector in collectors:
            collector.prepare()  # type: ignore[attr-defined]
        sys.exit(run_scan(collectors, options, sources=["k8s"]))
