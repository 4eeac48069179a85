"""``auditor scan files``: model files, notebooks, dependency manifests and lineage manifests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options
from auditor.sources.files import (  # noqa: F401  (moved to the core; names kept for callers)
    CONFIG_KEYS,
    _as_list,
    _size,
    build_collectors,
    collectors_from_config,
)


def register(cli: click.Group, scan: click.Group) -> None:
    @scan.command("files")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option("--advisories", "advisories", multiple=True, type=click.Path(exists=True, path_type=Path),
                  help="An OSV export (file or folder) merged with the bundled advisory data. Repeatable.")
    @click.option("--max-file-size", help="Do not scan model files larger than this (e.g. 2G); they are reported as not scanned.")
    @click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Paths in results are relative to this folder (default: the common parent).")
    @click.option("--no-hash", is_flag=True, help="Skip the SHA-256 of model files (faster on large checkpoints).")
    @click.option("--max-archive-depth", help="Archives nested deeper than this are not read; the file is unknown (default 4).")
    @click.option("--max-archive-members", help="Only the first N members of a zip are read; the file is unknown (default 100000).")
    @click.option("--max-compression-ratio", help="A zip member or compressed file is read up to N times its compressed "
                  "size; past it the file is unknown (default 200).")
    @click.option("--trusted-key", "trusted_keys", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Ed25519 public key (PEM) accepted for lineage manifests. Repeatable.")
    @common_scan_options
    def scan_files(paths: tuple[Path, ...], advisories: tuple[Path, ...], max_file_size: str | None, root: Path | None,
                   no_hash: bool, trusted_keys: tuple[Path, ...], max_archive_depth: str | None,
                   max_archive_members: str | None, max_compression_ratio: str | None, **common: Any) -> None:
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
            archive_limits={"max_archive_depth": max_archive_depth, "max_archive_members": max_archive_members,
                            "max_compression_ratio": max_compression_ratio},
        )
        sys.exit(run_scan(collectors, options, sources=["files"]))
