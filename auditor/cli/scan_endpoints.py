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
# the limits of docs/limits.md: config key -> (type, default); the same names as the flags
LIMIT_KEYS: dict[str, tuple[type, float | int | None]] = {
    "read_timeout": (float, None),
    "target_timeout": (float, 60.0),
    "max_body": (int, 512 * 1024),
    "max_decompression_ratio": (float, 100.0),
}
CONFIG_KEYS |= set(LIMIT_KEYS)


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
    limits: dict[str, Any] | None = None,
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
            **_limit_kwargs(limits or {}),
        )
    except TargetError as exc:
        raise ConfigError(f"{where}{exc}") from exc


def _limit_kwargs(limits: dict[str, Any]) -> dict[str, Any]:
    """EndpointCollector keyword arguments for the limits that were given (None: the default)."""
    names = {"read_timeout": "read_timeout", "target_timeout": "target_timeout", "max_body": "max_body",
             "max_decompression_ratio": "max_ratio"}
    out: dict[str, Any] = {}
    for key, value in limits.items():
        if value is None:
            continue
        kind = LIMIT_KEYS[key][0]
        number = kind(value)
        if number <= 0:
            raise ValueError(f"{key} must be above 0, not {value!r}")
        out[names[key]] = number
    return out


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
                limits={key: section.get(key) for key in LIMIT_KEYS},
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
    @click.option("--read-timeout", type=click.FloatRange(min=0.1), default=None, help="Time-out for each read from a target, seconds [default: --timeout, at least 5].")
    @click.option("--target-timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Total time for all requests to one target, seconds; reaching it is a collection error.")
    @click.option("--max-body", type=click.IntRange(min=1), default=512 * 1024, show_default=True, help="Bytes read from one response, before and after decoding.")
    @click.option("--max-decompression-ratio", type=click.FloatRange(min=1), default=100.0, show_default=True, help="Largest decoded/encoded size of a compressed response; above it the target is a collection error.")
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
        read_timeout: float | None,
        target_timeout: float,
        max_body: int,
        max_decompression_ratio: float,
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
            limits={"read_timeout": read_timeout, "target_timeout": target_timeout, "max_body": max_body,
                    "max_decompression_ratio": max_decompression_ratio},
        )
        code = run_scan([collector], options, sources=["endpoints"])
        if not options.quiet:
            click.echo(classification_table(collector))
        sys.exit(code)
