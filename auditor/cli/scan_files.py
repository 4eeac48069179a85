"""``auditor scan files``: model files, notebooks, dependency manifests and lineage manifests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options
from auditor.collectors.base import Collector
from auditor.config import ConfigError

CONFIG_KEYS = {"paths", "root", "advisories", "max_file_size", "no_hash", "trusted_keys", "workers"}


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
    workers: int = 4,
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
    ``trusted_keys``, ``workers``."""
    unknown = set(section) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"sources.files: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CONFIG_KEYS))}")
    return build_collectors(
        _as_list(section.get("paths")), root=section.get("root"), advisories=_as_list(section.get("advisories")),
        max_file_size=section.get("max_file_size"), no_hash=bool(section.get("no_hash")),
        trusted_keys=_as_list(section.get("trusted_keys")), workers=int(section.get("workers", 4)),
    )


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("files")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option("--advisories", "advisories", multiple=True, type=click.Path(exists=True, path_type=Path),
                  help="An OSV export (file or folder) merged with the bundled advisory data. Repeatable.")
    @click.option("--max-file-size", help="Do not scan model files larger than this (e.g. 2G); they are reported as not scanned.")
    @click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Paths in results are relative to this folder (default: the common parent).")
    @click.option("--no-hash", is_flag=True, help="Skip the SHA-256 of model files (faster on large checkpoints).")
    @click.option("--trusted-key", "trusted_keys", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Ed25519 public key (PEM) accepted for lineage manifests. Repeatable.")
    @common_scan_options
    def scan_files(paths: tuple[Path, ...], advisories: tuple[Path, ...], max_file_size: str | None, root: Path | None,
                   no_hash: bool, trusted_keys: tuple[Path, ...], **common: Any) -> None:
        """Scan model files, notebooks, dependency manifests and lineage manifests under PATHS.

        Formats are recognised by their first bytes, not by file names. Nothing is loaded or
        executed. A file that could not be scanned makes the scan incomplete (exit 3 unless
        --allow-partial); it is never reported as clean.
        """
        from auditor.pipeline import run_scan

        options = scan_options(common)
        collectors = build_collectors(
            [str(p) for p in paths], root=str(root) if root else None, advisories=[str(a) for a in advisories],
            max_file_size=max_file_size, no_hash=no_hash, trusted_keys=[str(k) for k in trusted_keys],
        )
        sys.exit(run_scan(collectors, options, sources=["files"]))
