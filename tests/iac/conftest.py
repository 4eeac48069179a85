"""Helpers for the IaC tests: scan a test project with the real collector and the real checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collectors.base import CollectionError, CollectionSink
from auditor.collectors.iac import IacCollector
from auditor.engine import Engine
from auditor.registry import Registry
from auditor.resources import Resource

PROJECTS = Path(__file__).parent / "projects"
_RANK = {"pass": 0, "unknown": 1, "error": 2, "fail": 3}


class Scan:
    def __init__(self, resources: list[Resource], errors: list[CollectionError], findings: list) -> None:
        self.resources = {r.ref.id: r for r in resources}
        self.errors = errors
        self.findings = findings

    def status(self) -> dict[tuple[str, str], str]:
        """(check id, resource id) -> the worst status over that check's results for the resource."""
        out: dict[tuple[str, str], str] = {}
        for f in self.findings:
            key = (f.check_id, f.resource_id)
            status = f.status.value
            if key not in out or _RANK[status] > _RANK[out[key]]:
                out[key] = status
        return out

    def of(self, resource_id: str) -> dict[str, str]:
        return {check: status for (check, rid), status in self.status().items() if rid == resource_id}


@pytest.fixture(scope="session")
def iac_registry() -> Registry:
    return Registry.default(entry_points=False)


@pytest.fixture
def scan_project(iac_registry: Registry):
    def run(*names: str, var_files: tuple[str, ...] = (), root: Path | None = None) -> Scan:
        paths = [str(PROJECTS / n) for n in names]
        sink = CollectionSink()
        IacCollector(paths, root=str(root) if root else None, var_files=list(var_files)).collect(sink)
        findings = Engine(iac_registry).evaluate(sink.resources)
        return Scan(sink.resources, sink.errors, findings)

    return run
