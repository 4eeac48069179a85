"""Declaring checks and finding them.

``@check`` only attaches a frozen ``CheckSpec`` to a plain function: no import-time registration,
no global state. A ``Registry`` instance is built from the built-in ``auditor.checks`` package,
the ``auditor.checks`` entry-point group and any ``--checks-dir``, and validates every check as
it is added (duplicate or malformed ids, unknown resource kind, missing metadata).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from auditor.findings import Result, Severity
from auditor.resources import KINDS, Resource

FAMILIES = (
    "bucket_",
    "role_",
    "user_",
    "notebook_",
    "ml_",
    "service_",
    "network_",
    "key_",
    "audit_",
    "model_",
    "dependency_",
    "dataset_",
    "lineage_",
    "k8s_",
    "cluster_",
)
_ID_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
SPEC_ATTR = "__auditor_check__"

CheckOutput = Result | Iterable[Result] | None


@dataclass(frozen=True)
class CheckContext:
    """What a check may know beyond its resource: scan time, options, reference data. No I/O."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    advisories: Any = None  # auditor.advisories.AdvisoryDB, loaded lazily by the engine

    def option(self, check_id: str, name: str, default: Any) -> Any:
        return self.options.get(check_id, {}).get(name, default)


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    severity: Severity
    remediation: str
    description: str
    kind: type[Resource] | None = None
    clouds: tuple[str, ...] | None = None
    references: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    func: Callable[..., CheckOutput] | None = None
    takes_context: bool = False
    origin: str = ""

    def run(self, resource: Resource, ctx: CheckContext) -> list[Result]:
        assert self.func is not None
        out = self.func(resource, ctx) if self.takes_context else self.func(resource)
        if out is None:
            return []
        if isinstance(out, Result):
            return [out]
        return list(out)

    def applies_to(self, resource: Resource) -> bool:
        if self.clouds is None:
            return True
        return resource.ref.cloud in self.clouds


def check(
    *,
    id: str,
    severity: Severity | str,
    title: str,
    remediation: str,
    description: str = "",
    kind: type[Resource] | None = None,
    clouds: Sequence[str] | None = None,
    references: Sequence[str] = (),
    options: dict[str, Any] | None = None,
) -> Callable[[Callable[..., CheckOutput]], Callable[..., CheckOutput]]:
    """Attach check metadata to a function ``(resource[, ctx]) -> Result | [Result] | None``.

    Returning ``None`` (or an empty list) means "not applicable to this resource": no finding.
    The resource kind defaults to the annotation of the first parameter.
    """

    def wrap(func: Callable[..., CheckOutput]) -> Callable[..., CheckOutput]:
        spec = CheckSpec(
            id=id,
            title=title,
            severity=Severity(severity) if isinstance(severity, str) else severity,
            remediation=remediation,
            description=description or (inspect.getdoc(func) or ""),
            kind=kind,
            clouds=tuple(clouds) if clouds else None,
            references=tuple(references),
            options=dict(options or {}),
            func=func,
        )
        setattr(func, SPEC_ATTR, spec)
        return func

    return wrap


class RegistryError(Exception):
    pass


def _resolve_kind(func: Callable[..., Any], declared: type[Resource] | None) -> type[Resource] | None:
    if declared is not None:
        return declared
    params = list(inspect.signature(func).parameters.values())
    if not params:
        return None
    try:
        hints = typing.get_type_hints(func)
    except Exception:
        hints = {}
    annotation = hints.get(params[0].name, params[0].annotation)
    if isinstance(annotation, str):
        annotation = KINDS.get(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Resource):
        return annotation
    return None


