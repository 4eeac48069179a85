"""Limiting a framework to part of the estate: by tag, account, project or subscription.

Config form (``framework_scopes`` in auditor.yaml)::

    hipaa: {tags: {data-classification: phi}, accounts: ["123456789012"], projects: [...], subscriptions: [...]}

Command-line form (``--framework-scope``, repeatable): ``hipaa:tag:data-classification=phi``,
``hipaa:account:123456789012``, ``gdpr:project:my-project``, ``ccpa:subscription:<id>``.

Tags must all match (a tag value may also be a list of accepted values). Accounts, projects and
subscriptions are alternatives: the resource's account must be one of them. Account-wide
resources (an account's audit trail) carry no data tags; they are in scope when their account
holds an in-scope resource, because they guard that resource too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.config import ConfigError
from auditor.resources import Resource

_ID_KEYS = {"account": "accounts", "project": "projects", "subscription": "subscriptions"}


@dataclass(frozen=True)
class Scope:
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    accounts: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    subscriptions: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not (self.tags or self.accounts or self.projects or self.subscriptions)

    @classmethod
    def from_config(cls, framework: str, data: Mapping[str, Any] | None) -> Scope:
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise ConfigError(f"framework_scopes.{framework}: must be a mapping")
        unknown = sorted(set(data) - {"tags", *_ID_KEYS.values()})
        if unknown:
            raise ConfigError(
                f"framework_scopes.{framework}: unknown key(s) {', '.join(unknown)}; "
                "use tags, accounts, projects, subscriptions"
            )
        tags_raw = data.get("tags") or {}
        if not isinstance(tags_raw, Mapping):
            raise ConfigError(f"framework_scopes.{framework}.tags: must map tag names to values")
        tags = {str(k): _strings(v) for k, v in tags_raw.items()}
        ids = {}
        for key in _ID_KEYS.values():
            value = data.get(key) or []
            if isinstance(value, str | int):
                value = [value]
            if not isinstance(value, list):
                raise ConfigError(f"framework_scopes.{framework}.{key}: must be a list")
            ids[key] = tuple(str(v) for v in value)
        return cls(tags=tags, **ids)

    def describe(self) -> str:
        if self.everything:
            return "all resources"
        parts = []
        for name, values in sorted(self.tags.items()):
            parts.append(f"tag {name}={'|'.join(values)}")
        for key in ("accounts", "projects", "subscriptions"):
            values = getattr(self, key)
            if values:
                parts.append(f"{key} {', '.join(values)}")
        return "; ".join(parts)

    def _account_ok(self, resource: Resource) -> bool:
        wanted = (*self.accounts, *self.projects, *self.subscriptions)
        return not wanted or resource.ref.account in wanted

    def _tags_ok(self, resource: Resource) -> bool:
        return all(resource.tags.get(name) in values for name, values in self.tags.items())

    def select(self, resources: Iterable[Resource]) -> set[str]:
        """The ids of the resources in scope."""
        items = list(resources)
        if self.everything:
            return {r.ref.id for r in items}
        chosen = {r.ref.id for r in items if self._account_ok(r) and self._tags_ok(r)}
        if self.tags:
            accounts = {r.ref.account for r in items if r.ref.id in chosen and r.ref.account}
            chosen |= {
                r.ref.id
                for r in items
                if _account_wide(r) and r.ref.account in accounts and self._account_ok(r)
            }
        return chosen


def _account_wide(resource: Resource) -> bool:
    return resource.kind == "AuditTrail" and getattr(resource, "scope", None) == "account"


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def parse_cli_scopes(values: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``hipaa:tag:data-classification=phi`` etc. into the config mapping form."""
    scopes: dict[str, dict[str, Any]] = {}
    for value in values:
        parts = value.split(":", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ConfigError(
                f"--framework-scope {value!r}: use FRAMEWORK:tag:KEY=VALUE, FRAMEWORK:account:ID, "
                "FRAMEWORK:project:ID or FRAMEWORK:subscription:ID"
            )
        framework, what, rest = (p.strip() for p in parts)
        entry = scopes.setdefault(framework, {})
        if what == "tag":
            if "=" not in rest:
                raise ConfigError(f"--framework-scope {value!r}: a tag needs KEY=VALUE")
            key, _, tag_value = rest.partition("=")
            values_for_key = entry.setdefault("tags", {}).setdefault(key.strip(), [])
            values_for_key.append(tag_value.strip())
        elif what in _ID_KEYS:
            entry.setdefault(_ID_KEYS[what], []).extend(v.strip() for v in rest.split(",") if v.strip())
        else:
            raise ConfigError(
                f"--framework-scope {value!r}: unknown scope kind {what!r}; use tag, account, project or subscription"
            )
    return scopes


def merge_scopes(
    config: Mapping[str, Mapping[str, Any]], cli: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The command line replaces the config's scope for each framework it names."""
    merged = {k: dict(v) for k, v in config.items()}
    merged.update({k: dict(v) for k, v in cli.items()})
    return merged
