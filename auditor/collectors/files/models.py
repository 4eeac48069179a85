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
import copy
import io
import itertools
import json
import lzma
import os
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Iterator
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
_KERAS_MODULES = ("keras", "tensorflow", "tf_keras", "keras_nlp", "keras_cv", "keras_hub")
_LAMBDA_TEXT = re.compile(r'"class_name"\s*:\s*"Lambda"')
_MODULE_TEXT = re.compile(r'"module"\s*:\s*"([A-Za-z_][\w.]*)"')
# Zip general-purpose flag bits that Python's zipfile (and so this scanner) cannot read through.
_ENCRYPTED, _PATCHED, _STRONG = 0x1, 0x20, 0x40
_READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
_COMPRESSION_NAMES = {9: "Deflate64", 6: "Implode", 1: "Shrink", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "AES"}
_RATIO_FLOOR = 1 << 20  # small members are read whole whatever their ratio
# Graph ops that reach the host when a SavedModel runs (reviewed, not code execution on load).
_TF_HOST_OPS = {
    b"ReadFile": "the graph reads files of the host when it runs",
    b"WriteFile": "the graph writes files on the host when it runs",
    b"MatchingFiles": "the graph lists files of the host when it runs",
    b"PyFunc": "the graph calls a Python function of the loading program",
    b"PyFuncStateless": "the graph calls a Python function of the loading program",
    b"EagerPyFunc": "the graph calls a Python function of the loading program",
}
_KERAS_CONFIG_MAX = 64 << 20
_TORCH_TAR_MEMBERS = frozenset({"sys_info", "pickle", "storages", "tensors"})
_TORCH_TAR_SCAN = 16  # members looked at before a tar is taken for an ordinary archive
_SAFETENSORS_MAX_HEADER = 100_000_000  # the safetensors library's own limit
_PROTO_MAX_DEPTH = 32
_PROTO_MAX_FIELDS = 5_000_000


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
    """A reader that ends, without raising, at a byte budget or at a read failure.

    The walker then sees an early end of stream and reports what it read before it (a payload
    before the limit is still found); the caller turns ``exceeded`` and ``failure`` into the
    file's error. Zip and compression bombs stop at the budget.
    """

    def __init__(self, inner: IO[bytes], limit: int, what: str, crc: int | None = None) -> None:
        self.inner = inner
        self.limit = limit
        self.count = 0
        self.what = what
        self.exceeded = False
        self.failure: str | None = None
        self.crc = crc  # a zip member's CRC-32, checked here so a bad one never hides the data read
        self.running = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.failure is not None or self.exceeded:
            return 0
        want = min(len(b), self.limit - self.count)
        try:
            # At the budget, one byte more tells a stream that ends exactly there from a longer one.
            data = self.inner.read(want if want > 0 else 1)
        except Exception as exc:  # a corrupt stream: bad data, truncation
            self.failure = describe_failure(exc)
            return 0
        if not data:
            if self.crc is not None and self.running != self.crc:
                self.failure = f"bad CRC-32 {self.running:08x}, the archive says {self.crc:08x}"
            return 0
        if want <= 0:
            self.exceeded = True
            return 0
        self.count += len(data)
        if self.crc is not None:
            self.running = zlib.crc32(data, self.running)
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
        except Exception as exc:  # any failure is this file's error, never the end of the scan
            self._error("", describe_failure(exc))
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
        elif kind == fmt.TAR:
            self._tar(f, where, depth)
        elif kind == fmt.SEVENZIP:
            raise ScanError(f"{where or '7z archive'}: 7z members cannot be read by this version, so a model inside "
                            "would not be seen")
        elif kind == fmt.SAVED_MODEL:
            self._saved_model(f, size, where)
        elif kind == fmt.KERAS_METADATA:
            self._keras_metadata(f, size, where)
        else:
            raise ScanError(f"unsupported format {kind}")

    def _nested(self, f: IO[bytes], size: int | None, where: str, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise ScanError(f"{where}: archives nested deeper than {self.limits.max_depth} levels")
        head = f.read(fmt.HEAD)
        kind = fmt.sniff(head, where.rsplit("/", 1)[-1])
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
            names = [i.filename for i in infos]
            if self.scan.format == fmt.ZIP and depth == 0:
                self.scan.format = _zip_kind(names)
            overlap = _overlapping_members(infos)
            if overlap is not None:
                # Members sharing their compressed bytes: the construction of non-recursive zip
                # bombs, which no archiver writes. Each member would inflate the same data again.
                self._error(where, f"members {overlap} overlap in the archive (a zip bomb construction): not read")
                return
            for index, info in enumerate(infos):
                if index >= self.limits.max_members:
                    self._error(where, f"zip with {len(infos)} members: only the first {self.limits.max_members} "
                                       f"were read (member limit {self.limits.max_members})")
                    break
                if info.is_dir():
                    continue
                member = f"{where}/{info.filename}" if where else info.filename
                if _is_tensor_member(info.filename):
                    continue  # raw tensor storage: never read
                try:
                    self._zip_member(zf, info, member, depth)
                except Exception as exc:  # one member never ends the archive
                    self._error(member, describe_failure(exc))

    def _tar(self, f: IO[bytes], where: str, depth: int) -> None:
        """PyTorch's oldest format, which torch.load still reads: a tar whose ``sys_info``, ``pickle``,
        ``storages`` and ``tensors`` members are unpickled. Other tars are ordinary archives."""
        import tarfile

        if not f.seekable():
            return  # inside a zip or a compressed stream: no loader reads a model from there
        with tarfile.open(fileobj=f, mode="r:") as tar:
            for index, info in enumerate(tar):
                if index >= _TORCH_TAR_SCAN:
                    break  # torch writes four members: a tar without them early is no checkpoint
                if not info.isfile() or info.name not in _TORCH_TAR_MEMBERS:
                    continue
                self.scan.format = "pytorch_tar" if not where else self.scan.format
                member = f"{where}/{info.name}" if where else info.name
                extracted = tar.extractfile(info)
                if extracted is None:
                    continue
                raw = _Bounded(extracted, min(info.size, self.limits.max_member_size), member)
                try:
                    self._nested(io.BufferedReader(raw, 1 << 16), info.size, member, depth + 1)
                except Exception as exc:  # one member never ends the archive
                    self._error(member, describe_failure(exc))
                if raw.failure is not None:
                    self._error(member, f"corrupt member: {raw.failure}")

    def _zip_member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, member: str, depth: int) -> None:
        problem = _unreadable_member(info)
        if problem is not None:
            self._error(member, problem)
            if info.compress_type not in _READABLE_COMPRESSION:
                return
            # Encryption and patched-data bits on a method we can read: the bytes are read as a loader
            # that ignores the bits reads them (a flag set only to stop scanners hides a plain payload);
            # the member stays unknown either way, and a payload found in it is still a finding.
            info = copy.copy(info)
            info.flag_bits &= ~(_ENCRYPTED | _PATCHED | _STRONG)
        if self.scan.format == "keras" and info.filename.endswith(".weights.h5"):
            return  # weights only; the code-bearing part of a .keras file is config.json
        # A member is read up to a budget (declared size, compression ratio, member size); one that
        # goes past it is judged on what was read, and the limit makes the file unknown.
        budget = min(info.file_size, self.limits.max_member_size,
                     max(info.compress_size * self.limits.max_ratio, _RATIO_FLOOR))
        with zf.open(info) as mf:
            crc = None
            if hasattr(mf, "_expected_crc"):
                mf._expected_crc = None  # checked by _Bounded, after the walker has seen the bytes
                crc = info.CRC
            raw = _Bounded(mf, budget, member, crc)
            stream = io.BufferedReader(raw, 1 << 16)  # a member that is only sniffed costs 64 KiB, not more
            try:
                if info.filename.endswith("config.json") and self.scan.format == "keras":
                    data = stream.read(_KERAS_CONFIG_MAX + 1)
                    if len(data) > _KERAS_CONFIG_MAX:
                        data = data[:_KERAS_CONFIG_MAX]
                        self._error(member, f"Keras configuration larger than {_KERAS_CONFIG_MAX} bytes: only its start was read")
                    complete = len(data) == info.file_size and raw.failure is None
                    self._keras_config(data, member, complete=complete)
                else:
                    self._nested(stream, info.file_size, member, depth + 1)
            finally:
                if raw.failure is not None:
                    self._error(member, f"corrupt member: {raw.failure}")
                elif raw.exceeded or (budget < info.file_size and raw.count >= budget):
                    self._error(member, _limit_reason(info, budget, self.limits))

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
        raw = _Bounded(inner, limit, label)
        self.scan.notes.append(f"{label}: {kind}-compressed, scanned decompressed")
        try:
            self._nested(io.BufferedReader(raw, 1 << 20), None, f"{where}[{kind}]" if where else f"[{kind}]", depth + 1)
        finally:
            if raw.failure is not None and raw.count == 0 and kind == fmt.ZLIB:
                # A two-byte zlib header is weak evidence: when not one byte decompresses, this is
                # some other file (no loader could decompress it either).
                self.scan.notes.append(f"{label}: not a {kind} stream ({raw.failure})")
            elif raw.failure is not None:
                self._error(label, f"corrupt {kind} stream: {raw.failure}")
            elif raw.exceeded:
                self._error(label, f"decompressed size exceeds {limit} bytes ({self.limits.max_ratio}x the compressed "
                                   "size, at most the decompression limit): possible decompression bomb; "
                                   "only what came before the limit was judged")
        if self.scan.format in (fmt.GZIP, fmt.BZIP2, fmt.XZ, fmt.LZMA, fmt.ZLIB) and self.scan.pickle_based:
            self.scan.format = f"joblib ({kind})"

    def _npy(self, f: IO[bytes], size: int | None, where: str) -> None:
        self.scan.model_content = True
        header = _npy_header(f)
        descr = header["descr"]
        if _holds_objects(descr):
            self.scan.pickle_based = True
            self._item("low", "numpy object array", "object arrays are stored as a pickle", where or "array")
            self._pickles(f, None, where or "object array")
            return
        count = 1
        for d in header["shape"]:
            count *= d
        need = count * _descr_itemsize(descr)
        if size is not None:
            have = size - f.tell() if f.seekable() else None
            if have is not None and have < need:
                raise ScanError(f"{where or 'array'}: truncated: {have} data bytes, header says {need}")

    def _hdf5(self, f: IO[bytes], where: str) -> None:
        if not where:
            self.scan.format = "keras_h5"
        config = _hdf5_model_config(f)
        if config is None:
            self.scan.notes.append("HDF5 file without a Keras model_config attribute")
            return
        self._keras_config(config, where or "model_config")

    def _keras_config(self, data: bytes, where: str, *, complete: bool = True) -> None:
        self.scan.model_content = True
        try:
            config = json.loads(data)
        except (ValueError, RecursionError) as exc:
            # Cut at a limit or malformed: what was read is still searched for code references.
            self._keras_config_text(data.decode("utf-8", "replace"), where)
            reason = "was cut at a read limit" if not complete else f"is not valid JSON ({type(exc).__name__})"
            raise ScanError(f"{where}: Keras configuration {reason}") from None
        self._keras_nodes(config, where)

    def _keras_config_text(self, text: str, where: str) -> None:
        """Code references in a configuration that could not be parsed, found in its raw text."""
        for m in _LAMBDA_TEXT.finditer(text):
            self._item("critical", "keras Lambda layer", "a Lambda layer carries Python code that runs when the model is loaded",
                       f"{where} at character {m.start()}")
        for m in _MODULE_TEXT.finditer(text):
            module = m.group(1)
            if module.split(".")[0] not in _KERAS_MODULES:
                self._item("critical", module, f"the configuration references {module}, which Keras imports when loading",
                           f"{where} at character {m.start()}")

    def _keras_nodes(self, config: Any, where: str) -> None:
        for path, node in _walk_json(config, "$"):
            cls = node.get("class_name")
            if cls == "Lambda" or (cls == "function" and "module" in node):
                self._item("critical", "keras Lambda layer", "a Lambda layer carries Python code that runs when the model is loaded", f"{where} {path}")
            module = node.get("module")
            if isinstance(module, str) and module.split(".")[0] not in _KERAS_MODULES:
                ref = f"{module}.{cls}" if isinstance(cls, str) else module
                self._item("critical", ref, f"the configuration references {ref}, which Keras imports when loading", f"{where} {path}")

    # -- TensorFlow SavedModel -------------------------------------------------------------
    def _saved_model(self, f: IO[bytes], size: int | None, where: str) -> None:
        """``saved_model.pb``: graph ops that touch the host, and Keras layer metadata inside it."""
        self.scan.model_content = True
        if not where:
            self.scan.format = "tf_saved_model"
        self._protobuf_leaves(self._read_whole(f, size, where or "saved_model.pb"), where or "saved_model.pb")

    def _keras_metadata(self, f: IO[bytes], size: int | None, where: str) -> None:
        """``keras_metadata.pb``: one JSON description per layer; a Lambda layer is code."""
        self.scan.model_content = True
        if not where:
            self.scan.format = "tf_saved_model"
        self._protobuf_leaves(self._read_whole(f, size, where or "keras_metadata.pb"), where or "keras_metadata.pb")

    def _read_whole(self, f: IO[bytes], size: int | None, where: str) -> bytes:
        cap = self.limits.max_nested_in_memory
        data = f.read(cap + 1)
        if len(data) > cap:
            raise ScanError(f"{where}: protobuf larger than the {cap}-byte limit for protobuf files was not read")
        return data

    def _protobuf_leaves(self, data: bytes, where: str) -> None:
        for leaf in protobuf_leaves(data):
            if leaf[:1] == b"{" and b'"class_name"' in leaf:
                try:
                    self._keras_config(leaf, f"{where} layer metadata")
                except ScanError as exc:
                    self._error(where, exc)
            elif leaf in _TF_HOST_OPS:
                op = leaf.decode()
                self._item("medium", f"tensorflow op {op}", _TF_HOST_OPS[leaf], where)

    # -- safe formats ---------------------------------------------------------------------
    def _safetensors(self, f: IO[bytes], size: int | None, where: str) -> None:
        self.scan.model_content = True
        self.scan.format = "safetensors" if not where else self.scan.format
        n = int.from_bytes(f.read(8), "little")
        if n > _SAFETENSORS_MAX_HEADER or (size is not None and 8 + n > size):
            raise ScanError(f"{where or 'safetensors'}: header length {n} runs past the end of the file or past the "
                            f"{_SAFETENSORS_MAX_HEADER}-byte header limit")
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


