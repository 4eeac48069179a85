"""Parsing dependency manifests and lock files into (package, pinned version or None, line).

Supported: ``requirements*.txt``, ``pyproject.toml`` (PEP 621 and Poetry tables),
``poetry.lock``, ``uv.lock``, ``Pipfile.lock``, conda ``environment.yml``. Nothing is installed
or fetched.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement, Requirement


@dataclass(frozen=True)
class Pin:
    package: str
    version: str | None
    line: int | None = None


class ManifestError(Exception):
    pass


MAX_YAML_ALIASES = 100  # an environment file needs none; billion-laughs files need millions
MAX_YAML_DEPTH = 64


class _BoundedYamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a cap on aliases and nesting (against billion-laughs files)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise ManifestError(f"more than {MAX_YAML_ALIASES} YAML aliases (limit against alias expansion)")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise ManifestError(f"YAML nested deeper than {MAX_YAML_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _load_yaml(text: str) -> Any:
    loader = _BoundedYamlLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def manifest_kind(name: str) -> str | None:
    base = PurePath(name).name.lower()
    if base.startswith("requirements") and base.endswith((".txt", ".in")):
        return "requirements"
    if base in ("pyproject.toml", "poetry.lock", "uv.lock", "pipfile.lock"):
        return base
    if base in ("environment.yml", "environment.yaml") or (base.startswith("environment") and base.endswith((".yml", ".yaml"))):
        return "conda"
    return None


def parse_manifest(kind: str, text: str) -> list[Pin]:
    try:
        if kind == "requirements":
            return _requirements(text)
        if kind == "pyproject.toml":
            return _pyproject(tomllib.loads(text))
        if kind in ("poetry.lock", "uv.lock"):
            data = tomllib.loads(text)
            return [Pin(p["name"], str(p.get("version")) if p.get("version") else None, _line_of(text, p["name"]))
                    for p in data.get("package", []) if isinstance(p, dict) and "name" in p]
        if kind == "pipfile.lock":
            data = json.loads(text)
            pins = []
            for section in ("default", "develop"):
                for name, info in (data.get(section) or {}).items():
                    version = info.get("version", "") if isinstance(info, dict) else ""
                    pins.append(Pin(name, version[2:] if version.startswith("==") else None, _line_of(text, f'"{name}"')))
            return pins
        if kind == "conda":
            data = _load_yaml(text) or {}
            if not isinstance(data, dict):
                raise ManifestError("cannot parse conda: the document is not a mapping")
            return _conda(data, text)
    except ManifestError:
        raise
    except (ValueError, yaml.YAMLError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # One line, no quote of the file (a lock file may hold a private index token).
        reason = str(exc).splitlines()[0][:200] if not isinstance(exc, (KeyError, TypeError, AttributeError)) \
            else f"a field has the wrong type ({type(exc).__name__})"
        raise ManifestError(f"cannot parse {kind}: {reason}") from None
    raise ManifestError(f"unknown manifest kind {kind}")


def _line_of(text: str, needle: str) -> int | None:
    idx = text.find(needle)
    return text.count("\n", 0, idx) + 1 if idx >= 0 else None


def _pin_of(req: Requirement) -> str | None:
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _requirements(text: str) -> list[Pin]:
    pins = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-", "git+", "http:", "https:", "file:", ".")):
            continue
        line = line.split(";", 1)[0].strip() if "@" not in line else line
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        pins.append(Pin(req.name, _pin_of(req), number))
    return pins


def _pyproject(data: dict[str, Any]) -> list[Pin]:
    pins = []
    project = data.get("project") or {}
    lists = [project.get("dependencies") or []]
    lists.extend((project.get("optional-dependencies") or {}).values())
    for group in lists:
        for spec in group:
            try:
                req = Requirement(spec)
            except InvalidRequirement:
                continue
            pins.append(Pin(req.name, _pin_of(req)))
    poetry = ((data.get("tool") or {}).get("poetry") or {})
    for table in (poetry.get("dependencies") or {}, *((g.get("dependencies") or {}) for g in (poetry.get("group") or {}).values())):
        for name, spec in table.items():
            if name.lower() == "python":
                continue
            version = spec.get("version") if isinstance(spec, dict) else spec
            exact = version if isinstance(version, str) and re.fullmatch(r"=?=?\d[\w.+!-]*", version) else None
            pins.append(Pin(name, exact.lstrip("=") if exact else None))
    return pins


def _conda(data: dict[str, Any], text: str) -> list[Pin]:
    pins = []
    for dep in data.get("dependencies") or []:
        if isinstance(dep, dict):
            for spec in dep.get("pip") or []:
                if isinstance(spec, str):
                    pins.extend(_requirements(spec))
            continue
        if not isinstance(dep, (str, int, float)):
            continue
        text_dep = str(dep).split("::")[-1]
        m = re.match(r"^([A-Za-z0-9_.-]+)\s*(==?|>=|<=|>|<)?\s*([^\s=]*)", text_dep)
        if not m:
            continue
        name, op, version = m.groups()
        exact = version if op in ("=", "==") and version and "*" not in version else None
        pins.append(Pin(name, exact, _line_of(text, text_dep)))
    return pins
