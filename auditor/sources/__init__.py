"""Each source's typed configuration turned into collectors: one module per source, imported only
when that source is configured. Core code, reached only through ``auditor.targets``: the CLI
commands, the estate scan, the worker and the shard all build their collectors there."""

from __future__ import annotations

import importlib
from types import ModuleType

from auditor.config import ConfigError

SOURCES = ("aws", "gcp", "azure", "iac", "endpoints", "files", "k8s")


def source_module(name: str) -> ModuleType:
    if name not in SOURCES:
        raise ConfigError(f"sources.{name}: this auditor has no {name} source")
    module_name = f"auditor.sources.{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise ConfigError(f"sources.{name}: this auditor has no {name} source") from exc
        raise