def describe_failure(exc: BaseException) -> str:
    """A failure as one line; types the scanner does not expect are named as such."""
    text = (str(exc) or type(exc).__name__).splitlines()[0][:300]
    if isinstance(exc, (ScanError, PickleError, zipfile.BadZipFile, OSError, EOFError, lzma.LZMAError, zlib.error,
                        ValueError, struct.error)):
        return text
    return f"unexpected {type(exc).__name__}: {text}"


# libhdf5 can loop forever on some corrupted files (found by the fuzz test), and no in-process
# limit stops C code: the attribute is read by h5py in a child process with a time and memory cap.
HDF5_TIMEOUT = 30.0
_HDF5_MEMORY = 2 << 30
_HDF5_READER = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({_HDF5_MEMORY}, {_HDF5_MEMORY}))
import h5py
with h5py.File(sys.argv[1], "r") as h5:
    config = h5.attrs.get("model_config")
if config is None:
    sys.exit(3)
sys.stdout.buffer.write(config if isinstance(config, bytes) else str(config).encode("utf-8"))
"""


def _hdf5_model_config(f: IO[bytes]) -> bytes | None:
    """The ``model_config`` attribute of an HDF5 file, or None when it has none."""
    import importlib.util
    import subprocess
    import sys
    import tempfile

    if importlib.util.find_spec("h5py") is None:
        raise ScanError("HDF5 file: the h5py package is not installed, its Keras configuration was not read")
    name = getattr(f, "name", None)
    with tempfile.TemporaryDirectory(prefix="auditor-h5-") as tmp:
        if not isinstance(name, str) or not os.path.isfile(name):
            name = os.path.join(tmp, "member.h5")  # a member of an archive: copied, already size-bounded
            with open(name, "wb") as out:
                shutil.copyfileobj(f, out, 1 << 20)
        try:
            done = subprocess.run([sys.executable, "-c", _HDF5_READER, name], capture_output=True,
                                  timeout=HDF5_TIMEOUT, stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            raise ScanError(f"HDF5 file not read within {HDF5_TIMEOUT:.0f} s (libhdf5 loops on some corrupted files)") from None
    if done.returncode == 3:
        return None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ScanError(f"HDF5 file not readable: {lines[-1][:200] if lines else f'reader exited {done.returncode}'}")
    return done.stdout


def _unreadable_member(info: zipfile.ZipInfo) -> str | None:
    if info.flag_bits & _STRONG:
        return "member uses strong encryption (zip flag bit 6): it cannot be read"
    if info.flag_bits & _PATCHED:
        return "member holds compressed patched data (zip flag bit 5): it cannot be read"
    if info.compress_type not in _READABLE_COMPRESSION:
        name = _COMPRESSION_NAMES.get(info.compress_type, "unknown")
        return f"member uses compression method {info.compress_type} ({name}), which cannot be read"
    if info.flag_bits & _ENCRYPTED:
        return "member is encrypted (zip flag bit 0): its content cannot be verified"
    return None


def _overlapping_members(infos: list[zipfile.ZipInfo]) -> str | None:
    """Two members whose local headers and data overlap, or None."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for before, after in itertools.pairwise(ordered):
        # A lower bound of where the next member may start: the 30-byte header and the data (the
        # name and extra field only add to it).
        if after.header_offset < before.header_offset + 30 + before.compress_size:
            return f"{before.filename!r} and {after.filename!r}"
    return None


