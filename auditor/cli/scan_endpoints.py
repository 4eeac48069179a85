"""``auditor scan endpoints``: probe ML services on the network (GET and HEAD only)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from auditor.cli.common import common_scan_options, scan_options, split_multi
from auditor.collectors.base import Collector
from auditor.config import ConfigError

if TYPE_CHECKING:
    from auditor.collectors.endpoints import EndpointCollector

CONFIG_KEYS = {"targets", "targets_file", "max_hosts", "concurrency", "per_host", "timeout", "ca_bundle", "host_header"}


def build_collector(
    targets: Sequence[str],
    *,
    targets_file: str | None = None,
    max_hosts: int = 4096,
    concurrency: int = 64,
    per_host: int = 4,
    timeout: float = 3.0,
    ca_bundle: str | None = None,
    host_header: str | None = None,
    where: str = "",
) -> EndpointCollector:
    try:
        from auditor.collectors.endpoints import EndpointCollector, TargetError
        from auditor.collectors.endpoints.targets import read_targets_file
    except ImportError as exc:
        raise ConfigError(
            f"the endpoints extra is not installed ({exc.name}): pip install 'ml-posture-auditor[endpoints]'"
        ) from exc
    items = list(targets)
    try:
        if targets_file:
            items.extend(read_targets_file(targets_file))
        if not items:
            raise ConfigError(f"{where}no targets: give URLs, host:port, hosts or CIDR ranges, or --targets-file")
        return EndpointCollector(
            items,
            max_hosts=max_hosts,
            concurrency=concurrency,
            per_host=per_host,
            timeout=timeout,
            ca_bundle=ca_bundle,
            host_header=host_header,
        )
    except TargetError as exc:
        raise ConfigError(f"{where}{exc}") from exc


def collectors_from_config(section: dict[str, Any]) -> list[Collector]:
    """``sources.endpoints`` of auditor.yaml: ``targets`` (list), ``targets_file``, ``max_hosts``, ``concurrency``,
    ``per_host``, ``timeout``, ``ca_bundle``, ``host_header``."""
    unknown = set(section) - CONFIG_KEYS
    if unknown:
        raise ConfigError(
            f"sources.endpoints: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CONFIG_KEYS))}"
        )
    raw = section.get("targets") or []
    targets = split_multi([raw] if isinstance(raw, str) else [str(t) for t in raw])
    try:
        return [
            build_collector(
                targets,
                targets_file=section.get("targets_file"),
                max_hosts=int(section.get("max_hosts", 4096)),
                concurrency=int(section.get("concurrency", 64)),
                per_host=int(section.get("per_host", 4)),
                timeout=float(section.get("timeout", 3.0)),
                ca_bundle=section.get("ca_bundle"),
                host_header=section.get("host_header"),
                where="sources.endpoints: ",
            )
        ]
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"sources.endpoints: {exc}") from exc


def classification_table(collector: EndpointCollector) -> str:
    """One line per service found: product, version, auth, TLS; then a count of the rest."""
    rows = [("URL", "SERVICE", "VERSION", "AUTH", "TLS")]
    closed = http_only = 0
    for outcome in collector.outcomes:
        if outcome.service is None:
            closed += outcome.state == "closed"
            http_only += outcome.state == "http"
            continue
        s = outcome.service
        if s.auth_required is None:
            guarded = (s.auth_detail or "").startswith("host guard")
            auth = "unknown (host guard)" if guarded else "unknown"
        else:
            auth = "required" if s.auth_required else "NONE"
        tls = "no"
        if s.tls:
            tls = (s.tls_info.version if s.tls_info else None) or "yes"
        # the version belongs to a package (JupyterLab reports jupyter-server's), so name it
        version = f"{s.package} {s.version}" if s.package and s.version else (s.version or "unknown")
        rows.append((s.url, s.product or s.service or "?", version, auth, tls))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.append(f"{len(rows) - 1} ML services; {http_only} other HTTP services; {closed} targets without an HTTP answer")
    return "\n".join(lines)


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("endpoints")
    @click.argument("targets", nargs=-1)
    @click.option("--targets-file", type=click.Path(exists=True, dir_okay=False), help="File of targets, one per line (# comments).")
    @click.option("--max-hosts", type=click.IntRange(min=1), default=4096, show_default=True, help="Cap on hosts expanded from CIDR ranges.")
    @click.option("--concurrency", type=click.IntRange(min=1), default=64, show_default=True, help="Targets probed at once.")
    @click.option("--per-host", type=click.IntRange(min=1), default=4, show_default=True, help="Requests at once to one host.")
    @click.option("--timeout", type=click.FloatRange(min=0.1), default=3.0, show_default=True, help="Connect and TLS handshake time-out, seconds (reads: at least 5 s).")
    @click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA certificates (PEM) to judge certificate chains against.")
    @click.option("--host-header", metavar="NAME", help="Present this host name (Host header, TLS name) instead of the address, "
                  "as clients of a name-based virtual host do.")
    @common_scan_options
    def scan_endpoints(
        targets: tuple[str, ...],
        targets_file: str | None,
        max_hosts: int,
        concurrency: int,
        per_host: int,
        timeout: float,
        ca_bundle: str | None,
        host_header: str | None,
        **common: Any,
    ) -> None:
        """Probe ML services (Jupyter, MLflow, Ray, TorchServe, ...) with read-only GET requests.

        TARGETS are URLs, host:port, bare hosts (then the default ML ports) or CIDR ranges.
        """
        from auditor.pipeline import run_scan

        options = scan_options(common)
        collector = build_collector(
            split_multi(targets),
            targets_file=targets_file,
            max_hosts=max_hosts,
            concurrency=concurrency,
            per_host=per_host,
            timeout=timeout,
            ca_bundle=ca_bundle,
            host_header=host_header,
        )
        code = run_scan([collector], options, sources=["endpoints"])
        if not options.quiet:
            click.echo(classification_table(collector))
        sys.exit(code)
