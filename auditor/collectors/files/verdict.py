"""Judging what a pickle import resolves to when the file is loaded.

The unpickler's ``find_class`` imports the module and walks the (possibly dotted) name with
``getattr``. We resolve that statically, without importing anything:

- Python 2 names are remapped the way pickle does (``_compat_pickle``: ``__builtin__`` →
  ``builtins``, ``copy_reg`` → ``copyreg``, ...).
- A dotted name whose component is itself a module reachable as an attribute (``posixpath.os``,
  ``random._os``, any module's ``__builtins__``) is re-rooted at that module, so
  ``posixpath.os.system`` is judged as ``os.system``.
- Then an allow-list of constructors that ML formats need (PyTorch rebuild helpers, numpy
  reconstructors, scikit-learn and joblib classes, standard data types) passes; known
  code-execution primitives are critical; any other standard-library callable is high (the
  standard library is full of gadgets); other third-party or ``__main__`` classes are medium:
  loading imports that code, but nothing says it runs an attacker's command.

``critical`` and ``high`` mean "loading this file runs code of the file's choosing".
"""

from __future__ import annotations

import _compat_pickle
import sys
from dataclasses import dataclass

from auditor.collectors.files.pickle_walk import Import

CODE_EXECUTION_TIERS = ("critical", "high")

_STDLIB = frozenset(sys.stdlib_module_names) | {"__builtin__", "copy_reg", "exceptions"}

# Modules where any attribute is a code-execution or file/network primitive.
_DANGEROUS_MODULES = frozenset(
    {
        "os", "posix", "nt", "subprocess", "_posixsubprocess", "sys", "runpy", "importlib", "imp",
        "pickle", "_pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "ctypes", "_ctypes",
        "socket", "_socket", "ssl", "shutil", "pty", "webbrowser", "code", "codeop", "pdb", "bdb",
        "cProfile", "profile", "timeit", "pydoc", "asyncio", "multiprocessing", "_thread", "threading",
        "signal", "platform", "pkgutil", "zipimport", "tempfile", "glob", "io", "_io", "fileinput",
        "http", "urllib", "ftplib", "smtplib", "telnetlib", "xmlrpc", "commands", "popen2", "types",
        "ensurepip", "venv", "idlelib", "distutils", "setuptools", "pip", "trace", "tracemalloc",
        "gc", "inspect", "site", "sysconfig", "linecache", "compileall", "py_compile", "uuid", "lib2to3",
        "requests", "httplib", "aiohttp", "builtins_", "operator", "functools",
    }
)

_DANGEROUS_BUILTINS = frozenset(
    {
        "eval", "exec", "execfile", "compile", "__import__", "getattr", "setattr", "delattr", "open",
        "breakpoint", "input", "globals", "locals", "vars", "memoryview", "apply", "file", "reload",
        "help", "exit", "quit", "print", "type", "super", "classmethod", "staticmethod",
        "property", "dir", "map", "filter", "iter", "next",
    }
)

# Plain data types that any format may contain; constructing them runs no code of the file's choice.
_SAFE_BUILTINS = frozenset(
    {
        "set", "frozenset", "list", "dict", "tuple", "bytearray", "bytes", "complex", "slice", "range",
        "int", "float", "str", "bool", "Ellipsis", "NotImplemented",
        "object",  # the base class copyreg._reconstructor names for plain classes (protocols 0-1)
    }
)