def _limit_reason(info: zipfile.ZipInfo, budget: int, limits: Limits) -> str:
    if budget >= limits.max_member_size:
        cause = f"the member size limit of {limits.max_member_size} bytes"
    else:
        ratio = info.file_size // max(info.compress_size, 1)
        cause = f"its compression ratio {ratio}:1 exceeds the {limits.max_ratio}:1 limit (possible zip bomb)"
    return (f"{info.file_size} bytes declared, only the first {budget} were read: {cause}; "
            "what was read before the limit was judged")


def protobuf_leaves(data: bytes) -> Iterator[bytes]:
    """Every length-delimited value of a protobuf message that is not itself a message.

    Read by wire format alone (no schema, nothing executed): a value that parses completely as
    fields is walked as a sub-message, anything else is a leaf (a string or bytes). JSON text
    never parses as fields (``{`` is a group start), so layer metadata always comes out whole.
    """
    budget = [_PROTO_MAX_FIELDS]
    top = _proto_spans(data, 0, len(data), budget)
    if top is None:
        raise ScanError("not a protobuf message")
    stack = [(top, 0)]
    while stack:
        spans, depth = stack.pop()
        for start, end in reversed(spans):
            inner = _proto_spans(data, start, end, budget) if depth < _PROTO_MAX_DEPTH and end > start else None
            if inner:
                stack.append((inner, depth + 1))
            elif inner is None:
                yield data[start:end]


