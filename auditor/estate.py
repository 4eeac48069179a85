"""``auditor scan --config auditor.yaml``: the whole estate described by one file, in one run.

Each configured source builds its collectors through its own CLI module's
``collectors_from_config`` (imported only when that source is configured); AWS accounts and
organizations go through ``auditor.collectors.aws_org``. Sources and accounts are scanned side by
side within ``concurrency.accounts``; inside one account the AWS collector runs
``concurrency.per_account`` calls at once. A source or account that fails is a recorded
collection error and the rest goes on; the exit code says whether the run was complete.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from auditor.collectors.base import Collector
from auditor.config import AuditorConfig, ConfigError
from auditor.pipeline import ScanOptions, build_registry, evaluate_resources, finish

SOURCE_MODULES = {
    "aws": "auditor.cli.scan_aws",
    "gcp": "auditor.cli.scan_gcp",
    "azure": "auditor.cli.scan_azure",
    "iac": "auditor.cli.scan_iac",
    "endpoints": "auditor.cli.scan_endpoints",
    "files": "auditor.cli.scan_files",
    "k8s": "auditor.cli.scan_k8s",
}


def source_module(name: str) -> object:
    module_name = SOURCE_MODULES[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise ConfigError(f"sources.{name}: this auditor has no {name} source") from exc
        raise
    if not hasattr(module, "collectors_from_config"):
        raise ConfigError(f"sources.{name}: the {name} source cannot be configured from a file")
    return module


def build_collectors(config: AuditorConfig) -> list[Collector]:
    """Every collector the config asks for; config mistakes raise ConfigError before any I/O."""
    from auditor.collectors import aws_org

    collectors: list[Collector] = []
    limits = config.concurrency
    for name in config.sources.configured():
        if name == "aws" and config.sources.aws is not None:
            aws = config.sources.aws
            multi = aws_org.collectors_for(aws, max_accounts=limits.accounts, max_workers=limits.per_account)
            collectors.extend(multi)
            if multi:  # with accounts or an organization, ``profile`` is only the base to assume roles from
                continue
            section = {**aws.collector_section(), "max_workers": limits.per_account}
        else:
            section = dict(getattr(config.sources, name) or {})
        module = source_module(name)
        try:
            built = module.collectors_from_config(section)  # type: ignore[attr-defined]
        except ConfigError as exc:
            raise ConfigError(f"sources.{name}: {exc}") from exc
        collectors.extend(built)
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
    with Progress(quiet=options.quiet) as progress:
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
