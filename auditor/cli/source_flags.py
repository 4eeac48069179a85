"""A ``scan <source>`` command's flags become that source's auditor.yaml section, then collectors
through ``auditor.targets``, the one place a configuration becomes collectors. A flag and the
same key are validated alike; errors name the flag (``--regions: ...``), not the key.

Each command names its parameters after the keys of its section (``--own-account`` stores into
``own_accounts``), so the flag of a key is read from the command itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from auditor.collectors.base import Collector
from auditor.config import ConcurrencyConfig, ConfigError, source_config


def _flags() -> dict[str, str]:
    """This command's parameter names -> how the user spells them (``--var-file``, ``PATHS``)."""
    command = click.get_current_context().command
    out: dict[str, str] = {}
    for param in command.params:
        if param.name is None:
            continue
        if isinstance(param, click.Option):
            out[param.name] = max(param.opts, key=len)
        else:
            out[param.name] = param.human_readable_name
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Path) else value


def collectors_from_flags(
    source: str, flags: dict[str, Any], limits: ConcurrencyConfig | None = None
) -> list[Collector]:
    """``flags``: the command's source options by key; those not given (None, empty, off) are left
    out, so the section's defaults apply as they do for a key absent from auditor.yaml."""
    from auditor.targets import collectors_for_sources

    spelled = _flags()

    def name_of(_source: str, key: str) -> str:
        first = key.split(".", 1)[0]
        return spelled.get(first, first)

    settings = {key: _plain(value) for key, value in flags.items() if value not in (None, (), [], False)}
    return collectors_for_sources(source_config(source, settings, name_of), limits, name_of)


def per_account_limit(flag: str, value: int) -> ConcurrencyConfig:
    """``scan aws --max-workers``: the key ``concurrency.per_account`` of auditor.yaml."""
    try:
        return ConcurrencyConfig(per_account=value)
    except ValidationError as exc:
        raise ConfigError(f"{flag}: {exc.errors()[0]['msg']}") from None
