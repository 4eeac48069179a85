"""Model files, notebooks and manifests from their configuration (``scan files`` or ``sources.files``).

Core code: the CLI command, the estate scan, the worker and the shard all build this source's
collectors here (``auditor.targets``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.collectors.base import Collector
from auditor.config import ConfigError

CONFIG_KEYS = {"paths", "root", "advisories", "max_file_size", "no_hash", "trusted_keys", "workers",
               "max_archive_depth", "max_archive_members", "max_compression_ratio"}
# Archive limits: config key -> (command-line flag, field of collectors.files.models.Limits).
ARCHIVE_LIMITS = {
    "max_archive_depth": ("--max-archive-depth", "max_depth"),
    "max_archive_members": ("--max-archive-members", "max_members"),
    "max_compression_ratio": ("--max-compression-ratio", "max_ratio"),
}


def _limits(values: dict[str, Any]) -> Any:
    from auditor.collectors.files.models import Limits

    limits = Limits()
    for key, (flag, field) in ARCHIVE_LIMITS.items():
        value = values.get(key)
        if value is None:
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number < 1 or isinstance(value, bool):
            raise ConfigError(f"{flag}: expected a whole number of at least 1, got {value!r}")
        setattr(limits, field, number)
    return limits


def _size(text: str | int | None) -> int | None:
    if text is None or isinstance(text, int):
        return text
    value = text.strip().upper()
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    try:
        if value[-1:] in units:
            return int(float(value[:-1]) * units[value[-1]])
        return int(value)
    except ValueError:
        raise ConfigError(f"--max-file-size: expected a size such as 500M or 2G, got {text!r}") from None


def build_collectors(
    paths: list[str], *, root: str | None = None, advisories: list[str] | None = None,
    max_file_size: str | int | None = None, no_hash: bool = False, trusted_keys: list[str] | None = None,
    workers: int = 4, archive_limits: dict[str, Any] | None = None,
) -> list[Collector]:
    if not paths:
        raise ConfigError("scan files: give at least one PATH")
    missing = [p for p in paths if not Path(p).exists()]
    if missing:  # a typo is a usage error (exit 2), as in every source, never an incomplete scan
        raise ConfigError(f"scan files: no such file or folder: {', '.join(missing)}")
    from auditor.collectors.files import FilesCollector

    return [
        FilesCollector(
            paths, root=root, advisories_dirs=advisories or (), max_file_size=_size(max_file_size),
            hash_models=not no_hash, trusted_keys=trusted_keys or (), workers=workers,
            limits=_limits(archive_limits or {}),
        )
    ]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def collectors_from_config(section: dict[str, Any]) -> list[Collector]:
    """``sources.files`` of auditor.yaml: ``paths``, ``root``, ``advisories``, ``max_file_size``, ``no_hash``,
    ``trusted_keys``, ``workers``, ``max_archive_depth``, ``max_archive_members``, ``max_compression_ratio``."""
    unknown = set(section) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"sources.files: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CONFIG_KEYS))}")
    return build_collectors(
        _as_list(section.get("paths")), root=section.get("root"), advisories=_as_list(section.get("advisories")),
        max_file_size=section.get("max_file_size"), no_hash=bool(section.get("no_hash")),
        trusted_keys=_as_list(section.get("trusted_keys")), workers=int(section.get("workers", 4)),
        archive_limits={key: section.get(key) for key in ARCHIVE_LIMITS},
    )