_SAFE_EXACT = frozenset(
    {
        ("collections", "OrderedDict"), ("collections", "defaultdict"), ("collections", "deque"),
        ("collections", "Counter"), ("copyreg", "_reconstructor"), ("copyreg", "__newobj__"),
        ("_codecs", "encode"), ("codecs", "encode"), ("datetime", "datetime"), ("datetime", "date"),
        ("datetime", "time"), ("datetime", "timedelta"), ("datetime", "timezone"), ("decimal", "Decimal"),
        ("fractions", "Fraction"), ("uuid", "UUID"), ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"),
        ("pathlib", "PurePosixPath"), ("re", "_compile"), ("enum", "Enum"), ("argparse", "Namespace"),
        ("array", "array"), ("array", "_array_reconstructor"), ("zoneinfo", "ZoneInfo"),
        # PyTorch
        ("torch._utils", "_rebuild_tensor"), ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_tensor_v3"), ("torch._utils", "_rebuild_parameter"),
        ("torch._utils", "_rebuild_parameter_with_state"), ("torch._utils", "_rebuild_sparse_tensor"),
        ("torch._utils", "_rebuild_qtensor"), ("torch._utils", "_rebuild_meta_tensor_no_storage"),
        ("torch._utils", "_rebuild_wrapper_subclass"), ("torch._utils", "_rebuild_nested_tensor"),
        ("torch._utils", "_rebuild_device_tensor_from_numpy"), ("torch._tensor", "_rebuild_from_type_v2"),
        ("torch._tensor", "_rebuild_from_type"), ("torch", "Size"), ("torch", "device"), ("torch", "Tensor"),
        ("torch.nn.parameter", "Parameter"), ("torch.nn.parameter", "Buffer"), ("torch", "layout"),
        ("torch", "memory_format"), ("torch", "dtype"), ("torch", "_C._nn.gelu"),
        # numpy
        ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"), ("numpy", "core.multiarray._reconstruct"),
        ("numpy.ma.core", "_mareconstruct"), ("numpy.ma.core", "MaskedArray"),
        ("numpy.random._pickle", "__randomstate_ctor"), ("numpy.random._pickle", "__generator_ctor"),
        ("numpy.random._pickle", "__bit_generator_ctor"), ("numpy.random._pickle", "__bit_generator_ctor"),
        ("numpy.random", "__RandomState_ctor"), ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        # joblib containers
        ("joblib.numpy_pickle", "NumpyArrayWrapper"), ("joblib.numpy_pickle", "NDArrayWrapper"),
        ("joblib.numpy_pickle_compat", "NDArrayWrapper"), ("joblib.numpy_pickle_compat", "ZNDArrayWrapper"),
        ("sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper"),
        # pandas / scipy data containers
        ("pandas.core.frame", "DataFrame"), ("pandas.core.series", "Series"),
        ("pandas.core.internals.managers", "BlockManager"), ("pandas.core.indexes.base", "Index"),
        ("pandas.core.indexes.base", "_new_Index"), ("pandas._libs.internals", "_unpickle_block"),
        ("pandas.core.indexes.range", "RangeIndex"), ("scipy.sparse._csr", "csr_matrix"),
        ("scipy.sparse._csc", "csc_matrix"), ("scipy.sparse._coo", "coo_matrix"),
    }
)

_TORCH_TYPES = {
    f"{kind}Storage"
    for kind in ("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool",
                 "ComplexFloat", "ComplexDouble", "QInt8", "QUInt8", "QInt32", "QUInt4x2", "QUInt2x4", "Untyped")
} | {
    "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64",
    "complex128", "float", "double", "half", "long", "int", "short", "strided", "sparse_coo", "contiguous_format",
    "channels_last", "preserve_format",
}
_SAFE_EXACT = _SAFE_EXACT | {("torch", name) for name in _TORCH_TYPES} | {
    ("torch.storage", "TypedStorage"), ("torch.storage", "UntypedStorage"), ("torch", "TypedStorage"),
}

