"""docs/checks.md is generated from the registry and must match it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from auditor.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_checks_doc.py"
DOC = ROOT / "docs" / "checks.md"
REGENERATE = "regenerate it with: .venv/bin/python scripts/gen_checks_doc.py"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_checks_doc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checks_doc_is_up_to_date(gen: ModuleType) -> None:
    assert DOC.exists(), f"docs/checks.md is missing; {REGENERATE}"
    assert DOC.read_text(encoding="utf-8") == gen.current(), f"docs/checks.md is out of date; {REGENERATE}"


def test_doc_lists_every_registered_check_with_its_metadata(gen: ModuleType) -> None:
    registry = Registry.default(entry_points=False)
    text = gen.render(registry)
    for spec in registry:
        assert f"### `{spec.id}`" in text
        row = next(line for line in text.splitlines() if line.startswith(f"| [`{spec.id}`]"))
        assert f"| {spec.severity.value} |" in row
        assert spec.kind is not None and f"| {spec.kind.kind} |" in row
        assert " ".join(spec.remediation.split()) in text
    assert f"{len(registry)} built-in checks" in text


def test_doc_escapes_table_cells_and_groups_by_family(gen: ModuleType) -> None:
    from auditor.findings import Result, Severity, passed
    from auditor.registry import check
    from auditor.resources import FirewallRule, Key

    @check(id="network_demo_pipe", severity=Severity.LOW, title="a | b", description="d", remediation="r")
    def network_demo_pipe(rule: FirewallRule) -> Result:
        return passed("ok")

    @check(id="key_demo_other", severity=Severity.INFO, title="t", description="d", remediation="r", clouds=["gcp"])
    def key_demo_other(key: Key) -> Result:
        return passed("ok")

    registry = Registry()
    registry.add(network_demo_pipe)
    registry.add(key_demo_other)
    text = gen.render(registry)
    assert "| a \\| b |" in text
    assert text.index("## Network") < text.index("## Keys and logging")
    assert "| [`key_demo_other`](#key_demo_other) | info | Key | gcp | t |" in text
    assert "2 built-in checks (1 low, 1 info)" in text


def test_check_mode_reports_a_stale_file(gen: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "checks.md"
    stale.write_text("# Checks reference\n", encoding="utf-8")
    assert gen.main(["--check", "--output", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert gen.main(["--output", str(stale)]) == 0
    assert gen.main(["--check", "--output", str(stale)]) == 0
