"""CloudFormation templates (YAML with short-form intrinsics, or JSON) into resource instances.

Intrinsics are resolved the way CloudFormation would with the parameters' defaults: ``Ref``,
``Fn::Sub``, ``Fn::Join``, ``Fn::If`` over ``Conditions``, ``Fn::Select``, ``Fn::FindInMap``.
Attributes of other resources (``Ref``/``GetAtt`` to a logical id) stay unknown but remember
which resource they point at, so a ``BucketPolicy`` is joined to its bucket. Each resource is
then expressed in the Terraform AWS provider's vocabulary so that one mapper serves both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from auditor.collectors.iac.discovery import check_regular
from auditor.collectors.iac.ignores import NO_REASON
from auditor.collectors.iac.limits import IacLimits
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.terraform.hcl import ignore_comments
from auditor.collectors.iac.values import (
    OWN_ACCOUNT,
    UNKNOWN_TEXT,
    Unknown,
    contains_unknown,
    merge_unknown,
    with_placeholders,
)
from auditor.resources import InlineIgnore

ErrorSink = Callable[[str, str, int | None, bool], None]

_SHORT_TAGS = (
    "Ref", "Sub", "GetAtt", "If", "Join", "Select", "Split", "Equals", "Not", "And", "Or", "Condition",
    "FindInMap", "Base64", "GetAZs", "ImportValue", "Cidr", "Transform", "Length", "ToJsonString",
)


class _LineDict(dict[str, Any]):
    """A mapping that remembers the line of each key, and where the mapping ends (0-based mark)."""

    lines: dict[str, int]
    end_mark: tuple[int, int]


# libyaml's loader when present: several times faster than the pure-Python one on big templates
_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_SafeBase):  # type: ignore[misc]
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    out = _LineDict()
    out.lines = {}
    out.end_mark = (node.end_mark.line, node.end_mark.column)
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value, not a list or mapping", key_node.start_mark
            )
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[str(key)] = key_node.start_mark.line + 1
    return out


def _short(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    name = "Ref" if tag == "Ref" else "Condition" if tag == "Condition" else f"Fn::{tag}"

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = _construct_mapping(loader, node)  # type: ignore[arg-type]
        return {name: value}

    return construct


_CfnLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)  # type: ignore[arg-type]
for _tag in _SHORT_TAGS:
    _CfnLoader.add_constructor(f"!{_tag}", _short(_tag))


class TemplateError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _load_yaml(text: str, limits: IacLimits) -> Any:
    """YAML with aliases bounded: the document's size once every alias is expanded is counted
    before anything is built (a billion-laughs file is refused, not expanded)."""
    loader = _CfnLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, limits)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_expansion(root: yaml.Node, limits: IacLimits) -> None:
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > limits.max_nesting:
            raise TemplateError(f"values nested deeper than {limits.max_nesting}", node.start_mark.line + 1)
        known = sizes.get(id(node))
        if known is not None:
            if known < 0:
                raise TemplateError("an alias refers to a node that contains it", node.start_mark.line + 1)
            return known
        sizes[id(node)] = -1
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        if total > limits.max_yaml_nodes:
            raise TemplateError(
                f"expands to over {limits.max_yaml_nodes:,} values once aliases are resolved (a billion-laughs file?)",
                node.start_mark.line + 1,
            )
        sizes[id(node)] = total
        return total

    size(root, 0)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def parse_template(text: str, is_json: bool, limits: IacLimits | None = None) -> dict[str, Any]:
    limits = limits or IacLimits()
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"invalid JSON: {exc.msg}", exc.lineno) from None
        except RecursionError:
            raise TemplateError("JSON nested too deeply", None) from None
    else:
        try:
            data = _load_yaml(text, limits)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise TemplateError(f"invalid YAML: {exc.problem or exc}", mark.line + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise TemplateError(f"invalid YAML: {exc}", None) from None
        except RecursionError:
            raise TemplateError("YAML nested too deeply", None) from None
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise TemplateError("not a CloudFormation template: no Resources mapping", 1)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise TemplateError("a string holds a lone UTF-16 surrogate (\\ud800-\\udfff), not text", None) from None
        except (TypeError, ValueError, RecursionError):
            pass
    return data


_NO_VALUE = object()


class Resolver:
    def __init__(self, template: dict[str, Any], path: str) -> None:
        self.template = template
        self.path = path
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.params: dict[str, Any] = {}
        for name, spec in (template.get("Parameters") or {}).items():
            if isinstance(spec, dict) and "Default" in spec:
                self.params[name] = spec["Default"]
            else:
                self.params[name] = Unknown(f"parameter {name} has no default")
        self.mappings = template.get("Mappings") or {}
        self.conditions = template.get("Conditions") or {}
        self._cond_cache: dict[str, Any] = {}

    def address(self, logical_id: str) -> str:
        return f"{self.path}#{logical_id}"

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return Unknown("Ref to a computed name")
        if name in self.params:
            return self.params[name]
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name == "AWS::Partition":
            return "aws"
        if name == "AWS::URLSuffix":
            return "amazonaws.com"
        if name == "AWS::AccountId":
            return Unknown("AWS::AccountId is known only at deploy time", partial=OWN_ACCOUNT)
        if name.startswith("AWS::"):
            return Unknown(f"{name} is known only at deploy time")
        if name in self.resources:
            return Unknown(f"Ref {name} is known only at deploy time", frozenset({self.address(name)}))
        return Unknown(f"Ref to undeclared {name}")

    def condition(self, name: Any) -> Any:
        if not isinstance(name, str) or name not in self.conditions:
            return Unknown(f"condition {name} is not declared")
        if name not in self._cond_cache:
            self._cond_cache[name] = Unknown(f"condition {name} refers to itself")
            self._cond_cache[name] = self.resolve(self.conditions[name])
        return self._cond_cache[name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition" and not isinstance(arg, dict | list):
                return self.condition(arg)
            if isinstance(key, str) and key.startswith("Fn::"):
                return self._function(key[4:], arg)
        out = {}
        for k, v in value.items():
            resolved = self.resolve(v)
            if resolved is not _NO_VALUE:
                out[k] = resolved
        return out

    def _function(self, name: str, arg: Any) -> Any:
        if name == "GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            target = parts[0] if isinstance(parts, list) and parts else None
            refs = frozenset({self.address(target)}) if isinstance(target, str) and target in self.resources else frozenset()
            return Unknown(f"GetAtt {'.'.join(str(p) for p in parts) if isinstance(parts, list) else parts} is known only at deploy time", refs)
        if name == "If":
            if not isinstance(arg, list) or len(arg) != 3:
                return Unknown("malformed Fn::If")
            cond = self.condition(arg[0])
            if isinstance(cond, Unknown):
                a, b = self.resolve(arg[1]), self.resolve(arg[2])
                return a if a == b and not contains_unknown(a) else Unknown(f"Fn::If on unknown condition {arg[0]}")
            return self.resolve(arg[1] if cond else arg[2])
        if name == "Equals":
            a, b = (self.resolve(x) for x in (arg if isinstance(arg, list) and len(arg) == 2 else [None, None]))
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return merge_unknown(a, b)
            return str(a) == str(b)
        if name in ("Not", "And", "Or"):
            values = [self.resolve(x) for x in (arg if isinstance(arg, list) else [arg])]
            values = [self.condition(v["Condition"]) if isinstance(v, dict) and "Condition" in v else v for v in values]
            if name == "Not":
                v = values[0] if values else Unknown("empty Fn::Not")
                return v if isinstance(v, Unknown) else not v
            if name == "And":
                if any(v is False for v in values):
                    return False
                return merge_unknown(*values) if any(isinstance(v, Unknown) for v in values) else True
            if any(v is True for v in values):
                return True
            return merge_unknown(*values) if any(isinstance(v, Unknown) for v in values) else False
        if name == "Sub":
            return self._sub(arg)
        if name == "Join":
            if not isinstance(arg, list) or len(arg) != 2:
                return Unknown("malformed Fn::Join")
            sep, items = self.resolve(arg[0]), self.resolve(arg[1])
            if isinstance(items, Unknown) or not isinstance(items, list) or not isinstance(sep, str):
                return Unknown("Fn::Join over unknown values")
            return _render(items, sep)
        if name == "Select":
            index, items = (self.resolve(x) for x in arg) if isinstance(arg, list) and len(arg) == 2 else (None, None)
            if isinstance(items, list) and isinstance(index, int | str) and not isinstance(index, Unknown):
                try:
                    return items[int(index)]
                except (IndexError, ValueError):
                    return Unknown("Fn::Select index out of range")
            return Unknown("Fn::Select over unknown values")
        if name == "Split":
            sep, text = (self.resolve(x) for x in arg) if isinstance(arg, list) and len(arg) == 2 else (None, None)
            if isinstance(sep, str) and isinstance(text, str):
                return text.split(sep)
            return Unknown("Fn::Split over unknown values")
        if name == "FindInMap":
            keys = [self.resolve(x) for x in arg] if isinstance(arg, list) else []
            if len(keys) >= 3 and all(isinstance(k, str) for k in keys[:3]):
                try:
                    return self.mappings[keys[0]][keys[1]][keys[2]]
                except (KeyError, TypeError):
                    return Unknown("Fn::FindInMap key not found")
            return Unknown("Fn::FindInMap over unknown keys")
        if name == "Base64":
            return self.resolve(arg)  # kept as plain text so scripts can be searched for secrets
        if name == "ToJsonString":
            value = self.resolve(arg)
            return json.dumps(with_placeholders(value)) if not contains_unknown(value) else Unknown("ToJsonString", partial=json.dumps(with_placeholders(value)))
        return Unknown(f"Fn::{name} is not resolved offline")

    def _sub(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 2:
            template, local_vars = arg[0], self.resolve(arg[1]) if isinstance(arg[1], dict) else {}
        else:
            template, local_vars = arg, {}
        if not isinstance(template, str):
            return Unknown("malformed Fn::Sub")
        parts: list[Any] = []
        pos = 0
        for match in re.finditer(r"\$\{([^}!][^}]*)\}|\$\{!([^}]*)\}", template):
            parts.append(template[pos : match.start()])
            pos = match.end()
            if match.group(2) is not None:
                parts.append("${" + match.group(2) + "}")
                continue
            name = match.group(1).strip()
            if name in local_vars:
                parts.append(local_vars[name])
            elif "." in name and not name.startswith("AWS::"):
                parts.append(self._function("GetAtt", name))
            else:
                parts.append(self.ref(name))
        parts.append(template[pos:])
        return _render(parts, "")


def _render(parts: list[Any], sep: str) -> Any:
    if all(isinstance(p, str | int | float) and not isinstance(p, bool) for p in parts):
        return sep.join(str(p) for p in parts)
    unknowns = [p for p in parts if isinstance(p, Unknown)]
    merged = merge_unknown(*unknowns) if unknowns else Unknown("non-string value in a string")
    partial = sep.join(
        (p.partial or UNKNOWN_TEXT) if isinstance(p, Unknown) else str(p) if isinstance(p, str | int | float) else UNKNOWN_TEXT
        for p in parts
    )
    return Unknown(merged.reason, merged.refs, partial)


def load_template(path: Path, rel: str, on_error: ErrorSink, limits: IacLimits | None = None) -> list[IacResource]:
    limits = limits or IacLimits()
    problem = check_regular(path, limits)
    if problem is not None:
        on_error(f"{rel}: {problem}", rel, None, True)
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        on_error(f"{rel}: cannot read: {exc}", rel, None, True)
        return []
    is_json = text.lstrip().startswith("{")
    try:
        template = parse_template(text, is_json, limits)
    except TemplateError as exc:
        where = f"{rel}:{exc.line}" if exc.line else rel
        on_error(f"{where}: {exc}", rel, exc.line, True)
        return []
    resolver = Resolver(template, rel)
    resources = template["Resources"]
    text_lines = text.splitlines()
    lines = _resource_lines(resources, text_lines, is_json)
    comments = _yaml_comments(text) if not is_json else {}
    out: list[IacResource] = []
    for logical_id, spec in resources.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("Type"), str):
            line = lines.get(logical_id, (None, None))[0]
            on_error(f"{rel}:{line}: resource {logical_id} has no Type", rel, line, False)
            continue
        cond_name = spec.get("Condition")
        if isinstance(cond_name, str):
            cond = resolver.condition(cond_name)
            if cond is False:
                continue
        start, end = lines.get(logical_id, (None, None))
        end = _last_code_line(text_lines, start, end)
        ignores = [InlineIgnore(check=c, reason=r or NO_REASON, line=ln) for c, r, ln in ignore_comments(comments, start or 0, end or 0)] if start else []
        ignores += _metadata_ignores(spec.get("Metadata"))
        props = resolver.resolve(spec.get("Properties") or {})
        out.append(
            IacResource(
                source="cloudformation",
                type=spec["Type"],
                address=resolver.address(str(logical_id)),
                name=str(logical_id),
                attrs=props if isinstance(props, dict) else {},
                path=rel,
                line=start,
                end_line=end,
                ignores=ignores,
                scope=f"cloudformation:{rel}",
            )
        )
    return out


def _last_code_line(lines: list[str], start: int | None, end: int | None) -> int | None:
    """The mapping's end without the blank and comment lines that precede the next resource."""
    if start is None or end is None:
        return end
    while end > start and (end > len(lines) or not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _metadata_ignores(metadata: Any) -> list[InlineIgnore]:
    """``Metadata: {auditor: {ignore: [{check: ..., reason: ...}]}}`` for JSON templates."""
    if not isinstance(metadata, dict):
        return []
    section = metadata.get("auditor")
    items = section.get("ignore") if isinstance(section, dict) else None
    out: list[InlineIgnore] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("check"), str):
            out.append(InlineIgnore(check=item["check"], reason=str(item.get("reason") or NO_REASON)))
    return out


