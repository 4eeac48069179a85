"""``auditor scan files``: model files, notebooks, dependency manifests and lineage manifests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from auditor.cli.common import common_scan_options, scan_options
from auditor.cli.source_flags import collectors_from_flags


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
    def scan_files(**flags: Any) -> None:
        """Scan model files, notebooks, dependency manifests and lineage manifests under PATHS.

        Formats are recognised by their first bytes, not by file names. Nothing is loaded or
        executed. A file that could not be scanned makes the scan incomplete (exit 3 unless
        --allow-partial); it is never reported as clean.
        """
        from auditor.pipeline import run_scan

        options = scan_options(flags)  # pops the common options: the rest are sources.files keys
        collectors = collectors_from_flags("files", flags)
        sys.exit(run_scan(collectors, options, sources=["files"]))
