"""``auditor scan k8s``: ML workloads on a live Kubernetes cluster (kubeconfig or in-cluster; read-only)."""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options
from auditor.cli.sdk_options import sdk_limit_options
from auditor.cli.source_flags import collectors_from_flags


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("k8s")
    @click.option("--context", "contexts", multiple=True, help="kubeconfig context (repeat or commas). Default: the current one.")
    @click.option("--namespace", "namespaces", multiple=True, help="Only these namespaces (repeat or commas). Default: every namespace.")
    @click.option("--kubeconfig", type=click.Path(exists=True, dir_okay=False), help="kubeconfig file [default: $KUBECONFIG or ~/.kube/config].")
    @click.option("--page-size", type=click.IntRange(min=1, max=5000), default=500, show_default=True, help="Objects per list request.")
    @sdk_limit_options
    @common_scan_options
    def scan_k8s(**flags: Any) -> None:
        """Scan ML workloads on a Kubernetes cluster: Ray, Kubeflow, JupyterHub, MLflow, KServe (list/get only)."""
        from auditor.pipeline import run_scan

        options = scan_options(flags)  # pops the common options: the rest are sources.k8s keys
        collectors = collectors_from_flags("k8s", flags)  # each context's kubeconfig is loaded here
        sys.exit(run_scan(collectors, options, sources=["k8s"]))
