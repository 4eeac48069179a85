"""``--connect-timeout``, ``--read-timeout``, ``--max-attempts``: the SDK client limits, spelled the
same on ``scan aws``, ``scan gcp`` and ``scan azure`` and in their config sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = [
    click.option("--connect-timeout", type=click.FloatRange(min=0.1), default=None,
                 help="Seconds to wait for a connection to a cloud API [default: 10]."),
    click.option("--read-timeout", type=click.FloatRange(min=0.1), default=None,
                 help="Seconds to wait for each answer of a cloud API [default: 30]."),
    click.option("--max-attempts", type=click.IntRange(min=1), default=None,
                 help="Attempts per API call, the first included [default: 4]."),
]


def sdk_limit_options(func: F) -> F:
    for option in reversed(_OPTIONS):
        func = option(func)
    return func
