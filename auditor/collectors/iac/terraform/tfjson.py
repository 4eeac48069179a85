"""Terraform JSON syntax (``*.tf.json``) rewritten as native HCL, so one evaluator serves both.

Strings keep their ``${...}`` interpolations; nested blocks become object values, which the
mappers read like blocks. ``"//"`` keys are comments (``"//": "auditor:ignore <check> <reason>"``
works as an inline ignore). Block lines point back into the JSON file.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from auditor.collectors.iac.terraform.hcl import HclFile, HclSyntaxError, parse_hcl

_LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1, "locals": 0, "terraform": 0}


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = [f"{_string(str(k))} = {_value(v)}" for k, v in value.items() if k != "//"]
        return "{" + ", ".join(items) + "}"
    return "null"


def _body(obj: Any, lines: list[str]) -> None:
    if not isinstance(obj, dict):
        return
    for key, value in obj.items():
        if key == "//":
            for text in value if isinstance(value, list) else [value]:
                lines.append(f"# {text}")
            continue
        if key in ("dynamic",):
            continue
        name = key if key.replace("_", "").replace("-", "").isalnum() else None
        if name is None:
            continue
        lines.append(f"{name} = {_value(value)}")


def _line_of(text_lines: list[str], needles: list[str], start: int) -> int:
    """The first line at or after ``start`` that holds the labels in order (a cheap locator)."""
    for index in range(start, len(text_lines)):
        if needles and json.dumps(needles[-1]) in text_lines[index]:
            return index + 1
    return start + 1


def tf_json_to_hcl(text: str, path: str) -> HclFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HclSyntaxError(f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise HclSyntaxError("JSON nested too deeply", 1) from None
    if not isinstance(data, dict):
        raise HclSyntaxError("a .tf.json file must hold an object", 1)
    json_lines = text.splitlines()
    out: list[str] = []
    line_map: dict[int, int] = {}
    cursor = 0

    def block(header: str, labels: list[str], content: Any) -> None:
        nonlocal cursor
        found = _line_of(json_lines, labels or [header], cursor)
        cursor = max(cursor, found - 1)
        line_map[len(out) + 1] = found
        out.append(header + "".join(f" {_string(lb)}" for lb in labels) + " {")
        _body(content, out)
        out.append("}")

    for kind, content in data.items():
        depth = _LABELS.get(kind)
        if depth is None or not isinstance(content, dict | list):
            continue
        items = content if isinstance(content, list) else [content]
        for item in items:
            if depth == 0:
                block(kind, [], item)
            elif depth == 1:
                for name, body in (item.items() if isinstance(item, dict) else []):
                    for one in body if isinstance(body, list) else [body]:
                        block(kind, [name], one)
            else:
                for rtype, named in (item.items() if isinstance(item, dict) else []):
                    for name, body in (named.items() if isinstance(named, dict) else []):
                        for one in body if isinstance(body, list) else [body]:
                            block(kind, [rtype, name], one)
    try:
        native = "\n".join(out).encode("utf-8")
    except UnicodeEncodeError:
        raise HclSyntaxError("a string holds a lone UTF-16 surrogate (\\ud800-\\udfff), not text", 1) from None
    hcl = parse_hcl(native, path)
    # point blocks and comments back at the JSON lines
    starts = sorted(line_map)
    blocks = []
    comments: dict[int, str] = {}
    for blk in hcl.body.blocks:
        json_line = line_map.get(blk.line, blk.line)
        blocks.append(replace(blk, line=json_line, end_line=json_line))
        for ln, comment in hcl.comments.items():
            if blk.line <= ln <= blk.end_line:
                comments[json_line] = comment
    del starts
    hcl.body.blocks = blocks
    return HclFile(path, hcl.src, hcl.body, comments)
