"""Terminal output: a progress display on a terminal, plain lines in CI, a summary table."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from auditor.result import ScanResult

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


class Progress:
    """On a terminal a live status line; otherwise one plain, timestamped line per event."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.interactive = self.stream.isatty()
        self.start = time.monotonic()
        self._console = Console(file=self.stream, stderr=True)
        self._status: Any = None

    def __enter__(self) -> Progress:
        if self.interactive and not self.quiet:
            self._status = self._console.status("starting scan…")
            self._status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.__exit__(None, None, None)
            self._status = None

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        if self._status is not None:
            self._status.update(message)
        else:
            elapsed = time.monotonic() - self.start
            print(f"[{elapsed:7.1f}s] {message}", file=self.stream, flush=True)

    @property
    def callback(self) -> Callable[[str], None]:
        return self


def print_summary(result: ScanResult, console: Console | None = None) -> None:
    console = console or Console(file=sys.stdout, soft_wrap=True)
    summary = result.summary()
    table = Table(title=f"auditor {result.tool.version} · {result.scan.scope}", show_lines=False)
    table.add_column("severity")
    table.add_column("failing", justify="right")
    for severity, count in summary["failures_by_severity"].items():
        table.add_row(f"[{SEVERITY_STYLE.get(severity, '')}]{severity}[/]", str(count))
    console.print(table)
    status = summary["by_status"]
    console.print(
        f"{summary['resources']} resources, {summary['findings']} results: "
        f"{status['fail']} fail, {status['pass']} pass, {status['unknown']} unknown, {status['error']} error; "
        f"{summary['suppressed']} suppressed; {summary['collection_errors']} collection errors; "
        f"{result.scan.api_calls_total} API calls in {result.scan.duration_seconds:.1f}s"
    )
    for fw in result.frameworks:
        score = "n/a" if fw.score is None else f"{fw.score:.0%}"
        coverage = "n/a" if fw.coverage is None else f"{fw.coverage:.0%}"
        console.print(f"{fw.name}: score {score} (coverage {coverage})")
    if result.scan.incomplete:
        console.print("[yellow]The scan was incomplete: some sources could not be read (see collection errors).[/]")
