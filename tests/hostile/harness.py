"""Run the auditor on hostile input in a subprocess with an address-space cap and a time limit.

Other families (IaC, model files, notebooks, configs) drop their cases into this suite as
``HostileCase`` objects in a ``tests/hostile/cases_<family>.py`` module exposing ``CASES``;
``test_cases.py`` runs them all. A case builds its input itself (never a committed binary),
names the input that must show up in a collection error, and says what must still be judged
beside it (a known-bad control).

The outcome every case asserts by default: the process ends within the time limit and under the
memory cap, prints no traceback, writes its JSON result, never reports the hostile input as
passed, and still judges the control.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MEMORY_CAP = 1536 * 1024 * 1024  # address space of the scan process: a bomb hits this, a scan never does
TIME_LIMIT = 60.0


@dataclass
class Outcome:
    """What one run of the auditor did."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    result: dict[str, Any] | None
    timed_out: bool = False

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list((self.result or {}).get("collection_errors", []))

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list((self.result or {}).get("findings", []))

    def errors_naming(self, text: str) -> list[dict[str, Any]]:
        """Collection errors whose resource, path or message names ``text``."""
        return [e for e in self.errors if any(text in str(e.get(k) or "") for k in ("resource", "path", "message"))]

    def findings_for(self, text: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if text in str(f.get("resource_id")) or text in str(f.get("path") or "")]

    def describe(self) -> str:
        return (
            f"argv: {' '.join(self.argv)}\nexit {self.returncode} after {self.seconds:.1f}s"
            f"{' (killed: time limit)' if self.timed_out else ''}\n--- stderr (tail)\n{self.stderr[-3000:]}"
        )


def _limit_memory(cap: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run_auditor(
    args: Sequence[str],
    *,
    workdir: Path,
    memory_cap: int = MEMORY_CAP,
    time_limit: float = TIME_LIMIT,
    env: dict[str, str] | None = None,
    base_env: dict[str, str] | None = None,
    formats: str = "json",
    store: Path | None = None,
) -> Outcome:
    """``auditor <args> --format json --output <workdir>/result.json --no-store --fail-on none``.
    ``env`` is laid over ``base_env`` (default: this process's environment)."""
    out = workdir / "result.json"
    outputs = ["--output", str(out), "--force"] if formats == "json" else ["--output-dir", str(workdir / "out")]
    history = ["--store", str(store)] if store is not None else ["--no-store"]
    argv = [sys.executable, "-m", "auditor.cli.main", *args, "--format", formats, *outputs, *history, "--fail-on", "none"]
    full_env = {
        **(os.environ if base_env is None else base_env),
        "MALLOC_ARENA_MAX": "2",  # glibc reserves 64 MiB of address space per arena: keep the cap meaningful
        "AUDITOR_STORE": str(store) if store is not None else "off",
        "NO_COLOR": "1",
        **(env or {}),
    }
    started = time.monotonic()
    timed_out = False
    proc = subprocess.Popen(
        argv, cwd=workdir, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        errors="replace", preexec_fn=_limit_memory(memory_cap), start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=time_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()  # only the process this harness started
        stdout, stderr = proc.communicate()
    result = None
    if formats != "json":
        out = next(iter(sorted((workdir / "out").glob("*.json"))), out)
    if out.exists():
        try:
            result = json.loads(out.read_text(encoding="utf-8"))
        except ValueError:
            result = None
    return Outcome(argv, proc.returncode, stdout, stderr, time.monotonic() - started, result, timed_out)


def assert_survived(outcome: Outcome) -> None:
    """Ended on its own, under the caps, without a traceback, with a result file."""
    assert not outcome.timed_out, outcome.describe()
    assert outcome.returncode in (0, 1, 3), outcome.describe()
    assert "Traceback (most recent call last)" not in outcome.stderr, outcome.describe()
    assert "MemoryError" not in outcome.stderr, outcome.describe()
    assert outcome.result is not None, outcome.describe()


def assert_not_passed(outcome: Outcome, name: str) -> None:
    """No passing finding on anything the hostile input gave."""
    passed = [f for f in outcome.findings_for(name) if f.get("status") == "pass"]
    assert not passed, f"{name} passed {[f['check_id'] for f in passed]}\n{outcome.describe()}"


@dataclass
class HostileCase:
    """One hostile input for a scan source.

    ``build(folder)`` writes the input (and the control) under ``folder`` and returns the auditor
    arguments (``["scan", "iac", str(folder)]``). ``names`` is the text (file name, address) that
    a collection error must contain; None when the input is allowed to be judged normally (a
    harmless oddity), in which case it must still not pass. ``control`` is the resource id part of
    the known-bad control that must fail beside it, ``control_check`` its failing check.
    """

    id: str
    family: str
    build: Callable[[Path], list[str]]
    names: str | None
    control: str | None = None
    control_check: str | None = None
    incomplete: bool | None = None  # True: the scan must say it is incomplete (exit 3)
    time_limit: float = TIME_LIMIT
    memory_cap: int = MEMORY_CAP
    extra: Callable[[Outcome], None] | None = None  # more assertions of the case's own
    marks: list[Any] = field(default_factory=list)


def check_case(case: HostileCase, folder: Path) -> Outcome:
    args = case.build(folder)
    outcome = run_auditor(args, workdir=folder, memory_cap=case.memory_cap, time_limit=case.time_limit)
    assert_survived(outcome)
    if case.names is not None:
        assert outcome.errors_naming(case.names), f"no collection error names {case.names}\n{outcome.describe()}"
        assert_not_passed(outcome, case.names)
    if case.control is not None:
        failing = [f for f in outcome.findings_for(case.control) if f.get("status") == "fail"
                   and (case.control_check is None or f.get("check_id") == case.control_check)]
        assert failing, f"the control {case.control} was not judged\n{outcome.describe()}"
    if case.incomplete is not None:
        assert bool((outcome.result or {}).get("scan", {}).get("incomplete")) is case.incomplete, outcome.describe()
    if case.extra is not None:
        case.extra(outcome)
    return outcome
