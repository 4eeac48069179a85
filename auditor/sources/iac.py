"""``sources.iac`` (or ``scan iac``'s arguments): Terraform and CloudFormation roots."""

from __future__ import annotations

from pathlib import Path

from auditor.collectors.base import Collector
from auditor.config import ConcurrencyConfig, ConfigError, IacSourceConfig, SettingError


def _require_parsers() -> None:
    try:
        import tree_sitter  # noqa: F401
        import tree_sitter_hcl  # noqa: F401
    except ImportError:
        raise ConfigError("the iac extra is not installed: pip install 'ml-posture-auditor[iac]'") from None


def collectors(iac: IacSourceConfig, limits: ConcurrencyConfig) -> list[Collector]:
    """Own AWS account ids (``own_accounts``): trusting them is not cross-account."""
    _require_parsers()
    from auditor.collectors.iac import IacCollector
    from auditor.collectors.iac.limits import IacLimits

    missing = [p for p in iac.paths if not Path(p).exists()]
    if missing:  # a typo is a usage error (exit 2), never an incomplete scan
        raise SettingError("paths", f"no such file or folder: {', '.join(missing)}")
    file_limits = IacLimits() if iac.max_file_size is None else IacLimits(max_file_bytes=int(iac.max_file_size * 1024 * 1024))
    return [
        IacCollector(list(iac.paths), root=iac.root, var_files=list(iac.var_files), own_accounts=list(iac.own_accounts),
                     skip_paths=list(iac.skip_paths), limits=file_limits)
    ]
