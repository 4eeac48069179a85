"""Every field a generative-AI check reads is set by at least one live collector and one IaC
mapper (or by the scan's joins in auditor/linking_genai.py): no check waits on a field nothing fills."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from auditor.registry import Registry

ROOT = Path(__file__).resolve().parents[1]
LIVE = [*(ROOT / "auditor" / "collectors").glob("aws/*.py"), *(ROOT / "auditor" / "collectors").glob("azure/*.py"),
        *(ROOT / "auditor" / "collectors").glob("gcp/*.py")]
IAC = list((ROOT / "auditor" / "collectors" / "iac" / "mappers").glob("*.py"))
JOINS = [ROOT / "auditor" / "linking_genai.py"]
# what every resource has (identity) or what selects the case rather than judging it
STRUCTURAL = {"ref", "workload_type", "service", "kind", "id", "tags"}
GENAI_CHECKS = [s for s in Registry.default(entry_points=False)
                if s.origin.startswith("auditor.checks.genai") or s.id == "ml_invocation_logging_off"]


def _read_fields(func: object) -> set[str]:
    tree = ast.parse(inspect.getsource(inspect.getmodule(func)))  # type: ignore[arg-type]
    fields: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in (
                "workload", "repo", "guardrail"):
            fields.add(node.attr)
    return fields - STRUCTURAL


def _set_in(paths: list[Path], field: str) -> bool:
    pattern = re.compile(rf"\b{field}\s*=[^=]|[\"']{field}[\"']\s*[:\]]|update\([^)]*\b{field}=")
    return any(pattern.search(p.read_text(encoding="utf-8")) for p in paths)


def test_genai_checks_found() -> None:
    assert len(GENAI_CHECKS) >= 12


@pytest.mark.parametrize("spec", GENAI_CHECKS, ids=lambda s: s.id)
def test_fields_are_fed_live_and_from_iac(spec) -> None:
    fields = _read_fields(spec.func)
    assert fields, spec.id
    joined = {f for f in fields if _set_in(JOINS, f)}
    not_live = sorted(f for f in fields - joined if not _set_in(LIVE, f))
    not_iac = sorted(f for f in fields - joined if not _set_in(IAC, f))
    assert not_live == [] and not_iac == [], f"{spec.id}: no live collector sets {not_live}; no IaC mapper sets {not_iac}"
