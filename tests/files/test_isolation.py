"""One bad file never ends a folder scan; archive limits and corrupt archives are never a pass.

Every folder holds a known-bad control pickle that must still be judged beside the hostile input.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.base import CollectionSink
from auditor.collectors.files import FilesCollector
from auditor.collectors.files.models import Limits
from auditor.resources import Dataset, Dependency, ModelArtifact

from . import hostile


def collect(*paths: Path, **kwargs: object) -> CollectionSink:
    sink = CollectionSink()
    FilesCollector(list(paths), **kwargs).collect(sink)  # type: ignore[arg-type]
    return sink


def models(sink: CollectionSink) -> dict[str, ModelArtifact]:
    return {r.ref.id: r for r in sink.resources if isinstance(r, ModelArtifact)}


def control(folder: Path) -> None:
    (folder / "control.pkl").write_bytes(hostile.payload())


def assert_control_judged(sink: CollectionSink, prefix: str = "") -> None:
    found = models(sink)[prefix + "control.pkl"]
    assert found.code_execution is True and found.scan_error is None


def incomplete_errors(sink: CollectionSink) -> dict[str, str]:
    return {e.path or "": e.message for e in sink.errors if e.incomplete}


# -- issue 13 item 1: isolation ------------------------------------------------------------
@pytest.fixture(scope="module")
def unreadable_zips_and_payloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("isolation")
    inner = hostile.zip_of({"archive/data.pkl": hostile.payload()})
    (root / "a-encrypted.zip").write_bytes(hostile.with_flag_bits(inner, 0x1))
    (root / "b-patched.zip").write_bytes(hostile.with_flag_bits(inner, 0x20))
    (root / "c-strong.zip").write_bytes(hostile.with_flag_bits(inner, 0x40))
    (root / "d-deflate64.zip").write_bytes(hostile.with_compression_method(inner, 9))
    for i in range(40):
        (root / f"evil{i:02d}.pkl").write_bytes(hostile.payload(f"echo {i}"))
    (root / "zz-clean.pkl").write_bytes(pickle.dumps({"w": [1.0, 2.0]}, 4))
    return root


def test_bad_archives_never_drop_the_rest_of_the_folder(unreadable_zips_and_payloads: Path) -> None:
    root = unreadable_zips_and_payloads
    runs = [collect(root, workers=4) for _ in range(3)]
    first = runs[0]
    found = models(first)
    evil = {k for k, m in found.items() if k.startswith("evil") and m.code_execution is True}
    assert len(evil) == 40, f"only {len(evil)} of 40 malicious pickles reported"
    assert found["zz-clean.pkl"].code_execution is False
    # Each unreadable archive is named, unknown (never clean) and makes the scan incomplete.
    errors = incomplete_errors(first)
    for name, reason in (("b-patched.zip", "flag bit 5"), ("c-strong.zip", "flag bit 6"), ("d-deflate64.zip", "Deflate64")):
        assert reason in errors[name], errors
        assert reason in (found[name].scan_error or "")
    assert found["d-deflate64.zip"].code_execution is None  # a method we cannot decode: unknown
    # Encryption or patched-data bits on a readable member: the bytes are read as a loader ignoring
    # the bits would read them, so a plain payload behind a flag is still found (and the file named).
    assert "encrypted" in errors["a-encrypted.zip"] and found["a-encrypted.zip"].code_execution is True
    assert found["b-patched.zip"].code_execution is True and found["c-strong.zip"].code_execution is True
    # Lineage checks still ran: every model file has its lineage record.
    lineage = {r.ref.id for r in first.resources if isinstance(r, Dataset)}
    assert {f"{k}#lineage" for k in found} <= lineage
    # Deterministic: the same resources and errors, in the same order, every run.
    def shape(sink: CollectionSink) -> list[object]:
        return [r.model_dump(mode="json") for r in sink.resources] + [e.model_dump() for e in sink.errors]

    assert shape(runs[1]) == shape(first) and shape(runs[2]) == shape(first)
    assert [r.ref.id for r in first.resources if isinstance(r, ModelArtifact)] == sorted(found)


def test_whole_folder_scan_equals_file_by_file(unreadable_zips_and_payloads: Path) -> None:
    root = unreadable_zips_and_payloads
    whole = {Path(k).name: (m.code_execution, [i.reference for i in m.findings], m.scan_error)
             for k, m in models(collect(root, workers=4)).items()}
    alone = {}
    for path in sorted(root.iterdir()):
        [(key, m)] = models(collect(path, workers=1)).items()
        alone[Path(key).name] = (m.code_execution, [i.reference for i in m.findings], m.scan_error)
    assert whole == alone


# -- issue 13 item 7: corrupt archives, 7z, malformed old-style pickles ---------------------
def test_corrupt_archives_are_findings_or_named_errors(tmp_path: Path) -> None:
    control(tmp_path)
    evil = hostile.payload()
    clean = pickle.dumps({"a": 1}, 2)
    (tmp_path / "badcrc-evil.pt").write_bytes(hostile.with_bad_crc(hostile.zip_of({"archive/data.pkl": evil}, zipfile.ZIP_STORED), evil))
    (tmp_path / "badcrc-clean.pt").write_bytes(hostile.with_bad_crc(hostile.zip_of({"archive/data.pkl": clean}, zipfile.ZIP_STORED), clean))
    (tmp_path / "mismatch.zip").write_bytes(hostile.with_renamed_central_entry(
        hostile.zip_of({"archive/data.pkl": evil}), b"archive/data.pkl", b"archive/note.txt"))
    (tmp_path / "backup.7z").write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + os.urandom(64))
    (tmp_path / "old-style.pkl").write_bytes(b"cos\nsystem\n(S'true'\ntR\x99 broken after the call")
    sink = collect(tmp_path)
    found = models(sink)
    errors = incomplete_errors(sink)
    assert_control_judged(sink)
    # A bad CRC never hides what was read: the payload is found and the corruption named.
    assert found["badcrc-evil.pt"].code_execution is True and "CRC" in errors["badcrc-evil.pt"]
    assert found["badcrc-clean.pt"].code_execution is None and "CRC" in errors["badcrc-clean.pt"]
    assert found["mismatch.zip"].code_execution is None and "differ" in errors["mismatch.zip"]
    assert found["backup.7z"].code_execution is None and "7z" in errors["backup.7z"]
    assert found["old-style.pkl"].code_execution is True and "old-style.pkl" in errors


# -- issue 14 item 1: limits inside archives are never a pass --------------------------------
def test_limits_reached_make_the_file_unknown_and_judge_what_was_read(tmp_path: Path) -> None:
    control(tmp_path)
    pad = 4 << 20  # 4 MiB of zeros: about 1000:1 compressed, past the 200:1 limit
    (tmp_path / "padded.pt").write_bytes(hostile.zip_of({"archive/data.pkl": hostile.padded_pickle(pad),
                                                         "archive/data/0": b"\0" * 64}))
    lam = json.dumps({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Lambda", "config": {"function": "bad"}}]}})
    (tmp_path / "padded.keras").write_bytes(hostile.zip_of({
        "config.json": (lam[:-2] + " " * pad + lam[-2:]).encode(), "metadata.json": b"{}",
        "model.weights.h5": b"\x89HDF\r\n\x1a\n"}))
    np_header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    npy = b"\x93NUMPY\x01\x00" + len(np_header + b"\n").to_bytes(2, "little") + np_header + b"\n" + hostile.padded_pickle(pad)
    (tmp_path / "padded.npz").write_bytes(hostile.zip_of({"a.npy": npy}))
    (tmp_path / "bomb.zip").write_bytes(hostile.zip_of({"payload.bin": b"\0" * (8 << 20), "x.pkl": hostile.payload()}))
    (tmp_path / "deep.zip").write_bytes(hostile.nested_zip(6, {"data.pkl": pickle.dumps([1], 2)}))
    (tmp_path / "many.zip").write_bytes(hostile.zip_of(
        {**{f"m{i}.txt": b"x" for i in range(30)}, "zz/late.pkl": hostile.payload()}))
    sink = collect(tmp_path, limits=Limits(max_members=20))
    found = models(sink)
    errors = incomplete_errors(sink)
    assert_control_judged(sink)
    for name in ("padded.pt", "padded.keras", "padded.npz"):
        # The payload before the limit is judged, and the limit is named: never a note.
        assert found[name].code_execution is True, (name, found[name])
        assert name in errors and ("ratio" in errors[name] or "limit" in errors[name]), errors.get(name)
    assert found["bomb.zip"].code_execution is True  # its small member is read; the bomb member is not a model
    assert found["deep.zip"].code_execution is None and "nested deeper" in errors["deep.zip"]
    assert found["many.zip"].code_execution is None and "only the first 20" in errors["many.zip"]
    assert Limits().max_members == 100_000 and Limits().max_ratio == 200 and Limits().max_depth == 4


def test_overlapping_members_zip_bomb_is_unknown(tmp_path: Path) -> None:
    control(tmp_path)
    (tmp_path / "overlap.zip").write_bytes(hostile.overlapping_zip())
    sink = collect(tmp_path)
    assert_control_judged(sink)
    assert models(sink)["overlap.zip"].code_execution is None
    assert "overlap" in incomplete_errors(sink)["overlap.zip"]


def test_zip_bomb_pickle_member_is_unknown(tmp_path: Path) -> None:
    control(tmp_path)
    # A protocol-2 pickle whose string argument is 16 MiB of zeros: past the ratio budget, no STOP.
    big = b"\x80\x02X" + (16 << 20).to_bytes(4, "little") + b"\0" * (16 << 20) + b".\n"
    (tmp_path / "bomb.pt").write_bytes(hostile.zip_of({"archive/data.pkl": big}))
    sink = collect(tmp_path)
    assert_control_judged(sink)
    bomb = models(sink)["bomb.pt"]
    assert bomb.code_execution is None and "zip bomb" in (bomb.scan_error or "")
    assert "bomb.pt" in incomplete_errors(sink)


# -- issue 14 item 2: one bad input is that file's error, everything else still judged -------
def test_bad_inputs_are_named_errors_and_the_rest_is_judged(tmp_path: Path) -> None:
    control(tmp_path)
    (tmp_path / "bad-header.npy").write_bytes(b"\x93NUMPY\x01\x00\x20\x00{'descr': 5, 'shape': ('a',)}    \n")
    (tmp_path / "bad-header.safetensors").write_bytes((40).to_bytes(8, "little") + b'{"w": {"data_offsets": "x"}}' + b" " * 12)
    (tmp_path / "deflate64.pt").write_bytes(hostile.with_compression_method(hostile.zip_of({"archive/data.pkl": b"x"}), 9))
    (tmp_path / "lineage.json").write_text(json.dumps({"format": "auditor-lineage/1", "model": ["not", "a", "map"],
                                                       "data": "nope"}))
    (tmp_path / "poetry.lock").write_text("[[package]]\nname = 'x'\nversion = [")
    (tmp_path / "Pipfile.lock").write_text(json.dumps(["not", "a", "map"]))
    (tmp_path / "requirements.txt").write_text("numpy==1.0\n")
    sink = collect(tmp_path)
    assert_control_judged(sink)
    errors = incomplete_errors(sink)
    for name in ("bad-header.npy", "bad-header.safetensors", "deflate64.pt", "lineage.json", "poetry.lock", "Pipfile.lock"):
        assert name in errors and errors[name].startswith(name), (name, errors)
    assert any(isinstance(r, Dependency) and r.package == "numpy" for r in sink.resources)
    assert any(isinstance(r, Dataset) and r.ref.id == "control.pkl#lineage" for r in sink.resources)


def test_billion_laughs_environment_file_is_bounded(tmp_path: Path) -> None:
    control(tmp_path)
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 12):
        prev, cur = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    lines.append("dependencies: [*l]")
    (tmp_path / "environment.yml").write_text("\n".join(lines) + "\n")
    # Under a 2 GiB address-space cap: an unbounded expansion fails here instead of eating the machine.
    out = scan_in_subprocess(tmp_path, limit_bytes=2 << 30)
    assert out["models"]["control.pkl"] is True
    [error] = [e for e in out["errors"] if e["path"] == "environment.yml"]
    assert error["incomplete"] and "aliases" in error["message"]


# -- issue 14 item 5: an unreadable folder is never a silent skip ----------------------------
def scan_in_subprocess(root: Path, *, limit_bytes: int | None = None, prefix: list[str] | None = None) -> dict[str, Any]:
    """Collect ``root`` in a fresh interpreter; resources and errors come back as JSON."""
    code = ("import json,sys\nfrom auditor.collectors.base import CollectionSink\n"
            "from auditor.collectors.files import FilesCollector\n"
            "s=CollectionSink(); FilesCollector([sys.argv[1]]).collect(s)\n"
            "print(json.dumps({'models': {r.ref.id: r.code_execution for r in s.resources if r.kind == 'ModelArtifact'},"
            " 'errors': [e.model_dump() for e in s.errors]}))")

    def cap() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    proc = subprocess.run([*(prefix or []), sys.executable, "-c", code, str(root)], capture_output=True, text=True,
                          timeout=120, cwd=str(Path(__file__).resolve().parents[2]), preexec_fn=cap)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_unreadable_folder_is_a_collection_error(tmp_path: Path) -> None:
    control(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "evil.pkl").write_bytes(hostile.payload())
    locked.chmod(0)
    prefix = []
    if os.geteuid() == 0:
        # Root reads any folder: the scan runs without the capabilities that bypass permissions.
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv (util-linux) to drop the permission-bypass capabilities")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    try:
        out = scan_in_subprocess(tmp_path, prefix=prefix)
    finally:
        locked.chmod(0o700)
    assert out["models"]["control.pkl"] is True
    [error] = [e for e in out["errors"] if e["path"] == "locked"]
    assert error["incomplete"] and "not scanned" in error["message"]


def test_cli_reports_unreadable_archives_as_unknown_and_exits_3(tmp_path: Path) -> None:
    root = tmp_path / "models"
    root.mkdir()
    control(root)
    clean = pickle.dumps({"a": 1}, 2)
    (root / "badcrc.pt").write_bytes(hostile.with_bad_crc(hostile.zip_of({"archive/data.pkl": clean}, zipfile.ZIP_STORED), clean))
    (root / "bomb.zip").write_bytes(hostile.zip_of({"data.pkl": hostile.padded_pickle(4 << 20)}))
    (root / "many.zip").write_bytes(hostile.zip_of({f"m{i}.txt": b"x" for i in range(30)}))
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, "-m", "auditor", "scan", "files", str(root), "--format", "json", "--output", str(out),
                           "--no-store", "-q", "--max-archive-members", "20"],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "AUDITOR_STORE": ""})
    assert proc.returncode == 3, proc.stderr  # incomplete wins over the failing control
    statuses = {f["resource_id"]: f["status"] for f in json.loads(out.read_text())["findings"]
                if f["check_id"] == "model_code_execution"}
    assert statuses == {"control.pkl": "fail", "badcrc.pt": "unknown", "bomb.zip": "fail", "many.zip": "unknown"}
    assert "badcrc.pt" in proc.stderr and "bomb.zip" in proc.stderr and "only the first 20" in proc.stderr


def test_archive_limits_are_options(tmp_path: Path) -> None:
    from auditor.config import ConfigError, source_config
    from auditor.targets import collectors_for_sources

    def collectors_from_config(section: dict) -> list:
        return collectors_for_sources(source_config("files", section))

    [collector] = collectors_from_config({"paths": [str(tmp_path)], "max_archive_depth": 2, "max_archive_members": "50",
                                          "max_compression_ratio": 1000})
    assert isinstance(collector, FilesCollector)
    assert (collector.limits.max_depth, collector.limits.max_members, collector.limits.max_ratio) == (2, 50, 1000)
    with pytest.raises(ConfigError, match=r"sources\.files\.max_archive_members: Input should be a valid integer"):
        collectors_from_config({"paths": [str(tmp_path)], "max_archive_members": "lots"})
    with pytest.raises(ConfigError, match=r"sources\.files\.max_archive_depth: Input should be greater than or equal to 1"):
        collectors_from_config({"paths": [str(tmp_path)], "max_archive_depth": 0})
