"""Fail before the work: outputs, formats and the store are checked before the first API call,
so a typo in ``--output`` never costs a whole scan. Every problem is a ConfigError (exit 2)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.config import ConfigError

if TYPE_CHECKING:
    from auditor.pipeline import ScanOptions


def preflight(options: ScanOptions) -> None:
    check_formats_and_output(options.formats, options.output)
    if options.output is not None:
        check_file_target(options.output, "--output", options.force)
    else:
        check_folder(options.output_dir or Path("auditor-output"), "--output-dir")
    if options.save_inventory is not None:
        check_file_target(options.save_inventory, "--save-inventory", options.force)
    check_store(options)


def check_formats_and_output(formats: list[str], output: Path | None) -> None:
    from auditor.reports import OUTPUT_SUFFIXES

    if output is None:
        return
    if len(formats) != 1:
        raise ConfigError(f"--output takes exactly one --format (got {', '.join(formats)}); use --output-dir for several")
    fmt = formats[0]
    if not output.name.lower().endswith(OUTPUT_SUFFIXES[fmt]):
        raise ConfigError(
            f"--output {output}: a {fmt} report is written to a file ending in {' or '.join(OUTPUT_SUFFIXES[fmt])}; "
            "change the name or the --format"
        )


def check_file_target(path: Path, option: str, force: bool) -> None:
    if path.is_dir():
        raise ConfigError(f"{option} {path} is a folder; give a file path")
    if path.exists() and not force:
        raise ConfigError(f"{option} {path} exists; pass --force to overwrite it or choose another path")
    check_folder(path.parent if str(path.parent) else Path("."), option, shown=path)


def check_folder(folder: Path, option: str, shown: Path | None = None) -> None:
    """The folder exists and takes a new file, or can be created under its nearest existing parent."""
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    label = f"{option} {shown or folder}"
    if not existing.is_dir():
        raise ConfigError(f"{label}: {existing} is not a folder, so nothing can be written there")
    try:
        with tempfile.TemporaryFile(dir=existing, prefix=".auditor-write-test-"):
            pass
    except OSError as exc:
        raise ConfigError(f"{label}: cannot write in {existing} ({exc.strerror or exc})") from exc


def check_store(options: ScanOptions) -> None:
    """Open the history store once: a bad URL, a damaged file or a newer schema stop the scan now."""
    from auditor.nightly import store_disabled

    if store_disabled(options):
        return
    from auditor.store import open_store, resolve_store_url

    open_store(resolve_store_url(options.store, options.config.store)).close()
