"""Values of IaC expressions: known Python values, or ``Unknown`` when they cannot be resolved.

A value that depends on something only known at apply time (a resource id, an unset variable,
``file()``) is ``Unknown``. It remembers which resources it referred to (so split resources can
still be joined to their bucket) and, for strings and JSON, a partial rendering with
``UNKNOWN_TEXT`` placeholders, so a policy whose ``Resource`` is an ARN still parses while one
whose ``Principal`` is unknown does not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

UNKNOWN_TEXT = "__auditor_unknown__"
# Stands for "the deploying account" (``AWS::AccountId``, ``data.aws_caller_identity``) inside
# partial renderings, so a trust policy naming its own account root is judged as such.
OWN_ACCOUNT = "000000000000"
# how an unknown part of a partly known string is shown to people
KNOWN_LATER = "(known after apply)"


@dataclass(frozen=True)
class Unknown:
    reason: str
    refs: frozenset[str] = field(default_factory=frozenset)
    partial: str | None = None
    # The resource whose attribute this is (``aws_s3_bucket.x.bucket`` when the name has a
    # ``random_id`` suffix): joins follow the reference itself, not only the resolved value.
    owner: str | None = None

    def __str__(self) -> str:
        """Readable wherever a value is shown (names, messages, evidence): never the class repr."""
        if self.partial is not None:
            return self.partial.replace(UNKNOWN_TEXT, KNOWN_LATER).replace(OWN_ACCOUNT, "(deploying account)")
        return f"(unknown: {self.reason})"

    __repr__ = __str__


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def merge_unknown(*values: Any, reason: str = "depends on an unknown value") -> Unknown:
    refs: set[str] = set()
    reasons = []
    for value in values:
        if isinstance(value, Unknown):
            refs |= value.refs
            reasons.append(value.reason)
    return Unknown(reasons[0] if reasons else reason, frozenset(refs))


def contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(v) for v in value)
    return False


def collect_refs(value: Any) -> set[str]:
    """Every resource address an (unknown) value came from, searched through containers."""
    if isinstance(value, Unknown):
        return set(value.refs)
    if isinstance(value, ResObj):
        return {value.address}
    out: set[str] = set()
    if isinstance(value, dict):
        for v in value.values():
            out |= collect_refs(v)
    elif isinstance(value, list | tuple):
        for v in value:
            out |= collect_refs(v)
    return out


@dataclass
class ResObj:
    """A resource or data-source instance as seen from a reference (``aws_s3_bucket.x``)."""

    address: str
    type: str
    attrs: dict[str, Any]
    computed: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        if name in self.computed:
            return self.computed[name]
        if name in self.attrs and self.attrs[name] is not None:
            value = self.attrs[name]
            if isinstance(value, Unknown):
                return Unknown(value.reason, value.refs | {self.address}, value.partial, owner=self.address)
            return value
        return Unknown(f"{self.address}.{name} is known only after apply", frozenset({self.address}), owner=self.address)


def with_placeholders(value: Any) -> Any:
    """A plain JSON-able copy where every unknown becomes ``UNKNOWN_TEXT`` (or its partial text)."""
    if isinstance(value, Unknown):
        return value.partial if value.partial is not None else UNKNOWN_TEXT
    if isinstance(value, ResObj):
        return UNKNOWN_TEXT
    if isinstance(value, dict):
        return {str(k): with_placeholders(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [with_placeholders(v) for v in value]
    return value


def json_document(value: Any) -> dict[str, Any] | None:
    """A JSON policy given as text, object, or a partly unknown rendering of either; None if unusable."""
    if isinstance(value, Unknown):
        if value.partial is None:
            return None
        value = value.partial
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            return None
    if isinstance(value, dict):
        doc = with_placeholders(value)
        return doc if isinstance(doc, dict) else None
    return None


def mentions_unknown(value: Any) -> bool:
    if isinstance(value, str):
        return UNKNOWN_TEXT in value
    if isinstance(value, dict):
        return any(mentions_unknown(k) or mentions_unknown(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(mentions_unknown(v) for v in value)
    return isinstance(value, Unknown)


def policy_is_decidable(doc: dict[str, Any]) -> bool:
    """Unknowns only in ``Resource``/``Sid`` keep a policy judgeable; elsewhere they do not."""
    statements = doc.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return False
    for stmt in statements:
        if not isinstance(stmt, dict):
            return False
        for key, val in stmt.items():
            if key in ("Resource", "NotResource", "Sid"):
                continue
            if mentions_unknown(val):
                return False
    return True
