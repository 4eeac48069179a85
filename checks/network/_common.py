"""Port catalogs and protocol matching for the firewall checks."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.resources import PortRange


@dataclass(frozen=True)
class ServicePorts:
    start: int
    end: int
    service: str

    @property
    def label(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"


# The ML service ports of CHECKS.md, in catalog order.
ML_PORTS = (
    ServicePorts(8888, 8889, "Jupyter"),
    ServicePorts(5000, 5000, "MLflow"),
    ServicePorts(8265, 8265, "Ray dashboard"),
    ServicePorts(10001, 10001, "Ray client"),
    ServicePorts(6379, 6379, "Ray GCS/Redis"),
    ServicePorts(6006, 6006, "TensorBoard"),
    ServicePorts(8080, 8081, "TorchServe"),
    ServicePorts(8000, 8002, "Triton"),
    ServicePorts(7860, 7860, "Gradio"),
    ServicePorts(8501, 8501, "Streamlit"),
    ServicePorts(11434, 11434, "Ollama"),
)

# Protocols without ports: a world-open ICMP or IPsec rule opens no service port.
_PORTLESS = {"icmp", "icmpv6", "esp", "ah", "1", "50", "51", "58"}
_ANY = {"all", "-1", "*", "any"}


def protocol_of(rule: PortRange) -> str:
    proto = rule.protocol.strip().lower()
    if proto in _ANY:
        return "all"
    return {"6": "tcp", "17": "udp"}.get(proto, proto)


def carries(rule: PortRange, protocols: tuple[str, ...]) -> bool:
    """Whether the rule lets in traffic of one of ``protocols`` ('all' lets in everything)."""
    proto = protocol_of(rule)
    return proto == "all" or proto in protocols


def opens_all_ports(rule: PortRange) -> bool:
    proto = protocol_of(rule)
    if proto in _PORTLESS:
        return False
    return proto == "all" or (rule.start <= 0 and rule.end >= 65535)


def overlap(rule: PortRange, start: int, end: int) -> tuple[int, int] | None:
    """The ports of [start, end] the rule opens, or None."""
    if protocol_of(rule) == "all":
        return start, end
    low, high = max(rule.start, start), min(rule.end, end)
    return (low, high) if low <= high else None


def describe(rule: PortRange) -> str:
    proto = protocol_of(rule)
    if proto == "all":
        return "all traffic"
    span = str(rule.start) if rule.start == rule.end else f"{rule.start}-{rule.end}"
    return f"{proto} {span}"
