"""The model scanner over the generated corpus, evasions, broken files and large files."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from auditor.collectors.files import sniff
from auditor.collectors.files.models import ModelScan, Scanner


def scan_path(path: Path) -> ModelScan | None:
    with path.open("rb") as f:
        kind = sniff.sniff(f.read(sniff.HEAD))
        f.seek(0)
        return Scanner().scan_file(f, path.stat().st_size, kind) if kind else None


def scan_bytes(data: bytes) -> ModelScan:
    kind = sniff.sniff(data[: sniff.HEAD])
    assert kind is not None, "not recognised as a model format"
    return Scanner().scan_file(io.BytesIO(data), len(data), kind)


def verdict(scan: ModelScan | None) -> str:
    if scan is None:
        return "not recognised"
    if scan.code_execution:
        return "malicious"
    return "error" if scan.code_execution is None else "benign"


def test_corpus_verdicts_and_nothing_executes(corpus: tuple[Path, dict[str, str], Path]) -> None:
    root, expected, marker = corpus
    assert sum(v == "malicious" for v in expected.values()) >= 45
    assert sum(v == "benign" for v in expected.values()) >= 25
    wrong = {}
    for name, want in expected.items():
        got = verdict(scan_path(root / name))
        if got != want:
            wrong[name] = got
    assert wrong == {}
    assert not marker.exists(), "a payload ran during the scan"


def test_formats_are_recognised_by_content(corpus: tuple[Path, dict[str, str], Path]) -> None:
    root, _, _ = corpus
    formats = {name: scan_path(root / name).format for name in (  # type: ignore[union-attr]
        "ok/model.pt", "ok/legacy.pth", "ok/arrays.npz", "ok/model.keras", "ok/model.h5", "ok/model.safetensors",
        "ok/model.gguf", "ok/model.onnx", "mal/joblib_zlib.joblib", "mal/eval.sav")}
    assert formats == {
        "ok/model.pt": "pytorch_zip", "ok/legacy.pth": "pytorch_legacy", "ok/arrays.npz": "numpy_npz",
        "ok/model.keras": "keras", "ok/model.h5": "keras_h5", "ok/model.safetensors": "safetensors",
        "ok/model.gguf": "gguf", "ok/model.onnx": "onnx", "mal/joblib_zlib.joblib": "joblib (zlib)",
        "mal/eval.sav": "pickle",
    }
    # A pickle renamed to .txt is still a pickle.
    renamed = root / "renamed.txt"
    renamed.write_bytes((root / "mal/eval.sav").read_bytes())
    assert verdict(scan_path(renamed)) == "malicious"


@pytest.mark.parametrize(
    ("name", "reference", "reason_part"),
    [
        ("mal/alias_posixpath_os.pkl", "os.system", "written as posixpath.os.system"),
        ("mal/alias_random_os.pkl", "os.system", "random._os.system"),
        ("mal/builtins_via_module.pkl", "builtins.eval", "collections.__builtins__.eval"),
        ("mal/py2_builtin_eval.pkl", "builtins.eval", "__builtin__.eval"),
        ("mal/computed_module.pkl", "?.system", "computed at load time"),
        ("mal/ext_code.pkl", "?.?", "extension code"),
        ("mal/memo_stack_global.pkl", "os.system", ""),
        ("mal/memoize_put_confusion.pkl", "posix.system", ""),
        ("mal/timeit_gadget.pkl", "timeit.timeit", "code-execution"),
        ("mal/doctest_gadget.pkl", "doctest.debug_script", "code-execution"),
    ],
)
def test_resolution_of_evasions(corpus: tuple[Path, dict[str, str], Path], name: str, reference: str, reason_part: str) -> None:
    root, _, _ = corpus
    scan = scan_path(root / name)
    assert scan is not None
    hits = [i for i in scan.items if i.reference == reference and i.severity in ("critical", "high")]
    assert hits, [(i.reference, i.reason) for i in scan.items]
    assert reason_part in hits[0].reason


def test_joblib_arrays_are_skipped_and_payload_after_them_is_found(corpus: tuple[Path, dict[str, str], Path]) -> None:
    root, _, _ = corpus
    scan = scan_path(root / "mal/joblib_plain.joblib")
    assert scan is not None and scan.errors == []
    assert [i.reference for i in scan.items if i.severity == "critical"] == ["posix.system"]


def test_benign_files_have_no_findings_above_low(corpus: tuple[Path, dict[str, str], Path]) -> None:
    root, expected, _ = corpus
    for name, want in expected.items():
        if want == "benign":
            scan = scan_path(root / name)
            assert scan is not None
            assert [i for i in scan.items if i.severity not in ("low", "info")] == [], name


def test_truncated_files_are_errors_not_clean(corpus: tuple[Path, dict[str, str], Path]) -> None:
    root, _, _ = corpus
    for name in ("ok/data_p4.pkl", "ok/data_p0.pkl", "ok/legacy.pth", "ok/model.safetensors", "ok/array.npy",
                 "ok/joblib_plain.joblib", "ok/joblib_gzip.joblib", "ok/model.onnx", "ok/model.gguf", "ok/model.pt"):
        data = (root / name).read_bytes()
        cut = data[: max(len(data) // 2, 12)]
        scan = scan_bytes(cut)
        assert scan.code_execution is None and scan.errors, (name, scan.errors)


def test_truncated_malicious_pickle_is_still_malicious(corpus: tuple[Path, dict[str, str], Path]) -> None:
    root, _, _ = corpus
    data = (root / "mal/os_system_p4.pkl").read_bytes()
    scan = scan_bytes(data[:-3])
    assert scan.code_execution is True and scan.errors


def test_absurd_lengths_give_clear_errors() -> None:
    cases = {
        "BINUNICODE8 of 2**60 bytes": b"\x80\x04\x8d" + struct.pack("<Q", 1 << 60) + b"abc.",
        "BYTEARRAY8 past the end": b"\x80\x05\x96" + struct.pack("<Q", 1 << 40) + b".",
        "memo index 2**31": b"\x80\x02N" + b"r" + struct.pack("<I", 1 << 31) + b".",
        "npy header length": b"\x93NUMPY\x02\x00" + struct.pack("<I", 1 << 30) + b"{",
        "safetensors offsets past the end": struct.pack("<Q", 60) + json.dumps({"w": {"dtype": "F32", "shape": [1 << 20], "data_offsets": [0, 1 << 22]}}).encode().ljust(60),
        "gguf counts": b"GGUF" + struct.pack("<IQQ", 3, 1 << 60, 1 << 60),
    }
    for label, data in cases.items():
        scan = scan_bytes(data)
        assert scan.code_execution is None, label
        assert scan.errors and all(len(e) < 400 for e in scan.errors), (label, scan.errors)


def test_zip_bomb_member_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", b"\x80\x04N." + b"\x00" * (64 << 20))
    scan = scan_bytes(buf.getvalue())
    assert scan.code_execution is None
    assert any("zip bomb" in e for e in scan.errors)


def test_compression_bomb_is_refused() -> None:
    # A zlib stream of a few hundred KB that inflates to 256 MiB (a pickle holding one huge byte string).
    comp = zlib.compressobj(6)
    parts = [comp.compress(b"\x80\x05\x8e" + struct.pack("<Q", 1 << 28))]
    block = bytes(1 << 20)
    parts.extend(comp.compress(block) for _ in range(256))
    parts.append(comp.compress(b"."))
    parts.append(comp.flush())
    data = b"".join(parts)
    assert len(data) < 2 << 20
    scan = scan_bytes(data)
    assert scan.code_execution is None
    assert any("decompression bomb" in e for e in scan.errors), scan.errors


def test_trailing_data_is_noted_not_failed() -> None:
    import pickle

    scan = scan_bytes(pickle.dumps({"a": 1}, 4) + b"some trailing bytes")
    assert scan.code_execution is False
    assert any("trailing" in n for n in scan.notes)


def _rss_scan(path: Path) -> dict[str, float]:
    code = (
        "import json,resource,sys,time\n"
        "from auditor.collectors.files import sniff\n"
        "from auditor.collectors.files.models import Scanner\n"
        "p=sys.argv[1]\n"
        "f=open(p,'rb'); k=sniff.sniff(f.read(4096)); f.seek(0)\n"
        "import os; s=Scanner().scan_file(f, os.path.getsize(p), k)\n"
        "print(json.dumps({'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, 'ce': s.code_execution, 'err': s.errors}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_memory_does_not_grow_with_tensor_payloads(tmp_path: Path) -> None:
    small, big = tmp_path / "small.pkl", tmp_path / "big.pkl"
    for path, size in ((small, 1 << 20), (big, 1 << 30)):
        with path.open("wb") as f:  # a protocol-5 pickle holding one sparse bytearray
            f.write(b"\x80\x05\x96" + struct.pack("<Q", size))
            f.seek(size, 1)
            f.write(b".")
    a, b = _rss_scan(small), _rss_scan(big)
    assert a["ce"] is False and b["ce"] is False, (a, b)
    assert b["rss"] < a["rss"] + 20, f"peak RSS grew from {a['rss']:.0f} to {b['rss']:.0f} MiB"


def test_memory_bounded_on_opcode_dense_pickle(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "dense.pkl"
    path.write_bytes(pickle.dumps({f"tok{i}": i for i in range(200_000)}, 4))
    small = tmp_path / "tiny.pkl"
    small.write_bytes(pickle.dumps({"a": 1}, 4))
    a, b = _rss_scan(small), _rss_scan(path)
    assert b["ce"] is False
    assert b["rss"] < a["rss"] + 40, f"peak RSS grew from {a['rss']:.0f} to {b['rss']:.0f} MiB"


def test_hostile_stack_growth_is_bounded() -> None:
    for label, body in (("pushes", b"N" * (3 << 20)), ("marks", b"(" * (3 << 20))):
        scan = scan_bytes(b"\x80\x04" + body + b".")
        assert scan.code_execution is None, label
        assert any("stack deeper" in e for e in scan.errors), (label, scan.errors)
