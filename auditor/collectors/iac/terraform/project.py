"""A Terraform project on disk: parse every directory, find root modules, apply tfvars."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.analysis.secrets import redact_text
from auditor.collectors.iac.discovery import check_regular, display
from auditor.collectors.iac.limits import IacLimits
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.terraform.evaluate import BudgetExceeded, EvalFailure, Evaluator, step_budget
from auditor.collectors.iac.terraform.hcl import HclFile, HclSyntaxError, parse_hcl
from auditor.collectors.iac.terraform.module import ModuleInstance, ModuleSource, Note
from auditor.collectors.iac.terraform.registry_modules import RegistryModules
from auditor.collectors.iac.values import Unknown

ErrorSink = Callable[[str, str, int | None, bool], None]


class TerraformProject:
    def __init__(
        self,
        root: Path,
        on_error: ErrorSink,
        limits: IacLimits | None = None,
        reported: set[Path] | None = None,
    ) -> None:
        self.root = root
        self.on_error = on_error
        self.limits = limits or IacLimits()
        # files already reported as unreadable (by discovery): not reported twice
        self.reported = reported if reported is not None else set()
        self._sources: dict[Path, ModuleSource | None] = {}

    def rel(self, path: Path) -> str:
        try:
            rel = path.resolve().relative_to(self.root).as_posix()
        except (ValueError, OSError):
            rel = path.as_posix()
        return display(rel)

    def parse_file(self, path: Path) -> HclFile | None:
        rel = self.rel(path)
        problem = check_regular(path, self.limits)
        if problem is not None:
            if path.absolute() not in self.reported:
                self.reported.add(path.absolute())
                self.on_error(f"{rel}: {problem}", rel, None, True)
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.on_error(f"{rel}: cannot read: {exc.strerror or exc}", rel, None, True)
            return None
        try:
            if path.name.endswith(".tf.json"):
                from auditor.collectors.iac.terraform.tfjson import tf_json_to_hcl

                return tf_json_to_hcl(data.decode("utf-8", "replace"), rel)
            return parse_hcl(data, rel)
        except HclSyntaxError as exc:
            self.on_error(f"{rel}:{exc.line}: {exc}", rel, exc.line, True)
        except RecursionError:
            self.on_error(f"{rel}: nested too deeply to read", rel, None, True)
        except Exception as exc:  # one file that breaks the parser must not end the scan
            self.on_error(f"{rel}: cannot parse: {type(exc).__name__}: {redact_text(str(exc))[:200]}", rel, None, True)
        return None

    def source(self, directory: Path) -> ModuleSource | None:
        directory = directory.resolve()
        if directory in self._sources:
            return self._sources[directory]
        if not directory.is_dir():
            self._sources[directory] = None
            return None
        try:
            paths = sorted([*directory.glob("*.tf"), *directory.glob("*.tf.json")])
        except OSError as exc:
            rel = self.rel(directory)
            self.on_error(f"{rel}: cannot read folder: {exc.strerror or exc}", rel, None, True)
            paths = []
        files = [f for f in (self.parse_file(p) for p in paths) if f is not None]
        rel = self.rel(directory)
        src = ModuleSource(directory, "" if rel == "." else rel, files)
        self._sources[directory] = src
        return src

    def roots(self, tf_files: list[Path]) -> list[Path]:
        """Folders no other folder calls as a local module. Folders that only call each other
        (a module cycle) are roots too, so they are scanned and the cycle is reported."""
        dirs = sorted({p.parent.resolve() for p in tf_files})
        calls: dict[Path, set[Path]] = {}
        for d in dirs:
            src = self.source(d)
            if src is None:
                continue
            for located in src.modules.values():
                attr = located.block.body.attrs.get("source")
                if attr is None:
                    continue
                try:
                    value = Evaluator(located.file.src, lambda n: Unknown(n)).eval(attr.node)
                except EvalFailure:
                    continue  # reported when the module is evaluated
                if isinstance(value, str) and value.startswith(("./", "../")):
                    target = (d / value).resolve()
                    if target != d:
                        calls.setdefault(d, set()).add(target)
        called = set().union(*calls.values()) if calls else set()
        roots = [d for d in dirs if d not in called]
        reached = set(roots)
        todo = list(roots)
        while todo:
            for target in calls.get(todo.pop(), ()):
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
        return roots + [d for d in dirs if d not in reached]

    def var_values(self, directory: Path, extra_files: list[Path]) -> dict[str, Any]:
        files = [directory / "terraform.tfvars", directory / "terraform.tfvars.json"]
        files += sorted(directory.glob("*.auto.tfvars")) + sorted(directory.glob("*.auto.tfvars.json"))
        files += extra_files
        values: dict[str, Any] = {}
        for path in files:
            if not path.is_file():
                continue
            values.update(self._read_tfvars(path))
        return values

    def _read_tfvars(self, path: Path) -> dict[str, Any]:
        rel = self.rel(path)
        if path.name.endswith(".json"):
            problem = check_regular(path, self.limits)
            if problem is not None:
                self.on_error(f"{rel}: {problem}", rel, None, True)
                return {}
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError) as exc:
                self.on_error(f"{rel}: invalid JSON: {exc}", rel, getattr(exc, "lineno", None), True)
                return {}
            return data if isinstance(data, dict) else {}
        parsed = self.parse_file(path)
        if parsed is None:
            return {}
        ev = Evaluator(parsed.src, lambda n: Unknown(f"{n} is not available in a tfvars file"))
        out: dict[str, Any] = {}
        for name, attr in parsed.body.attrs.items():
            try:
                out[name] = ev.eval(attr.node)
            except EvalFailure as exc:
                out[name] = Unknown(f"{rel}: {name} could not be evaluated")
                self.on_error(f"{rel}:{exc.line}: {name}: cannot evaluate: {exc}", rel, exc.line, True)
        return out

    def resources(self, tf_files: list[Path], var_files: list[Path]) -> list[IacResource]:
        out: list[IacResource] = []

        def note(message: str, path: str, line: int | None) -> None:
            self.on_error(message, path, line, False)

        def fail(message: str, path: str, line: int | None) -> None:
            self.on_error(message, path, line, True)

        for root in self.roots(tf_files):
            rel = self.rel(root)
            try:
                out.extend(self._root_resources(root, rel, var_files, note, fail))
            except BudgetExceeded as exc:
                fail(f"{rel}: root module not scanned: {exc}", rel, None)
            except RecursionError:
                fail(f"{rel}: root module not scanned: references nested too deeply", rel, None)
            except Exception as exc:  # one root module must never take the others with it
                fail(f"{rel}: root module not scanned: {type(exc).__name__}: {redact_text(str(exc))[:200]}", rel, None)
        return out

    def _root_resources(self, root: Path, rel: str, var_files: list[Path], note: Note, fail: Note) -> list[IacResource]:
        src = self.source(root)
        if src is None:
            return []
        inputs = self.var_values(root, var_files)
        declared = {k: v for k, v in inputs.items() if k in src.variables}
        try:
            registry = RegistryModules.load(root)
        except (OSError, ValueError, RecursionError) as exc:
            registry = None
            manifest = f"{'' if rel in ('.', '') else rel + '/'}.terraform/modules/modules.json"
            fail(f"{manifest}: cannot read: {exc}", manifest, None)
        # several root modules can declare the same address: ids outside the scan root carry their folder
        prefix = "" if rel in (".", "") else f"{rel}:"
        module = ModuleInstance(
            src, prefix=prefix, inputs=declared, loader=self.source, note=note, fail=fail, registry=registry, limits=self.limits
        )
        with step_budget(self.limits.max_eval_steps):
            found = module.all_resources()
        scope = rel if rel not in ("", ".") else "."
        for res in found:
            res.scope = f"terraform:{scope}"
        return found
