"""Run the auditor on hostile input in a subprocess with an address-space cap and a time limit.

Families of hostile inputs (IaC, model files, notebooks, secrets, ...) live in
``tests/hostile/cases_<family>.py`` modules exposing ``FAMILY`` (a ``Family``: the scan source and
its known-bad control) and ``INPUTS`` (a list of ``HostileInput``); ``test_cases.py`` runs them all.
Each input builds itself (never a committed binary) in its own folder; all inputs of a family are
scanned together beside the control in one capped subprocess, and the worst ones again alone.

What every input must give: the process ends within the time limit and under the memory cap,
prints no traceback and writes its JSON result; a collection error names the input's folder (with
the limit or reason in its words); nothing from the input passes; the control still fails.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MEMORY_CAP = 1536 * 1024 * 1024  # address space of the scan process: a bomb hits this, a scan never does
TIME_LIMIT = 120.0  # generous: a hang is what it catches, not slowness under a loaded CI machine


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
        at = self.stderr.find("Traceback (most recent call last)")
        if at >= 0:  # show the traceback itself, not the tail of a long error list
            return f"argv: {' '.join(self.argv)}\nexit {self.returncode}\n--- traceback\n{self.stderr[at:at + 4000]}"
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
    assert outcome.result is not None, outcome.describe()


def assert_not_passed(outcome: Outcome, name: str, checks: tuple[str, ...] | None = None) -> None:
    """No passing finding (of ``checks``, or any) on anything the hostile input gave."""
    passed = [f for f in outcome.findings_for(name) if f.get("status") == "pass" and (checks is None or f.get("check_id") in checks)]
    assert not passed, f"{name} passed {[f['check_id'] for f in passed]}\n{outcome.describe()}"


@dataclass(frozen=True)
class HostileInput:
    """One hostile input of a family. ``write(folder)`` creates it inside its own empty folder
    (named after ``id``), which is what a collection error must name. ``words``: what the error
    must also say (the limit reached, the reason). ``named=False``: the input may be judged
    normally (a harmless oddity); it must still never crash the scan nor pass by default."""

    id: str
    write: Callable[[Path], None]
    words: tuple[str, ...] = ()
    named: bool = True
    alone: bool = False  # also run it alone in its own capped scan (the worst of the family)
    xfail: str | None = None  # a known gap, with who or what it waits for (the test runs, strict=False)
    may_pass: bool = False  # what could be read is judged normally (a count over the limit judged as one instance)
    must_fail: str | None = None  # a check that must fail on the input (a declared exposure never passes silently)


@dataclass(frozen=True)
class Family:
    """A scan source and its known-bad control, for ``tests/hostile/cases_<family>.py`` modules.

    ``args(root)`` gives the auditor arguments scanning ``root``; ``control(folder)`` writes the
    control into ``folder`` and ``control_id``/``control_check`` find its failing finding.
    """

    name: str
    args: Callable[[Path], list[str]]
    control: Callable[[Path], None]
    control_id: str
    control_check: str
    time_limit: float = TIME_LIMIT
    memory_cap: int = MEMORY_CAP
    guarded_checks: tuple[str, ...] | None = None  # the checks a hostile input must never pass (None: all)


def build_root(family: Family, inputs: Sequence[HostileInput], root: Path) -> Path:
    """Every input in its own folder under ``root``, and the control beside them."""
    root.mkdir(parents=True, exist_ok=True)
    family.control(root / "control")
    for case in inputs:
        folder = root / case.id
        folder.mkdir()
        case.write(folder)
    return root


def run_family(family: Family, inputs: Sequence[HostileInput], root: Path) -> Outcome:
    build_root(family, inputs, root / "scan")
    return run_auditor(family.args(root / "scan"), workdir=root, memory_cap=family.memory_cap,
                       time_limit=family.time_limit)


def assert_control_judged(family: Family, outcome: Outcome) -> None:
    failing = [f for f in outcome.findings_for(family.control_id)
               if f.get("status") == "fail" and f.get("check_id") == family.control_check]
    assert failing, f"the control {family.control_id} was not judged\n{outcome.describe()}"


def assert_input_outcome(case: HostileInput, outcome: Outcome, family: Family | None = None) -> None:
    """Named when it must be (with its words), never passed unless judged normally."""
    if case.must_fail is not None:
        failing = [f for f in outcome.findings_for(case.id + "/") if f.get("status") == "fail" and f.get("check_id") == case.must_fail]
        assert failing, f"{case.id}: {case.must_fail} did not fail\n{outcome.describe()}"
    if not case.named:
        return
    if not case.may_pass:
        assert_not_passed(outcome, case.id + "/", family.guarded_checks if family is not None else None)
    # a collection error naming it, or (a model file that could not be scanned) an unknown finding on it
    named = outcome.errors_naming(case.id + "/") + [
        f for f in outcome.findings_for(case.id + "/") if f.get("status") in ("unknown", "error")]
    assert named, f"no collection error or unknown result names {case.id}/\n{outcome.describe()}"
    text = " ".join(str(e.get("message")) for e in named)
    assert "MemoryError" not in text, f"{case.id}: memory ran out before any limit was reached: {text!r}"
    for word in case.words:
        assert word.lower() in text.lower(), f"{case.id}: {word!r} not in {text!r}"
