"""The service ports the network checks judge, shared with the collectors that must tell
whether a rule could ever open one (pure data, no I/O)."""

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


# The ML service ports of the check catalog, in catalog order.
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
ADMIN_PORTS = (ServicePorts(22, 22, "SSH"), ServicePorts(3389, 3389, "RDP"))

_PORTLESS = {"icmp", "icmpv6", "esp", "ah", "1", "50", "51", "58"}


def could_open_judged_port(ranges: list[PortRange]) -> bool:
    """Whether any of these ranges, if open to the world, would matter to a network check: all
    ports, an admin port or an ML service port. A rule on 443 alone never can."""
    for rule in ranges:
        proto = rule.protocol.strip().lower()
        if proto in _PORTLESS:
            continue
        if proto in ("all", "-1", "*", "any") or (rule.start <= 0 and rule.end >= 65535):
            return True
        if any(rule.start <= p.end and p.start <= rule.end for p in ML_PORTS + ADMIN_PORTS):
            return True
    return False
