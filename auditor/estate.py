"""``auditor scan --config auditor.yaml``: the whole estate described by one file, in one run.

Each configured source builds its collectors through ``auditor.targets`` (the same place a
distributed task or a shard builds one target's); AWS accounts and organizations go through
``auditor.collectors.aws_org``. Sources and accounts are scanned side by
side within ``concurrency.accounts``; inside one account the AWS collector runs
``concurrency.per_account`` calls at once. A source or account that fails is a recorded
collection error and the rest goes on; the exit code says whether the run was complete.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from auditor.collectors.base import Collector
from auditor.config import AuditorConfig, ConfigError
from auditor.pipeline import ScanOptions, build_registry, evaluate_resources, finish


def build_collectors(config: AuditorConfig) -> list[Collector]:
    """Every collector the config asks for; config mistakes raise ConfigError before any I/O."""
    from auditor.targets import collectors_for_sources

    collectors = collectors_for_sources(config.sources, config.concurrency)
    if not collectors:
        raise ConfigError("the config lists no sources to scan (add a sources: section)")
    return collectors


def estate_scope(config: AuditorConfig, config_path: str | None, collectors: Sequence[Collector]) -> str:
    """One stable scope per config, so nightly scans of the same estate diff against each other."""
    if config.name:
        name = config.name
    elif len(collectors) == 1:
        return collectors[0].scope()
    else:
        stem = (config_path or "estate").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        name = stem
    return "estate-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def run_estate(options: ScanOptions, config_path: str | None) -> int:
    from auditor.console import Progress
    from auditor.engine import collect

    config = options.config
    from auditor.preflight import preflight

    registry = build_registry(options)  # usage errors before any API call
    preflight(options)  # outputs and the store too
    collectors = build_collectors(config)
    sources = sorted({c.name for c in collectors})
    started = datetime.now(UTC)
    from auditor import throttle

    # one process: its own request budget per account
    with throttle.scoped(config.distributed.throttle, None), Progress(quiet=options.quiet) as progress:
        sink = collect(collectors, progress=progress, max_workers=config.concurrency.accounts)
    scope = estate_scope(config, config_path, collectors)
    if options.save_inventory is not None:
        from auditor.pipeline import save_inventory

        save_inventory(
            options.save_inventory, sink.resources, sink.errors, dict(sink.api_calls),
            sources, scope, started, options.force,
        )
    result = evaluate_resources(
        sink.resources, sink.errors, dict(sink.api_calls),
        sources=sources, scope=scope, options=options, started=started, registry=registry,
    )
    return finish(result, options)
