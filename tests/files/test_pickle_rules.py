"""The pickle analysis: what an import resolves to, TorchScript, framing, and what is a pickle.

Every input is written here, byte by byte or with the standard pickler; nothing is ever loaded.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import zipfile
from pathlib import Path

import pytest

from auditor.collectors.base import CollectionSink
from auditor.collectors.files import FilesCollector, sniff
from auditor.collectors.files.models import ModelScan, Scanner
from auditor.collectors.files.pickle_sniff import looks_like_pickle
from auditor.collectors.files.pickle_walk import Import
from auditor.collectors.files.safe_globals import STDLIB_MODULES
from auditor.collectors.files.verdict import judge
from auditor.resources import ModelArtifact

from .corpus import Reduce, p4_stack_global, torch_zip


def scan_bytes(data: bytes) -> ModelScan:
    kind = sniff.sniff(data[: sniff.HEAD])
    assert kind is not None, "not recognised as a model format"
    return Scanner().scan_file(io.BytesIO(data), len(data), kind)


def severity(module: str, name: str) -> str | None:
    return judge(Import(module, name, 0, "STACK_GLOBAL")).severity


# -- item: a rule on what the import is, not module-name lists -------------------------------
@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("torch.utils.checkpoint", "checkpoint"),  # calls the function it is given
        ("torch.utils.collect_env", "run"),  # runs a shell command
        ("torch.utils._config_module", "ConfigModule.load_config"),  # unpickles its argument
        ("torch.utils.data.datapipes.utils.decoder", "basichandlers"),
        ("torch.cuda", "memory._record_memory_history"),
        ("_pyrepl.pager", "pipe_pager"),  # Python 3.13: runs a pager command
        ("_interpreters", "run_string"),
        ("_xxsubinterpreters", "run_string"),
        ("test.support.script_helper", "assert_python_ok"),
        ("logging", "FileHandler"),  # a stdlib class that creates files
        ("pathlib", "Path.write_text"),  # a method reached through a safe class
    ],
)
def test_code_reaching_imports_are_code_execution(module: str, name: str) -> None:
    assert severity(module, name) in ("critical", "high")
    scan = scan_bytes(p4_stack_global(module, name, "x"))
    assert scan.code_execution is True, [(i.reference, i.reason) for i in scan.items]


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("builtins", "len"),
        ("collections.abc", "Iterable"),
        ("__future__", "annotations"),
        ("builtins", "ValueError"),
        ("datetime", "timezone"),
        ("typing", "Union"),
        ("torch.jit._pickle", "build_intlist"),
        ("torch.jit._pickle", "restore_type_tag"),
        ("torch", "bfloat16"),
        ("torch.nn.functional", "relu"),
        ("__torch__.torch.nn.modules.linear", "Linear"),
    ],
)
def test_data_and_pure_imports_are_not_rated(module: str, name: str) -> None:
    assert severity(module, name) is None


def test_unknown_torch_class_and_third_party_names_stay_below_code_execution() -> None:
    assert severity("torch.optim.adam", "Adam") == "medium"
    assert severity("mypackage.models", "Net") == "medium"
    assert severity("numpy", "float64") == "medium"


def test_stdlib_list_is_fixed_and_covers_the_running_interpreter() -> None:
    assert set(sys.stdlib_module_names) <= STDLIB_MODULES
    for name in ("_pyrepl", "_interpreters", "_xxsubinterpreters", "test", "annotationlib", "asynchat", "distutils"):
        assert name in STDLIB_MODULES


# -- item: TorchScript archives as torch.jit.load reads them -----------------------------------
def _torchscript(data_pkl: bytes, *, traced: bool = False) -> bytes:
    """The member layout torch.jit.save writes (code/, constants.pkl, debug pickles, .data/)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("m/data/0", b"\x00" * 24)
        zf.writestr("m/data.pkl", data_pkl)
        zf.writestr("m/code/__torch__.py", "class M(Module):\n  __parameters__ = []\n  l : __torch__.torch.nn.modules.linear.Linear\n")
        zf.writestr("m/code/__torch__.py.debug_pkl",
                    b"\x80\x02(K\x00ctorch.jit._pickle\nbuild_intlist\n]q\x00(K\x01K\x02e\x85Rq\x01\x86q\x02tq\x03.")
        zf.writestr("m/constants.pkl", b"\x80\x02).")
        if traced:
            zf.writestr("m/traced_inputs.pkl",
                        b"\x80\x02ctorch.jit._pickle\nrestore_type_tag\nq\x00}q\x01X\x04\x00\x00\x00Dictq\x02\x86q\x03Rq\x04.")
        zf.writestr("m/version", "3\n")
        zf.writestr("m/byteorder", "little")
        zf.writestr("m/.data/serialization_id", "1234567890")
    return buf.getvalue()


