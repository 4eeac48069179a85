"""Hostile model files, archives, notebooks and manifests for ``auditor scan files``, each in its
own folder under one scan root, beside a malicious pickle that must still fail.

Every file is built here from its format's bytes; none is ever loaded by the test either.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from .harness import Family, HostileInput

# os.system("id") as a pickle: protocol 2 with its PROTO opcode, and protocol 0 without one.
EVIL_P2 = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
EVIL_P0 = b"cos\nsystem\n(S'id'\ntR."
EVIL_STACK_GLOBAL = b"\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R."  # protocol-4 opcodes, no PROTO, no FRAME


def _control(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evil.pkl").write_bytes(EVIL_P2)


FAMILY = Family(
    name="files",
    args=lambda root: ["scan", "files", str(root)],
    control=_control,
    control_id="control/evil.pkl",
    control_check="model_code_execution",
    # a numpy or safetensors file may rightly pass "unsafe format"; what it could hide must never pass
    guarded_checks=("model_code_execution", "notebook_secret", "dependency_vulnerable"),
)


def raw(name: str, content: bytes | str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())

    return write


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def zipped(name: str, members: dict[str, bytes]) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(_zip(members))


def _torch(pickle_bytes: bytes) -> dict[str, bytes]:
    return {"archive/data.pkl": pickle_bytes, "archive/version": b"3\n", "archive/byteorder": b"little"}


def _zip_bomb(folder: Path) -> None:
    with zipfile.ZipFile(folder / "model.pt", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", EVIL_P2[:-1] + b".")
        with zf.open("archive/data/0", "w", force_zip64=True) as member:
            block = bytes(1 << 20)
            for _ in range(200):  # 200 MiB of zeros, about 200 KiB on disk
                member.write(block)


def _nested(folder: Path, depth: int = 7) -> None:
    data = _zip({"data.pkl": EVIL_P2})
    for level in range(depth):
        data = _zip({f"level{level}.zip": data})
    (folder / "nested.zip").write_bytes(data)


def _many_members(folder: Path, count: int = 100_050) -> None:
    with zipfile.ZipFile(folder / "many.zip", "w", zipfile.ZIP_STORED) as zf:
        for n in range(count):
            zf.writestr(zipfile.ZipInfo(f"m{n}"), b"")
        zf.writestr("zzz/data.pkl", EVIL_P2)


def _flagged_member(compress_type: int | None = None, encrypted: bool = False) -> Callable[[Path], None]:
    """A zip whose data.pkl claims encryption or an unsupported method (Deflate64 = 9)."""

    def write(folder: Path) -> None:
        data = bytearray(_zip({"archive/data.pkl": EVIL_P2, "archive/version": b"3\n"}, zipfile.ZIP_STORED))
        for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
            start = 0
            while (at := data.find(signature, start)) >= 0:
                start = at + 4
                if b"data.pkl" not in data[at:at + 80]:
                    continue
                if encrypted:
                    flags = struct.unpack_from("<H", data, at + flag_at)[0] | 0x1
                    struct.pack_into("<H", data, at + flag_at, flags)
                if compress_type is not None:
                    struct.pack_into("<H", data, at + method_at, compress_type)
        (folder / "model.pt").write_bytes(bytes(data))

    return write


def _npy(header: bytes, body: bytes = b"") -> bytes:
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def _sparse(name: str, size: int) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        with open(folder / name, "wb") as fh:
            fh.write(EVIL_P2[:-1])
            fh.truncate(size)  # a hole: no disk space used

    return write


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "model.pkl")


def _dev_zero(folder: Path) -> None:
    os.symlink("/dev/zero", folder / "model.pkl")


def _non_utf8_name(folder: Path) -> None:
    with open(os.path.join(os.fsencode(folder), b"m\xff.pkl"), "wb") as fh:
        fh.write(EVIL_P2)


def _laughs(levels: int = 12) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels)]
    return "\n".join(lines) + f"\nname: bomb\ndependencies: *a{levels - 1}\n"


def _notebook(cells_source: list[str]) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": [s]} for s in cells_source]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


INPUTS: list[HostileInput] = [
    # code in pickles the loader accepts: never missed, whatever the framing
    HostileInput("pickle-protocol-0", raw("model.pkl", EVIL_P0), named=False, must_fail="model_code_execution"),
    HostileInput("pickle-stack-global-no-proto", raw("model.pkl", EVIL_STACK_GLOBAL), named=False,
                 must_fail="model_code_execution"),
    HostileInput("torch-zip-protocol-0", zipped("model.pt", _torch(EVIL_P0)), named=False, must_fail="model_code_execution"),
    HostileInput("torch-zip-padded-past-ratio", zipped("model.pt", _torch(EVIL_P2 + bytes(30 << 20))), named=False,
                 must_fail="model_code_execution"),
    # archive limits: the file is unknown with the reason, never a pass
    HostileInput("zip-bomb-member", _zip_bomb, named=False, must_fail="model_code_execution", alone=True),
    HostileInput("archives-nested-7-deep", _nested),
    HostileInput("archive-100k-members", _many_members),
    HostileInput("encrypted-member", _flagged_member(encrypted=True)),
    HostileInput("deflate64-member", _flagged_member(compress_type=9)),
    HostileInput("truncated-zip", raw("model.pt", _zip(_torch(EVIL_P2))[:200])),
    # broken headers and framing
    HostileInput("npy-huge-header-length", raw("w.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'")),
    HostileInput("npy-header-not-a-dict", raw("w.npy", _npy(b"__import__('os').system('id')\n"))),
    HostileInput("npy-object-array", raw("w.npy", _npy(b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", EVIL_P2)),
                 named=False, must_fail="model_code_execution"),
    HostileInput("safetensors-huge-header", raw("m.safetensors", struct.pack("<Q", 1 << 62) + b"{"), words=("header length",)),
    HostileInput("safetensors-bad-json", raw("m.safetensors", struct.pack("<Q", 9) + b"{not json")),
    HostileInput("truncated-pickle", raw("model.pkl", b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os")),
    HostileInput("pickle-deep-marks", raw("model.pkl", b"\x80\x02" + b"(" * 200_000 + b"."), may_pass=True),
    HostileInput("pickle-huge-sparse", _sparse("model.pkl", 300 << 20)),
    HostileInput("named-pipe-pkl", _fifo, words=("named pipe",)),
    HostileInput("dev-zero-pkl", _dev_zero, words=("device",)),
    HostileInput("non-utf8-file-name", _non_utf8_name, named=False, must_fail="model_code_execution"),
    HostileInput("empty-pkl", raw("model.pkl", b""), named=False),
    # notebooks and manifests
    HostileInput("notebook-not-json", raw("nb.ipynb", "this is not json {" * 10)),
    HostileInput("notebook-deep-json", raw("nb.ipynb", "[" * 100_000 + "]" * 100_000)),
    HostileInput("notebook-cells-not-a-list", raw("nb.ipynb", json.dumps({"cells": "x", "nbformat": 4}))),
    HostileInput("notebook-with-secret", raw("nb.ipynb", _notebook(['token = "ghp_' + "x1Y2z3" * 7 + '"\n'])), named=False,
                 must_fail="notebook_secret"),
    HostileInput("environment-billion-laughs", raw("environment.yml", _laughs())),
    HostileInput("requirements-garbage", raw("requirements.txt", "\x00\xff" * 100 + "\n--index-url http://[::1\n"), named=False),
    HostileInput("poetry-lock-bad-toml", raw("poetry.lock", "[[package]\nname = \n")),
    HostileInput("pipfile-lock-not-json", raw("Pipfile.lock", "{\"default\": ")),
    # npm's lock file is not a manifest the scanner reads (its packages are not PyPI's): passed over
    HostileInput("package-lock-not-json", raw("package-lock.json", "{\"packages\": "), named=False),
]
