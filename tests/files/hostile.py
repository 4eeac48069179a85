"""Builders for hostile and broken file inputs: archives with flag bits, bad CRCs, bombs, padding.

Everything is written here from the format specifications (zip local and central headers,
protobuf wire format); no file comes from elsewhere.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
import zlib

from .corpus import Reduce


def payload(command: str = "true") -> bytes:
    """A pickle that would run ``os.system(command)`` when loaded (never loaded here)."""
    return pickle.dumps(Reduce(os.system, command), 2)


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def with_flag_bits(data: bytes, flag: int) -> bytes:
    """Set general-purpose flag bits on the first member, in both its local and central header."""
    out = bytearray(data)
    assert out[:4] == b"PK\x03\x04"
    out[6] |= flag
    central = out.find(b"PK\x01\x02")
    out[central + 8] |= flag
    return bytes(out)


def with_compression_method(data: bytes, method: int) -> bytes:
    """Claim another compression method (9 = Deflate64) for the first member."""
    out = bytearray(data)
    struct.pack_into("<H", out, 8, method)
    central = out.find(b"PK\x01\x02")
    struct.pack_into("<H", out, central + 10, method)
    return bytes(out)


def with_bad_crc(data: bytes, member_data: bytes) -> bytes:
    out = bytearray(data)
    crc = struct.pack("<I", zlib.crc32(member_data))
    at = out.find(crc)
    assert at > 0
    while at >= 0:
        out[at] ^= 0xFF
        at = out.find(crc, at + 1)
    return bytes(out)


def with_renamed_central_entry(data: bytes, old: bytes, new: bytes) -> bytes:
    """The central directory names a member differently from its local header."""
    assert len(old) == len(new)
    out = bytearray(data)
    at = out.rfind(old)
    out[at : at + len(old)] = new
    return bytes(out)


def padded_pickle(pad: int, command: str = "true") -> bytes:
    """A malicious pickle followed by ``pad`` zero bytes: compresses far past 200:1."""
    return payload(command) + b"\0" * pad


def nested_zip(depth: int, inner: dict[str, bytes]) -> bytes:
    data = zip_of(inner)
    for level in range(depth):
        data = zip_of({f"level{level}.zip": data}, zipfile.ZIP_STORED)
    return data


# -- protobuf wire format, enough to write SavedModel and Keras metadata files -------------------
def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def field_bytes(number: int, value: bytes | str) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(raw)) + raw


def graph_node(name: str, op: str) -> bytes:
    """A NodeDef: name (1), op (2)."""
    return field_bytes(1, name) + field_bytes(2, op)


def saved_model(ops: list[str], user_metadata: list[str] = ()) -> bytes:  # type: ignore[assignment]
    """SavedModel: schema version (1) and one MetaGraphDef (2) holding a GraphDef (2) of nodes (1)
    and an object graph (7) whose user objects (4) carry Keras metadata JSON (3)."""
    graph = b"".join(field_bytes(1, graph_node(f"n{i}", op)) for i, op in enumerate(ops))
    objects = b"".join(field_bytes(1, field_bytes(4, field_bytes(1, "_tf_keras_layer") + field_bytes(3, meta)))
                       for meta in user_metadata)
    meta_graph = field_bytes(1, field_bytes(4, "2.15.0")) + field_bytes(2, graph) + field_bytes(7, objects)
    return field_varint(1, 1) + field_bytes(2, meta_graph)


def keras_metadata(layers: list[str]) -> bytes:
    """SavedMetadata: nodes (1), each a SavedObject with node_id (2), node_path (3), identifier (4),
    metadata JSON (5)."""
    nodes = b""
    for index, meta in enumerate(layers):
        node = field_varint(2, index) + field_bytes(3, f"root.layer-{index}") + field_bytes(4, "_tf_keras_layer")
        nodes += field_bytes(1, node + field_bytes(5, meta))
    return nodes


def overlapping_zip(count: int = 3, size: int = 1 << 20) -> bytes:
    """A non-recursive zip bomb's shape: every central entry points at the first member's bytes."""
    out = bytearray(zip_of({f"part{i}.bin": b"\0" * size for i in range(count)}))
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        struct.pack_into("<I", out, at + 42, 0)  # relative offset of the local header
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)
