"""``data "aws_iam_policy_document"`` turned into the IAM JSON Terraform would render."""

from __future__ import annotations

import json
from typing import Any

from auditor.collectors.iac.values import Unknown, contains_unknown, merge_unknown, with_placeholders


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _principals(blocks: Any) -> Any:
    out: dict[str, list[Any]] = {}
    for block in _as_list(blocks):
        if not isinstance(block, dict):
            return Unknown("principals block is unknown")
        ptype = block.get("type")
        ids = _as_list(block.get("identifiers"))
        if isinstance(ptype, Unknown):
            return ptype
        if ptype == "*" and ids == ["*"]:
            return "*"
        out.setdefault(str(ptype), []).extend(ids)
    return out


def _statement(block: dict[str, Any]) -> dict[str, Any]:
    stmt: dict[str, Any] = {}
    if block.get("sid"):
        stmt["Sid"] = block["sid"]
    stmt["Effect"] = block.get("effect") or "Allow"
    for src, dst in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"), ("not_resources", "NotResource")):
        if block.get(src) is not None:
            stmt[dst] = block[src]
    for src, dst in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if block.get(src):
            stmt[dst] = _principals(block[src])
    conditions: dict[str, dict[str, Any]] = {}
    for cond in _as_list(block.get("condition")):
        if not isinstance(cond, dict):
            continue
        test, variable = cond.get("test"), cond.get("variable")
        test_key = test if isinstance(test, str) else "__unknown_test__"
        var_key = variable if isinstance(variable, str) else "__unknown_variable__"
        conditions.setdefault(test_key, {})[var_key] = cond.get("values")
    if conditions:
        stmt["Condition"] = conditions
    return stmt


def policy_document_json(attrs: dict[str, Any]) -> Any:
    """The document as a JSON string, or ``Unknown`` (with a partial rendering) if parts are unknown."""
    extra = [attrs.get(k) for k in ("source_policy_documents", "override_policy_documents", "source_json", "override_json")]
    if any(v not in (None, []) for v in extra):
        return Unknown("policy document merges other documents")
    statements = attrs.get("statement")
    if isinstance(statements, Unknown):
        return statements
    doc: dict[str, Any] = {"Version": attrs.get("version") or "2012-10-17"}
    doc["Statement"] = [_statement(s) for s in _as_list(statements) if isinstance(s, dict)]
    if contains_unknown(doc):
        merged = merge_unknown(*_unknowns(doc))
        return Unknown(merged.reason, merged.refs, json.dumps(with_placeholders(doc)))
    return json.dumps(doc)


def _unknowns(value: Any) -> list[Unknown]:
    if isinstance(value, Unknown):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [u for v in items for u in _unknowns(v)]
