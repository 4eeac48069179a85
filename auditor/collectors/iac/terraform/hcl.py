"""HCL files as blocks and attributes over a tree-sitter syntax tree (lines included).

Expressions stay syntax nodes; ``evaluate.py`` resolves them in a module's scope. Parse errors
name the first line where the grammar gave up.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from auditor.collectors.iac.limits import IacLimits

_local = threading.local()


def _parser() -> Any:
    parser = getattr(_local, "parser", None)
    if parser is None:
        import tree_sitter
        import tree_sitter_hcl

        parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
        _local.parser = parser
    return parser


class HclSyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Attr:
    name: str
    node: Any
    line: int


@dataclass
class Block:
    type: str
    labels: list[str]
    body: Body
    line: int
    end_line: int


@dataclass
class Body:
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class HclFile:
    path: str
    src: bytes
    body: Body
    comments: dict[int, str]


def text(node: Any, src: bytes) -> str:
    return src[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _first_error(node: Any) -> Any | None:
    """The first node where the grammar gave up, skipping complete constructs an ERROR node kept."""
    if node.is_missing:
        return node
    if node.type == "ERROR":
        for child in node.children:
            if child.type in ("attribute", "block", "comment") and not child.has_error:
                continue
            return _first_error(child) if child.has_error or child.is_missing else child
        return node
    if not node.has_error:
        return None
    for child in node.children:
        found = _first_error(child)
        if found is not None:
            return found
    return node


def _label(node: Any, src: bytes) -> str:
    raw = text(node, src)
    return raw[1:-1] if raw.startswith('"') and raw.endswith('"') else raw


MAX_NESTING = IacLimits.max_nesting


def _body(node: Any, src: bytes, comments: dict[int, str], depth: int = 0) -> Body:
    if depth > MAX_NESTING:
        raise HclSyntaxError(f"blocks nested deeper than {MAX_NESTING}", node.start_point[0] + 1)
    body = Body()
    for child in node.children:
        if child.type == "attribute":
            ident = child.children[0]
            expr = next(c for c in child.children if c.type == "expression")
            body.attrs[text(ident, src)] = Attr(text(ident, src), expr, child.start_point[0] + 1)
        elif child.type == "block":
            body.blocks.append(_block(child, src, comments, depth))
        elif child.type == "comment":
            comments[child.start_point[0] + 1] = text(child, src)
    return body


def _block(node: Any, src: bytes, comments: dict[int, str], depth: int) -> Block:
    kind = ""
    labels: list[str] = []
    inner = Body()
    for child in node.children:
        if child.type == "identifier" and not kind:
            kind = text(child, src)
        elif child.type in ("string_lit", "identifier"):
            labels.append(_label(child, src))
        elif child.type == "body":
            inner = _body(child, src, comments, depth + 1)
        elif child.type == "comment":
            comments[child.start_point[0] + 1] = text(child, src)
    return Block(kind, labels, inner, node.start_point[0] + 1, node.end_point[0] + 1)


def _snippet(src: bytes, line: int) -> str:
    """The offending line, secrets redacted before it is cut short (errors reach every report)."""
    from auditor.analysis.secrets import redact_text

    start = 0
    for _ in range(line - 1):
        nxt = src.find(b"\n", start)
        if nxt < 0:
            break
        start = nxt + 1
    end = src.find(b"\n", start)
    raw = src[start : end if end >= 0 else min(len(src), start + 4096)][:4096]
    shown = redact_text(raw.decode("utf-8", "replace").strip())
    return shown[:80] + ("…" if len(shown) > 80 else "")


def _parse_tree(src: bytes, seconds: float) -> Any:
    """The syntax tree, or an error once the parser has run ``seconds`` on one file."""
    parser = _parser()
    started = time.monotonic()

    def read(offset: int, _point: Any) -> bytes:
        return src[offset : offset + 65536]

    def too_long(*_state: Any) -> bool:
        return time.monotonic() - started > seconds

    try:
        return parser.parse(read, progress_callback=too_long)
    except ValueError:  # the callback cancelled the parse
        parser.reset()
        raise HclSyntaxError(f"not parsed within {seconds:g} s (the parse time limit)", 1) from None


def parse_hcl(src: bytes, path: str) -> HclFile:
    try:
        src.decode("utf-8")
    except UnicodeDecodeError as exc:  # Terraform reads UTF-8 only; garbage would only slow the parser
        line = src.count(b"\n", 0, exc.start) + 1
        raise HclSyntaxError(f"not UTF-8 text (byte 0x{src[exc.start]:02x}): Terraform reads UTF-8 only", line) from None
    tree = _parse_tree(src, IacLimits.max_parse_seconds)
    root = tree.root_node
    if root.has_error:
        try:
            bad = _first_error(root)
        except RecursionError:
            bad = None
        line = (bad.start_point[0] + 1) if bad is not None else 1
        raise HclSyntaxError(f"HCL syntax error near: {_snippet(src, line)}", line)
    comments: dict[int, str] = {}
    body = Body()
    for child in root.children:
        if child.type == "body":
            body = _body(child, src, comments)
        elif child.type == "comment":
            comments[child.start_point[0] + 1] = text(child, src)
    return HclFile(path, src, body, comments)


_IGNORE = re.compile(r"(?:#|//|/\*)\s*auditor:ignore\s+([A-Za-z0-9_*-]+)\s*(.*?)\s*(?:\*/)?$")


def ignore_comments(comments: dict[int, str], start: int, end: int) -> list[tuple[str, str, int]]:
    """``auditor:ignore <check> <reason>`` comments inside a block or in the comment run just above it."""
    found: list[tuple[str, str, int]] = []
    if end - start < len(comments):
        lines = [ln for ln in range(start, end + 1) if ln in comments]
    else:
        lines = [ln for ln in comments if start <= ln <= end]
    above = start - 1
    while above in comments:
        lines.append(above)
        above -= 1
    for ln in sorted(lines):
        match = _IGNORE.search(comments[ln].strip())
        if match:
            found.append((match.group(1), match.group(2) or "", ln))
    return found
