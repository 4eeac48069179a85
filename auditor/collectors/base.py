"""What every collector shares: the sink it reports into, and collection errors.

Collectors are the only code that talks to the outside world. Each one reports resources,
collection errors and API-call counts into a thread-safe ``CollectionSink``; the engine never
sees an SDK object.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from auditor.resources import Resource


def require_modules(modules: Iterable[str], message: str) -> None:
    """Fail with a ConfigError (exit 2) naming the pip extra when an optional SDK is missing,
    without importing it (the check runs before any scan work)."""
    from auditor.config import ConfigError

    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            raise ConfigError(message)


class CollectionError(BaseModel):
    """Something a collector could not read.

    ``incomplete`` marks a whole source that could not be read (an account or project not
    listable, a region unreachable, a service denied at its list call, an IaC file that does not
    parse): the scan is then incomplete (exit code 3 unless ``--allow-partial``). A denial on
    one resource's detail is recorded with ``incomplete=False``; the field it would have filled
    stays ``None``.
    """

    model_config = ConfigDict(frozen=True)

    source: str
    message: str
    operation: str | None = None
    resource: str | None = None
    account: str | None = None
    region: str | None = None
    path: str | None = None
    line: int | None = None
    incomplete: bool = False


ProgressCallback = Callable[[str], None]


class CollectionSink:
    """Thread-safe collector output: resources, errors, API-call counts and progress notes."""

    def __init__(self, progress: ProgressCallback | None = None) -> None:
        self._lock = threading.Lock()
        self.resources: list[Resource] = []
        self.errors: list[CollectionError] = []
        self.api_calls: Counter[str] = Counter()
        self._progress = progress

    def add(self, resource: Resource) -> None:
        with self._lock:
            self.resources.append(resource)

    def add_all(self, resources: Iterable[Resource]) -> None:
        items = list(resources)
        with self._lock:
            self.resources.extend(items)

    def error(self, error: CollectionError) -> None:
        with self._lock:
            self.errors.append(error)

    def call(self, operation: str, count: int = 1) -> None:
        """Count one API call (``service:Operation``), for the result's metadata and benchmarks."""
        with self._lock:
            self.api_calls[operation] += count

    def progress(self, message: str) -> None:
        if self._progress is not None:
            from auditor.redaction import redact  # progress lines go to CI logs: no secret in them either

            self._progress(redact(message))


class Collector(Protocol):
    """A source of resources. ``collect`` must never raise for a single unreadable resource."""

    name: ClassVar[str]

    def collect(self, sink: CollectionSink) -> None: ...

    def scope(self) -> str:
        """A short, file-name-safe description of what is scanned (``aws-123456789012``)."""
        ...
