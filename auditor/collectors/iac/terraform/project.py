"""A Terraform project on disk: parse every directory, find root modules, apply tfvars."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.terraform.evaluate import Evaluator
from auditor.collectors.iac.terraform.hcl import HclFile, HclSyntaxError, parse_hcl
from auditor.collectors.iac.terraform.module import ModuleInstance, ModuleSource
from auditor.collectors.iac.values import Unknown

ErrorSink = Callable[[str, str, int | None, bool], None]


class TerraformProject:
    def __init__(self, root: Path, on_error: ErrorSink) -> None:
        self.root = root
        self.on_error = on_error
        self._sources: dict[Path, ModuleSource | None] = {}

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def parse_file(self, path: Path) -> HclFile | None:
        rel = self.rel(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.on_error(f"cannot read {rel}: {exc.strerror}", rel, None, True)
            return None
        try:
            if path.name.endswith(".tf.json"):
                from auditor.collectors.iac.terraform.tfjson import tf_json_to_hcl

                return tf_json_to_hcl(data.decode("utf-8", "replace"), rel)
            return parse_hcl(data, rel)
        except HclSyntaxError as exc:
            self.on_error(f"{rel}:{exc.line}: {exc}", rel, exc.line, True)
            return None

    def source(self, directory: Path) -> ModuleSource | None:
        directory = directory.resolve()
        if directory in self._sources:
            return self._sources[directory]
        if not directory.is_dir():
            self._sources[directory] = None
            return None
        paths = sorted([*directory.glob("*.tf"), *directory.glob("*.tf.json")])
        files = [f for f in (self.parse_file(p) for p in paths) if f is not None]
        rel = self.rel(directory)
        src = ModuleSource(directory, "" if rel == "." else rel, files)
        self._sources[directory] = src
        return src

    def roots(self, tf_files: list[Path]) -> list[Path]:
        dirs = sorted({p.parent.resolve() for p in tf_files})
        called: set[Path] = set()
        for d in dirs:
            src = self.source(d)
            if src is None:
                continue
            for located in src.modules.values():
                attr = located.block.body.attrs.get("source")
                if attr is None:
                    continue
                value = Evaluator(located.file.src, lambda n: Unknown(n)).eval(attr.node)
                if isinstance(value, str) and value.startswith(("./", "../")):
                    called.add((d / value).resolve())
        return [d for d in dirs if d not in called]

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
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                self.on_error(f"{rel}: invalid JSON: {exc}", rel, getattr(exc, "lineno", None), True)
                return {}
            return data if isinstance(data, dict) else {}
        parsed = self.parse_file(path)
        if parsed is None:
            return {}
        ev = Evaluator(parsed.src, lambda n: Unknown(f"{n} is not available in a tfvars file"))
        return {name: ev.eval(attr.node) for name, attr in parsed.body.attrs.items()}

    def resources(self, tf_files: list[Path], var_files: list[Path]) -> list[IacResource]:
        out: list[IacResource] = []

        def note(message: str, path: str, line: int | None) -> None:
            self.on_error(message, path, line, False)

        for root in self.roots(tf_files):
            src = self.source(root)
            if src is None:
                continue
            inputs = self.var_values(root, var_files)
            declared = {k: v for k, v in inputs.items() if k in src.variables}
            # several root modules can declare the same address: ids outside the scan root carry their folder
            rel = self.rel(root)
            prefix = "" if rel in (".", "") else f"{rel}:"
            module = ModuleInstance(src, prefix=prefix, inputs=declared, loader=self.source, note=note)
            out.extend(module.all_resources())
        return out
