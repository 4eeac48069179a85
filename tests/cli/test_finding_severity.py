"""A result may carry its own severity (a CVE's rating, an all-ports rule): --fail-on, the
summary and the reports use it. ``evaluate --save-inventory`` writes the inventory."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.advisories import AdvisoryDB
from auditor.engine import Engine
from auditor.findings import Severity, Status
from auditor.registry import CheckContext, Registry
from auditor.resources import FirewallRule, PortRange, Ref, Service, resource_to_dict
from auditor.result import InventoryFile

from .conftest import Auditor

OLLAMA = Service(
    ref=Ref(provider="network", id="http://127.0.0.1:11434", name="127.0.0.1:11434"),
    url="http://127.0.0.1:11434", host="127.0.0.1", port=11434, service="ollama",
    package="github.com/ollama/ollama", package_ecosystem="Go", version="0.1.33",
)


def test_a_critical_cve_on_a_service_is_a_critical_finding() -> None:
    registry = Registry.default().select(["service_vulnerable_version"])
    engine = Engine(registry, context=CheckContext(advisories=AdvisoryDB.load_default()))
    findings = [f for f in engine.evaluate([OLLAMA]) if f.status == Status.FAIL]
    by_advisory = {f.key: f.severity for f in findings}
    assert by_advisory["CVE-2024-37032"] == Severity.CRITICAL
    assert {f.severity for f in findings} > {Severity.CRITICAL}  # others keep their own ratings
    overridden = Engine(registry, context=engine.context, severity_overrides={"service_vulnerable_version": Severity.LOW})
    assert {f.severity for f in overridden.evaluate([OLLAMA]) if f.status == Status.FAIL} == {Severity.LOW}


def test_all_ports_open_to_the_world_is_critical() -> None:
    rule = FirewallRule(
        ref=Ref(provider="aws", cloud="aws", account="111122223333", region="us-east-1", id="sg-1", name="sg-1"),
        world_open_ports=[PortRange(protocol="all")],
    )
    registry = Registry.default().select(["network_admin_port_open_to_world"])
    (finding,) = [f for f in Engine(registry).evaluate([rule]) if f.status == Status.FAIL]
    assert finding.severity == Severity.CRITICAL


def test_fail_on_critical_catches_the_critical_cve_and_save_inventory_writes(auditor: Auditor, tmp_path: Path) -> None:
    inventory = InventoryFile(sources=["endpoints"], scope="lab", inventory=[resource_to_dict(OLLAMA)])
    (tmp_path / "inv.json").write_text(inventory.model_dump_json())
    res = auditor("evaluate", "inv.json", "--fail-on", "critical", "--checks", "service_vulnerable_version",
                  "-f", "json", "--output", "r.json", "--save-inventory", "saved.json")
    assert res.code == 1
    assert "critical service_vulnerable_version  127.0.0.1:11434" in " ".join(res.out.split("\n"))
    result = json.loads((tmp_path / "r.json").read_text())
    assert any(f["severity"] == "critical" for f in result["findings"] if f["status"] == "fail")
    saved = json.loads((tmp_path / "saved.json").read_text())
    assert saved["kind"] == "auditor-inventory" and saved["inventory"][0]["ref"]["id"] == "http://127.0.0.1:11434"
