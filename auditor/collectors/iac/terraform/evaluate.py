"""Evaluate HCL expressions (tree-sitter nodes) in a module's scope, without running anything.

Literals, templates and heredocs, operators, conditionals, for-expressions, splats, indexes and
the pure Terraform functions an auditor needs are evaluated; anything that needs the outside
world (``file()``, data sources, ids known after apply) is ``Unknown``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from auditor.collectors.iac.limits import IacLimits
from auditor.collectors.iac.terraform.hcl import text
from auditor.collectors.iac.values import (
    UNKNOWN_TEXT,
    ResObj,
    Unknown,
    contains_unknown,
    merge_unknown,
    with_placeholders,
)


class Namespace:
    """``var``, ``local``, ``aws_s3_bucket`` ...: looked up one attribute at a time."""

    def __init__(self, name: str, getter: Callable[[str], Any]) -> None:
        self.name = name
        self.getter = getter

    def get(self, attr: str) -> Any:
        return self.getter(attr)


Lookup = Callable[[str], Any]

# Expressions evaluated for one root module, counted down: bounds the time a hostile
# configuration (nested for-expressions over big ranges) can take.
_STEPS: ContextVar[list[int] | None] = ContextVar("iac_eval_steps", default=None)


class BudgetExceeded(Exception):
    def __init__(self, line: int, limit: int) -> None:
        super().__init__(f"evaluation stopped at line {line} after {limit:,} expressions (the evaluation limit)")
        self.line = line


class EvalFailure(Exception):
    """An expression that raised while being evaluated: its line and (shortened) text."""

    def __init__(self, line: int, expression: str, cause: Exception) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.line = line
        self.expression = expression
        self.cause = cause


@contextmanager
def step_budget(limit: int) -> Iterator[None]:
    token = _STEPS.set([limit, limit])
    try:
        yield
    finally:
        _STEPS.reset(token)


def bounded(value: Any) -> Any:
    """A built string or collection within the value limits; doubling through locals or
    concat() would otherwise grow without end. Raises, so the error names file and line."""
    if isinstance(value, str) and len(value) > IacLimits.max_string_chars:
        raise ValueError(f"a string of {len(value):,} characters is over the {IacLimits.max_string_chars:,}-character limit")
    if isinstance(value, list | dict) and len(value) > IacLimits.max_collection_items:
        raise ValueError(f"a collection of {len(value):,} items is over the {IacLimits.max_collection_items:,}-item limit")
    return value


def bounded_tree(value: Any) -> Any:
    """``value`` when, with shared parts counted each time they appear, it stays within the item
    limit. ``l1 = [local.l0, local.l0]`` forty times is small in memory but 2**40 items to any
    walk (jsonencode, flatten, the mappers): refused before anything walks it."""
    limit = IacLimits.max_collection_items
    sizes: dict[int, int] = {}

    def size(item: Any) -> int:
        if not isinstance(item, list | tuple | dict):
            return 1
        known = sizes.get(id(item))
        if known is not None:
            return known
        total = 1 + sum(size(x) for x in (item.values() if isinstance(item, dict) else item))
        if total > limit:
            raise ValueError(f"a value of over {limit:,} items once shared parts are expanded is over the item limit")
        sizes[id(item)] = total
        return total

    size(value)
    return value


def _range(*args: Any) -> list[int]:
    bounds = range(*[int(x) for x in args])
    if len(bounds) > IacLimits.max_instances:
        raise ValueError(f"range of {len(bounds):,} items is over the {IacLimits.max_instances:,}-item limit")
    return list(bounds)


class Evaluator:
    def __init__(self, src: bytes, lookup: Lookup) -> None:
        self.src = src
        self.lookup = lookup

    # -- entry ---------------------------------------------------------------------------
    def eval(self, node: Any, extra: dict[str, Any] | None = None) -> Any:
        if extra:
            return Evaluator(self.src, _chain(extra, self.lookup)).eval(node)
        try:
            return self._eval(node)
        except RecursionError:
            return Unknown("expression too deeply nested")
        except (EvalFailure, BudgetExceeded):
            raise
        except Exception as exc:  # a bug or an input no rule foresaw: name where it happened
            raise EvalFailure(node.start_point[0] + 1, text(node, self.src), exc) from exc

    def _eval(self, node: Any) -> Any:
        steps = _STEPS.get()
        if steps is not None:
            steps[0] -= 1
            if steps[0] < 0:
                raise BudgetExceeded(node.start_point[0] + 1, steps[1])
        kind = node.type
        handler = getattr(self, "_n_" + kind, None)
        if handler is None:
            return Unknown(f"unsupported syntax {kind}")
        return handler(node)

    # -- expressions -----------------------------------------------------------------------
    def _n_expression(self, node: Any) -> Any:
        return self._terms([c for c in node.children if c.type != "comment"])

    def _terms(self, children: list[Any]) -> Any:
        """A base term (or a parenthesised expression) followed by .attr / [index] / splat steps."""
        if not children:
            return None
        if children[0].type == "(":
            close = next(i for i, c in enumerate(children) if c.type == ")")
            value = self._eval(children[1])
            rest = children[close + 1 :]
        else:
            value = self._eval(children[0])
            rest = children[1:]
        for post in rest:
            value = self._postfix(value, post)
        return value

    def _postfix(self, value: Any, post: Any) -> Any:
        if post.type == "get_attr":
            return get_attr(value, text(post.children[-1], self.src))
        if post.type == "index":
            inner = post.children[0]
            if inner.type == "legacy_index":
                key: Any = int(text(inner, self.src).lstrip("."))
            else:
                key = self._eval(next(c for c in inner.children if c.type == "expression"))
            return get_index(value, key)
        if post.type == "splat":
            inner = post.children[0]
            ops = [c for c in inner.children if c.type in ("get_attr", "index")]
            if isinstance(value, Unknown):
                return value
            items = value if isinstance(value, list) else ([] if value is None else [value])
            out = []
            for item in items:
                for op in ops:
                    item = self._postfix(item, op)
                out.append(item)
            return out
        return Unknown(f"unsupported syntax {post.type}")

    def _n_literal_value(self, node: Any) -> Any:
        child = node.children[0]
        raw = text(child, self.src)
        if child.type == "numeric_lit":
            try:
                return int(raw)
            except ValueError:
                return float(raw)
        if child.type == "bool_lit":
            return raw == "true"
        if child.type == "null_lit":
            return None
        if child.type == "string_lit":
            return self._template_parts(child)
        return Unknown(f"unsupported literal {child.type}")

    def _n_string_lit(self, node: Any) -> Any:
        return self._template_parts(node)

    def _n_template_expr(self, node: Any) -> Any:
        inner = node.children[0]
        if inner.type == "heredoc_template":
            return self._heredoc(inner)
        return self._template_parts(inner)

    def _heredoc(self, node: Any) -> Any:
        strip = any(c.type == "heredoc_start" and text(c, self.src).startswith("<<-") for c in node.children)
        idents = [c for c in node.children if c.type == "heredoc_identifier"]
        if len(idents) < 2:
            return Unknown("unterminated heredoc")
        # literal text comes from the source bytes, so indentation and newlines survive exactly
        start = self.src.index(b"\n", idents[0].end_byte) + 1
        end = self.src.rfind(b"\n", 0, idents[-1].start_byte) + 1
        parts: list[Any] = []
        pos = start
        for child in node.children:
            if child.type not in ("template_interpolation", "template_directive") or child.start_byte < start:
                continue
            parts.append(_unescape(self.src[pos : child.start_byte].decode("utf-8", "replace"), heredoc=True))
            if child.type == "template_interpolation":
                expr = next((c for c in child.children if c.type == "expression"), None)
                parts.append(self._eval(expr) if expr is not None else "")
            else:
                parts.append(self._directive(child))
            pos = child.end_byte
        parts.append(_unescape(self.src[pos:end].decode("utf-8", "replace"), heredoc=True))
        value = join_template(parts)
        return _map_text(value, _dedent) if strip else value

    def _template_parts(self, node: Any) -> Any:
        parts: list[Any] = []
        for child in node.children:
            if child.type == "template_literal":
                parts.append(_unescape(text(child, self.src), heredoc=node.type == "heredoc_template"))
            elif child.type == "template_interpolation":
                expr = next((c for c in child.children if c.type == "expression"), None)
                parts.append(self._eval(expr) if expr is not None else "")
            elif child.type == "template_directive":
                parts.append(self._directive(child))
            elif child.type == "heredoc_identifier" and parts:
                pass
        if node.type == "heredoc_template" and parts and isinstance(parts[-1], str):
            pass
        if len(parts) == 1 and not isinstance(parts[0], str) and node.type != "heredoc_template":
            # "${x}" alone keeps x's type, as in Terraform
            literals = [c for c in node.children if c.type == "template_literal"]
            if not literals:
                return parts[0]
        return join_template(parts)

    def _directive(self, node: Any) -> Any:
        inner = node.children[0]
        if inner.type == "template_if":
            intro = inner.children[0]
            cond = self._eval(next(c for c in intro.children if c.type == "expression"))
            then_parts: list[Any] = []
            else_parts: list[Any] = []
            target = then_parts
            for child in inner.children[1:]:
                if child.type == "template_else_intro":
                    target = else_parts
                elif child.type == "template_literal":
                    target.append(_unescape(text(child, self.src)))
                elif child.type == "template_interpolation":
                    expr = next((c for c in child.children if c.type == "expression"), None)
                    target.append(self._eval(expr) if expr is not None else "")
            if isinstance(cond, Unknown):
                return cond
            return join_template(then_parts if cond else else_parts)
        return Unknown("template for-directive is not evaluated")

    def _n_variable_expr(self, node: Any) -> Any:
        return self.lookup(text(node.children[0], self.src))

    def _n_collection_value(self, node: Any) -> Any:
        return self._eval(node.children[0])

    def _n_tuple(self, node: Any) -> Any:
        return [self._eval(c) for c in node.children if c.type == "expression"]

    def _n_object(self, node: Any) -> Any:
        out: dict[str, Any] = {}
        for elem in node.children:
            if elem.type != "object_elem":
                continue
            exprs = [c for c in elem.children if c.type == "expression"]
            key = self._object_key(exprs[0])
            value = self._eval(exprs[1])
            if isinstance(key, Unknown):
                out[UNKNOWN_TEXT] = value
            else:
                out[str(_to_str(key))] = value
        return out

    def _object_key(self, node: Any) -> Any:
        # a bare identifier key is the name itself, not a variable
        children = [c for c in node.children if c.type != "comment"]
        if len(children) == 1 and children[0].type == "variable_expr":
            return text(children[0], self.src)
        return self._eval(node)

    def _n_function_call(self, node: Any) -> Any:
        name = text(node.children[0], self.src)
        args_node = next((c for c in node.children if c.type == "function_arguments"), None)
        args = [] if args_node is None else [self._eval(c) for c in args_node.children if c.type == "expression"]
        expand = args_node is not None and any(c.type == "ellipsis" for c in args_node.children)
        if expand and args and isinstance(args[-1], list):
            args = args[:-1] + list(args[-1])
        if name in ("try", "can"):
            return _try(args, name)
        func = FUNCTIONS.get(name.split("::")[-1])
        if func is None:
            return Unknown(f"function {name}() is not evaluated offline")
        bounded_tree(args)
        try:
            result = func(*args)
        except _NeedsUnknown as exc:
            return exc.value
        except Exception as exc:
            return Unknown(f"{name}() could not be evaluated: {exc}")
        return bounded(result)

    def _n_operation(self, node: Any) -> Any:
        return self._eval(node.children[0])

    def _n_unary_operation(self, node: Any) -> Any:
        op = text(node.children[0], self.src)
        value = self._terms(list(node.children[1:]))
        if isinstance(value, Unknown):
            return value
        if op == "!":
            return not _truthy(value)
        if op == "-":
            return -value
        return Unknown(f"unsupported operator {op}")

    def _n_binary_operation(self, node: Any) -> Any:
        children = list(node.children)
        depth = 0
        split = 0
        for i, child in enumerate(children):
            if child.type == "(":
                depth += 1
            elif child.type == ")":
                depth -= 1
            elif depth == 0 and i > 0 and child.type in _BINARY_OPS:
                split = i
                break
        left = self._terms(children[:split])
        op = children[split].type
        if op == "&&" and left is False:
            return False
        if op == "||" and left is True:
            return True
        right = self._terms(children[split + 1 :])
        if op == "&&" and right is False:
            return False
        if op == "||" and right is True:
            return True
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return merge_unknown(left, right)
        return _binary(op, left, right)

    def _n_conditional(self, node: Any) -> Any:
        exprs = [c for c in node.children if c.type == "expression"]
        cond = self._eval(exprs[0])
        if isinstance(cond, Unknown):
            a, b = self._eval(exprs[1]), self._eval(exprs[2])
            if not contains_unknown(a) and a == b:
                return a
            return Unknown(f"condition is unknown ({cond.reason})", cond.refs | _refs(a) | _refs(b))
        return self._eval(exprs[1] if _truthy(cond) else exprs[2])

    def _n_for_expr(self, node: Any) -> Any:
        inner = node.children[0]
        intro = next(c for c in inner.children if c.type == "for_intro")
        names = [text(c, self.src) for c in intro.children if c.type == "identifier"]
        coll = self._eval(next(c for c in intro.children if c.type == "expression"))
        if isinstance(coll, Unknown):
            return coll
        cond_node = next((c for c in inner.children if c.type == "for_cond"), None)
        body = [c for c in inner.children if c.type == "expression"]
        grouping = any(c.type == "ellipsis" for c in inner.children)
        pairs = _iterate(coll)
        is_object = inner.type == "for_object_expr"
        out_list: list[Any] = []
        out_obj: dict[str, Any] = {}
        for key, value in pairs:
            scope = {names[-1]: value}
            if len(names) == 2:
                scope[names[0]] = key
            sub = Evaluator(self.src, _chain(scope, self.lookup))
            if cond_node is not None:
                keep = sub.eval(next(c for c in cond_node.children if c.type == "expression"))
                if isinstance(keep, Unknown):
                    return keep
                if not keep:
                    continue
            if is_object:
                k = sub.eval(body[0])
                v = sub.eval(body[1])
                if isinstance(k, Unknown):
                    return k
                if grouping:
                    out_obj.setdefault(str(_to_str(k)), []).append(v)
                else:
                    out_obj[str(_to_str(k))] = v
            else:
                out_list.append(sub.eval(body[0]))
        return out_obj if is_object else out_list


_BINARY_OPS = frozenset({"==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&&", "||"})


class _NeedsUnknown(Exception):
    def __init__(self, value: Unknown) -> None:
        self.value = value


def _refs(value: Any) -> frozenset[str]:
    return value.refs if isinstance(value, Unknown) else frozenset()


def _chain(extra: dict[str, Any], lookup: Lookup) -> Lookup:
    def inner(name: str) -> Any:
        if name in extra:
            return extra[name]
        return lookup(name)

    return inner


def _iterate(coll: Any) -> list[tuple[Any, Any]]:
    if isinstance(coll, dict):
        return list(coll.items())
    if isinstance(coll, list | tuple | set):
        return list(enumerate(coll))
    return []


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _to_str(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return ""
    if isinstance(value, int | float | str):
        return str(value)
    return value


def join_template(parts: list[Any]) -> Any:
    if all(isinstance(p, str | int | float | bool) or p is None for p in parts):
        return bounded("".join(str(_to_str(p)) for p in parts))
    unknowns = [p for p in parts if isinstance(p, Unknown)]
    partial = bounded("".join(
        (p.partial or UNKNOWN_TEXT) if isinstance(p, Unknown) else str(_to_str(p)) if not isinstance(p, dict | list | ResObj) else UNKNOWN_TEXT
        for p in parts
    ))
    if not unknowns:
        return Unknown("template interpolates a non-string value", partial=partial)
    merged = merge_unknown(*unknowns)
    return Unknown(merged.reason, merged.refs, partial)


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(raw: str, heredoc: bool = False) -> str:
    raw = raw.replace("$${", "${").replace("%%{", "%{")
    if heredoc:
        return raw
    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", _escape_one, raw)


def _escape_one(match: re.Match[str]) -> str:
    seq = match.group(1)
    if seq[0] in "uU" and len(seq) > 1:
        return chr(int(seq[1:], 16))
    return _ESCAPES.get(seq, "\\" + seq)


def _dedent(value: str) -> str:
    lines = value.split("\n")
    indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(ln[cut:] for ln in lines)


def _map_text(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, Unknown) and value.partial is not None:
        return Unknown(value.reason, value.refs, fn(value.partial))
    return value


def get_attr(value: Any, name: str) -> Any:
    if isinstance(value, Unknown):
        return Unknown(value.reason, value.refs)
    if isinstance(value, Namespace | ResObj):
        return value.get(name)
    if isinstance(value, dict):
        if name in value:
            return value[name]
        return Unknown(f"attribute {name} not present")
    if isinstance(value, list):
        return Unknown(f"cannot read .{name} of a list (missing [index] or [*]?)", frozenset().union(*(_objrefs(v) for v in value)) if value else frozenset())
    return Unknown(f"cannot read .{name} of {type(value).__name__}")


def _objrefs(value: Any) -> frozenset[str]:
    return frozenset({value.address}) if isinstance(value, ResObj) else frozenset()


def get_index(value: Any, key: Any) -> Any:
    if isinstance(value, Unknown):
        return Unknown(value.reason, value.refs)
    if isinstance(key, Unknown):
        return Unknown(key.reason, key.refs | _container_refs(value))
    if isinstance(value, list):
        try:
            return value[int(key)]
        except (ValueError, TypeError, IndexError):
            return Unknown(f"index {key!r} out of range")
    if isinstance(value, dict):
        if str(_to_str(key)) in value:
            return value[str(_to_str(key))]
        return Unknown(f"key {key!r} not present")
    if isinstance(value, Namespace):
        return value.get(str(key))
    return Unknown(f"cannot index {type(value).__name__}")


def _container_refs(value: Any) -> frozenset[str]:
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return frozenset(v.address for v in items if isinstance(v, ResObj))


def _binary(op: str, left: Any, right: Any) -> Any:
    if op == "==":
        return _norm_cmp(left) == _norm_cmp(right)
    if op == "!=":
        return _norm_cmp(left) != _norm_cmp(right)
    if op == "&&":
        return _truthy(left) and _truthy(right)
    if op == "||":
        return _truthy(left) or _truthy(right)
    lnum, rnum = _num(left), _num(right)
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "%": lambda a, b: a % b,
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }
    return ops[op](lnum, rnum)


def _norm_cmp(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _num(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("bool is not a number")
    if isinstance(value, str):
        return float(value) if "." in value else int(value)
    return value


def _try(args: list[Any], name: str) -> Any:
    if name == "can":
        return not isinstance(args[0], Unknown) if args else False
    for arg in args:
        if not isinstance(arg, Unknown):
            return arg
    return args[-1] if args else Unknown("try() without arguments")


def _known(*args: Any) -> None:
    for arg in args:
        if contains_unknown(arg):
            unknowns = _find_unknowns(arg)
            raise _NeedsUnknown(merge_unknown(*unknowns) if unknowns else Unknown("unknown argument"))


def _find_unknowns(value: Any) -> list[Unknown]:
    if isinstance(value, Unknown):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else []
    return [u for v in items for u in _find_unknowns(v)]


def _jsonencode(value: Any) -> Any:
    if contains_unknown(value) or _has_resobj(value):
        unknowns = _find_unknowns(value)
        merged = merge_unknown(*unknowns) if unknowns else Unknown("encodes a resource object")
        return Unknown(merged.reason, merged.refs, json.dumps(with_placeholders(value)))
    return json.dumps(value, separators=(",", ":"))


def _has_resobj(value: Any) -> bool:
    if isinstance(value, ResObj):
        return True
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else []
    return any(_has_resobj(v) for v in items)


def _strict(fn: Callable[..., Any]) -> Callable[..., Any]:
    def inner(*args: Any) -> Any:
        _known(*args)
        return fn(*args)

    return inner


def _merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for m in maps:
        if isinstance(m, Unknown):
            raise _NeedsUnknown(m)
        if m is None:
            continue
        out.update(m)
    return out


def _concat(*lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        if isinstance(item, Unknown):
            raise _NeedsUnknown(item)
        out.extend(item or [])
    return out


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if isinstance(m, Unknown):
        return m
    if isinstance(key, Unknown):
        return key
    if key in m:
        return m[key]
    if default:
        return default[0]
    return Unknown(f"lookup: key {key!r} not present")


def _coalesce(*args: Any) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            raise _NeedsUnknown(arg)
        if arg not in (None, ""):
            return arg
    return None


def _flatten(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _unique(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _format(fmt: str, *args: Any) -> str:
    it = iter(args)

    def repl(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        return str(_to_str(next(it)))

    return re.sub(r"%%|%[-+ #0-9.]*[a-zA-Z]", repl, fmt)


def _element(lst: Any, idx: Any) -> Any:
    if isinstance(lst, Unknown):
        return lst
    return lst[int(idx) % len(lst)]


def _file(*args: Any) -> Any:
    return Unknown("file contents are not read (file()/templatefile())")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": _jsonencode,
    "jsondecode": _strict(lambda s: json.loads(s)),
    "yamlencode": _strict(lambda v: json.dumps(v)),
    "merge": _merge,
    "concat": _concat,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "coalescelist": _strict(lambda *ls: next((x for x in ls if x), [])),
    "toset": lambda v: v if isinstance(v, Unknown) else _unique(list(v)),
    "tolist": lambda v: v if isinstance(v, Unknown) else list(v),
    "tomap": lambda v: v,
    "tostring": _strict(lambda v: str(_to_str(v))),
    "tonumber": _strict(lambda v: _num(v)),
    "tobool": _strict(lambda v: v if isinstance(v, bool) else str(v).lower() == "true"),
    "length": _strict(lambda v: len(v)),
    "lower": _strict(lambda s: s.lower()),
    "upper": _strict(lambda s: s.upper()),
    "title": _strict(lambda s: s.title()),
    "trimspace": _strict(lambda s: s.strip()),
    "trim": _strict(lambda s, c: s.strip(c)),
    "trimprefix": _strict(lambda s, p: s[len(p):] if s.startswith(p) else s),
    "trimsuffix": _strict(lambda s, p: s[: -len(p)] if p and s.endswith(p) else s),
    "join": _strict(lambda sep, lst: sep.join(str(_to_str(x)) for x in lst)),
    "split": _strict(lambda sep, s: s.split(sep)),
    "replace": _strict(lambda s, a, b: s.replace(a, b)),
    "format": _strict(_format),
    "element": _element,
    "keys": _strict(lambda m: sorted(m.keys())),
    "values": _strict(lambda m: [m[k] for k in sorted(m.keys())]),
    "flatten": _strict(_flatten),
    "distinct": _strict(_unique),
    "compact": _strict(lambda lst: [x for x in lst if x not in (None, "")]),
    "contains": _strict(lambda lst, v: v in lst),
    "startswith": _strict(lambda s, p: s.startswith(p)),
    "endswith": _strict(lambda s, p: s.endswith(p)),
    "substr": _strict(lambda s, o, n: s[o : o + n] if n >= 0 else s[o:]),
    "zipmap": _strict(lambda k, v: dict(zip(k, v, strict=False))),
    "range": _strict(_range),
    "min": _strict(lambda *a: min(a)),
    "max": _strict(lambda *a: max(a)),
    "abs": _strict(abs),
    "sort": _strict(lambda lst: sorted(lst)),
    "reverse": _strict(lambda lst: list(reversed(lst))),
    "one": _strict(lambda lst: lst[0] if lst else None),
    "setunion": _strict(lambda *ls: _unique([x for lst in ls for x in lst])),
    "file": _file,
    "templatefile": _file,
    "filebase64": _file,
    "fileexists": _file,
    "base64encode": _strict(lambda s: __import__("base64").b64encode(s.encode()).decode()),
    "base64decode": _strict(lambda s: __import__("base64").b64decode(s).decode("utf-8", "replace")),
    "sensitive": lambda v: v,
    "nonsensitive": lambda v: v,
}
