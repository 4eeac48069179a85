"""Every family of ``tests/hostile/cases_<family>.py``: one capped scan of all its inputs beside
the known-bad control, one test per input, and the inputs marked ``alone`` in scans of their own."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from .harness import (
    Family,
    HostileInput,
    Outcome,
    assert_control_judged,
    assert_input_outcome,
    assert_survived,
    run_family,
)


def _families() -> list[ModuleType]:
    here = Path(__file__).parent
    return [importlib.import_module(f"{__package__}.{p.stem}") for p in sorted(here.glob("cases_*.py"))]


FAMILIES: dict[str, tuple[Family, list[HostileInput]]] = {m.FAMILY.name: (m.FAMILY, list(m.INPUTS)) for m in _families()}
CASES = [(name, case) for name, (_, inputs) in FAMILIES.items() for case in inputs]


def _params(cases: list[tuple[str, HostileInput]]) -> list[object]:
    return [pytest.param(n, c, id=f"{n}-{c.id}", marks=[pytest.mark.xfail(reason=c.xfail, strict=False)] if c.xfail else [])
            for n, c in cases]


_outcomes: dict[str, Outcome] = {}


def _family_outcome(name: str, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    if name not in _outcomes:
        family, inputs = FAMILIES[name]
        _outcomes[name] = run_family(family, inputs, tmp_path_factory.mktemp(f"hostile-{name}"))
    return _outcomes[name]


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_scan_survives_and_judges_the_control(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = _family_outcome(name, tmp_path_factory)
    assert_survived(outcome)
    assert_control_judged(FAMILIES[name][0], outcome)


@pytest.mark.parametrize(("name", "case"), _params(CASES))
def test_hostile_input(name: str, case: HostileInput, tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = _family_outcome(name, tmp_path_factory)
    assert_survived(outcome)
    assert_input_outcome(case, outcome, FAMILIES[name][0])


ALONE = [(n, c) for n, c in CASES if c.alone]


@pytest.mark.parametrize(("name", "case"), _params(ALONE))
def test_hostile_input_alone(name: str, case: HostileInput, tmp_path: Path) -> None:
    family = FAMILIES[name][0]
    outcome = run_family(family, [case], tmp_path)
    assert_survived(outcome)
    assert_control_judged(family, outcome)
    assert_input_outcome(case, outcome, FAMILIES[name][0])