def _resource_lines(resources: dict[str, Any], all_lines: list[str], is_json: bool) -> dict[str, tuple[int | None, int | None]]:
    out: dict[str, tuple[int | None, int | None]] = {}
    if isinstance(resources, _LineDict):
        for key, value in resources.items():
            end = None
            if isinstance(value, _LineDict):
                line0, column = value.end_mark
                before = all_lines[line0][:column] if line0 < len(all_lines) else ""
                # the mark sits on the next key when only indentation precedes it: the mapping ended a line above
                end = line0 + (1 if before.strip() else 0)
            out[str(key)] = (resources.lines.get(str(key)), end)
        return out
    start_at = next((i for i, ln in enumerate(all_lines) if '"Resources"' in ln), 0)
    cursor = start_at  # resources mostly come in file order: search on from the last one found
    for key in resources:
        needle = json.dumps(str(key)) + ":"
        for begin in (cursor, start_at):
            found = next(
                (i for i in range(begin, len(all_lines)) if all_lines[i].replace(" ", "").startswith(needle)), None
            )
            if found is not None:
                out[str(key)] = (found + 1, None)
                cursor = found + 1
                break
    return out


def _yaml_comments(text: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#"):
            comments[number] = stripped
        elif " #" in line and "auditor:ignore" in line:
            comments[number] = line[line.index(" #") + 1 :].strip()
    return comments
