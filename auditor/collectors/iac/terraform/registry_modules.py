"""Modules that ``terraform init`` installed: ``.terraform/modules/modules.json`` of a root module.

Registry and git sources (``org/name/provider``, ``git::https://...``) are read from the folder
Terraform downloaded them to; the scan never downloads anything itself.
"""

from __future__ import annotations

import json
from pathlib import Path


class RegistryModules:
    def __init__(self, root: Path, dirs: dict[str, Path]) -> None:
        self.root = root
        self.dirs = dirs

    @classmethod
    def load(cls, root: Path) -> RegistryModules | None:
        """None when the root module was never initialised; a ValueError when the manifest is unreadable."""
        manifest = root / ".terraform" / "modules" / "modules.json"
        if not manifest.is_file():
            return None
        data = json.loads(manifest.read_text(encoding="utf-8"))
        modules = data.get("Modules") if isinstance(data, dict) else None
        if not isinstance(modules, list):
            raise ValueError("no Modules list")
        dirs: dict[str, Path] = {}
        for entry in modules:
            if not isinstance(entry, dict):
                continue
            key, directory = entry.get("Key"), entry.get("Dir")
            if isinstance(key, str) and key and isinstance(directory, str) and directory:
                dirs[key] = (root / directory).resolve()
        return cls(root, dirs)

    def directory(self, key: str) -> Path | None:
        """The installed folder of a module call (``net.subnets`` for module.net.module.subnets)."""
        found = self.dirs.get(key)
        if found is None:
            return None
        try:
            found.relative_to(self.root.resolve())  # a manifest must not send the scan outside the root module
        except ValueError:
            return None
        return found
