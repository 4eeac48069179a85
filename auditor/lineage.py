"""Signed lineage manifests: which data files (by SHA-256) a model file was built from.

The manifest names its algorithms (``hash_algorithm``, ``signature_algorithm``) so they can be
replaced later (a post-quantum signature scheme is the expected next step) without changing the
format. The signature covers the canonical JSON of every other field.

```json
{"format": "auditor-lineage/1", "hash_algorithm": "sha256", "signature_algorithm": "ed25519",
 "created": "...", "model": {"path": "model.pt", "sha256": "..."},
 "data": {"root": "data", "files": [{"path": "train.csv", "sha256": "..."}]},
 "public_key": "<base64 raw key>", "signature": "<base64>"}
```

Paths are relative to the manifest's folder, so a manifest moves with its files.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = "auditor-lineage/1"
HASH_ALGORITHMS = {"sha256": hashlib.sha256}
SIGNATURE_ALGORITHMS = ("ed25519",)


class LineageError(Exception):
    pass


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        from auditor.config import ConfigError

        raise ConfigError("the files extra is not installed: pip install 'ml-posture-auditor[files]'") from None
    return ed25519


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    if algorithm not in HASH_ALGORITHMS:
        raise LineageError(f"unknown hash algorithm {algorithm!r}")
    h = HASH_ALGORITHMS[algorithm]()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def canonical(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def keygen(private_path: Path, public_path: Path | None = None, *, force: bool = False) -> Path:
    """Write a new Ed25519 private key (PEM, mode 0600) and its public key; returns the public path."""
    from cryptography.hazmat.primitives import serialization

    ed25519 = _crypto()
    public_path = public_path or private_path.with_suffix(private_path.suffix + ".pub")
    for p in (private_path, public_path):
        if p.exists() and not force:
            raise LineageError(f"{p} exists (use --force to overwrite)")
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return public_path


def _load_private(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization

    ed25519 = _crypto()
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise LineageError(f"{path}: not a readable unencrypted PEM private key ({exc})") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise LineageError(f"{path}: not an Ed25519 key")
    return key


def record(data_dir: Path, model: Path, key_path: Path, output: Path) -> dict[str, Any]:
    """Hash every file under ``data_dir`` and the model, sign, and write the manifest to ``output``."""
    from cryptography.hazmat.primitives import serialization

    if not data_dir.is_dir():
        raise LineageError(f"{data_dir}: not a directory")
    if not model.is_file():
        raise LineageError(f"{model}: not a file")
    key = _load_private(key_path)
    base = output.resolve().parent
    files = sorted(p for p in data_dir.rglob("*") if p.is_file() and not p.is_symlink())
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "hash_algorithm": "sha256",
        "signature_algorithm": "ed25519",
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model": {"path": os.path.relpath(model.resolve(), base), "sha256": file_digest(model)},
        "data": {
            "root": os.path.relpath(data_dir.resolve(), base),
            "files": [{"path": p.relative_to(data_dir).as_posix(), "sha256": file_digest(p)} for p in files],
        },
        "public_key": base64.b64encode(
            key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        ).decode(),
    }
    manifest["signature"] = base64.b64encode(key.sign(canonical(manifest))).decode()
    output.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def is_manifest(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("format", "")).startswith("auditor-lineage/")


@dataclass
class Verification:
    signed: bool
    signature_valid: bool | None
    signature_detail: str
    model_path: str | None = None
    hash_mismatches: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    covered: list[Path] = field(default_factory=list)  # resolved paths of the model and data files


def public_key_fingerprint(raw_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(raw_b64)).hexdigest()[:16]


def verify(manifest_path: Path, manifest: dict[str, Any] | None = None, *, trusted_keys: set[str] | None = None) -> Verification:
    """Check the signature and every hash. ``trusted_keys``: accepted public-key fingerprints."""
    if manifest is None:
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError) as exc:
            raise LineageError(f"{manifest_path}: not a readable manifest ({exc})") from None
    if not is_manifest(manifest):
        raise LineageError(f"{manifest_path}: not a lineage manifest")
    assert manifest is not None
    base = manifest_path.resolve().parent
    algorithm = manifest.get("hash_algorithm", "sha256")
    sig_alg = manifest.get("signature_algorithm")
    signature, public = manifest.get("signature"), manifest.get("public_key")
    result = Verification(signed=bool(signature), signature_valid=None, signature_detail="")
    if not signature or not public:
        result.signature_valid = False
        result.signature_detail = "the manifest carries no signature"
    elif sig_alg not in SIGNATURE_ALGORITHMS:
        result.signature_detail = f"signature algorithm {sig_alg!r} is not supported by this version"
    else:
        ed25519 = _crypto()
        from cryptography.exceptions import InvalidSignature

        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(public))
            key.verify(base64.b64decode(signature), canonical(manifest))
            fingerprint = public_key_fingerprint(public)
            if trusted_keys is not None and fingerprint not in trusted_keys:
                result.signature_valid = False
                result.signature_detail = f"signed by key {fingerprint}, which is not a trusted key"
            else:
                result.signature_valid = True
                result.signature_detail = f"valid {sig_alg} signature by key {fingerprint}" + (
                    "" if trusted_keys is not None else " (no trusted keys configured: integrity only)"
                )
        except (InvalidSignature, ValueError, TypeError):
            result.signature_valid = False
            result.signature_detail = "the signature does not verify: the manifest was changed after signing"
    entries: list[tuple[str, Path, str]] = []
    model = manifest.get("model") or {}
    if model.get("path"):
        result.model_path = model["path"]
        entries.append((model["path"], base / model["path"], str(model.get("sha256", ""))))
    data = manifest.get("data") or {}
    root = base / str(data.get("root", "."))
    for item in data.get("files") or []:
        entries.append((f"{data.get('root', '.')}/{item['path']}", root / item["path"], str(item.get("sha256", ""))))
    for label, path, expected in entries:
        if not path.is_file():
            result.missing_files.append(label)
            continue
        result.covered.append(path.resolve())
        try:
            if file_digest(path, algorithm) != expected:
                result.hash_mismatches.append(label)
        except (OSError, LineageError):
            result.missing_files.append(label)
    return result
