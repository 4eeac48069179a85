"""The history side of a scan: attach what changed before the reports render, then record the
scan in the store and send the change summary to ``--notify`` targets."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from auditor.config import ConfigError
from auditor.result import ScanResult

if TYPE_CHECKING:
    from auditor.history import ScanView
    from auditor.pipeline import ScanOptions
    from auditor.store import Store

_OFF = ("off", "none", "no", "0", "false")


def store_disabled(options: ScanOptions) -> bool:
    if options.no_store:
        return True
    return options.store is None and os.environ.get("AUDITOR_STORE", "").strip().lower() in _OFF


def attach_history(result: ScanResult, options: ScanOptions) -> tuple[ScanResult, Store | None]:
    """Open the store and fill ``result.history`` from it (the scan is not saved yet)."""
    if store_disabled(options):
        return result, None
    from auditor.store import open_store, resolve_store_url

    store = open_store(resolve_store_url(options.store, options.config.store))
    try:
        history = store.history_for(result)
    except Exception as exc:
        store.close()
        raise ConfigError(f"cannot read the scan history: {exc}") from exc
    return result.model_copy(update={"history": history}).with_digest(), store


def previous_view(result: ScanResult, store: Store | None, options: ScanOptions) -> ScanView:
    """What to compare with for notifications: the previous stored scan of the same scope, else
    the --baseline file, else nothing (every failure is new)."""
    from auditor.history import ScanRef, ScanView, view_of

    if store is not None and result.history is not None and result.history.previous_scan_id:
        return store.load_view(result.history.previous_scan_id)
    if options.baseline is not None:
        return view_of(ScanResult.load(options.baseline))
    ref = ScanRef(id="(none)", scope=result.scan.scope, started=result.scan.started)
    return ScanView(ref=ref, failing={}, controls={})


def record_and_notify(result: ScanResult, store: Store | None, options: ScanOptions) -> None:
    """Save the scan (one transaction) and deliver notifications. A failed notification is
    reported but does not change the scan's exit code."""
    try:
        if store is not None:
            try:
                store.save(result)
            except Exception as exc:
                raise ConfigError(f"cannot record the scan in the history: {exc}") from exc
            if not options.quiet:
                from auditor.store import redact_url

                print(f"recorded scan {result.scan.id} in {redact_url(store.url)}", file=sys.stderr)
        targets = [t for t in options.notify if t]
        if targets:
            from auditor.history import diff_views, view_of
            from auditor.notify import NotifyError, notify

            diff = diff_views(previous_view(result, store, options), view_of(result))
            for target in targets:
                try:
                    message = notify(diff, target)
                except NotifyError as exc:
                    print(f"warning: {exc}", file=sys.stderr)
                    continue
                if not options.quiet:
                    print(message, file=sys.stderr)
    finally:
        if store is not None:
            store.close()
