"""IaC roots from their configuration (``scan iac`` or ``sources.iac``).

Core code: the CLI command, the estate scan, the worker and the shard all build this source's
collectors here (``auditor.targets``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.collectors.base import Collector
from auditor.config import ConfigError
from auditor.sources.common import split_multi


def _require_parsers() -> None:
    try:
        import tree_sitter  # noqa: F401
        import tree_sitter_hcl  # noqa: F401
    except ImportError:
        raise ConfigError("the iac extra is not installed: pip install 'ml-posture-auditor[iac]'") from None


def collectors_from_config(section: dict[str, Any]) -> list[Collector]:
    """``sources.iac`` of auditor.yaml: ``{"paths": [...], "var_file": [...], "root": "...",
    "own_account": [...]}`` (own AWS account ids: trusting them is not cross-account)."""
    _require_parsers()
    from auditor.collectors.iac import IacCollector

    paths = section.get("paths") or section.get("path") or []
    if isinstance(paths, str):
        paths = [paths]
    if not paths:
        raise ConfigError("sources.iac: 'paths' is required")
    missing = [str(p) for p in paths if not Path(str(p)).exists()]
    if missing:
        raise ConfigError(f"sources.iac: no such file or folder: {', '.join(missing)}")
    var_files = section.get("var_file") or section.get("var_files") or []
    if isinstance(var_files, str):
        var_files = [var_files]
    own = section.get("own_account") or section.get("own_accounts") or []
    if isinstance(own, str | int):
        own = [own]
    skip = section.get("skip_path") or section.get("skip_paths") or []
    if isinstance(skip, str):
        skip = [skip]
    return [
        IacCollector(
            [str(p) for p in paths],
            root=section.get("root"),
            var_files=[str(v) for v in var_files],
            own_accounts=[a for v in own for a in split_multi([str(v)])],
            skip_paths=[str(g) for g in skip],
            limits=_limits(section.get("max_file_size")),
        )
    ]


def _limits(max_file_size_mib: Any) -> Any:
    """IaC limits with the user's file size limit (MiB), checked here so a typo is a usage error."""
    from auditor.collectors.iac.limits import IacLimits

    if max_file_size_mib is None:
        return IacLimits()
    try:
        mib = float(max_file_size_mib)
    except (TypeError, ValueError):
        mib = -1
    if mib <= 0:
        raise ConfigError(f"sources.iac: max_file_size must be a positive number of MiB, not {max_file_size_mib!r}")
    return IacLimits(max_file_bytes=int(mib * 1024 * 1024))
