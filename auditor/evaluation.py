"""Evaluation as one pass over the resources: findings go to the result file as they are made.

Every resource is linked, written to the inventory, judged by its checks, and forgotten; every
finding is written, folded into the summary, the compliance tallies and the baseline comparison,
and forgotten. Memory therefore depends on the number of checks and controls, not on the size of
the estate. The returned ``ScanResult`` reads its findings and inventory back from the file.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditor import __version__, compliance
from auditor.collectors.base import CollectionError
from auditor.config import ConfigError
from auditor.engine import Engine
from auditor.findings import Finding, Status
from auditor.redaction import (
    could_hold_secret,
    redact_command,
    redact_errors,
    redact_finding,
    redact_resource,
)
from auditor.registry import CheckContext, Registry
from auditor.resources import Resource, resource_from_dict, resource_from_json
from auditor.result import BaselineChanges, CheckInfo, ScanMeta, ScanResult, SummaryFold, ToolInfo
from auditor.result_stream import (
    FindingStream,
    InventoryStream,
    StreamWriter,
    finding_json,
    head_json,
    resource_json,
    tail_json,
)

if TYPE_CHECKING:
    from auditor.pipeline import ScanOptions

WORK_DIR_ENV = "AUDITOR_WORK_DIR"
_work_files: set[Path] = set()


def work_file(prefix: str) -> Path:
    """A scratch file for a streamed result (``$AUDITOR_WORK_DIR`` or the system temp folder),
    removed at exit unless it was handed on."""
    directory = os.environ.get(WORK_DIR_ENV) or None
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".json", dir=directory)
    os.close(fd)
    path = Path(name)
    _work_files.add(path)
    return path


def discard(path: Path | None) -> None:
    if path is not None and path in _work_files:
        _work_files.discard(path)
        with contextlib.suppress(OSError):
            path.unlink()


@atexit.register
def _cleanup() -> None:
    for path in list(_work_files):
        discard(path)


def check_catalog(registry: Registry, engine: Engine) -> dict[str, CheckInfo]:
    return {
        spec.id: CheckInfo(
            title=spec.title,
            description=spec.description,
            remediation=spec.remediation,
            references=list(spec.references),
            severity=engine.severity_overrides.get(spec.id, spec.severity),
            controls=engine._controls(spec.id),
        )
        for spec in registry
    }


@dataclass
class BaselineFold:
    """The ``--baseline`` comparison as a fold: the baseline's failures are read first (one
    pass over its file), this scan's are matched as they stream."""

    scan_id: str | None
    digest: str | None
    before: set[str]
    now: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path) -> BaselineFold:
        try:
            baseline = ScanResult.load(path)
            before = {f.fingerprint for f in baseline.findings if f.status == Status.FAIL}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"--baseline {path}: cannot read it as an auditor result: {exc}") from exc
        return cls(scan_id=baseline.scan.id, digest=baseline.digest or None, before=before)

    def add(self, finding: Finding) -> None:
        if finding.status == Status.FAIL:
            self.now.add(finding.fingerprint)

    def changes(self) -> BaselineChanges:
        return BaselineChanges(
            baseline_scan_id=self.scan_id,
            baseline_digest=self.digest,
            new=sorted(self.now - self.before),
            resolved=sorted(self.before - self.now),
            unchanged=len(self.now & self.before),
        )


def linked(resources: Iterable[Resource]) -> Iterator[Resource]:
    """Cross-resource joins (``auditor.linking``). A list is joined in memory. A streamed
    inventory is read twice: once to index where the joinable resources are (on disk, see
    ``auditor.link_index``), once to yield each resource with what the joins set on it."""
    from auditor.linking import link

    if isinstance(resources, Sequence):
        yield from link(list(resources))
        return
    from auditor.link_index import FileIndex, apply_updates

    path = getattr(resources, "path", None)
    copy: Path | None = None
    if not isinstance(path, Path):  # another re-iterable stream: lay it out as an inventory file first
        copy = path = work_file("auditor-linking-")
        with open(copy, "wb") as out:
            writer = StreamWriter(out)
            writer.head(b'{"kind":"auditor-inventory"}')
            writer.open_section("inventory")
            writer.items(_joinable_json(r) for r in resources)
            writer.close_section()
            writer.finish(b"{}", digest=False)
    scratch = work_file("auditor-joins-")
    try:
        index = FileIndex(path, scratch)
        try:
            index.join()
            yield from apply_updates(resources, index.updates())
        finally:
            index.close()
    finally:
        discard(scratch)
        discard(copy)


