"""Which files to scan and what each one is (detected per file, by name and content)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

FileKind = Literal["terraform", "terraform_json", "tfvars", "plan", "cloudformation"]

SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__", ".tox"})
_SNIFF = 8192


@dataclass
class Discovered:
    files: dict[FileKind, list[Path]] = field(default_factory=dict)
    seen: set[Path] = field(default_factory=set)

    def add(self, kind: FileKind, path: Path) -> None:
        resolved = path.resolve()
        if resolved in self.seen:  # a folder and a file inside it were both named
            return
        self.seen.add(resolved)
        self.files.setdefault(kind, []).append(path)

    def of(self, kind: FileKind) -> list[Path]:
        return self.files.get(kind, [])


def classify(path: Path) -> FileKind | None:
    name = path.name.lower()
    if name.endswith(".tf"):
        return "terraform"
    if name.endswith(".tf.json"):
        return "terraform_json"
    if name.endswith((".tfvars", ".tfvars.json")):
        return "tfvars"
    if name.endswith((".json", ".yaml", ".yml", ".template")):
        try:
            with path.open("rb") as fh:
                head = fh.read(_SNIFF).decode("utf-8", "replace")
        except OSError:
            return None
        if name.endswith(".json") and ('"planned_values"' in head or '"resource_changes"' in head):
            return "plan"
        if "AWSTemplateFormatVersion" in head or ("AWS::" in head and "Resources" in head):
            return "cloudformation"
    return None


def discover(paths: list[Path]) -> Discovered:
    found = Discovered()
    for root in paths:
        if root.is_file():
            kind = classify(root)
            if kind is None and root.suffix.lower() in (".json", ".yaml", ".yml", ".template"):
                kind = "cloudformation"  # named explicitly: parse it and report what it is not
            if kind is not None:
                found.add(kind, root)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                kind = classify(path)
                if kind is not None:
                    found.add(kind, path)
    return found
