"""Each source's configuration turned into collectors: one module per source, imported only when
that source is configured. Core code: the CLI calls it, never the other way round."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from auditor.collectors.base import Collector
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


def collectors_from_config(name: str, section: dict[str, Any]) -> list[Collector]:
    """The collectors of one source's configuration section (plain keys, as in auditor.yaml)."""
    built: list[Collector] = source_module(name).collectors_from_config(section)
    return built