class Registry:
    """Checks indexed by id and by resource kind. Build one per scan; nothing is global."""

    def __init__(self) -> None:
        self._by_id: dict[str, CheckSpec] = {}
        self._by_kind: dict[str, list[CheckSpec]] = {}

    # -- building -------------------------------------------------------------------------
    @classmethod
    def default(
        cls, checks_dirs: Sequence[str | Path] = (), *, entry_points: bool = True
    ) -> Registry:
        registry = cls()
        registry.load_package("auditor.checks")
        if entry_points:
            registry.load_entry_points()
        for directory in checks_dirs:
            registry.load_dir(directory)
        return registry

    def add(self, func: Callable[..., CheckOutput], origin: str = "") -> CheckSpec:
        spec: CheckSpec | None = getattr(func, SPEC_ATTR, None)
        if spec is None:
            raise RegistryError(f"{origin or func!r}: not decorated with @check")
        problems = []
        if not _ID_RE.match(spec.id):
            problems.append("id must be snake_case with at least two words")
        if not spec.id.startswith(FAMILIES):
            problems.append(f"id must start with a family word ({', '.join(f.rstrip('_') for f in FAMILIES)})")
        kind = _resolve_kind(func, spec.kind)
        if kind is None or kind.kind not in KINDS:
            problems.append("unknown resource kind: annotate the first parameter with a resource class")
        for attr in ("title", "remediation", "description"):
            if not str(getattr(spec, attr)).strip():
                problems.append(f"missing {attr}")
        params = list(inspect.signature(func).parameters)
        if len(params) not in (1, 2):
            problems.append("a check takes (resource) or (resource, ctx)")
        if spec.id in self._by_id:
            problems.append(f"duplicate id (already defined in {self._by_id[spec.id].origin})")
        if problems:
            raise RegistryError(f"check {spec.id!r} from {origin or func.__module__}: " + "; ".join(problems))
        assert kind is not None
        final = CheckSpec(
            **{**spec.__dict__, "kind": kind, "takes_context": len(params) == 2, "origin": origin or func.__module__}
        )
        self._by_id[final.id] = final
        self._by_kind.setdefault(kind.kind, []).append(final)
        return final

    def add_module(self, module: ModuleType, origin: str = "") -> int:
        count = 0
        for _, value in sorted(vars(module).items()):
            if callable(value) and hasattr(value, SPEC_ATTR) and getattr(value, "__module__", None) == module.__name__:
                self.add(value, origin or module.__name__)
                count += 1
        return count

    def load_package(self, package_name: str) -> int:
        package = importlib.import_module(package_name)
        count = 0
        for info in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
            if info.name.rsplit(".", 1)[-1].startswith("_"):
                continue
            count += self.add_module(importlib.import_module(info.name))
        return count

    def load_entry_points(self, group: str = "auditor.checks") -> int:
        from importlib.metadata import entry_points

        count = 0
        for ep in entry_points(group=group):
            loaded = ep.load()
            if isinstance(loaded, ModuleType):
                count += self.add_module(loaded, f"entry point {ep.name}")
            else:
                self.add(loaded, f"entry point {ep.name}")
                count += 1
        return count

    def load_dir(self, directory: str | Path) -> int:
        root = Path(directory)
        if not root.is_dir():
            raise RegistryError(f"--checks-dir {root}: not a directory")
        count = 0
        for path in sorted(root.rglob("*.py")):
            if path.name.startswith("_"):
                continue
            module_name = f"auditor_user_checks.{abs(hash(str(path.resolve())))}_{path.stem}"
            spec = importlib.util.spec_from_file_location(module_name, path)
            if spec is None or spec.loader is None:
                raise RegistryError(f"{path}: cannot be imported")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                raise RegistryError(f"{path}: failed to import: {exc}") from exc
            count += self.add_module(module, str(path))
        return count

    # -- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[CheckSpec]:
        return iter(sorted(self._by_id.values(), key=lambda s: s.id))

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._by_id

    def get(self, check_id: str) -> CheckSpec:
        return self._by_id[check_id]

    def for_kind(self, kind: str) -> list[CheckSpec]:
        return self._by_kind.get(kind, [])

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def select(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> Registry:
        """A registry narrowed to ``include`` (ids or id prefixes ending in '*') minus ``exclude``."""
        # A pattern that names no check is a typo (or a retired id): refuse it rather than let a
        # CI gate run zero checks and pass.
        unknown_ids = [
            c
            for c in (*include, *exclude)
            if (c not in self._by_id if not c.endswith("*") else not any(i.startswith(c[:-1]) for i in self._by_id))
        ]
        if unknown_ids:
            raise RegistryError(f"unknown check id(s): {', '.join(sorted(unknown_ids))}")

        def matches(spec_id: str, patterns: Sequence[str]) -> bool:
            return any(spec_id == p or (p.endswith("*") and spec_id.startswith(p[:-1])) for p in patterns)

        narrowed = Registry()
        for spec in self:
            if include and not matches(spec.id, include):
                continue
            if exclude and matches(spec.id, exclude):
                continue
            narrowed._by_id[spec.id] = spec
            narrowed._by_kind.setdefault(spec.kind.kind if spec.kind else "", []).append(spec)
        return narrowed

    def catalog_version(self) -> str:
        """A short digest of the check ids and severities: changes whenever the catalog does."""
        import hashlib

        text = "\n".join(f"{s.id}:{s.severity.value}" for s in self)
        return hashlib.sha256(text.encode()).hexdigest()[:12]
