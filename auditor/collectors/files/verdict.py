"""Judging what a pickle import resolves to when the file is loaded.

The unpickler's ``find_class`` imports the module and walks the (possibly dotted) name with
``getattr``. We resolve that statically, without importing anything:

- Python 2 names are remapped the way pickle does (``_compat_pickle``: ``__builtin__`` →
  ``builtins``, ``copy_reg`` → ``copyreg``, ...).
- A dotted name whose component is itself a module reachable as an attribute (``posixpath.os``,
  ``random._os``, any module's ``__builtins__``) is re-rooted at that module, so
  ``posixpath.os.system`` is judged as ``os.system``.

Then one rule, in this order, on the data in ``safe_globals.py``:

1. unknown target (computed name, extension code) → critical;
2. on a framework's list of safe globals, or a TorchScript class (``__torch__.*``, which only
   TorchScript's own loader resolves, from the archive's compiled ``code/``) → allowed;
3. a module of code-execution primitives, or a code-loading part of a framework → critical;
4. builtins: data types and pure functions allowed, code-reaching ones critical, others high;
5. what the name is: a *class* or *constant* of a standard-library data module is allowed; any
   other standard-library object (function, method, or class that opens files, sockets or
   processes) is high: the standard library is full of gadgets;
6. a *callable* from ``torch`` that is not on its safe list is high (torch has functions that
   compile, load or run code, and its safe list is what its own ``weights_only`` loader trusts);
7. a known estimator/layer class is allowed; any other third-party name is medium: loading
   imports that code, but nothing says it runs an attacker's command.

"Class", "constant" and "callable" are read from the attribute's spelling, as Python code
spells them: ``CapWords`` is a class, ``UPPER_CASE`` a constant, anything else a function or
method. A misspelt class only moves a name between "allowed" and "high" inside a data module.

``critical`` and ``high`` mean "loading this file runs code of the file's choosing".
"""

from __future__ import annotations

import _compat_pickle
from dataclasses import dataclass

from auditor.collectors.files.pickle_walk import Import
from auditor.collectors.files.safe_globals import (
    ALL_SAFE_GLOBALS,
    CODE_EXECUTION_MODULES,
    CODE_LOADING_PREFIXES,
    DANGEROUS_BUILTINS,
    DATA_MODULES,
    ML_PACKAGES,
    PURE_BUILTINS,
    SAFE_BUILTINS,
    SAFE_CLASS_PREFIXES,
    STDLIB_MODULES,
)

CODE_EXECUTION_TIERS = ("critical", "high")

CLASS, CONSTANT, CALLABLE = "class", "constant", "callable"


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
        if i < len(parts) - 1 and (parts[i] in STDLIB_MODULES or bare in STDLIB_MODULES) and bare not in ("", "main"):
            return (parts[i] if parts[i] in STDLIB_MODULES else bare), ".".join(parts[i + 1 :])
    return module, name


def kind_of(name: str) -> str:
    """Class, constant or callable, from how the last attribute is spelt."""
    leaf = name.rsplit(".", 1)[-1].lstrip("_")
    if not leaf:
        return CALLABLE
    if leaf.isupper() or (leaf[:1].isupper() and leaf.replace("_", "").isupper()):
        return CONSTANT
    if leaf[:1].isupper():
        return CLASS
    return CALLABLE


def _under(dotted: str, prefix: str) -> bool:
    return dotted == prefix or dotted.startswith(prefix + ".") or dotted.startswith(prefix + "_")


def judge(imp: Import) -> Judgement:
    if imp.module is None or imp.name is None:
        ref = "pickle framing" if imp.opcode == "FRAME" else f"{imp.module or '?'}.{imp.name or '?'}"
        return Judgement("critical", ref, imp.detail or "import target could not be determined statically")
    module, name = resolve(imp.module, imp.name)
    ref = f"{module}.{name}" if name else module
    original = f"{imp.module}.{imp.name}"
    via = f" (written as {original})" if original != ref else ""
    top = module.split(".", 1)[0]
    if not name:
        return Judgement("high", ref, f"the pickle imports the module object {module}{via}")
    if (module, name) in ALL_SAFE_GLOBALS:
        return Judgement(None, ref, "on the safe-globals list")
    if top == "__torch__":
        return Judgement(None, ref, "TorchScript class, compiled by TorchScript's loader from the archive's code/")
    dotted = f"{module}.{name}"
    if any(_under(dotted, p) for p in CODE_LOADING_PREFIXES):
        return Judgement("critical", ref, f"{ref} loads, compiles or runs code{via}")
    if top in ("builtins", "__builtin__"):
        first = name.split(".", 1)[0]
        if "." not in name and (name in SAFE_BUILTINS or name in PURE_BUILTINS):
            return Judgement(None, ref, "builtin data type or pure function")
        if first in DANGEROUS_BUILTINS or "." in name:
            return Judgement("critical", ref, f"builtin {name} runs or reaches arbitrary code{via}")
        if kind_of(name) == CLASS and "." not in name:
            return Judgement(None, ref, "builtin exception or warning class")
        return Judgement("high", ref, f"builtin {name} is not a plain data type{via}")
    if top in CODE_EXECUTION_MODULES or module in CODE_EXECUTION_MODULES:
        return Judgement("critical", ref, f"{ref} is a code-execution, file or network primitive{via}")
    kind = kind_of(name)
    if top in STDLIB_MODULES:
        if kind != CALLABLE and (module in DATA_MODULES or top in DATA_MODULES) and "." not in name:
            return Judgement(None, ref, f"{kind} of a standard-library data module")
        return Judgement("high", ref, f"standard-library {kind} {ref} is not on the safe-globals list{via}")
    if top == "torch" and kind == CALLABLE:
        return Judgement("high", ref, f"torch callable {ref} is not on torch's safe-globals list: torch functions "
                                      f"can compile, load or run code{via}")
    if any(dotted.startswith(p) for p in SAFE_CLASS_PREFIXES) and kind == CLASS and "." not in name:
        return Judgement(None, ref, "estimator or layer class")
    if top in ML_PACKAGES:
        return Judgement("medium", ref, f"{ref} from {top} is not on the safe-globals list{via}")
    return Judgement("medium", ref, f"loading imports {module} and uses {name}: code outside the safe-globals list{via}")
