"""Scanning one model file (or archive member) without loading it.

Each format is opened as a container and every pickle inside is walked as an opcode stream:
raw and stacked pickles, joblib (arrays skipped, compressed streams decompressed on the fly),
PyTorch zip and legacy checkpoints, numpy ``.npy``/``.npz``, Keras ``.keras``/``.h5``
configurations, nested archives. Safe formats (safetensors, GGUF, ONNX) get their headers
validated. Tensor payloads are skipped with seeks, so memory does not grow with file size.
"""

from __future__ import annotations

import ast
import bz2
import io
import json
import lzma
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

from auditor.collectors.files import sniff as fmt
from auditor.collectors.files.pickle_walk import (
    Call,
    GlobalRef,
    PickleError,
    WalkResult,
    _Dict,
    _Reader,
    as_text,
    walk,
)
from auditor.collectors.files.verdict import CODE_EXECUTION_TIERS, judge
from auditor.resources import ModelVerdictItem

TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


@dataclass
class Limits:
    max_depth: int = 4  # nested archives
    max_ratio: int = 200  # decompressed / compressed bytes, against bombs
    max_decompressed: int = 8 << 30
    max_members: int = 100_000
    max_member_size: int = 64 << 30
    max_nested_in_memory: int = 256 << 20


@dataclass
class ModelScan:
    format: str
    pickle_based: bool = False
    items: list[ModelVerdictItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pickles: int = 0
    opcodes: int = 0
    model_content: bool = False  # some model format was found (not only a generic archive)

    @property
    def code_execution(self) -> bool | None:
        if any(i.severity in CODE_EXECUTION_TIERS for i in self.items):
            return True
        return None if self.errors else False


class ScanError(Exception):
    pass


class _Bounded(io.RawIOBase):
    """A decompressing reader that stops past a size limit (zip and compression bombs)."""

    def __init__(self, inner: IO[bytes], limit: int, what: str) -> None:
        self.inner = inner
        self.limit = limit
        self.count = 0
        self.what = what

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.inner.read(len(b))
        self.count += len(data)
        if self.count > self.limit:
            raise ScanError(f"{self.what}: decompressed size exceeds {self.limit} bytes (possible decompression bomb)")
        b[: len(data)] = data
        return len(data)


class _ZlibStream(io.RawIOBase):
    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.d = zlib.decompressobj()
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self.pending:
            if self.d.eof:
                return 0
            chunk = self.d.unconsumed_tail or self.inner.read(1 << 16)
            if not chunk:
                self.pending = self.d.flush()
                if not self.pending:
                    raise ScanError("zlib stream is truncated")
                break
            self.pending = self.d.decompress(chunk, 1 << 20)
        n = min(len(b), len(self.pending))
        b[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


class Scanner:
    """Scans one file; a new instance per file (not thread-safe)."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.scan = ModelScan(format="unknown")

    # -- entry ----------------------------------------------------------------------------
    def scan_file(self, f: IO[bytes], size: int, kind: str) -> ModelScan:
        self.scan.format = kind
        try:
            self._dispatch(f, size, kind, "", 0)
        except (ScanError, PickleError, zipfile.BadZipFile, OSError, EOFError, lzma.LZMAError,
                zlib.error, ValueError, KeyError, struct.error, RecursionError) as exc:
            self._error("", exc)
        return self.scan

    def _error(self, where: str, exc: BaseException | str) -> None:
        text = str(exc) or type(exc).__name__
        self.scan.errors.append(f"{where}: {text}" if where else text)

    def _item(self, severity: str, reference: str, reason: str, location: str) -> None:
        self.scan.items.append(ModelVerdictItem(severity=severity, reference=reference, reason=reason, location=location))  # type: ignore[arg-type]

    # -- dispatch -------------------------------------------------------------------------
    def _dispatch(self, f: IO[bytes], size: int | None, kind: str, where: str, depth: int) -> None:
        if kind == fmt.PICKLE:
            head = f.read(14)
            body = _rewound(f, head)
            if head[2:] == b"\x8a\x0a" + TORCH_LEGACY_MAGIC.to_bytes(10, "little") and head[:2] == b"\x80\x02":
                # Legacy torch.save: magic, protocol, sys info, the object, storage keys; then raw storages.
                if not where:
                    self.scan.format = "pytorch_legacy"
                self._pickles(body, size, where, max_pickles=5)
                self.scan.notes.append(f"{where or 'checkpoint'}: tensor storages after the fifth pickle were skipped")
            else:
                self._pickles(body, size, where)
        elif kind == fmt.ZIP:
            self._zip(f, where, depth)
        elif kind == fmt.NUMPY:
            self._npy(f, size, where)
        elif kind == fmt.HDF5:
            self._hdf5(f, where)
        elif kind == fmt.SAFETENSORS:
            self._safetensors(f, size, where)
        elif kind == fmt.GGUF:
            self._gguf(f, size, where)
        elif kind == fmt.ONNX:
            self._onnx(f, size, where)
        elif kind in (fmt.GZIP, fmt.BZIP2, fmt.XZ, fmt.LZMA, fmt.ZLIB):
            self._compressed(f, size, kind, where, depth)
        else:
            raise ScanError(f"unsupported format {kind}")

    def _nested(self, f: IO[bytes], size: int | None, where: str, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise ScanError(f"{where}: archives nested deeper than {self.limits.max_depth} levels")
        head = f.read(fmt.HEAD)
        kind = fmt.sniff(head)
        if kind is None:
            return
        body = _rewound(f, head)
        if kind in (fmt.ZIP, fmt.HDF5):
            # Both need random access: nested ones are read into memory, up to a limit.
            if size is None or size > self.limits.max_nested_in_memory:
                raise ScanError(f"{where}: nested {kind} of {size if size is not None else 'unknown'} bytes is larger "
                                f"than the {self.limits.max_nested_in_memory}-byte limit for nested archives")
            data = io.BytesIO(head + f.read(size - len(head)))
            if kind == fmt.ZIP:
                self._zip(data, where, depth)
            else:
                self._hdf5(data, where)
            return
        self._dispatch(body, size, kind, where, depth)

    # -- pickles --------------------------------------------------------------------------
    def _pickles(self, f: IO[bytes], size: int | None, where: str, *, max_pickles: int | None = None,
                 stop_on_trailing: bool = True) -> WalkResult | None:
        self.scan.pickle_based = True
        self.scan.model_content = True
        try:
            result = walk(f, size=size, max_pickles=max_pickles, build_hook=self._build_hook,
                          stop_on_trailing=stop_on_trailing)
        except PickleError as exc:
            partial: WalkResult | None = getattr(exc, "partial", None)
            if partial is not None:
                self._record(partial, where)
            self._error(where, exc)
            return None
        self._record(result, where)
        return result

    def _record(self, result: WalkResult, where: str) -> None:
        self.scan.pickles += result.pickles
        self.scan.opcodes += result.opcodes
        seen: set[tuple[str, str]] = set()
        for imp in result.imports:
            j = judge(imp)
            if j.severity is None:
                continue
            key = (j.reference, j.reason)
            if key in seen:
                continue
            seen.add(key)
            loc = f"{where + ' ' if where else ''}{imp.opcode} at offset {imp.offset}"
            self._item(j.severity, j.reference, j.reason, loc)
        result.imports.clear()
        for note in result.notes:
            self.scan.notes.append(f"{where}: {note}" if where else note)

    def _build_hook(self, obj: Any, state: Any, reader: _Reader) -> None:
        """joblib writes array bytes right after a NumpyArrayWrapper's BUILD: skip them."""
        if not (isinstance(obj, Call) and isinstance(obj.func, GlobalRef)):
            return
        if obj.func.name != "NumpyArrayWrapper" or not obj.func.module.endswith("numpy_pickle"):
            return
        if not isinstance(state, _Dict):
            raise PickleError("joblib array wrapper with an unreadable state")
        st = state.items
        dtype = st.get("dtype")
        shape = st.get("shape")
        code = as_text(dtype.args[0]) if isinstance(dtype, Call) and isinstance(dtype.args, tuple) and dtype.args else None
        if not isinstance(code, str) or not isinstance(shape, tuple) or not all(isinstance(d, int) for d in shape):
            raise PickleError("joblib array wrapper: dtype or shape could not be read")
        if code.startswith(("O", "|O", "<O", ">O")):
            # Object arrays are a nested pickle in the stream.
            nested = walk(reader, max_pickles=1, build_hook=self._build_hook, stop_on_trailing=False)
            self._record(nested, "joblib object array")
            return
        itemsize = _itemsize(code)
        count = 1
        for d in shape:
            count *= d
        if "numpy_array_alignment_bytes" in st:
            pad = reader.take(1)[0]
            reader.skip(pad)
        reader.skip(count * itemsize)

    # -- containers -----------------------------------------------------------------------
    def _zip(self, f: IO[bytes], where: str, depth: int) -> None:
        with zipfile.ZipFile(f) as zf:
            infos = zf.infolist()
            if len(infos) > self.limits.max_members:
                raise ScanError(f"zip with {len(infos)} members (limit {self.limits.max_members})")
            names = [i.filename for i in infos]
            if self.scan.format == fmt.ZIP and depth == 0:
                self.scan.format = _zip_kind(names)
            for info in infos:
                if info.is_dir():
                    continue
                member = f"{where}/{info.filename}" if where else info.filename
                if _is_tensor_member(info.filename):
                    continue  # raw tensor storage: never read
                if info.compress_size and info.file_size / max(info.compress_size, 1) > self.limits.max_ratio and info.file_size > 1 << 20:
                    self._error(member, f"compression ratio {info.file_size // max(info.compress_size, 1)}:1 exceeds the limit (possible zip bomb)")
                    continue
                if info.file_size > self.limits.max_member_size:
                    self._error(member, f"member of {info.file_size} bytes exceeds the size limit")
                    continue
                if self.scan.format == "keras" and info.filename.endswith(".weights.h5"):
                    continue  # weights only; the code-bearing part of a .keras file is config.json
                if info.filename.endswith("config.json") and self.scan.format == "keras":
                    with zf.open(info) as mf:
                        self._keras_config(mf.read(64 << 20), member)
                    continue
                with zf.open(info) as mf:
                    bounded = io.BufferedReader(_Bounded(mf, info.file_size + 1, member), 1 << 20)
                    try:
                        self._nested(bounded, info.file_size, member, depth + 1)
                    except (ScanError, PickleError, zipfile.BadZipFile, EOFError, lzma.LZMAError, zlib.error, ValueError) as exc:
                        self._error(member, exc)

    def _compressed(self, f: IO[bytes], size: int | None, kind: str, where: str, depth: int) -> None:
        inner: IO[bytes]
        if kind == fmt.GZIP:
            import gzip

            inner = gzip.GzipFile(fileobj=f)  # type: ignore[assignment]
        elif kind == fmt.BZIP2:
            inner = bz2.BZ2File(f)  # type: ignore[assignment]
        elif kind in (fmt.XZ, fmt.LZMA):
            inner = lzma.LZMAFile(f)  # type: ignore[assignment]  # noqa: SIM115
        else:
            inner = io.BufferedReader(_ZlibStream(f))
        limit = self.limits.max_decompressed
        if size:
            limit = min(limit, max(size * self.limits.max_ratio, 64 << 20))
        label = where or "compressed stream"
        bounded = io.BufferedReader(_Bounded(inner, limit, label), 1 << 20)
        self.scan.notes.append(f"{label}: {kind}-compressed, scanned decompressed")
        self._nested(bounded, None, f"{where}[{kind}]" if where else f"[{kind}]", depth + 1)
        if self.scan.format in (fmt.GZIP, fmt.BZIP2, fmt.XZ, fmt.LZMA, fmt.ZLIB) and self.scan.pickle_based:
            self.scan.format = f"joblib ({kind})"

    def _npy(self, f: IO[bytes], size: int | None, where: str) -> None:
        self.scan.model_content = True
        header = _npy_header(f)
        descr = str(header.get("descr"))
        shape = header.get("shape", ())
        if "O" in descr:
            self.scan.pickle_based = True
            self._item("low", "numpy object array", "object arrays are stored as a pickle", where or "array")
            self._pickles(f, None, where or "object array")
            return
        count = 1
        for d in shape:
            count *= int(d)
        need = count * _itemsize(descr)
        if size is not None:
            have = size - f.tell() if f.seekable() else None
            if have is not None and have < need:
                raise ScanError(f"{where or 'array'}: truncated: {have} data bytes, header says {need}")

    def _hdf5(self, f: IO[bytes], where: str) -> None:
        if not where:
            self.scan.format = "keras_h5"
        try:
            import h5py
        except ImportError:
            raise ScanError("HDF5 file: the h5py package is not installed, its Keras configuration was not read") from None
        with h5py.File(f, "r") as h5:
            config = h5.attrs.get("model_config")
            if config is None:
                self.scan.notes.append("HDF5 file without a Keras model_config attribute")
                return
            if isinstance(config, bytes):
                config = config.decode("utf-8")
            self._keras_config(str(config).encode(), where or "model_config")

    def _keras_config(self, data: bytes, where: str) -> None:
        self.scan.model_content = True
        try:
            config = json.loads(data)
        except ValueError as exc:
            raise ScanError(f"{where}: Keras configuration is not valid JSON: {exc}") from None
        for path, node in _walk_json(config, "$"):
            cls = node.get("class_name")
            if cls == "Lambda" or (cls == "function" and "module" in node):
                self._item("critical", "keras Lambda layer", "a Lambda layer carries Python code that runs when the model is loaded", f"{where} {path}")
            module = node.get("module")
            if isinstance(module, str) and module.split(".")[0] not in ("keras", "tensorflow", "tf_keras", "keras_nlp", "keras_cv", "keras_hub"):
                ref = f"{module}.{cls}" if isinstance(cls, str) else module
                self._item("critical", ref, f"the configuration references {ref}, which Keras imports when loading", f"{where} {path}")

    # -- safe formats ---------------------------------------------------------------------
    def _safetensors(self, f: IO[bytes], size: int | None, where: str) -> None:
        self.scan.model_content = True
        self.scan.format = "safetensors" if not where else self.scan.format
        n = int.from_bytes(f.read(8), "little")
        raw = f.read(n)
        if len(raw) != n:
            raise ScanError(f"{where or 'safetensors'}: header truncated")
        try:
            header = json.loads(raw)
        except ValueError as exc:
            raise ScanError(f"{where or 'safetensors'}: header is not JSON: {exc}") from None
        if not isinstance(header, dict):
            raise ScanError("safetensors header is not an object")
        end = 0
        for name, info in header.items():
            if name == "__metadata__":
                continue
            offsets = info.get("data_offsets") if isinstance(info, dict) else None
            if not (isinstance(offsets, list) and len(offsets) == 2 and 0 <= offsets[0] <= offsets[1]):
                raise ScanError(f"safetensors tensor {name!r}: bad data_offsets")
            end = max(end, offsets[1])
        if size is not None and 8 + n + end > size:
            raise ScanError(f"safetensors: tensors end at byte {8 + n + end}, file has {size}")

    def _gguf(self, f: IO[bytes], size: int | None, where: str) -> None:
        self.scan.model_content = True
        self.scan.format = "gguf" if not where else self.scan.format
        head = f.read(24)
        if len(head) < 24:
            raise ScanError("GGUF header truncated")
        version = struct.unpack_from("<I", head, 4)[0]
        tensors, kvs = struct.unpack_from("<QQ", head, 8)
        if version not in (1, 2, 3):
            raise ScanError(f"GGUF version {version} is unknown")
        if size is not None and (tensors > size or kvs > size):
            raise ScanError(f"GGUF header counts ({tensors} tensors, {kvs} keys) exceed the file size")

    def _onnx(self, f: IO[bytes], size: int | None, where: str) -> None:
        self.scan.model_content = True
        self.scan.format = "onnx" if not where else self.scan.format
        # Walk top-level protobuf fields; every length must fit in the file.
        pos = 0
        seen_graph = False
        r = _Reader(f, size)
        while not r.at_end():
            key = _varint(r)
            wire, num = key & 7, key >> 3
            if wire == 0:
                _varint(r)
            elif wire == 2:
                length = _varint(r)
                r.skip(length)
                seen_graph |= num == 7
            elif wire == 5:
                r.take(4)
            elif wire == 1:
                r.take(8)
            else:
                raise ScanError(f"ONNX: unexpected protobuf wire type {wire} at offset {r.offset()}")
            pos += 1
        if not seen_graph:
            raise ScanError("ONNX: no graph in the model")


def _varint(r: _Reader) -> int:
    out = shift = 0
    while True:
        b = r.take(1)[0]
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out
        shift += 7
        if shift > 63:
            raise ScanError("malformed protobuf varint")


class _Prefixed(io.RawIOBase):
    """Bytes already read (the sniffed head) followed by the rest of a stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.head:
            n = min(len(b), len(self.head))
            b[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.rest.read(len(b))
        b[: len(data)] = data
        return len(data)

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        if n is None or n < 0:
            return self.head + self.rest.read()
        if self.head:
            out = self.head[:n]
            self.head = self.head[n:]
            if len(out) < n:
                out += self.rest.read(n - len(out))
            return out
        return self.rest.read(n)


def _rewound(f: IO[bytes], head: bytes) -> IO[bytes]:
    """The stream from its start again: a seek back when possible, else the head replayed."""
    try:
        if f.seekable():
            f.seek(-len(head), io.SEEK_CUR)
            return f
    except (OSError, ValueError):
        pass
    return io.BufferedReader(_Prefixed(head, f), 1 << 20)


def _zip_kind(names: list[str]) -> str:
    if any(n.endswith("data.pkl") for n in names):
        return "pytorch_zip"
    if names and all(n.endswith(".npy") for n in names if not n.endswith("/")):
        return "numpy_npz"
    if "config.json" in names and any(n.endswith((".h5", ".weights.h5")) or n == "metadata.json" for n in names):
        return "keras"
    return "zip"


def _is_tensor_member(name: str) -> bool:
    parts = name.split("/")
    return len(parts) >= 2 and parts[-2] == "data" and parts[-1].isdigit()


def _itemsize(code: str) -> int:
    code = code.lstrip("<>|=")
    letter, digits = code[:1], code[1:]
    if letter in ("U",):
        return 4 * int(digits or 1)
    if letter in ("S", "V", "a"):
        return int(digits or 1)
    if digits.isdigit():
        return int(digits)
    table = {"?": 1, "b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "l": 8, "L": 8, "q": 8, "Q": 8,
             "e": 2, "f": 4, "d": 8, "g": 16, "F": 8, "D": 16, "G": 32}
    if letter in table:
        return table[letter]
    raise ScanError(f"unsupported array dtype {code!r}")


def _npy_header(f: IO[bytes]) -> dict[str, Any]:
    magic = f.read(8)
    if len(magic) < 8 or magic[:6] != b"\x93NUMPY":
        raise ScanError("not a numpy array file")
    major = magic[6]
    if major == 1:
        hlen = int.from_bytes(f.read(2), "little")
    elif major in (2, 3):
        hlen = int.from_bytes(f.read(4), "little")
    else:
        raise ScanError(f"numpy format version {major} is unknown")
    if hlen > 1 << 20:
        raise ScanError(f"numpy header of {hlen} bytes is absurd")
    text = f.read(hlen)
    if len(text) < hlen:
        raise ScanError("numpy header truncated")
    try:
        header = ast.literal_eval(text.decode("latin-1").strip())  # a literal, never evaluated code
    except (ValueError, SyntaxError) as exc:
        raise ScanError(f"numpy header is not a literal: {exc}") from None
    if not isinstance(header, dict) or "descr" not in header or not isinstance(header.get("shape"), tuple):
        raise ScanError("numpy header lacks descr/shape")
    return header


def _walk_json(node: Any, path: str) -> Any:
    stack = [(node, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            yield where, item
            for k, v in item.items():
                if isinstance(v, dict | list):
                    stack.append((v, f"{where}.{k}"))
        elif isinstance(item, list):
            for i, v in enumerate(item):
                if isinstance(v, dict | list):
                    stack.append((v, f"{where}[{i}]"))