# Whole packages whose classes are plain estimators/containers when unpickled.
_SAFE_PREFIXES = ("sklearn.", "torch.nn.modules.", "xgboost.sklearn.", "lightgbm.sklearn.")
# Parts of those packages that load or compile code.
_DANGEROUS_PREFIXES = (
    "torch.hub", "torch.jit", "torch.load", "torch.serialization", "torch.utils.cpp_extension",
    "torch._dynamo", "torch._inductor", "torch.package", "torch.distributed", "torch.ops", "torch._C",
    "torch.storage._load_from_bytes", "torch.fx", "torch.compile", "torch.testing", "torch.export",
    "torch.utils.data.datapipes", "torch.multiprocessing", "torch.cuda.nccl", "numpy.load",
    "numpy.f2py", "numpy.testing", "numpy.distutils", "numpy.ctypeslib", "numpy.lib.npyio",
    "numpy.lib.utils", "numpy.fromfile", "numpy.memmap", "numpy.save", "sklearn.utils._testing",
    "joblib.load", "joblib.numpy_pickle.load", "joblib.parallel", "pandas.read_", "pandas.io",
    "keras.models.load_model", "tensorflow.io", "tensorflow.compat.v1.io", "transformers.pipeline",
    "huggingface_hub", "langchain", "scipy.io",
)
_ML_PACKAGES = frozenset(
    {
        "torch", "numpy", "sklearn", "scipy", "pandas", "joblib", "transformers", "tokenizers",
        "xgboost", "lightgbm", "catboost", "keras", "tensorflow", "sentencepiece", "timm",
        "torchvision", "torchaudio", "safetensors", "accelerate", "peft", "diffusers", "jax", "flax",
    }
)


@dataclass(frozen=True)
class Judgement:
    severity: str | None  # None = allowed
    reference: str
    reason: str


def resolve(module: str, name: str) -> tuple[str, str]:
    """What ``find_class(module, name)`` reaches: (module, attribute path), statically."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    parts = name.split(".")
    # Re-root at the last component that names a module reachable as an attribute.
    for i in range(len(parts) - 1, -1, -1):
        bare = parts[i].strip("_")
        if parts[i] in ("__builtins__", "__builtin__", "builtins"):
            return "builtins", ".".join(parts[i + 1 :])
        if i < len(parts) - 1 and (parts[i] in _STDLIB or bare in _STDLIB) and bare not in ("", "main"):
            return (parts[i] if parts[i] in _STDLIB else bare), ".".join(parts[i + 1 :])
    return module, name


def judge(imp: Import) -> Judgement:
    if imp.module is None or imp.name is None:
        ref = f"{imp.module or '?'}.{imp.name or '?'}"
        return Judgement("critical", ref, imp.detail or "import target could not be determined statically")
    module, name = resolve(imp.module, imp.name)
    ref = f"{module}.{name}" if name else module
    original = f"{imp.module}.{imp.name}"
    via = f" (written as {original})" if original != ref else ""
    top = module.split(".", 1)[0]
    first = name.split(".", 1)[0]
    if not name:
        return Judgement("high", ref, f"the pickle imports the module object {module}{via}")
    if top in ("builtins", "__builtin__"):
        if name in _SAFE_BUILTINS:
            return Judgement(None, ref, "builtin data type")
        if first in _DANGEROUS_BUILTINS or "." in name:
            return Judgement("critical", ref, f"builtin {name} runs or reaches arbitrary code{via}")
        return Judgement("high", ref, f"builtin {name} is not a plain data type{via}")
    if (module, name) in _SAFE_EXACT:
        return Judgement(None, ref, "allow-listed constructor")
    dotted = f"{module}.{name}"
    if any(dotted == p or dotted.startswith(p + ".") or dotted.startswith(p + "_") or (p.endswith("_") and dotted.startswith(p)) for p in _DANGEROUS_PREFIXES):
        return Judgement("critical", ref, f"{ref} loads or compiles code{via}")
    if top in _DANGEROUS_MODULES or module in _DANGEROUS_MODULES:
        return Judgement("critical", ref, f"{ref} is a code-execution, file or network primitive{via}")
    if any(dotted.startswith(p) for p in _SAFE_PREFIXES) and "." not in name and not name.startswith("_"):
        return Judgement(None, ref, "allow-listed estimator or layer class")
    if top in _STDLIB:
        return Judgement("high", ref, f"standard-library callable {ref} is not on the allow-list{via}")
    if top in _ML_PACKAGES:
        return Judgement("medium", ref, f"{ref} from {top} is not on the allow-list of ML constructors{via}")
    return Judgement("medium", ref, f"loading imports {module} and calls {name}: code outside the ML allow-list{via}")
