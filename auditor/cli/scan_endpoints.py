"""``auditor scan endpoints``: probe ML services on the network (GET and HEAD only)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, cast

import click

from auditor.cli.common import common_scan_options, scan_options
from auditor.cli.source_flags import collectors_from_flags

if TYPE_CHECKING:
    from auditor.collectors.endpoints import EndpointCollector


def classification_table(collector: EndpointCollector) -> str:
    """One line per service found: product, version, auth, TLS; then a count of the rest."""
    rows = [("URL", "SERVICE", "VERSION", "AUTH", "TLS")]
    closed = http_only = failed = 0
    for outcome in collector.outcomes:
        if outcome.service is None:
            closed += outcome.state == "closed"
            http_only += outcome.state == "http"
            failed += outcome.state == "error"
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
    summary = f"{len(rows) - 1} ML services; {http_only} other HTTP services; {closed} targets without an HTTP answer"
    if failed:  # a limit reached or a broken answer: never counted as closed
        summary += f"; {failed} targets not judged (see the collection errors)"
    lines.append(summary)
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
    def scan_endpoints(**flags: Any) -> None:
        """Probe ML services (Jupyter, MLflow, Ray, TorchServe, ...) with read-only GET requests.

        TARGETS are URLs, host:port, bare hosts (then the default ML ports) or CIDR ranges.
        """
        from auditor.pipeline import run_scan

        options = scan_options(flags)  # pops the common options: the rest are sources.endpoints keys
        (built,) = collectors_from_flags("endpoints", flags)
        collector = cast("EndpointCollector", built)
        code = run_scan([collector], options, sources=["endpoints"])
        if not options.quiet:
            click.echo(classification_table(collector))
        sys.exit(code)