def _joinable_json(resource: Resource) -> bytes:
    try:
        return resource_json(resource)
    except ValueError:  # a value JSON cannot carry (a lone surrogate): as the inventory will hold it
        return resource_json(redact_resource(resource, suspicious=True))


def evaluate_stream(
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
    """Judge ``resources`` (a list, or a re-iterable stream) into a streamed result file."""
    from auditor.pipeline import _advisories_if_needed, _ran_by, build_registry

    registry = registry or build_registry(options)
    cfg = options.config
    frameworks = options.frameworks if options.frameworks is not None else cfg.frameworks
    compliance.check_selection(frameworks, cfg.framework_scopes)
    context = CheckContext(now=datetime.now(UTC), options=cfg.checks.options, advisories=_advisories_if_needed(registry))
    engine = Engine(
        registry,
        context=context,
        severity_overrides=cfg.checks.severity,
        suppressions=cfg.suppressions,
        controls_for=compliance.controls_lookup(frameworks),
    )
    baseline = BaselineFold.load(options.baseline) if options.baseline is not None else None
    from auditor.compliance.evaluate import ComplianceFold
    from auditor.compliance.loader import select

    controls_fold = ComplianceFold(select(frameworks), cfg.framework_scopes)
    totals = SummaryFold()
    catalog = check_catalog(registry, engine)
    head = ScanResult.model_construct(schema_version=ScanResult.model_fields["schema_version"].default,
                                      tool=ToolInfo(version=__version__), checks=catalog)  # type: ignore[call-arg]
    path = work_file("auditor-result-")
    side = work_file("auditor-inventory-")
    count = 0
    try:
        with open(path, "wb") as out, open(side, "w+b") as inventory:
            writer = StreamWriter(out)
            writer.head(head_json(head))
            writer.open_section("findings")
            first = True
            for resource in linked(resources):
                try:
                    line: bytes | None = resource_json(resource)
                except ValueError:  # a value JSON cannot carry (a lone surrogate): redaction replaces it
                    line = None
                # names, tags and ids may carry secrets: never into an output
                suspicious = line is None or could_hold_secret(resource, line.decode("utf-8"))
                if suspicious:
                    resource = redact_resource(resource, suspicious=True)
                    line = resource_json(resource)
                assert line is not None
                count += 1
                inventory.write(line if first else b",\n" + line)
                first = False
                controls_fold.resource(resource)
                for finding in engine.iter_findings((resource,)):
                    try:
                        item: bytes | None = finding_json(finding, catalog)
                    except ValueError:  # a value JSON cannot carry (a lone surrogate): redaction replaces it
                        item = None
                    if item is None or suspicious or finding.status == Status.ERROR:  # an exception's text is new
                        redacted = redact_finding(finding, None if item is None else item.decode("utf-8"))
                        if redacted is not finding or item is None:
                            finding, item = redacted, finding_json(redacted, catalog)
                    writer.item(item)
                    totals.add(finding)
                    controls_fold.add(finding)
                    if baseline is not None:
                        baseline.add(finding)
            writer.close_section()
            writer.open_section("inventory")
            inventory.seek(0)
            while chunk := inventory.read(1 << 20):
                writer._write(chunk)
            writer.close_section()
            controls, summaries = controls_fold.results()
            all_errors = redact_errors(list(errors)) + [
                CollectionError(
                    source="config",
                    message=f"suppression for {r.check} on {r.resource} expired on {r.expires}; it no longer applies",
                )
                for r in engine.expired_rules
            ]
            finished = datetime.now(UTC)
            meta = ScanMeta(
                id=str(uuid.uuid4()),
                started=started,
                finished=finished,
                duration_seconds=round((finished - started).total_seconds(), 3),
                sources=list(sources),
                scope=scope,
                command=redact_command(options.command),  # a --notify webhook URL holds its token
                ran_by=_ran_by(),
                config_hash=cfg.digest(),
                check_catalog_version=registry.catalog_version(),
                checks_run=registry.ids(),
                frameworks=compliance.framework_versions(frameworks),
                advisory_data_date=getattr(context.advisories, "data_date", None),
                api_calls=dict(sorted(api_calls.items())),
                api_calls_total=sum(api_calls.values()),
                # A scan that read nothing at all is incomplete whatever its errors say: it judged nothing.
                incomplete=any(e.incomplete for e in errors) or (count == 0 and bool(errors)),
            )
            result = ScanResult.model_construct(
                schema_version=head.schema_version,
                tool=head.tool,
                checks=catalog,
                scan=meta,
                inventory=InventoryStream(path, count),  # type: ignore[arg-type]  # streams, read like lists
                findings=FindingStream(path, catalog, totals.findings),  # type: ignore[arg-type]
                collection_errors=all_errors,
                controls=controls,
                frameworks=summaries,
                changes=baseline.changes() if baseline is not None else None,
                history=None,
                totals=totals.summary(resources=count, collection_errors=len(all_errors)),
                digest="",
            )
            result.digest = writer.finish(tail_json(result), digest=True)
    except BaseException:
        discard(path)
        raise
    finally:
        discard(side)
    result._source = path
    return result


class InventoryFileResources:
    """The resources of a streamed inventory or result file, parsed one line at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[Resource]:
        from auditor.result_stream import iter_section

        for n, line in enumerate(iter_section(self.path, "inventory"), 1):
            try:
                yield resource_from_json(line)
            except ValueError as exc:
                raise ConfigError(f"{self.path}: inventory item {n}: {exc}") from exc


@dataclass
class InventoryMeta:
    sources: list[str]
    scope: str
    collected: datetime | None
    collection_errors: list[CollectionError]
    api_calls: dict[str, int]


def inventory_stream(path: Path) -> tuple[Iterable[Resource], InventoryMeta]:
    """The resources of an inventory or result file (a re-iterable stream for the line layout;
    other files are read whole), and what the file says about them."""
    from auditor.result import load_inventory
    from auditor.result_stream import is_streamed, read_head, read_tail

    if is_streamed(path):
        data = {**read_head(path), **read_tail(path)}
        scan = data.get("scan") or {}
        collected = data.get("collected") or scan.get("started")
        meta = InventoryMeta(
            sources=list(data.get("sources") or scan.get("sources") or []),
            scope=str(data.get("scope") or scan.get("scope") or ""),
            collected=datetime.fromisoformat(collected) if collected else None,
            collection_errors=[CollectionError.model_validate(e) for e in data.get("collection_errors") or []],
            api_calls=dict(data.get("api_calls") or scan.get("api_calls") or {}),
        )
        return InventoryFileResources(path), meta
    inv = load_inventory(path)
    resources = [resource_from_dict(item) for item in inv.inventory]
    return resources, InventoryMeta(
        sources=inv.sources, scope=inv.scope, collected=inv.collected,
        collection_errors=inv.collection_errors, api_calls=inv.api_calls,
    )


def write_inventory(
    path: Path,
    resources: Iterable[Resource],
    errors: Sequence[CollectionError],
    api_calls: dict[str, int],
    *,
    sources: Sequence[str],
    scope: str,
    collected: datetime | None,
) -> None:
    """An inventory file in the line layout, written one resource at a time."""
    from auditor.result import InventoryFile

    meta = InventoryFile(
        sources=list(sources), scope=scope, collected=collected, collection_errors=redact_errors(errors), api_calls=api_calls
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        writer = StreamWriter(out)
        writer.head(meta.model_dump_json(include={"schema_version", "kind", "sources", "scope", "collected"}).encode())
        writer.open_section("inventory")
        writer.items(resource_json(redact_resource(r)) for r in resources)
        writer.close_section()
        writer.finish(meta.model_dump_json(include={"collection_errors", "api_calls"}).encode(), digest=False)


def keep_as(result: ScanResult, path: Path) -> None:
    """Put the streamed result file at ``path`` (a hard link when possible, else a copy)."""
    source = result.source
    if source is None:
        from auditor.result_stream import save_result

        save_result(result, path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    try:
        os.link(source, path)
    except OSError:
        shutil.copyfile(source, path)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # a report file, not a private scratch file
