"""collect → evaluate → map → render, shared by every ``auditor scan`` source and ``evaluate``.

Exit codes, first match wins: 2 usage or config error (raised as ConfigError before we get
here); 3 the scan was incomplete unless ``allow_partial`` (always when it collected nothing); 1 an
unsuppressed failure at or above ``fail_on`` (with ``--baseline`` or ``fail_on_new``, only one
absent from the baseline or the previous stored scan of the scope that read something); 0 otherwise. Unknown and
error results never give 1. An unexpected exception exits 4 (see ``auditor.cli.main.run``).
"""

from __future__ import annotations

import getpass
import socket
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.collectors.base import CollectionError, Collector
from auditor.config import AuditorConfig, ConfigError
from auditor.engine import collect
from auditor.findings import Finding, Severity
from auditor.registry import Registry, RegistryError
from auditor.resources import Resource
from auditor.result import (
    ScanResult,
)

if TYPE_CHECKING:
    from auditor.store import Store

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


@dataclass
class ScanOptions:
    formats: list[str] = field(default_factory=lambda: ["html", "json"])
    output_dir: Path | None = None
    output: Path | None = None
    force: bool = False
    fail_on: Severity | None = Severity.HIGH
    fail_on_new: bool = False
    allow_partial: bool = False
    include_checks: list[str] = field(default_factory=list)
    exclude_checks: list[str] = field(default_factory=list)
    checks_dirs: list[str] = field(default_factory=list)
    frameworks: list[str] | None = None
    save_inventory: Path | None = None
    baseline: Path | None = None
    store: str | None = None
    no_store: bool = True
    notify: list[str] = field(default_factory=list)
    quiet: bool = False
    command: str = ""
    config: AuditorConfig = field(default_factory=AuditorConfig)


def build_registry(options: ScanOptions) -> Registry:
    cfg = options.config.checks
    try:
        registry = Registry.default([*cfg.dirs, *options.checks_dirs])
        check_config_ids(options.config, registry)
        return registry.select([*cfg.include, *options.include_checks], [*cfg.exclude, *options.exclude_checks])
    except RegistryError as exc:
        raise ConfigError(str(exc)) from exc


