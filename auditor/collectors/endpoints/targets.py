"""Turning what the user typed into (scheme, host, port) probe targets.

Accepted: URLs (``https://mlflow.internal:5000/base``), ``host:port``, ``[v6]:port``, a bare host
or address (then every default ML port), CIDR ranges (``10.0.0.0/24``, optionally ``:port``), and
files of any of these, one per line with ``#`` comments. CIDR ranges are capped (``max_hosts``)
so a typo like ``/8`` does not start a 16-million-host sweep.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# The ML service ports of CHECKS.md (network_ml_port_open_to_world), probed for a bare host.
DEFAULT_ML_PORTS: tuple[int, ...] = (
    8888, 8889,  # Jupyter
    5000,  # MLflow
    8265,  # Ray dashboard
    10001,  # Ray client
    6379,  # Ray GCS / Redis
    6006,  # TensorBoard
    8080, 8081,  # TorchServe inference, management
    8000, 8001, 8002,  # Triton (HTTP, gRPC, metrics); also vLLM and JupyterHub
    7860,  # Gradio
    8501,  # Streamlit
    11434,  # Ollama
)
DEFAULT_MAX_HOSTS = 4096


class TargetError(ValueError):
    """A target that cannot be understood, or a range over the host cap; the message names it."""


@dataclass(frozen=True, order=True)
class Target:
    host: str
    port: int
    scheme: str | None = None  # None: try plain HTTP, then TLS
    base_path: str = ""
    explicit: bool = True  # the user named this port (an unanswered one is worth an error)

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def url(self, scheme: str | None = None) -> str:
        return f"{scheme or self.scheme or 'http'}://{self.netloc}{self.base_path}"


def parse_targets(
    items: Iterable[str], *, max_hosts: int = DEFAULT_MAX_HOSTS, ports: Sequence[int] = DEFAULT_ML_PORTS
) -> list[Target]:
    """Expand and de-duplicate targets, keeping the order they were given in."""
    out: dict[tuple[str, int, str | None, str], Target] = {}
    hosts_in_ranges = 0
    for raw in items:
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if "/" in text and "://" not in text:
            network, port = _cidr(text)
            hosts_in_ranges += _host_count(network)
            if hosts_in_ranges > max_hosts:  # checked before expanding: a /8 is never listed
                raise TargetError(
                    f"{text}: the ranges given add up to {hosts_in_ranges} hosts, over the limit of "
                    f"{max_hosts}; raise it with --max-hosts"
                )
            hosts = [network.network_address] if network.num_addresses == 1 else list(network.hosts())
            chosen = [port] if port is not None else list(ports)
            expanded = [Target(str(h), p, explicit=port is not None) for h in hosts for p in chosen]
        else:
            expanded = _single(text, ports)
        for target in expanded:
            out.setdefault((target.host, target.port, target.scheme, target.base_path), target)
    return list(out.values())


def read_targets_file(path: str | Path) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"{path}: cannot read the targets file ({exc})") from exc
    lines = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def _single(text: str, ports: Sequence[int]) -> list[Target]:
    if "://" in text:
        return [_url(text)]
    host, port = _host_port(text)
    if port is None:
        return [Target(host, p, explicit=False) for p in ports]
    return [Target(host, port)]


def _url(text: str) -> Target:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"{text}: only http:// and https:// URLs can be probed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetError(f"{text}: invalid port") from None
    _valid_host(parts.hostname, text)
    return Target(parts.hostname, port, parts.scheme, parts.path.rstrip("/"))


def _host_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):  # [v6] or [v6]:port
        host, _, rest = text[1:].partition("]")
        _valid_host(host, text)
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise TargetError(f"{text}: expected [address]:port")
        return host, _port(rest[1:], text)
    if text.count(":") > 1:  # a bare IPv6 address
        _valid_host(text, text)
        return text, None
    host, sep, port = text.partition(":")
    _valid_host(host, text)
    return host, (_port(port, text) if sep else None)


def _port(text: str, original: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise TargetError(f"{original}: invalid port {text!r}")
    return int(text)


def _valid_host(host: str, original: str) -> None:
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if host and (labels[-1].isdigit() or _numeric_shorthand(host)):
        # 999.1.1.1, 127.1 or 0x7f000001 are not host names: the system resolver would turn
        # some into an address nobody typed. Only real names ever reach it.
        raise TargetError(f"{original}: {host!r} is not a valid IP address")
    if not host or not all(label and len(label) <= 63 and label.replace("-", "").replace("_", "").isalnum() for label in labels):
        raise TargetError(f"{original}: not a host name, address, URL or CIDR range")


def _numeric_shorthand(host: str) -> bool:
    """What inet_aton accepts but ipaddress does not (``127.1``, ``0x7f.1``, ``2130706433``)."""
    import socket

    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def _host_count(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> int:
    if network.num_addresses <= 2:
        return network.num_addresses
    return network.num_addresses - (2 if network.version == 4 else 1)


def _cidr(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None]:
    net_text, port = text, None
    if text.startswith("[") or (text.count(":") == 1 and "/" in text.split(":")[0]):
        # 10.0.0.0/24:8888 or [fd00::/120]:8888
        net_text, _, port_text = text.lstrip("[").rpartition(":")
        net_text = net_text.rstrip("]")
        port = _port(port_text, text)
    try:
        return ipaddress.ip_network(net_text, strict=False), port
    except ValueError:
        raise TargetError(f"{text}: not a valid CIDR range") from None
