"""Recognising a file's format from its first bytes, never from its extension.

The one exception is TensorFlow's SavedModel, whose loader finds its protobuf files by their
fixed names (``saved_model.pb``, ``keras_metadata.pb``): protobuf has no magic number.
"""

from __future__ import annotations

from auditor.collectors.files.pickle_sniff import looks_like_pickle

ZIP = "zip"
PICKLE = "pickle"
NUMPY = "numpy"
HDF5 = "hdf5"
GGUF = "gguf"
SAFETENSORS = "safetensors"
ONNX = "onnx"
GZIP = "gzip"
BZIP2 = "bz2"
XZ = "xz"
LZMA = "lzma"
ZLIB = "zlib"
NOTEBOOK = "notebook"
SEVENZIP = "7z"
TAR = "tar"
SAVED_MODEL = "tf_saved_model"
KERAS_METADATA = "keras_metadata"

_BY_NAME = {"saved_model.pb": SAVED_MODEL, "keras_metadata.pb": KERAS_METADATA}

HEAD = 4096


def sniff(head: bytes, name: str = "") -> str | None:
    """The container or model format of a file starting with ``head`` (None = not a model file).

    ``name`` is the file's base name, used only for SavedModel's fixed protobuf names."""
    by_name = _BY_NAME.get(name)
    if by_name is not None and head[:1] != b"{":
        return by_name
    if head[:6] == b"7z\xbc\xaf\x27\x1c":
        return SEVENZIP
    if head[257:262] == b"ustar":
        return TAR  # torch.load still reads its oldest format, a tar holding a pickle
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ZIP
    if head[:6] == b"\x93NUMPY":
        return NUMPY
    if head[:8] == b"\x89HDF\r\n\x1a\n":
        return HDF5
    if head[:4] == b"GGUF":
        return GGUF
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return PICKLE
    if head[:2] == b"\x1f\x8b":
        return GZIP
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return BZIP2
    if head[:6] == b"\xfd7zXZ\x00":
        return XZ
    if head[:3] == b"\x5d\x00\x00":
        return LZMA
    if len(head) >= 2 and head[0] == 0x78 and ((head[0] << 8) | head[1]) % 31 == 0:
        return ZLIB
    if _looks_safetensors(head) or (name.endswith(".safetensors") and head[8:9] == b"{"):
        return SAFETENSORS  # by name too: a header length past any sane size is an error, not a pass
    if _looks_onnx(head):
        return ONNX
    if looks_like_pickle(head):  # protocols 0-1 and raw opcode streams have no marker
        return PICKLE
    return None


def _looks_safetensors(head: bytes) -> bool:
    if len(head) < 10:
        return False
    n = int.from_bytes(head[:8], "little")
    return 2 <= n <= 100_000_000 and head[8:9] == b"{"


def _looks_onnx(head: bytes) -> bool:
    # ModelProto starts with ir_version (field 1, varint) followed by another known top-level field.
    if len(head) < 4 or head[0] != 0x08 or not 1 <= head[1] <= 20:
        return False
    return head[2] in (0x12, 0x1A, 0x22, 0x2A, 0x32, 0x3A, 0x42, 0x72, 0x7A, 0x82)
