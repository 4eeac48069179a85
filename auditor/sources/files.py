"""``sources.files`` (or ``scan files``'s arguments): model files, notebooks and manifests."""

from __future__ import annotations

from pathlib import Path

from auditor.collectors.base import Collector
from auditor.config import ConcurrencyConfig, FilesSourceConfig, SettingError, parse_size

# archive limits: setting -> field of collectors.files.models.Limits
_ARCHIVE_LIMITS = {"max_archive_depth": "max_depth", "max_archive_members": "max_members",
                   "max_compression_ratio": "max_ratio"}


def collectors(files: FilesSourceConfig, limits: ConcurrencyConfig) -> list[Collector]:
    if not files.paths:
        raise SettingError("paths", "give at least one path")
    missing = [p for p in files.paths if not Path(p).exists()]
    if missing:  # a typo is a usage error (exit 2), as in every source, never an incomplete scan
        raise SettingError("paths", f"no such file or folder: {', '.join(missing)}")
    from auditor.collectors.files import FilesCollector
    from auditor.collectors.files.models import Limits

    archive = Limits()
    for key, field in _ARCHIVE_LIMITS.items():
        if getattr(files, key) is not None:
            setattr(archive, field, getattr(files, key))
    size = None if files.max_file_size is None else parse_size(files.max_file_size)
    return [
        FilesCollector(
            list(files.paths), root=files.root, advisories_dirs=list(files.advisories), max_file_size=size,
            hash_models=not files.no_hash, trusted_keys=list(files.trusted_keys), workers=files.workers or 4,
            limits=archive,
        )
    ]
