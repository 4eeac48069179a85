"""The engine: runs collectors concurrently, then every applicable check over every resource.

It stamps what each check would otherwise repeat (resource identity, location, severity,
controls, fingerprint) and isolates every check call: an exception becomes an ``error`` finding
for that check and resource, never a crashed scan.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, date, datetime

from auditor.collectors.base import CollectionError, CollectionSink, Collector
from auditor.config import SuppressionRule
from auditor.findings import Finding, Result, Severity, Status, Suppression, fingerprint, from_valid_values
from auditor.registry import CheckContext, CheckSpec, Registry
from auditor.resources import Resource

ControlsLookup = Callable[[str], dict[str, list[str]]]


def collect(
    collectors: Sequence[Collector],
    *,
    progress: Callable[[str], None] | None = None,
    max_workers: int = 4,
) -> CollectionSink:
    """Run collectors side by side into one sink. A collector that raises is a recorded,
    scan-incomplete error for its source, never a crash. A progress display that counts
    targets (``targets`` / ``target_finished``) hears of each collector as it ends."""
    sink = CollectionSink(progress=progress)
    if not collectors:
        return sink
    set_total = getattr(progress, "targets", None)
    finished = getattr(progress, "target_finished", None)
    if callable(set_total):
        set_total(len(collectors))
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(collectors)))) as pool:
        futures = {pool.submit(c.collect, sink): c for c in collectors}
        for done, future in enumerate(as_completed(futures), start=1):
            collector = futures[future]
            if callable(finished):
                finished(_label(collector), done, len(collectors))
            exc = future.exception()
            if exc is not None:
                sink.error(
                    CollectionError(
                        source=collector.name,
                        message=f"collector failed: {type(exc).__name__}: {exc}",
                        incomplete=True,
                    )
                )
    return sink


def _label(collector: Collector) -> str:
    try:
        return collector.scope()
    except Exception:  # a scope that cannot be named yet (the collector failed early)
        return collector.name


class Engine:
    def __init__(
        self,
        registry: Registry,
        *,
        context: CheckContext | None = None,
        severity_overrides: dict[str, Severity] | None = None,
        suppressions: Sequence[SuppressionRule] = (),
        controls_for: ControlsLookup | None = None,
        today: date | None = None,
    ) -> None:
        self.registry = registry
        self.context = context or CheckContext()
        self.severity_overrides = dict(severity_overrides or {})
        self.today = today or datetime.now(UTC).date()
        self.active_rules = [r for r in suppressions if not r.expired(self.today)]
        self.expired_rules = [r for r in suppressions if r.expired(self.today)]
        self.controls_for = controls_for
        self._controls_cache: dict[str, dict[str, list[str]]] = {}
        self._check_parts: dict[str, tuple[str, str, str, dict[str, list[str]]]] = {}

    def evaluate(self, resources: Iterable[Resource]) -> list[Finding]:
        return list(self.iter_findings(resources))

    def iter_findings(self, resources: Iterable[Resource]) -> Iterator[Finding]:
        """Findings as they are produced, resource by resource: nothing is held."""
        context = self.context
        for resource in resources:
            about: _About | None = None
            for spec in self.registry.for_kind(resource.kind):
                if not spec.applies_to(resource):
                    continue
                if about is None:
                    about = _about(resource)
                try:
                    results = spec.run(resource, context)
                except Exception as exc:
                    results = [_raised(exc)]
                for result in results:
                    yield self._finding(spec, resource, result, about)

    # -- internals ------------------------------------------------------------------------
    def _controls(self, check_id: str) -> dict[str, list[str]]:
        if self.controls_for is None:
            return {}
        if check_id not in self._controls_cache:
            self._controls_cache[check_id] = self.controls_for(check_id)
        return self._controls_cache[check_id]

    def _suppression(self, spec: CheckSpec, resource: Resource, status: Status) -> Suppression | None:
        if status != Status.FAIL:
            return None
        for ignore in resource.ignores:
            if ignore.check == spec.id:
                return Suppression(check=spec.id, resource=resource.ref.id, reason=ignore.reason, source="inline")
        for rule in self.active_rules:
            if rule.matches(spec.id, resource.ref.id, resource.ref.name):
                return rule.as_suppression()
        return None

    def _severity(self, spec: CheckSpec, result: Result) -> Severity:
        """The user's override for the check wins; else the result's own weight (a critical CVE
        on a check rated high); else the check's severity."""
        if spec.id in self.severity_overrides:
            return self.severity_overrides[spec.id]
        return result.severity or spec.severity

    def _of_check(self, spec: CheckSpec) -> tuple[str, str, str, dict[str, list[str]]]:
        """What a finding takes from its check, the same for every finding of it."""
        part = self._check_parts.get(spec.id)
        if part is None:
            part = self._check_parts[spec.id] = (spec.id, spec.title, spec.remediation, self._controls(spec.id))
        return part

    def _finding(self, spec: CheckSpec, resource: Resource, result: Result, about: _About) -> Finding:
        # Values are valid by construction; shared per-check values (controls) stay shared. In the
        # order of Finding's fields: serialization follows it.
        check_id, title, remediation, controls = self._of_check(spec)
        return from_valid_values(Finding, {
            "check_id": check_id,
            "title": title,
            "severity": self._severity(spec, result),
            "status": result.status,
            "message": result.message,
            "key": result.key,
            "resource_id": about[0],
            "resource_kind": about[1],
            "resource_name": about[2],
            "provider": about[3],
            "cloud": about[4],
            "account": about[5],
            "region": about[6],
            "path": about[7],
            "line": about[8],
            "evidence": dict(result.evidence),
            "remediation": remediation,
            "controls": controls,
            "suppression": self._suppression(spec, resource, result.status),
            "fingerprint": fingerprint(check_id, about[0], result.key),
        })


def _raised(exc: Exception) -> Result:
    """An exception of a check, as an error result naming where it was raised."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    return Result(status=Status.ERROR, message=f"check raised {type(exc).__name__}: {exc}{where}")


_About = tuple[str, str, str, str, "str | None", "str | None", "str | None", "str | None", "int | None"]


def _about(resource: Resource) -> _About:
    """What a finding takes from its resource, the same for every finding of it."""
    ref = resource.ref
    return (ref.id, resource.kind, ref.name, str(ref.provider), str(ref.cloud) if ref.cloud else None,
            ref.account, ref.region, ref.path, ref.line)
