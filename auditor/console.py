"""Terminal output: a progress bar on a terminal, plain lines in CI, a summary table, the
failing findings that decide the exit code, and the cause of every collection error."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from auditor.result import ScanResult

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
FAILURES_SHOWN = 20  # failing findings listed after the summary; the rest are counted


def console_for(stream: TextIO | None = None) -> Console:
    """A rich Console that never cuts a table when the output is a file or a pipe (a CI log,
    ``| grep``): rich assumes 80 columns there, so give it room instead."""
    stream = stream or sys.stdout
    interactive = stream.isatty()
    return Console(file=stream, soft_wrap=True, width=None if interactive else 100_000)


class Progress:
    """On a terminal a rich progress bar over the scan's targets (accounts, projects, roots);
    otherwise one plain, timestamped line per event and per finished target."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.interactive = self.stream.isatty()
        self.start = time.monotonic()
        self._console = Console(file=self.stream, stderr=True)
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.interactive and not self.quiet:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=self._console, transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("starting scan…", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, description=escape(message))
        else:
            self._line(message)

    def targets(self, total: int) -> None:
        """How many targets (collectors) the scan runs: the bar's length."""
        if self._bar is not None:
            self._bar.update(self._task, total=total, completed=0)

    def target_finished(self, label: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)
        else:
            self._line(f"{label}: collected ({done}/{total})")

    def _line(self, message: str) -> None:
        elapsed = time.monotonic() - self.start
        print(f"[{elapsed:7.1f}s] {message}", file=self.stream, flush=True)

    @property
    def callback(self) -> Callable[[str], None]:
        return self


def print_summary(result: ScanResult, console: Console | None = None) -> None:
    console = console or console_for(sys.stdout)
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
        graded = "n/a" if fw.graded_score is None else f"{fw.graded_score:.0%}"
        coverage = "n/a" if fw.coverage is None else f"{fw.coverage:.0%}"
        console.print(f"{fw.name}: score {score}, graded {graded} (coverage {coverage})")
    if result.scan.incomplete:
        console.print("[yellow]The scan was incomplete: some sources could not be read (the causes follow on stderr).[/]")


def _where(finding: Any) -> str:
    if finding.path:
        return f"{finding.path}:{finding.line}" if finding.line else str(finding.path)
    place = "/".join(p for p in (finding.account, finding.region) if p)
    return f"{finding.provider} {place}".strip() if place else str(finding.provider)


def worst_failures(failures: Iterable[Any], limit: int = FAILURES_SHOWN) -> tuple[list[Any], int]:
    """The ``limit`` worst failures (most severe first) and how many there were: a bounded fold,
    so a scan with millions of failures holds only the few it lists."""
    from auditor.bounded import smallest

    return smallest(failures, limit, lambda f: (-f.severity.rank, f.check_id, f.resource_id, f.fingerprint))


def print_failures(
    failures: Iterable[Any], fail_on: str, *, console: Console | None = None, limit: int = FAILURES_SHOWN,
    not_new: int = 0, total: int | None = None,
) -> None:
    """The failing findings that decide the exit code, worst first, one compact line each,
    capped with a count of the rest. ``failures`` is folded here, or, with ``total``, is already
    the worst few of ``total`` (see ``worst_failures``)."""
    console = console or console_for(sys.stdout)
    if total is None:
        shown, total = worst_failures(failures, limit)
    else:
        shown = sorted(failures, key=lambda f: (-f.severity.rank, f.check_id, f.resource_id, f.fingerprint))
    if not total:
        if not_new:
            console.print(f"No new failure at or above {fail_on} ({not_new} already failing in the previous scan).",
                          highlight=False)
        return
    label = "new failing" if not_new else "failing"
    console.print(f"{total} {label} finding(s) at or above {fail_on}:", highlight=False)
    for f in shown[:limit]:
        style = SEVERITY_STYLE.get(f.severity.value, "")
        console.print(
            f"  [{style}]{f.severity.value:<8}[/] {escape(f.check_id)}  {escape(f.resource_name or f.resource_id)}"
            f"  ({escape(_where(f))})",
            highlight=False,
        )
    if total > min(limit, len(shown)):
        console.print(f"  … and {total - min(limit, len(shown))} more (see the reports)", highlight=False)
    if not_new:
        console.print(f"  ({not_new} more already failing in the previous scan; not new)", highlight=False)


def print_collection_errors(errors: Iterable[Any], stream: TextIO | None = None) -> None:
    """The cause of every collection error on stderr, grouped by source, each with its
    account/region/file: the reason a scan is incomplete must be in the log, not only in the JSON."""
    stream = stream or sys.stderr
    groups: dict[str, list[Any]] = {}
    for error in errors:
        groups.setdefault(error.source, []).append(error)
    if not groups:
        return
    total = sum(len(v) for v in groups.values())
    print(f"{total} collection error(s): what could not be read", file=stream)
    for source, items in sorted(groups.items()):
        print(f"  {source}:", file=stream)
        for e in items:
            where = [p for p in (e.account, e.region) if p]
            if e.path:
                where.append(f"{e.path}:{e.line}" if e.line else e.path)
            if e.resource and e.resource not in where:
                where.append(e.resource)
            if e.operation:
                where.append(e.operation)
            prefix = f"[{' '.join(where)}] " if where else ""
            mark = " (source incomplete)" if e.incomplete else ""
            print(f"    - {prefix}{e.message}{mark}", file=stream)
