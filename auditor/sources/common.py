"""What the cloud sources' configurations share: the SDK client limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.collectors.sdk_limits import SdkLimits


def sdk_limits(section: Any) -> SdkLimits:
    """The SDK client limits a section sets (``connect_timeout``, ``read_timeout``, ``max_attempts``,
    already validated by its model); the others keep their defaults."""
    from auditor.collectors.sdk_limits import CONFIG_KEYS, SdkLimits

    return SdkLimits(**{key: getattr(section, key) for key in CONFIG_KEYS if getattr(section, key) is not None})