_TS_DATA = (
    b"\x80\x02c__torch__\nM\nq\x00)\x81}q\x01(X\x08\x00\x00\x00trainingq\x02\x89X\x05\x00\x00\x00sizesq\x03"
    b"ctorch.jit._pickle\nbuild_intlist\nq\x04]q\x05(K\x01K\x02K\x03e\x85q\x06Rq\x07"
    b"X\x05\x00\x00\x00scaleq\x08ctorch._utils\n_rebuild_tensor_v2\nq\t((X\x07\x00\x00\x00storageq\n"
    b"ctorch\nFloatStorage\nq\x0bX\x01\x00\x00\x000q\x0cX\x03\x00\x00\x00cpuq\rK\x02tq\x0eQK\x00K\x02\x85q\x0f"
    b"K\x01\x85q\x10\x89ccollections\nOrderedDict\nq\x11)Rq\x12tq\x13Rq\x14"
    b"X\x01\x00\x00\x00lq\x15c__torch__.torch.nn.modules.linear\nLinear\nq\x16)\x81}q\x17X\x08\x00\x00\x00trainingq\x18\x89sbub."
)


def test_torchscript_archives_have_no_finding() -> None:
    for traced in (False, True):
        scan = scan_bytes(_torchscript(_TS_DATA, traced=traced))
        assert scan.errors == [] and scan.items == [], [(i.reference, i.reason) for i in scan.items]
        assert scan.code_execution is False


def test_torchscript_archive_with_a_payload_is_still_found() -> None:
    evil = pickle.dumps(Reduce(os.system, "true"), 2)
    scan = scan_bytes(_torchscript(evil))
    assert scan.code_execution is True


# -- item: framing parsed as CPython reads it ---------------------------------------------------
def _hidden_call() -> bytes:
    return pickle.GLOBAL + b"os\nsystem\n" + pickle.UNICODE + b"echo pwned\n" + pickle.TUPLE1 + pickle.REDUCE


def test_os_system_hidden_across_a_frame_boundary_is_found() -> None:
    # BINBYTES declares 0x107 bytes inside a frame holding 2: CPython 3.11-3.13 loading this from a
    # file runs the buried call, while a linear parse sees one long byte string.
    payload = (
        pickle.PROTO + b"\x05" + pickle.NONE + pickle.UNICODE + b"a" * (8192 * 16 - 17) + b"\n" + pickle.POP + pickle.MARK
        + pickle.FRAME + struct.pack("<Q", 2) + pickle.BINBYTES + b"\x07\x01\x00\x00" + b"\x00\x00"
        + (_hidden_call() + pickle.MARK).ljust(256 + 5, pickle.NONE) + pickle.POP_MARK + pickle.STOP
    )
    scan = scan_bytes(payload)
    assert scan.code_execution is True
    refs = {i.reference for i in scan.items if i.severity == "critical"}
    assert {"pickle framing", "os.system"} <= refs, refs


@pytest.mark.parametrize(
    ("label", "body", "declared"),
    [
        ("BINBYTES", pickle.BINBYTES + struct.pack("<I", 20) + b"A" * 20, 5),
        ("SHORT_BINUNICODE", b"\x8c\x14" + b"A" * 20, 3),
        ("GLOBAL", pickle.GLOBAL + b"macos\nsystem\n", 4),
        ("BININT", pickle.BININT + struct.pack("<i", 7), 2),
        ("frame inside a frame", pickle.NONE + pickle.FRAME + struct.pack("<Q", 2) + pickle.NONE, 30),
    ],
)
def test_opcodes_straddling_a_frame_are_code_execution(label: str, body: bytes, declared: int) -> None:
    data = pickle.PROTO + b"\x05" + pickle.FRAME + struct.pack("<Q", declared) + body + pickle.STOP
    scan = scan_bytes(data)
    assert scan.code_execution is True, label
    assert any(i.reference == "pickle framing" for i in scan.items), label