def _proto_spans(data: bytes, pos: int, end: int, budget: list[int]) -> list[tuple[int, int]] | None:
    """The spans of the length-delimited fields in data[pos:end], or None if it is not a message."""
    spans: list[tuple[int, int]] = []
    while pos < end:
        budget[0] -= 1
        if budget[0] < 0:
            raise ScanError(f"protobuf with more than {_PROTO_MAX_FIELDS} fields was not read to its end")
        key, pos = _proto_varint(data, pos, end)
        if key is None or key >> 3 == 0:
            return None
        wire = key & 7
        if wire == 0:
            value, pos = _proto_varint(data, pos, end)
            if value is None:
                return None
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length, pos = _proto_varint(data, pos, end)
            if length is None or pos + length > end:
                return None
            spans.append((pos, pos + length))
            pos += length
        else:
            return None  # groups (3, 4) and unknown wire types: not a message we walk
        if pos > end:
            return None
    return spans


def _proto_varint(data: bytes, pos: int, end: int) -> tuple[int | None, int]:
    out = shift = 0
    while pos < end and shift < 64:
        b = data[pos]
        pos += 1
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out, pos
        shift += 7
    return None, pos


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
    if code[:1] in ("M", "m") and code.endswith("]") and "[" in code:
        code = code[: code.index("[")]  # datetime64/timedelta64 with a unit: M8[ns]
    letter, digits = code[:1], code[1:]
    if digits and not digits.isdigit():
        raise ScanError(f"unsupported array dtype {code!r}")
    if letter in ("U",):
        return 4 * int(digits or 1)
    if letter in ("S", "V", "a"):
        return int(digits or 1)
    if digits.isdigit():
        return int(digits)
    table = {"?": 1, "b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "l": 8, "L": 8, "q": 8, "Q": 8,
             "e": 2, "f": 4, "d": 8, "g": 16, "F": 8, "D": 16, "G": 32, "O": 8}
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
    raw = f.read(hlen)
    if len(raw) < hlen:
        raise ScanError("numpy header truncated")
    text = raw.decode("utf-8" if major == 3 else "latin-1", "replace").strip()
    header = _literal(text)
    if header is None:
        header = _literal(_without_long_suffixes(text))  # Python 2 wrote shapes as (2L, 3L)
    if header is None:
        raise ScanError("numpy header is not a Python literal")
    if not isinstance(header, dict) or "descr" not in header or not isinstance(header.get("shape"), tuple):
        raise ScanError("numpy header lacks descr/shape")
    if not all(isinstance(d, int) and d >= 0 for d in header["shape"]):
        raise ScanError("numpy header: shape is not a tuple of sizes")
    _descr_itemsize(header["descr"])  # validates the dtype description
    return header


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)  # a literal, never evaluated code
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _without_long_suffixes(text: str) -> str:
    """Drop the ``L`` after integer literals, as numpy's own reader does for Python 2 files."""
    import tokenize

    out: list[tokenize.TokenInfo] = []
    previous_number = False
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if not (previous_number and token.type == tokenize.NAME and token.string in ("L", "l")):
                out.append(token)
            previous_number = token.type == tokenize.NUMBER
        return tokenize.untokenize(out)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return text


def _holds_objects(descr: Any) -> bool:
    """Whether a numpy dtype description (a type string or a structured entry list) holds objects."""
    if isinstance(descr, str):
        return descr.lstrip("<>|=")[:1] == "O"
    if isinstance(descr, list):
        return any(isinstance(entry, tuple) and len(entry) >= 2 and _holds_objects(entry[1]) for entry in descr)
    return False


def _descr_itemsize(descr: Any, depth: int = 0) -> int:
    if isinstance(descr, str):
        return _itemsize(descr)
    if not isinstance(descr, list) or depth > 32:
        raise ScanError(f"unsupported array dtype description {str(descr)[:80]!r}")
    total = 0
    for entry in descr:
        if not (isinstance(entry, tuple) and 2 <= len(entry) <= 3):
            raise ScanError("numpy header: a structured dtype entry is not (name, type[, shape])")
        count = 1
        if len(entry) == 3:
            shape = entry[2] if isinstance(entry[2], tuple) else (entry[2],)
            if not all(isinstance(d, int) and d >= 0 for d in shape):
                raise ScanError("numpy header: a structured dtype entry has a bad shape")
            for d in shape:
                count *= d
        total += count * _descr_itemsize(entry[1], depth + 1)
    return total


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
