"""What the ML-BOM says about a lineage manifest's files: each file's hash as recorded in the
manifest and as it is on disk now, and whether they agree.

A BOM that repeated only the recorded hashes would vouch for data that has since changed; the
BOM records both, side by side, with the verdict, so a reader sees the tampering.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from auditor.lineage import LineageError, file_digest, is_manifest

FileState = Literal["match", "mismatch", "missing", "unreadable"]


@dataclass(frozen=True)
class LineageFile:
    role: Literal["model", "data"]
    label: str  # as the manifest names it: "<data root>/<path>" or the model path
    rel_path: str  # relative to the scan root, so a model file matches its model component
    hash_algorithm: str
    recorded: str
    current: str | None  # None when the file is missing or unreadable
    state: FileState


@dataclass
class ManifestFiles:
    manifest: str  # path of the manifest, relative to the scan root
    model: LineageFile | None = None
    data: list[LineageFile] = field(default_factory=list)
    error: str | None = None


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(os.path.relpath(os.path.normpath(path.absolute()), root.absolute())).as_posix()
    except ValueError:
        return path.as_posix()


def _file(role: Literal["model", "data"], label: str, path: Path, root: Path, algorithm: str, recorded: str) -> LineageFile:
    current: str | None = None
    state: FileState
    if not path.is_file():
        state = "missing"
    else:
        try:
            current = file_digest(path, algorithm)
            state = "match" if current == recorded else "mismatch"
        except (OSError, LineageError):
            state = "unreadable"
    return LineageFile(role, label, _rel(path, root), algorithm, recorded, current, state)


def manifest_files(root: Path, manifest: str) -> ManifestFiles:
    """Hash, now, every file a manifest (``manifest`` relative to ``root``) lists."""
    out = ManifestFiles(manifest=manifest)
    path = root / manifest
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        out.error = f"{manifest}: not a readable manifest ({exc})"
        return out
    if not is_manifest(data):
        out.error = f"{manifest}: not a lineage manifest"
        return out
    base = path.parent
    algorithm = str(data.get("hash_algorithm", "sha256"))
    try:
        model = data.get("model") or {}
        if model.get("path"):
            out.model = _file("model", str(model["path"]), base / str(model["path"]), root, algorithm,
                              str(model.get("sha256", "")))
        section = data.get("data") or {}
        data_root = str(section.get("root", "."))
        for item in section.get("files") or []:
            label = f"{data_root}/{item['path']}"
            out.data.append(_file("data", label, base / data_root / str(item["path"]), root, algorithm,
                                  str(item.get("sha256", ""))))
    except (AttributeError, KeyError, TypeError) as exc:
        out.error = f"{manifest}: malformed manifest ({type(exc).__name__}: {exc})"
    return out
