"""Inline ``auditor:ignore <check_id> <reason>`` comments that would silently do nothing or hide
their why: a check id no built-in check has (a typo), or no reason. Each is a warning naming the
file and line; the ignore itself still applies as written."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from auditor.collectors.iac.model import IacResource

# the reason recorded when the comment gives none (the engine shows it on the suppression)
NO_REASON = "inline ignore (no reason given)"

ErrorSink = Callable[[str, str, int | None, bool], None]


def _known_checks() -> list[str]:
    from auditor.registry import Registry

    return Registry.default(entry_points=True).ids()


def warn_on_ignores(resources: Iterable[IacResource], on_error: ErrorSink, known: list[str] | None = None) -> None:
    seen: set[tuple[str, int | None, str]] = set()
    for res in resources:
        for ignore in res.ignores:
            key = (res.path, ignore.line, ignore.check)
            if key in seen:
                continue  # one comment over count/for_each instances: one warning
            seen.add(key)
            line = ignore.line if ignore.line is not None else res.line
            where = f"{res.path}:{line}" if line else res.path
            if known is None:
                known = _known_checks()
            if ignore.check not in known and not (ignore.check.endswith("*") and any(k.startswith(ignore.check[:-1]) for k in known)):
                close = difflib.get_close_matches(ignore.check, known, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                on_error(
                    f"{where}: auditor:ignore names {ignore.check!r}, which no built-in check has{hint}: it ignores nothing",
                    res.path, line, False,
                )
            if ignore.reason == NO_REASON:
                on_error(
                    f"{where}: auditor:ignore {ignore.check} gives no reason: write why after the check id",
                    res.path, line, False,
                )
