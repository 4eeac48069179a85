"""Terraform modules: variables, tfvars, locals, resources with count/for_each, dynamic blocks,
data sources and local child modules, resolved into ``IacResource`` instances.

Values resolve lazily (a reference evaluates what it points at, once); a cycle or anything
known only at apply time becomes ``Unknown``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.collectors.iac.ignores import NO_REASON
from auditor.collectors.iac.limits import IacLimits
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.terraform.evaluate import EvalFailure, Evaluator, Namespace, bounded_tree
from auditor.collectors.iac.terraform.hcl import Attr, Block, Body, HclFile, ignore_comments, text
from auditor.collectors.iac.terraform.policy_document import policy_document_json
from auditor.collectors.iac.terraform.registry_modules import RegistryModules
from auditor.collectors.iac.values import OWN_ACCOUNT, ResObj, Unknown
from auditor.resources import InlineIgnore

META_ATTRS = frozenset({"count", "for_each", "depends_on", "provider", "providers", "lifecycle"})


@dataclass
class Located:
    block: Block
    file: HclFile


class ModuleSource:
    """The parsed files of one directory."""

    def __init__(self, directory: Path, rel: str, files: list[HclFile]) -> None:
        self.directory = directory
        self.rel = rel
        self.files = files
        self.variables: dict[str, Located] = {}
        self.locals: dict[str, tuple[Attr, HclFile]] = {}
        self.resources: dict[tuple[str, str], Located] = {}
        self.data: dict[tuple[str, str], Located] = {}
        self.modules: dict[str, Located] = {}
        self.outputs: dict[str, Located] = {}
        for file in files:
            for block in file.body.blocks:
                self._add(block, file)
        self._types = frozenset(t for t, _ in self.resources)  # looked up on every reference

    def _add(self, block: Block, file: HclFile) -> None:
        labels = block.labels
        if block.type == "variable" and labels:
            self.variables[labels[0]] = Located(block, file)
        elif block.type == "locals":
            for name, attr in block.body.attrs.items():
                self.locals[name] = (attr, file)
        elif block.type == "resource" and len(labels) == 2:
            self.resources[(labels[0], labels[1])] = Located(block, file)
        elif block.type == "data" and len(labels) == 2:
            self.data[(labels[0], labels[1])] = Located(block, file)
        elif block.type == "module" and labels:
            self.modules[labels[0]] = Located(block, file)
        elif block.type == "output" and labels:
            self.outputs[labels[0]] = Located(block, file)

    def resource_types(self) -> frozenset[str]:
        return self._types


ModuleLoader = Callable[[Path], "ModuleSource | None"]
Note = Callable[[str, str, int | None], None]


_PENDING = object()


class ModuleInstance:
    def __init__(
        self,
        source: ModuleSource,
        *,
        prefix: str,
        inputs: dict[str, Any],
        loader: ModuleLoader,
        note: Note,
        depth: int = 0,
        fail: Note | None = None,
        registry: RegistryModules | None = None,
        key: str = "",
        limits: IacLimits | None = None,
    ) -> None:
        self.source = source
        self.prefix = prefix
        self.inputs = inputs
        self.loader = loader
        self.note = note
        self.fail = fail or note  # what makes the scan incomplete
        self.registry = registry
        self.key = key  # dotted module call names, as in .terraform/modules/modules.json
        self.limits = limits or IacLimits()
        self.depth = depth
        self._vars: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._resources: dict[tuple[str, str, str], Any] = {}
        self._instances: dict[tuple[str, str, str], list[tuple[str, dict[str, Any]]]] = {}
        self._children: dict[str, Any] = {}

    # -- scope -------------------------------------------------------------------------------
    def lookup(self, name: str) -> Any:
        if name == "var":
            return Namespace("var", self.variable)
        if name == "local":
            return Namespace("local", self.local)
        if name == "module":
            return Namespace("module", self.module_outputs)
        if name == "data":
            return Namespace("data", lambda t: Namespace(t, lambda n: self.resource_ref("data", t, n)))
        if name == "path":
            return {"module": self.source.rel or ".", "root": ".", "cwd": "."}
        if name == "terraform":
            return {"workspace": "default"}
        if name in ("count", "each", "self"):
            return Unknown(f"{name} used outside its block")
        if name in self.source.resource_types():
            return Namespace(name, lambda n: self.resource_ref("managed", name, n))
        return Unknown(f"unknown reference {name}")

    def evaluator(self, file: HclFile) -> Evaluator:
        return Evaluator(file.src, self.lookup)

    def variable(self, name: str) -> Any:
        if name in self._vars:
            value = self._vars[name]
            return Unknown(f"var.{name} refers to itself") if value is _PENDING else value
        self._vars[name] = _PENDING
        if name in self.inputs:
            value = self.inputs[name]
        else:
            located = self.source.variables.get(name)
            if located is None:
                value = Unknown(f"var.{name} is not declared")
            elif "default" in located.block.body.attrs:
                value = self.evaluator(located.file).eval(located.block.body.attrs["default"].node)
            else:
                value = Unknown(f"var.{name} has no default and no value in a tfvars file")
        self._vars[name] = value
        return value

    def local(self, name: str) -> Any:
        if name in self._locals:
            value = self._locals[name]
            return Unknown(f"local.{name} refers to itself") if value is _PENDING else value
        entry = self.source.locals.get(name)
        if entry is None:
            return Unknown(f"local.{name} is not declared")
        self._locals[name] = _PENDING
        attr, file = entry
        value = self.evaluator(file).eval(attr.node)
        self._locals[name] = value
        return value

    # -- resources ---------------------------------------------------------------------------
    def address(self, mode: str, rtype: str, name: str) -> str:
        base = f"{rtype}.{name}" if mode == "managed" else f"data.{rtype}.{name}"
        return f"{self.prefix}{base}"

    def resource_ref(self, mode: str, rtype: str, name: str) -> Any:
        key = (mode, rtype, name)
        if key in self._resources:
            cached = self._resources[key]
            if cached is _PENDING:
                return Unknown(f"{self.address(mode, rtype, name)} refers to itself", frozenset({self.address(mode, rtype, name)}))
            return cached
        table = self.source.resources if mode == "managed" else self.source.data
        located = table.get((rtype, name))
        if located is None:
            return Unknown(f"{self.address(mode, rtype, name)} is not declared in this module")
        self._resources[key] = _PENDING
        instances = self.instances(mode, rtype, name)
        shape = self._shape(located)
        objs = {addr: self._resobj(rtype, addr, attrs) for addr, attrs in instances}
        value: Any
        if isinstance(shape, Unknown):
            value = Unknown(shape.reason, frozenset(objs) | frozenset({self.address(mode, rtype, name)}))
        elif shape == "count":
            value = list(objs.values())
        elif shape == "for_each":
            base = self.address(mode, rtype, name)
            value = {_key_of(addr, base): obj for addr, obj in objs.items()}
        else:
            value = next(iter(objs.values()), Unknown("no instance"))
        self._resources[key] = value
        return value

    def _resobj(self, rtype: str, address: str, attrs: dict[str, Any]) -> ResObj:
        computed: dict[str, Any] = {}
        if rtype == "aws_s3_bucket" and isinstance(attrs.get("bucket"), str):
            computed["id"] = attrs["bucket"]
            computed["arn"] = f"arn:aws:s3:::{attrs['bucket']}"
        if rtype in ("aws_iam_role", "aws_iam_policy") and isinstance(attrs.get("name"), str):
            computed["id"] = attrs["name"]
        if rtype == "aws_caller_identity":
            computed["account_id"] = Unknown("the caller's account id is known only at plan time", partial=OWN_ACCOUNT)
        if rtype == "aws_iam_policy_document":
            computed["json"] = policy_document_json(attrs)
        return ResObj(address, rtype, attrs, computed)

    def _shape(self, located: Located) -> Any:
        attrs = located.block.body.attrs
        if "count" in attrs:
            value = self.evaluator(located.file).eval(attrs["count"].node)
            return value if isinstance(value, Unknown) else "count"
        if "for_each" in attrs:
            value = self.evaluator(located.file).eval(attrs["for_each"].node)
            return value if isinstance(value, Unknown) else "for_each"
        return "single"

    def instances(self, mode: str, rtype: str, name: str) -> list[tuple[str, dict[str, Any]]]:
        key = (mode, rtype, name)
        if key in self._instances:
            return self._instances[key]
        table = self.source.resources if mode == "managed" else self.source.data
        located = table[(rtype, name)]
        base = self.address(mode, rtype, name)
        out: list[tuple[str, dict[str, Any]]] = []
        ev = self.evaluator(located.file)
        try:
            for suffix, extra in self._expansions(located, ev):
                out.append((base + suffix, self.eval_body(located.block.body, located.file, extra)))
        except EvalFailure as exc:
            out.clear()
            self.fail(
                f"{located.file.path}:{exc.line}: {base}: cannot evaluate `{_short(exc.expression)}`: {exc}",
                located.file.path,
                exc.line,
            )
        self._instances[key] = out
        return out

    def _expansions(self, located: Located, ev: Evaluator) -> list[tuple[str, dict[str, Any]]]:
        attrs = located.block.body.attrs
        if "count" in attrs:
            count = ev.eval(attrs["count"].node)
            if isinstance(count, Unknown):
                return [("", {"count": {"index": Unknown("count.index of an unknown count")}})]
            try:
                n = int(count)
            except (TypeError, ValueError, OverflowError):
                return [("", {"count": {"index": Unknown("count is not a number")}})]
            if n > self.limits.max_instances:
                self._over_limit(located, "count", n)
                return [("", {"count": {"index": Unknown(f"count {n:,} is over the instance limit")}})]
            return [(f"[{i}]", {"count": {"index": i}}) for i in range(n)]
        if "for_each" in attrs:
            coll = ev.eval(attrs["for_each"].node)
            if isinstance(coll, Unknown):
                return [("", {"each": {"key": Unknown("for_each is unknown"), "value": Unknown("for_each is unknown")}})]
            if isinstance(coll, dict | list) and len(coll) > self.limits.max_instances:
                self._over_limit(located, "for_each", len(coll))
                why = Unknown(f"for_each over {len(coll):,} items is over the instance limit")
                return [("", {"each": {"key": why, "value": why}})]
            pairs = coll.items() if isinstance(coll, dict) else ((v, v) for v in (coll or []))
            return [(f"[{json.dumps(str(k))}]", {"each": {"key": str(k), "value": v}}) for k, v in pairs]
        return [("", {})]

    def _over_limit(self, located: Located, what: str, n: int) -> None:
        line = located.block.body.attrs[what].line
        self.fail(
            f"{located.file.path}:{line}: {what} of {n:,} instances is over the {self.limits.max_instances:,}-instance "
            "limit: judged as one instance of unknown index",
            located.file.path,
            line,
        )

    def eval_body(self, body: Body, file: HclFile, extra: dict[str, Any]) -> dict[str, Any]:
        ev = self.evaluator(file)
        out: dict[str, Any] = {}
        for name, attr in body.attrs.items():
            if name in META_ATTRS:
                continue
            out[name] = ev.eval(attr.node, extra)
            try:
                bounded_tree(out[name])
            except ValueError as exc:
                raise EvalFailure(attr.line, text(attr.node, file.src), exc) from None
        for block in body.blocks:
            if block.type in ("lifecycle", "provisioner", "connection"):
                continue
            if block.type == "dynamic" and block.labels:
                self._dynamic(block, file, extra, out)
                continue
            items = out.setdefault(block.type, [])
            if isinstance(items, list):
                items.append(self.eval_body(block.body, file, extra))
        return out

    def _dynamic(self, block: Block, file: HclFile, extra: dict[str, Any], out: dict[str, Any]) -> None:
        label = block.labels[0]
        ev = self.evaluator(file)
        attrs = block.body.attrs
        iterator = label
        if "iterator" in attrs:
            it = Evaluator(file.src, lambda n: n).eval(attrs["iterator"].node)
            iterator = it if isinstance(it, str) else label
        coll = ev.eval(attrs["for_each"].node, extra) if "for_each" in attrs else Unknown("dynamic without for_each")
        content = next((b for b in block.body.blocks if b.type == "content"), None)
        if isinstance(coll, Unknown) or content is None:
            out[label] = Unknown(f"dynamic {label} blocks depend on an unknown for_each")
            return
        pairs = coll.items() if isinstance(coll, dict) else enumerate(coll or [])
        items = out.setdefault(label, [])
        if not isinstance(items, list):
            return
        for key, value in pairs:
            scope = {**extra, iterator: {"key": key, "value": value}}
            items.append(self.eval_body(content.body, file, scope))

    # -- child modules -----------------------------------------------------------------------
    def module_outputs(self, name: str) -> Any:
        children = self.children(name)
        if isinstance(children, Unknown):
            return children
        if isinstance(children, list):
            return [child.outputs() for _, child in children]
        if isinstance(children, dict):
            return {k: child.outputs() for k, (_, child) in children.items()}
        if isinstance(children, tuple):  # a single instance: (prefix, module)
            return children[1].outputs()
        return Unknown(f"module.{name} could not be loaded")

    def outputs(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, located in self.source.outputs.items():
            attr = located.block.body.attrs.get("value")
            try:
                out[name] = self.evaluator(located.file).eval(attr.node) if attr else None
            except EvalFailure as exc:
                out[name] = Unknown(f"output {name} could not be evaluated")
                self.fail(
                    f"{located.file.path}:{exc.line}: output {name}: cannot evaluate `{_short(exc.expression)}`: {exc}",
                    located.file.path,
                    exc.line,
                )
        return out

    def children(self, name: str) -> Any:
        if name in self._children:
            return self._children[name]
        located = self.source.modules.get(name)
        if located is None:
            return Unknown(f"module.{name} is not declared")
        self._children[name] = Unknown(f"module.{name} refers to itself")
        try:
            result = self._load_children(name, located)
        except EvalFailure as exc:
            result = None
            self.fail(
                f"{located.file.path}:{exc.line}: module.{name}: cannot evaluate `{_short(exc.expression)}`: {exc}",
                located.file.path,
                exc.line,
            )
        self._children[name] = result
        return result

    def _load_children(self, name: str, located: Located) -> Any:
        ev = self.evaluator(located.file)
        attrs = located.block.body.attrs
        source = ev.eval(attrs["source"].node) if "source" in attrs else None
        key = f"{self.key}.{name}" if self.key else name
        where = f"{located.file.path}:{located.block.line}"
        if isinstance(source, str) and source.startswith(("./", "../")):
            directory = (self.source.directory / source).resolve()
        else:
            installed = self.registry.directory(key) if self.registry is not None else None
            if installed is None:
                shown = source if isinstance(source, str) else "(unknown)"
                self.note(
                    f"{where}: module.{name}: source {shown} is not a local path and `terraform init` has not "
                    "installed it (.terraform/modules/modules.json); its resources are not scanned",
                    located.file.path,
                    located.block.line,
                )
                return None
            directory = installed
        if self.depth >= self.limits.max_module_depth:
            self.fail(
                f"{where}: module.{name} is nested {self.depth + 1} modules deep, over the "
                f"{self.limits.max_module_depth}-module depth limit: its resources are not scanned",
                located.file.path,
                located.block.line,
            )
            return None
        child_source = self.loader(directory)
        if child_source is None:
            self.fail(f"{where}: module.{name}: module {source} not found", located.file.path, located.block.line)
            return None
        results: dict[str, tuple[str, ModuleInstance]] = {}
        expansions = self._expansions(located, ev)
        for suffix, extra in expansions:
            inputs = {
                k: ev.eval(a.node, extra)
                for k, a in attrs.items()
                if k not in META_ATTRS and k not in ("source", "version")
            }
            prefix = f"{self.prefix}module.{name}{suffix}."
            results[suffix] = (
                prefix,
                ModuleInstance(
                    child_source,
                    prefix=prefix,
                    inputs=inputs,
                    loader=self.loader,
                    note=self.note,
                    depth=self.depth + 1,
                    fail=self.fail,
                    registry=self.registry,
                    key=key,
                    limits=self.limits,
                ),
            )
        if "count" in attrs and not (len(expansions) == 1 and expansions[0][0] == ""):
            return [results[s] for s, _ in expansions]
        if "for_each" in attrs and not (len(expansions) == 1 and expansions[0][0] == ""):
            return {s[2:-2]: results[s] for s, _ in expansions}
        return results.get("", next(iter(results.values()), None))

    # -- everything --------------------------------------------------------------------------
    def all_resources(self, include_data: bool = True) -> list[IacResource]:
        out: list[IacResource] = []
        for mode, table in (("managed", self.source.resources), ("data", self.source.data)):
            if mode == "data" and not include_data:
                continue
            for (rtype, name), located in table.items():
                ignores = [
                    InlineIgnore(check=c, reason=r or NO_REASON, line=ln)
                    for c, r, ln in ignore_comments(located.file.comments, located.block.line, located.block.end_line)
                ]
                for address, attrs in self.instances(mode, rtype, name):
                    out.append(
                        IacResource(
                            source="terraform",
                            type=rtype if mode == "managed" else f"data.{rtype}",
                            address=address,
                            name=name,
                            attrs=attrs,
                            path=located.file.path,
                            line=located.block.line,
                            end_line=located.block.end_line,
                            ignores=ignores,
                            module=self.prefix,
                        )
                    )
        for name in self.source.modules:
            children = self.children(name)
            if isinstance(children, list):
                items = children
            elif isinstance(children, dict):
                items = list(children.values())
            elif isinstance(children, tuple):
                items = [children]
            else:
                items = []
            for _, child in items:
                out.extend(child.all_resources(include_data))
        return out


def _short(expression: str) -> str:
    from auditor.analysis.secrets import redact_text

    one_line = " ".join(redact_text(expression[:2000]).split())
    return one_line[:100] + ("…" if len(one_line) > 100 else "")


def _key_of(address: str, base: str) -> str:
    rest = address[len(base) :]
    if rest.startswith('["') and rest.endswith('"]'):
        return str(json.loads(rest[1:-1]))
    return rest