def test_well_formed_frames_have_no_finding() -> None:
    for obj in ([1, 2, 3], b"x" * 100_000, [1, b"y" * 100_000, 2], list(range(200_000)), {"a": [1, {"b": (3, 4)}]}):
        for protocol in (4, 5):
            scan = scan_bytes(pickle.dumps(obj, protocol=protocol))
            assert scan.items == [] and scan.code_execution is False


# -- items: what is a pickle (plain text is not; PROTO-less streams are) ------------------------
TEXTS = [
    "Version 1.2.3\n",
    "(c) 2026 Example Corp. All rights reserved.\n",
    "INFO 2026-01-01 started worker 3\n",
    "U2FsdGVkX1+vupppZksvRf5pq5g5XjFRlipRkwB0K1Y96Qsv2Lm+31cmzaAILwyt\n",
    "F1.5 is the factor\n",
    "S3 bucket list follows\n",
    "Vendor: example\nSecond line\n",
    "V" + "x" * 5000,
    "(a) first item\n(b) second item\n",
    "Git 1.7.12.2 Release Notes\n==========================\n",  # parses as a float, DUP, STOP, then text
    "Good day.0.",  # a float, POP, STOP: nothing left on the stack, the unpickler fails
]


def test_plain_text_is_not_a_pickle() -> None:
    for text in TEXTS:
        head = text.encode()[: sniff.HEAD]
        assert not looks_like_pickle(head), text[:30]
        assert sniff.sniff(head) is None, text[:30]


def test_plain_text_files_in_a_folder_are_not_models(tmp_path: Path) -> None:
    for i, text in enumerate(TEXTS):
        (tmp_path / f"note{i}.txt").write_text(text)
    (tmp_path / "control.pkl").write_bytes(pickle.dumps(Reduce(os.system, "true"), 0))
    sink = CollectionSink()
    FilesCollector([tmp_path]).collect(sink)
    models = [r for r in sink.resources if isinstance(r, ModelArtifact)]
    assert [m.ref.id for m in models] == ["control.pkl"] and models[0].code_execution is True
    assert [e.message for e in sink.errors] == []


def _raw_stream() -> bytes:
    """A pickle with no PROTO opcode using protocol-4 opcodes: CPython's pickle.loads accepts it."""
    return b"\x8c\x02os\x94\x8c\x06system\x94\x93\x8c\x04true\x85R."


@pytest.mark.parametrize(
    "data",
    [
        _raw_stream(),
        pickle.dumps(Reduce(os.system, "true"), 0),
        pickle.dumps(Reduce(os.system, "true"), 1),
        b"(ios\nsystem\nS'true'\nt.",
        b"\x80\x01cos\nsystem\nq\x00(X\x04\x00\x00\x00trueq\x01tq\x02Rq\x03.",
    ],
    ids=["raw-protocol-4-opcodes", "protocol-0", "protocol-1", "inst-first", "proto-1-marker"],
)
def test_pickles_without_proto_are_recognised_alone_and_in_a_torch_zip(data: bytes) -> None:
    assert scan_bytes(data).code_execution is True
    assert scan_bytes(torch_zip(data)).code_execution is True


def test_benign_pickles_of_every_protocol_stay_recognised_and_clean() -> None:
    for protocol in range(6):
        data = pickle.dumps({"a": [1, 2.5, "x"], "b": (None, True)}, protocol)
        scan = scan_bytes(data)
        assert scan.code_execution is False and scan.items == [], protocol


def test_a_proto_less_pickle_stacked_after_another_is_walked() -> None:
    # torch's legacy format is a stack of pickles; the loader unpickles each one, marker or not.
    from .corpus import TORCH_MAGIC

    data = pickle.dumps(TORCH_MAGIC, 2) + b"c__builtin__\neval\n(S'1'\ntR."
    scan = scan_bytes(data)
    assert scan.code_execution is True, (scan.items, scan.notes)
    plain = pickle.dumps([1, 2], 4) + b"Version 1.2.3\n"  # text after a pickle stays trailing data
    scan = scan_bytes(plain)
    assert scan.code_execution is False and any("trailing" in n for n in scan.notes)


def test_a_head_of_many_tiny_stacked_pickles_is_judged_without_recursion() -> None:
    head = b"(t." * 1365  # 1,365 pickles of an empty tuple in 4,095 bytes
    assert looks_like_pickle(head)
    scan = scan_bytes(head)
    assert scan.code_execution is False and scan.pickles == 1365
