"""Targets: the unit an organization is scanned in, and the one place a target becomes collectors.

A target is an AWS account, a GCP project, an Azure subscription, an IaC root, an endpoint range,
a files path or a Kubernetes context. It is carried as a *narrowed configuration*: the estate's
``sources`` with a single source holding a single account, project, path... So ``auditor scan
<source>`` (its flags made into that source's section), the estate scan (every source at once), one
distributed task and one shard all build their collectors through ``collectors_for_sources``, and a
target travels between processes as plain JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from auditor.collectors.base import CollectionSink, Collector
from auditor.config import (
    AuditorConfig,
    AwsAccountConfig,
    AwsSourceConfig,
    ConcurrencyConfig,
    ConfigError,
    SettingError,
    SettingNamer,
    SourcesConfig,
    config_key,
)


@dataclass(frozen=True)
class Target:
    source: str
    key: str = ""  # the account, project, subscription, path or range; '' for "everything visible"
    sources: dict[str, Any] | None = None  # the narrowed ``sources`` section, as JSON

    @property
    def id(self) -> str:
        """Stable across runs: what the store keys a target's state and findings by."""
        return f"{self.source}:{self.key or '*'}"

    def config(self) -> SourcesConfig:
        return SourcesConfig.model_validate(self.sources or {})

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "key": self.key, "sources": self.sources}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Target:
        return cls(source=str(data["source"]), key=str(data.get("key") or ""), sources=data.get("sources"))

    def slug(self) -> str:
        text = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.id).strip("-")[:60]
        return f"{text}-{hashlib.sha256(self.id.encode()).hexdigest()[:8]}"


def collectors_for_sources(
    sources: SourcesConfig, limits: ConcurrencyConfig | None = None, name_of: SettingNamer = config_key
) -> list[Collector]:
    """Every collector a ``sources`` section asks for; config mistakes raise ConfigError before any I/O.

    The one place a configuration becomes collectors: ``auditor scan <source>`` (its flags turned
    into the same typed section), the estate scan, a distributed task and a shard. ``name_of``
    names a setting in errors as the user wrote it (a key of auditor.yaml, or a flag)."""
    from auditor.sources import source_module

    limits = limits or ConcurrencyConfig()
    collectors: list[Collector] = []
    for name in sources.configured():
        try:
            collectors.extend(source_module(name).collectors(getattr(sources, name), limits))
        except SettingError as exc:
            raise ConfigError(f"{name_of(name, exc.key)}: {exc.message}") from exc
        except ConfigError as exc:
            text, where = str(exc), name_of(name, "")
            raise ConfigError(text if not where or text.startswith(where) else f"{where}: {text}") from exc
    return collectors


def collectors_for(target: Target, limits: ConcurrencyConfig | None = None) -> list[Collector]:
    return collectors_for_sources(target.config(), limits)


def _one(name: str, section: Any) -> dict[str, Any]:
    return {name: section.model_dump(mode="json", exclude_none=True)}


def _split(name: str, section: Any, field: str) -> list[Target]:
    """One target per value of a list setting (the whole section when the list is empty)."""
    values = list(getattr(section, field))
    if not values:
        return [Target(name, "", _one(name, section))]
    return [Target(name, v, _one(name, section.model_copy(update={field: [v]}))) for v in values]


def _aws_targets(aws: AwsSourceConfig, endpoint_sink: CollectionSink | None) -> list[Target]:
    base = aws.model_copy(update={"accounts": [], "organization": None})
    entries = list(aws.accounts)
    if aws.organization is not None:
        from auditor.collectors.aws_org import OrganizationCollector

        org = aws.organization
        sink = endpoint_sink or CollectionSink()
        for t in OrganizationCollector(org, endpoint_url=aws.endpoint_url).targets(sink):
            if t.use_base_session and org.management_profile:
                entries.append(AwsAccountConfig(id=t.account, profile=org.management_profile))
            else:
                entries.append(AwsAccountConfig(id=t.account, role_arn=t.role_arn, external_id=t.external_id))
        if org.management_profile and not base.profile:
            base = base.model_copy(update={"profile": org.management_profile})
    if not entries:
        return [Target("aws", aws.profile or "", _one("aws", aws))]
    return [Target("aws", e.id, _one("aws", base.model_copy(update={"accounts": [e]}))) for e in entries]


_SPLIT_BY = {"gcp": "projects", "azure": "subscriptions", "iac": "paths", "endpoints": "targets",
             "files": "paths", "k8s": "contexts"}


def plan_targets(config: AuditorConfig, sink: CollectionSink | None = None) -> list[Target]:
    """Every target of the estate, in a stable order. An AWS organization is listed here (through
    its management account); listing errors go to ``sink``."""
    targets: list[Target] = []
    for name in config.sources.configured():
        section = getattr(config.sources, name)
        if name == "aws":
            targets.extend(_aws_targets(section, sink))
        else:
            targets.extend(_split(name, section, _SPLIT_BY[name]))
    seen: set[str] = set()
    unique = []
    for t in targets:
        if t.id not in seen:
            seen.add(t.id)
            unique.append(t)
    return unique


def shard(targets: Sequence[Target], index: int, count: int) -> list[Target]:
    """The static slice ``index`` of ``count`` (0-based), by a hash of each target's id, so a
    target stays in its shard when others are added or removed."""
    if count < 1 or not 0 <= index < count:
        raise ConfigError(f"--shard {index}/{count}: expected i/N with 0 <= i < N")
    return [t for t in targets if int(hashlib.sha256(t.id.encode()).hexdigest(), 16) % count == index]


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ConfigError(f"--shard {text!r}: expected i/N, e.g. 0/4")
    index, count = int(match.group(1)), int(match.group(2))
    shard([], index, count)  # validates
    return index, count


def dumps(targets: Sequence[Target]) -> str:
    return json.dumps([t.to_json() for t in targets], sort_keys=True)
