"""Finding and loading the framework files. Loaded once per process; errors name the file."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from auditor.compliance.model import Framework
from auditor.config import ConfigError

FRAMEWORKS_DIR = Path(__file__).parent / "frameworks"
# libyaml's loader is several times faster; the pure-Python one is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FrameworkError(ConfigError):
    """A framework file is malformed, or an unknown framework id was asked for."""


def load_file(path: Path) -> Framework:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise FrameworkError(f"{path}: cannot read framework file: {exc}") from exc
    if not isinstance(data, dict):
        raise FrameworkError(f"{path}: a framework file must be a mapping")
    try:
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors())
        raise FrameworkError(f"{path}: invalid framework: {problems}") from exc
    if framework.framework != path.stem:
        raise FrameworkError(f"{path}: framework id {framework.framework!r} must match the file name")
    return framework


@lru_cache(maxsize=8)
def load_all(directory: Path = FRAMEWORKS_DIR) -> dict[str, Framework]:
    """Every framework in ``directory``, by id, in file-name order."""
    return {path.stem: load_file(path) for path in sorted(directory.glob("*.yaml"))}


def select(frameworks: Sequence[str] | None, directory: Path = FRAMEWORKS_DIR) -> list[Framework]:
    """The frameworks asked for (all when None), refusing unknown ids with the valid choices."""
    available = load_all(directory)
    if frameworks is None:  # core frameworks first, as reports list them
        return sorted(available.values(), key=lambda f: (not f.core, f.framework))
    unknown = [f for f in frameworks if f not in available]
    if unknown:
        raise FrameworkError(
            f"unknown framework(s): {', '.join(unknown)}; choose from {', '.join(available)}"
        )
    return [available[f] for f in dict.fromkeys(frameworks)]
