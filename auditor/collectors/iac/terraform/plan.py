"""``terraform show -json`` plan files: the most exact source, with every variable, module and
provider default already applied by Terraform.

Values known only after apply (``after_unknown``) become ``Unknown`` carrying the addresses the
configuration refers to, so split S3 resources still join their bucket.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.collectors.iac.discovery import check_regular
from auditor.collectors.iac.limits import IacLimits
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.terraform.policy_document import policy_document_json
from auditor.collectors.iac.values import Unknown

ErrorSink = Callable[[str, str, int | None, bool], None]


def _apply_unknown(values: Any, unknown: Any, refs: frozenset[str], name: str) -> Any:
    if unknown is True:
        return Unknown(f"{name} is known only after apply", refs)
    if isinstance(values, dict) and isinstance(unknown, dict):
        out = dict(values)
        for key, flag in unknown.items():
            out[key] = _apply_unknown(values.get(key), flag, refs, f"{name}.{key}")
        return out
    if isinstance(values, list) and isinstance(unknown, list):
        return [
            _apply_unknown(v, unknown[i] if i < len(unknown) else False, refs, name)
            for i, v in enumerate(values)
        ]
    return values


def _config_refs(configuration: dict[str, Any]) -> dict[str, set[str]]:
    """Resource address (without instance keys) -> addresses its expressions refer to."""
    out: dict[str, set[str]] = {}

    def walk(module: dict[str, Any], prefix: str) -> None:
        for res in module.get("resources", []) or []:
            refs: set[str] = set()
            _collect(res.get("expressions") or {}, refs)
            address = prefix + str(res.get("address", ""))
            out[address] = {prefix + r for r in refs}
        for name, call in (module.get("module_calls") or {}).items():
            walk(call.get("module") or {}, f"{prefix}module.{name}.")

    walk(configuration.get("root_module") or {}, "")
    return out


def _collect(expr: Any, refs: set[str]) -> None:
    if isinstance(expr, dict):
        for ref in expr.get("references", []) or []:
            if isinstance(ref, str):
                refs.add(ref)
        for value in expr.values():
            if isinstance(value, dict | list):
                _collect(value, refs)
    elif isinstance(expr, list):
        for item in expr:
            _collect(item, refs)


def _strip_index(address: str) -> str:
    out, depth = [], 0
    for ch in address:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def load_plan(path: Path, rel: str, on_error: ErrorSink, limits: IacLimits | None = None) -> list[IacResource]:
    problem = check_regular(path, limits or IacLimits())
    if problem is not None:
        on_error(f"{rel}: {problem}", rel, None, True)
        return []
    try:
        text = path.read_text(encoding="utf-8")
        plan = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        on_error(f"{rel}: cannot read: {exc}", rel, None, True)
        return []
    except RecursionError:
        on_error(f"{rel}: JSON nested too deeply", rel, None, True)
        return []
    except json.JSONDecodeError as exc:
        on_error(f"{rel}:{exc.lineno}: invalid JSON: {exc.msg}", rel, exc.lineno, True)
        return []
    if not isinstance(plan, dict) or "planned_values" not in plan:
        on_error(f"{rel}: not a Terraform plan (no planned_values)", rel, 1, True)
        return []
    problem = _shape_problem(plan)
    if problem is not None:
        on_error(f"{rel}: not a Terraform plan: {problem}", rel, 1, True)
        return []
    unknowns = {
        rc.get("address"): (rc.get("change") or {}).get("after_unknown") or {}
        for rc in plan.get("resource_changes", []) or []
        if isinstance(rc, dict)
    }
    config_refs = _config_refs(plan.get("configuration") or {})
    address_lines = _address_lines(text)
    out: list[IacResource] = []
    instances: list[dict[str, Any]] = []

    def walk(module: dict[str, Any]) -> None:
        instances.extend(r for r in module.get("resources", []) or [] if isinstance(r, dict))
        for child in module.get("child_modules", []) or []:
            walk(child)

    walk((plan.get("planned_values") or {}).get("root_module") or {})
    all_addresses = [str(r.get("address")) for r in instances]
    for res in instances:
        address = str(res.get("address"))
        base = _strip_index(address)
        targets: set[str] = set()
        for ref in config_refs.get(base, set()):
            targets.update(a for a in all_addresses if _strip_index(a) == ref or a == ref or _strip_index(a) == _strip_index(ref))
        values = _apply_unknown(res.get("values") or {}, unknowns.get(address, {}), frozenset(targets), address)
        rtype = str(res.get("type"))
        mode = res.get("mode", "managed")
        if rtype == "aws_iam_policy_document" and not isinstance(values.get("json"), str):
            values["json"] = policy_document_json(values)
        out.append(
            IacResource(
                source="terraform",
                type=rtype if mode == "managed" else f"data.{rtype}",
                address=address,
                name=str(res.get("name")),
                attrs=values,
                path=rel,
                line=address_lines.get(address, 1),
                module=address[: address.rfind(rtype)] if rtype in address else "",
                scope=f"plan:{rel}",
            )
        )
    return out


def _shape_problem(plan: dict[str, Any]) -> str | None:
    """Where the plan's structure is not what ``terraform show -json`` writes (None when it is)."""
    planned = plan.get("planned_values")
    if not isinstance(planned, dict):
        return "planned_values is not an object"
    todo: list[tuple[Any, str]] = [(planned.get("root_module") or {}, "planned_values.root_module")]
    while todo:
        module, where = todo.pop()
        if not isinstance(module, dict):
            return f"{where} is not an object"
        resources = module.get("resources") or []
        if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
            return f"{where}.resources is not a list of objects"
        children = module.get("child_modules") or []
        if not isinstance(children, list):
            return f"{where}.child_modules is not a list"
        todo += [(child, f"{where}.child_modules[{i}]") for i, child in enumerate(children)]
    for key in ("resource_changes",):
        if not isinstance(plan.get(key) or [], list):
            return f"{key} is not a list"
    if not isinstance(plan.get("configuration") or {}, dict):
        return "configuration is not an object"
    return None


_ADDRESS = re.compile(r'"address":\s*("(?:[^"\\]|\\.)*")')


def _address_lines(text: str) -> dict[str, int]:
    """The first line of each ``"address": "..."`` in the file, found in one pass."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if '"address"' not in line:
            continue
        for match in _ADDRESS.finditer(line):
            try:
                address = json.loads(match.group(1))
            except ValueError:
                continue
            out.setdefault(address, number)
    return out