def check_config_ids(config: AuditorConfig, registry: Registry) -> None:
    """Suppressions and severity overrides must name checks that exist: a typo would otherwise
    suppress or re-rate nothing, silently."""
    import difflib

    known = registry.ids()

    def problem(where: str, check_id: str) -> str | None:
        if check_id.endswith("*"):
            if any(k.startswith(check_id[:-1]) for k in known):
                return None
        elif check_id in known:
            return None
        close = difflib.get_close_matches(check_id.rstrip("*"), known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else " (see auditor checks list)"
        return f"{where}: unknown check id {check_id!r}{hint}"

    problems = [problem(f"suppressions[{i}].check", rule.check) for i, rule in enumerate(config.suppressions)]
    problems += [problem(f"checks.severity.{check_id}", check_id) for check_id in config.checks.severity]
    found = [p for p in problems if p]
    if found:
        raise ConfigError("config names checks that do not exist:\n  " + "\n  ".join(found))


def _ran_by() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:
        return socket.gethostname()


def evaluate_resources(
    resources: Iterable[Resource],
    errors: Sequence[CollectionError],
    api_calls: dict[str, int],
    *,
    sources: Sequence[str],
    scope: str,
    options: ScanOptions,
    started: datetime,
    registry: Registry | None = None,
) -> ScanResult:
    """Judge ``resources`` (a list, or a re-iterable stream) into a streamed result (see
    ``auditor.evaluation``): findings go to the result file as they are made."""
    from auditor.evaluation import evaluate_stream

    return evaluate_stream(
        resources, errors, api_calls, sources=sources, scope=scope, options=options, started=started, registry=registry
    )


def _advisories_if_needed(registry: Registry) -> object | None:
    """Load the advisory data only when a check that needs it will run."""
    if not any(spec.id in ("service_vulnerable_version", "dependency_vulnerable") for spec in registry):
        return None
    from auditor.advisories import AdvisoryDB

    return AdvisoryDB.load_default()


def collected_nothing(result: ScanResult) -> bool:
    """No resource at all, and collection errors that say why."""
    return result.summary()["resources"] == 0 and any(e.source != "config" for e in result.collection_errors)


NewAmong = Callable[[list[str]], set[str]]


def new_failures(result: ScanResult, options: ScanOptions, store: Store | None = None) -> NewAmong | None:
    """Which of a batch of failing fingerprints count as new, or None when every failure counts:
    the ``--baseline`` file, else (with ``fail_on_new``) the previous stored scan of the same scope
    that read something. When the result lists only the first new failures (a large night), the
    store answers, a batch at a time (``store``: the one the history came from, else opened)."""
    if result.changes is not None:
        return _among(set(result.changes.new))
    if options.fail_on_new and result.history is not None:
        history = result.history
        if history.previous_scan_id is None:
            return None  # no previous scan: every failure is new
        if history.lists_every_new:
            return _among(set(history.new))
        if store is None:
            from auditor.store import open_store, resolve_store_url

            store = open_store(resolve_store_url(options.store, options.config.store))
        asked, previous = store, history.previous_scan_id
        return lambda fingerprints: set(fingerprints) - asked.failing_among(previous, fingerprints)
    return None


def _among(new: set[str]) -> NewAmong:
    return lambda fingerprints: {fp for fp in fingerprints if fp in new}


def iter_gating(result: ScanResult, options: ScanOptions, tally: dict[str, int] | None = None,
                store: Store | None = None) -> Iterator[Finding]:
    """The unsuppressed failures at or above ``fail_on`` that make the exit code 1, as a stream
    (asked about in batches when only new ones count); ``tally["not_new"]`` counts those at that
    level that are not new (already failing in the baseline)."""
    if options.fail_on is None:
        return
    rank = options.fail_on.rank
    new_among = new_failures(result, options, store)
    batch: list[Finding] = []

    def judged() -> Iterator[Finding]:
        assert new_among is not None
        new = new_among([f.fingerprint for f in batch])
        for finding in batch:
            if finding.fingerprint in new:
                yield finding
            elif tally is not None:
                tally["not_new"] = tally.get("not_new", 0) + 1
        batch.clear()

    for finding in result.findings:
        if not finding.active_failure or finding.severity.rank < rank:
            continue
        if new_among is None:
            yield finding
            continue
        batch.append(finding)
        if len(batch) >= 500:
            yield from judged()
    if batch:
        yield from judged()


def exit_code(result: ScanResult, options: ScanOptions, store: Store | None = None) -> int:
    if collected_nothing(result):
        return EXIT_INCOMPLETE  # nothing was judged: never a pass, even with --allow-partial
    if result.scan.incomplete and not options.allow_partial:
        return EXIT_INCOMPLETE
    return EXIT_FAILURES if next(iter_gating(result, options, store=store), None) is not None else EXIT_OK


def run_scan(collectors: Sequence[Collector], options: ScanOptions, *, sources: Sequence[str]) -> int:
    """Collect, evaluate, write reports, print the summary; returns the exit code."""
    from auditor.console import Progress
    from auditor.preflight import preflight

    registry = build_registry(options)  # usage errors (unknown check ids) before any API call
    preflight(options)  # outputs and the store too
    started = datetime.now(UTC)
    with Progress(quiet=options.quiet) as progress:
        sink = collect(collectors, progress=progress)
    scope = "+".join(c.scope() for c in collectors) or "+".join(sources)
    if options.save_inventory is not None:
        save_inventory(
            options.save_inventory, sink.resources, sink.errors, dict(sink.api_calls),
            sources, scope, started, options.force,
        )
    result = evaluate_resources(
        sink.resources,
        sink.errors,
        dict(sink.api_calls),
        sources=sources,
        scope=scope,
        options=options,
        started=started,
        registry=registry,
    )
    return finish(result, options)


def finish(result: ScanResult, options: ScanOptions) -> int:
    """Write the reports, print the summary, and return the exit code."""
    from auditor.console import print_collection_errors, print_summary
    from auditor.nightly import attach_history, record_and_notify
    from auditor.reports import ReportError, write_reports

    result, store = attach_history(result, options)  # before rendering: the report shows it
    try:
        paths = write_reports(
            result, options.formats, output_dir=options.output_dir, output=options.output, force=options.force
        )
    except ReportError as exc:
        raise ConfigError(str(exc)) from exc
    print_summary(result)  # --quiet keeps the summary and drops the rest
    if not options.quiet:
        report_failures(result, options, store)
    print_collection_errors(result.collection_errors)
    if collected_nothing(result):
        print(
            "error: the scan collected nothing, so nothing was judged; the collection errors above say why (exit 3).",
            file=sys.stderr,
        )
    if not options.quiet:
        for path in paths:
            print(f"wrote {path}", file=sys.stderr)
    code = exit_code(result, options, store)  # before the store is closed: --fail-on-new may ask it
    record_and_notify(result, store, options)
    from auditor.evaluation import discard

    discard(result.source)  # the scratch result file (any --format json copy is kept)
    return code


def report_failures(result: ScanResult, options: ScanOptions, store: Store | None = None) -> None:
    from auditor.console import print_failures, worst_failures

    if options.fail_on is None:
        return
    if options.fail_on_new and result.changes is None and result.history is None:
        print("note: --fail-on-new has no stored scan or --baseline to compare with; every failure counts as new",
              file=sys.stderr)
    tally = {"not_new": 0}
    shown, total = worst_failures(iter_gating(result, options, tally, store))  # a bounded fold
    print_failures(shown, options.fail_on.value, total=total, not_new=tally["not_new"])


def save_inventory(
    path: Path,
    resources: Iterable[Resource],
    errors: Sequence[CollectionError],
    api_calls: dict[str, int],
    sources: Sequence[str],
    scope: str,
    collected: datetime,
    force: bool,
) -> None:
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; pass --force to overwrite it")
    from auditor.evaluation import write_inventory

    write_inventory(path, resources, errors, api_calls, sources=sources, scope=scope, collected=collected)
