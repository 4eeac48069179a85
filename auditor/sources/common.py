"""What every source's configuration shares: multi-valued settings and the SDK client limits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from auditor.config import ConfigError

if TYPE_CHECKING:
    from auditor.collectors.sdk_limits import SdkLimits

SDK_KEYS = frozenset({"connect_timeout", "read_timeout", "max_attempts"})


def split_multi(values: Iterable[str] | None) -> list[str]:
    """Multi-valued settings accept both repetition and commas: ``--regions a,b --regions c``."""
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def limits_from(values: dict[str, Any], where: str = "") -> SdkLimits:
    """Pop the SDK client limits out of ``values`` (CLI keyword arguments or a config section copy)."""
    from auditor.collectors.sdk_limits import SdkLimits

    given = {key: values.pop(key, None) for key in SDK_KEYS}
    try:
        return SdkLimits.from_values(given, where)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
