"""Fuzzing the model analyser with mutations of the corpus the tests build.

Every mutated input must give a verdict (code execution yes / no / unknown) or a named error;
nothing may escape the scanner, and nothing is ever loaded. Bounded: a fixed number of inputs
from a seeded generator (``AUDITOR_FUZZ_SEED`` picks another sequence) and a wall-clock
budget, so ``make test`` stays fast and a failure reproduces.
"""

from __future__ import annotations

import io
import os
import pickle
import random
import struct
import time
from pathlib import Path

import pytest

from auditor.collectors.files import sniff
from auditor.collectors.files.models import Scanner

from .corpus import Reduce, torch_zip

BUDGET_S = 20.0
EXAMPLES = 20_000


def _extra_seeds() -> list[bytes]:
    """Inputs the pickle analysis treats specially: framing, PROTO-less streams, TorchScript."""
    framed = pickle.PROTO + b"\x05" + pickle.FRAME + struct.pack("<Q", 9) + b"\x8c\x02os\x8c\x06system\x93" + pickle.STOP
    return [
        framed,
        b"\x8c\x02os\x94\x8c\x06system\x94\x93\x8c\x04true\x85R.",
        pickle.dumps(Reduce(os.system, "true"), 0),
        b"(ios\nsystem\nS'true'\nt.",
        torch_zip(b"ctorch.jit._pickle\nbuild_intlist\n(K\x01K\x02l\x85R."),
        pickle.dumps(list(range(70_000)), 4),  # several frames
        b"Version 1.2.3\n",
    ]


@pytest.fixture(scope="module")
def seeds(corpus: tuple[Path, dict[str, str], Path]) -> list[bytes]:
    root, expected, _ = corpus
    files = [(root / name).read_bytes() for name in sorted(expected)]
    return [data for data in files + _extra_seeds() if len(data) <= 256 << 10 and not data.startswith(b"\x89HDF")]


KINDS = ("flip", "set", "insert", "delete", "duplicate", "truncate", "splice", "head", "tail")
Step = tuple[str, float, int, int]


def _steps(rng: random.Random) -> list[Step]:
    return [(rng.choice(KINDS), rng.random(), rng.randrange(256), rng.randrange(1, 65)) for _ in range(rng.randrange(1, 5))]


def _mutate(data: bytes, other: bytes, steps: list[Step]) -> bytes:
    buf = bytearray(data)
    for kind, where, value, length in steps:
        pos = int(where * len(buf)) if buf else 0
        if kind in ("head", "tail") and buf:
            # Headers live at the ends: magic numbers, zip local and central directory records.
            span = min(len(buf), 64)
            pos = int(where * span) if kind == "head" else len(buf) - span + int(where * span)
            buf[min(pos, len(buf) - 1)] = value
        elif kind == "flip" and buf:
            buf[min(pos, len(buf) - 1)] ^= 1 << (value & 7)
        elif kind == "set" and buf:
            buf[min(pos, len(buf) - 1)] = value
        elif kind == "insert":
            buf[pos:pos] = bytes([value]) * length
        elif kind == "delete":
            del buf[pos : pos + length]
        elif kind == "duplicate":
            buf[pos:pos] = buf[pos : pos + length]
        elif kind == "truncate":
            del buf[pos:]
        elif kind == "splice" and other:
            start = int(where * len(other))
            buf[pos : pos + length] = other[start : start + length]
    return bytes(buf)


def analyse(data: bytes) -> tuple[bool | None, list[str]]:
    kind = sniff.sniff(data[: sniff.HEAD])
    if kind is None or kind == sniff.HDF5:
        # HDF5 is read by libhdf5 in a child process with its own time limit (models.HDF5_TIMEOUT,
        # tested in test_formats.py): one process per input is too slow for this fuzz.
        return False, []
    scan = Scanner().scan_file(io.BytesIO(data), len(data), kind)
    return scan.code_execution, scan.errors


def test_mutated_corpus_gives_a_verdict_or_a_named_error(seeds: list[bytes], tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("AUDITOR_FUZZ_SEED", "20261205")))
    started = time.monotonic()
    tried = 0
    while tried < EXAMPLES and time.monotonic() - started < BUDGET_S:
        seed, other = rng.choice(seeds), rng.choice(seeds)
        mutated = _mutate(seed, other, _steps(rng))
        tried += 1
        try:
            verdict, errors = analyse(mutated)
        except Exception as exc:  # the failure this test exists for: keep the input to reproduce it
            (tmp_path / "crash.bin").write_bytes(mutated)
            raise AssertionError(f"input {tried} ({tmp_path / 'crash.bin'}) escaped the scanner: {exc!r}") from exc
        assert verdict in (True, False, None)
        assert all(isinstance(e, str) and e.strip() for e in errors)
        if verdict is None:
            assert errors, "unknown without a reason"
    assert tried >= min(EXAMPLES, 2000), f"only {tried} inputs in {BUDGET_S} s"
