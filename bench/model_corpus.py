"""The corpus bench/models.py scores every scanner on, written by this script (no downloads).

Two parts, each returning {relative path: "malicious" | "benign"}:

- ``write_peer_families``: the families of malicious files the peers' own test suites cover
  (picklescan's advisories and bypasses, fickling's bypass tests, modelscan's formats), rebuilt
  here from the pattern (module, name, opcode shape, container), plus framing and PROTO-less
  streams. Every payload would at most create the marker file; nothing here is ever loaded.
- ``write_real_library_files``: benign files saved by the real libraries (joblib, scikit-learn,
  numpy, pandas, torch, TorchScript, Keras, safetensors, ONNX). Run inside a virtualenv that has
  them (bench/models.py makes one); a library that is missing is skipped and named.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (module, name) pairs from the peers' tests and advisories: each runs a command, code, or
# reaches files or the network when called with the argument the pickle supplies.
GADGETS: list[tuple[str, str]] = [
    ("os", "system"), ("posix", "system"), ("nt", "system"), ("subprocess", "run"), ("subprocess", "Popen"),
    ("builtins", "eval"), ("builtins", "exec"), ("builtins", "compile"), ("builtins", "__import__"),
    ("builtins", "getattr"), ("builtins", "open"), ("builtins", "breakpoint"), ("__builtin__", "apply"),
    ("runpy", "_run_code"), ("runpy", "run_path"), ("pickle", "loads"), ("_pickle", "loads"),
    ("marshal", "loads"), ("types", "CodeType"), ("types", "FunctionType"), ("importlib", "import_module"),
    ("pkgutil", "resolve_name"), ("pydoc", "locate"), ("pydoc", "pipepager"), ("webbrowser", "open"),
    ("socket", "create_connection"), ("urllib.request", "urlopen"), ("httplib", "HTTPSConnection"),
    ("requests.api", "get"), ("aiohttp.client", "ClientSession"), ("smtplib", "SMTP"), ("shutil", "rmtree"),
    ("pty", "spawn"), ("ctypes", "CDLL"), ("cProfile", "run"), ("cProfile", "runctx"), ("profile", "run"),
    ("profile", "Profile.run"), ("profile", "Profile.runctx"), ("trace", "Trace.run"), ("trace", "Trace.runctx"),
    ("timeit", "timeit"), ("bdb", "Bdb.run"), ("pdb", "run"), ("code", "InteractiveInterpreter.runcode"),
    ("code", "InteractiveInterpreter.runsource"), ("doctest", "debug_script"), ("ensurepip", "_run_pip"),
    ("venv", "create"), ("pip", "main"), ("distutils.file_util", "write_file"), ("_io", "FileIO"),
    ("logging", "FileHandler"), ("imaplib", "IMAP4_stream"), ("uuid", "_get_command_stdout"),
    ("_aix_support", "_read_cmd_output"), ("_osx_support", "_read_output"), ("_osx_support", "_find_build_tool"),
    ("_pyrepl.pager", "pipe_pager"), ("test.support.script_helper", "assert_python_ok"),
    ("_interpreters", "run_string"), ("_xxsubinterpreters", "run_string"), ("multiprocessing.util", "spawnv_passfds"),
    ("asyncio.unix_events", "_UnixSubprocessTransport._start"), ("idlelib.pyshell", "ModifiedInterpreter.runcode"),
    ("idlelib.pyshell", "ModifiedInterpreter.runcommand"), ("idlelib.run", "Executive.runcode"),
    ("idlelib.debugobj", "ObjectTreeItem.SetText"), ("idlelib.autocomplete", "AutoComplete.get_entity"),
    ("idlelib.calltip", "get_entity"), ("lib2to3.pgen2.grammar", "Grammar.loads"),
    ("lib2to3.pgen2.pgen", "ParserGenerator.make_label"), ("operator", "attrgetter"), ("_operator", "methodcaller"),
    ("functools", "partial"), ("sys", "exit"), ("numpy.testing._private.utils", "runstring"),
    ("numpy.f2py.crackfortran", "getlincoef"), ("torch.serialization", "load"), ("torch.hub", "load"),
    ("torch._inductor.codecache", "compile_file"), ("torch._dynamo.guards", "GuardBuilder.get"),
    ("torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression"),
    ("torch.jit.unsupported_tensor_ops", "execWrapper"), ("torch.utils._config_module", "ConfigModule.load_config"),
    ("torch.utils.bottleneck.__main__", "run_cprofile"), ("torch.utils.collect_env", "run"),
    ("torch.utils.collect_env", "run_and_read_all"), ("torch.utils.data.datapipes.utils.decoder", "basichandlers"),
    ("cloudpickle.cloudpickle", "_make_function"), ("dill._dill", "_create_code"),
]


def _u(text: str) -> bytes:
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def stack_global_call(module: str, name: str, arg: str) -> bytes:
    """Protocol 4: STACK_GLOBAL then REDUCE with one string argument."""
    return b"\x80\x04" + _u(module) + b"\x94" + _u(name) + b"\x94\x93\x94" + _u(arg) + b"\x85R."


def global_call(module: str, name: str, arg: str) -> bytes:
    """Protocol 0: GLOBAL, MARK, STRING, TUPLE, REDUCE."""
    return f"c{module}\n{name}\n(S'{arg}'\ntR.".encode()


def _zip(members: dict[str, bytes], flag_bits: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    raw = bytearray(buf.getvalue())
    if flag_bits:  # set general-purpose flag bits in every local and central header
        for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = 0
            while (i := raw.find(sig, start)) >= 0:
                flags = struct.unpack_from("<H", raw, i + off)[0] | flag_bits
                struct.pack_into("<H", raw, i + off, flags)
                start = i + 4
    return bytes(raw)


def write_peer_families(directory: Path, marker: Path, tests_corpus: Any) -> dict[str, str]:
    directory.mkdir(parents=True, exist_ok=True)
    cmd = f"touch {marker}"
    expected: dict[str, str] = {}

    def put(name: str, data: bytes, verdict: str = "malicious") -> None:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[name] = verdict

    for module, name in GADGETS:
        slug = f"{module}.{name}".replace(".", "_")
        put(f"gadgets/p4_{slug}.pkl", stack_global_call(module, name, cmd))
        if "." not in name:
            put(f"gadgets/p0_{slug}.pkl", global_call(module, name, cmd))
    evil = stack_global_call("os", "system", cmd)
    # Shapes from picklescan's and fickling's suites.
    put("shapes/builtins_import_attrgetter.pkl", b"\x80\x04" + _u("builtins") + _u("__import__") + b"\x93" + _u("os")
        + b"\x85R" + _u("operator") + _u("attrgetter") + b"\x93" + _u("system") + b"\x85R." )
    put("shapes/broken_after_exec.pkl", b"\x80\x04" + _u("builtins") + _u("exec") + b"\x93" + _u("import os") + b"\x85R"
        + b"X\xff\xff\xff\x00abc")
    put("shapes/legacy_magic_then_eval.pt", pickle.dumps(tests_corpus.TORCH_MAGIC, 2) + global_call("__builtin__", "eval", "1"))
    put("shapes/dotted_via_stdlib_module.pkl", stack_global_call("pathlib", "os.system", cmd))
    put("shapes/dotted_builtins_via_torch.pkl", stack_global_call("torch._utils", "__builtins__.eval", "1"))
    put("shapes/memo_string_module.pkl", b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.")
    put("shapes/obj_pop_call.pkl", b"(cos\nsystem\nS'true'\no0N.")
    put("shapes/inst_call.pkl", b"(S'true'\nios\nsystem\n.")
    put("shapes/frame_straddle.pkl", b"\x80\x05\x95" + struct.pack("<Q", 4) + b"cos\nsystem\n" + b"(S'true'\ntR.")
    put("shapes/raw_stream_no_proto.pkl", b"\x8c\x02os\x94\x8c\x06system\x94\x93" + _u(cmd) + b"\x85R.")
    put("shapes/proto1_no_marker.bin", b"cos\nsystem\nq\x00(X\x04\x00\x00\x00trueq\x01tq\x02Rq\x03.")
    # Containers.
    put("containers/pickle_in.zip", _zip({"model/weights.pkl": evil}))
    put("containers/pickle_in_zip.bin", _zip({"data.bin": evil}))
    put("containers/torch_zip_raw_stream.pt", tests_corpus.torch_zip(b"\x8c\x02os\x8c\x06system\x93" + _u(cmd) + b"\x85R."))
    put("containers/torch_zip_protocol0.pt", tests_corpus.torch_zip(global_call("os", "system", cmd)))
    for bits in (0x1, 0x20, 0x40):
        put(f"containers/flag_0x{bits:02x}.zip", _zip({"archive/data.pkl": evil}, bits))
    put("containers/torchscript_payload.pt", _zip({
        "m/data.pkl": evil, "m/constants.pkl": b"\x80\x02).", "m/code/__torch__.py": b"class M(Module):\n  pass\n",
        "m/version": b"3\n"}))
    # The tests' own corpus (tests/files/corpus.py): evasions and containers with their benign twins.
    for name, verdict in tests_corpus.build(directory / "tests-corpus", marker).items():
        expected[f"tests-corpus/{name}"] = verdict
    # Benign look-alikes: text and pickles of plain data.
    for i, text in enumerate(["Version 1.2.3\n", "(c) 2026 Example Corp.\n", "INFO started\n", "S3 sync done\n"]):
        put(f"benign-text/note{i}.txt", text.encode(), "benign")
    for proto in range(6):
        put(f"benign-pickles/data_p{proto}.pkl", pickle.dumps({"a": [1, 2.5, "x"], "n": None, "t": (1, 2)}, proto), "benign")
    put("benign-pickles/builtins_len.pkl", stack_global_call("builtins", "len", "abc"), "benign")
    put("benign-pickles/future_annotations.pkl", b"\x80\x04" + _u("__future__") + _u("annotations") + b"\x93.", "benign")
    put("benign-pickles/collections_abc.pkl", b"\x80\x04" + _u("collections.abc") + _u("Iterable") + b"\x93.", "benign")
    return expected


def write_real_library_files(directory: Path) -> tuple[dict[str, str], list[str]]:
    """Benign files saved by the real libraries; returns (expected, libraries skipped)."""
    directory.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}
    skipped: list[str] = []

    def saved(name: str) -> Path:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        expected[name] = "benign"
        return path

    def section(label: str, body: Callable[[], None]) -> None:
        try:
            body()
        except ImportError as exc:
            skipped.append(f"{label} ({exc.name or exc})")

    def numpy_files() -> None:
        import numpy as np

        rng = np.random.default_rng(0)
        np.save(saved("numpy/float.npy"), rng.random((8, 4)))
        np.save(saved("numpy/int_fortran.npy"), np.asfortranarray(np.arange(12).reshape(3, 4)))
        np.save(saved("numpy/structured.npy"), np.zeros(3, dtype=[("x", "<f4"), ("y", "<i8"), ("name", "S8")]))
        np.savez(saved("numpy/arrays.npz"), a=np.arange(5), b=rng.random(3))
        np.savez_compressed(saved("numpy/compressed.npz"), a=np.arange(500), b=np.eye(4))
        for proto in (2, 3, 4, 5):
            saved(f"numpy/ndarray_p{proto}.pkl").write_bytes(pickle.dumps({"w": rng.random(20), "i": np.int64(3)}, proto))

    def sklearn_joblib() -> None:
        import joblib
        import numpy as np
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        x = np.random.default_rng(1).random((40, 3))
        y = (x[:, 0] > 0.5).astype(int)
        models = {"logreg": LogisticRegression().fit(x, y), "forest": RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y),
                  "pipeline": make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)}
        for label, model in models.items():
            for comp in (0, 3, ("gzip", 3), ("bz2", 3), ("xz", 3), ("lzma", 3), ("zlib", 3)):
                tag = comp if isinstance(comp, int) else comp[0]
                joblib.dump(model, saved(f"sklearn/{label}_{tag}.joblib"), compress=comp)
            saved(f"sklearn/{label}_p4.pkl").write_bytes(pickle.dumps(model, 4))

    def pandas_files() -> None:
        import pandas as pd

        df = pd.DataFrame({"a": range(10), "b": [f"s{i}" for i in range(10)], "t": pd.date_range("2026-01-01", periods=10)})
        for ext in ("pkl", "pkl.gz", "pkl.bz2", "pkl.xz", "pkl.zip"):
            df.to_pickle(saved(f"pandas/frame.{ext}"))

    def torch_files() -> None:
        import torch

        net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
        torch.save(net.state_dict(), saved("torch/state_dict.pt"))
        torch.save(net.state_dict(), saved("torch/state_dict_legacy.pth"), _use_new_zipfile_serialization=False)
        torch.save(net, saved("torch/full_model.pt"))
        opt = torch.optim.Adam(net.parameters())
        torch.save({"model": net.state_dict(), "optim": opt.state_dict(), "epoch": 3}, saved("torch/checkpoint.ckpt"))
        torch.save(torch.arange(10), saved("torch/tensor.bin"))
        torch.jit.save(torch.jit.trace(net, torch.randn(1, 4)), saved("torchscript/traced.pt"))
        torch.jit.save(torch.jit.script(net), saved("torchscript/scripted.pt"))
        enc = torch.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        torch.save(enc, saved("torch/transformer_layer.pt"))

    def keras_files() -> None:
        import os

        os.environ.setdefault("KERAS_BACKEND", "torch")
        import keras

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
        model.save(saved("keras/model.keras"))
        model.save(saved("keras/legacy.h5"))
        model.save_weights(saved("keras/only.weights.h5"))

    def safetensors_files() -> None:
        import numpy as np
        from safetensors.numpy import save_file

        save_file({"w": np.ones((3, 3), dtype=np.float32)}, saved("safetensors/numpy.safetensors"))
        try:
            import torch
            from safetensors.torch import save_file as save_torch

            save_torch({"w": torch.zeros(4, 4)}, saved("safetensors/torch.safetensors"))
        except ImportError:
            pass

    def onnx_files() -> None:
        import onnx
        from onnx import TensorProto, helper

        node = helper.make_node("Relu", ["x"], ["y"])
        graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
        onnx.save(helper.make_model(graph, producer_name="bench"), saved("onnx/relu.onnx"))

    for label, body in (("numpy", numpy_files), ("scikit-learn/joblib", sklearn_joblib), ("pandas", pandas_files),
                        ("torch", torch_files), ("keras", keras_files), ("safetensors", safetensors_files),
                        ("onnx", onnx_files)):
        section(label, body)
    return {k: v for k, v in expected.items() if (directory / k).exists()}, skipped


if __name__ == "__main__":  # run in the ML virtualenv: python model_corpus.py real DIR
    if sys.argv[1:2] == ["real"]:
        result, missing = write_real_library_files(Path(sys.argv[2]))
        print(json.dumps({"expected": result, "skipped": missing}))
