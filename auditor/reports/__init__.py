"""Reports are views over one immutable ScanResult; one module per format.

Each format module exposes ``EXTENSION`` and ``render(result) -> str``. They are imported only
when asked for, so a JSON-only CI run never loads Jinja2.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from auditor.result import ScanResult

FORMATS: dict[str, str] = {
    "json": "auditor.reports.json_report",
    "html": "auditor.reports.html",
    "sarif": "auditor.reports.sarif",
    "junit": "auditor.reports.junit",
    "csv": "auditor.reports.csv_report",
    "md": "auditor.reports.markdown",
}


# The file endings each format writes or accepts for ``--output`` (known without importing the
# renderers, so outputs are checked before a scan starts).
OUTPUT_SUFFIXES: dict[str, tuple[str, ...]] = {
    "json": (".json",),
    "html": (".html", ".htm"),
    "sarif": (".sarif", ".sarif.json"),
    "junit": (".junit.xml", ".xml"),
    "csv": (".csv",),
    "md": (".md", ".markdown"),
}


class ReportError(Exception):
    pass


def format_for_path(path: Path) -> str | None:
    """The format an output file name asks for (the longest matching ending wins)."""
    name = path.name.lower()
    best: tuple[int, str] | None = None
    for fmt, suffixes in OUTPUT_SUFFIXES.items():
        for suffix in suffixes:
            if name.endswith(suffix) and (best is None or len(suffix) > best[0]):
                best = (len(suffix), fmt)
    return best[1] if best else None


def parse_formats(values: Sequence[str]) -> list[str]:
    """Accept repetition and commas: ``--format json,html --format sarif``."""
    formats: list[str] = []
    for value in values:
        for item in value.split(","):
            name = item.strip().lower()
            if not name:
                continue
            if name == "markdown":
                name = "md"
            if name not in FORMATS:
                raise ReportError(f"unknown format {name!r}; choose from {', '.join(FORMATS)}")
            if name not in formats:
                formats.append(name)
    return formats


def reporter(fmt: str) -> ModuleType:
    return importlib.import_module(FORMATS[fmt])


def render(result: ScanResult, fmt: str) -> str:
    module = reporter(fmt)
    text: str = module.render(result)
    return text


def write_one(result: ScanResult, fmt: str, path: Path) -> None:
    """One report file. The JSON result is the streamed result file itself (linked or copied,
    never rebuilt in memory)."""
    if fmt == "json":
        from auditor.evaluation import keep_as

        keep_as(result, path)
        return
    path.write_text(render(result, fmt), encoding="utf-8")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "scan"


def write_reports(
    result: ScanResult,
    formats: Sequence[str],
    *,
    output_dir: Path | None = None,
    output: Path | None = None,
    force: bool = False,
) -> list[Path]:
    """Write each format. ``--output-dir`` gets ``auditor-<scope>-<UTC time, ms>.<ext>`` files and
    never overwrites an earlier scan's; ``--output`` is one exact path (refused if it exists,
    unless ``force``)."""
    written: list[Path] = []
    if output is not None:
        if len(formats) != 1:
            raise ReportError("--output takes exactly one --format; use --output-dir for several")
        if output.exists() and not force:
            raise ReportError(f"{output} exists; pass --force to overwrite it or choose another path")
        output.parent.mkdir(parents=True, exist_ok=True)
        write_one(result, formats[0], output)
        return [output]
    directory = output_dir or Path("auditor-output")
    directory.mkdir(parents=True, exist_ok=True)
    started = (result.scan.started or datetime.now(UTC)).astimezone(UTC)
    # Milliseconds keep two scans in the same second apart and in chronological name order.
    stamp = started.strftime("%Y%m%dT%H%M%S") + f"{started.microsecond // 1000:03d}Z"
    base = f"auditor-{_safe(result.scan.scope)}-{stamp}"
    for fmt in formats:
        ext = reporter(fmt).EXTENSION
        path = directory / f"{base}{ext}"
        n = 1
        while path.exists():
            path = directory / f"{base}-{n}{ext}"
            n += 1
        write_one(result, fmt, path)
        written.append(path)
    return written
