"""Which files to scan and what each one is (detected per file, by name and content).

Only regular files are read: a named pipe, a device or a link to one (``x.tf -> /dev/zero``)
would hang or never end, and a symlink loop never resolves. Symlinked folders are not followed
(they may loop or leave the tree). Each of these, a file over the size limit and a name that is
not UTF-8 is a collection error naming the path; everything else is still scanned.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from auditor.collectors.iac.limits import IacLimits

FileKind = Literal[
    "terraform", "terraform_json", "tfvars", "plan", "cloudformation", "kubernetes", "helm_chart", "kustomize"
]

SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__", ".tox"})
_CANDIDATE_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json", ".json", ".yaml", ".yml", ".template")
_CFN_SUFFIXES = (".json", ".yaml", ".yml", ".template")
_TF_SUFFIXES = (".tf.json", ".tfvars.json")
_SNIFF = 8192
_OVERSIZE = "file too big:"
_MAX_PREAMBLE = 1 << 20
# comments and blank lines before the first key of a YAML template: skipped, however long
_YAML_PREAMBLE = re.compile(rb"\A(?:[ \t]*(?:#[^\n]*)?\r?\n)*")


@dataclass
class Skipped:
    """A path that could not be scanned, and why (becomes a collection error)."""

    path: Path
    reason: str


@dataclass
class Discovered:
    files: dict[FileKind, list[Path]] = field(default_factory=dict)
    seen: set[Path] = field(default_factory=set)
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, kind: FileKind, path: Path) -> None:
        resolved = path.resolve()
        if resolved in self.seen:  # a folder and a file inside it were both named
            return
        self.seen.add(resolved)
        self.files.setdefault(kind, []).append(path)

    def of(self, kind: FileKind) -> list[Path]:
        return self.files.get(kind, [])


def display(path: Path | str) -> str:
    """A path as text that can always be written out (undecodable name bytes become U+FFFD)."""
    return os.fsencode(str(path)).decode("utf-8", "replace")


def _head(path: Path) -> bytes:
    """The first 8 KiB that matter: a YAML file's leading comments (up to 1 MiB) are skipped."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF)
        if not path.name.lower().endswith((".yaml", ".yml", ".template")):
            return head
        total = len(head)
        while True:
            match = _YAML_PREAMBLE.match(head)
            rest = head[match.end() if match else 0 :]
            in_comment = rest.lstrip(b" \t")[:1] == b"#"  # a comment line longer than what was read
            if (not in_comment and len(rest) >= 1024) or total >= _MAX_PREAMBLE:
                return rest
            more = fh.read(_SNIFF)
            if not more:
                return rest
            total += len(more)
            head = rest + more


def classify(path: Path) -> FileKind | None:
    name = path.name.lower()
    if name == "chart.yaml":
        return "helm_chart"
    if name in ("kustomization.yaml", "kustomization.yml"):
        return "kustomize"
    if name.endswith(".tf"):
        return "terraform"
    if name.endswith(".tf.json"):
        return "terraform_json"
    if name.endswith((".tfvars", ".tfvars.json")):
        return "tfvars"
    if name.endswith(_CFN_SUFFIXES):
        try:
            head = _head(path).decode("utf-8", "replace")
        except OSError:
            return None
        if name.endswith(".json") and ('"planned_values"' in head or '"resource_changes"' in head):
            return "plan"
        if "AWSTemplateFormatVersion" in head or ("AWS::" in head and "Resources" in head):
            return "cloudformation"
        from auditor.collectors.k8s.manifests import looks_like_manifest

        if looks_like_manifest(head) or (name.endswith(".json") and '"apiVersion"' in head and '"kind"' in head):
            return "kubernetes"
    return None


def check_regular(path: Path, limits: IacLimits) -> str | None:
    """Why ``path`` must not be read (not a regular file, too big, unnamed), or None."""
    try:
        os.fsencode(str(path)).decode("utf-8")
    except UnicodeDecodeError:
        return "the file name is not valid UTF-8"
    try:
        st = path.stat()  # follows a symlink to a file: a link loop raises here
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        what = "a named pipe" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file"
        return f"{what}: only regular files are read"
    if st.st_size > limits.max_file_bytes:
        return f"{_OVERSIZE} {st.st_size:,} bytes, over the {limits.max_file_bytes:,}-byte limit (--max-file-size)"
    if not os.access(path, os.R_OK):
        return "cannot read: permission denied"
    return None


def _skipped_by_glob(path: Path, base: Path, globs: Sequence[str]) -> bool:
    if not globs:
        return False
    try:
        rel = path.relative_to(base).as_posix()
    except ValueError:
        rel = path.as_posix()
    candidates = {rel, path.as_posix(), path.name}
    return any(fnmatch.fnmatch(c, g) or fnmatch.fnmatch(c, g.rstrip("/") + "/*") for c in candidates for g in globs)


def discover(paths: list[Path], limits: IacLimits | None = None, skip: Sequence[str] = ()) -> Discovered:
    limits = limits or IacLimits()
    found = Discovered()

    def consider(path: Path, named: bool) -> None:
        name = path.name.lower()
        if not name.endswith(_CANDIDATE_SUFFIXES):
            return
        problem = check_regular(path, limits)
        # a big JSON/YAML file of another tool (package-lock.json) is no error; an IaC file is
        other_tool = name.endswith(_CFN_SUFFIXES) and not name.endswith(_TF_SUFFIXES) and not named
        if problem is not None and problem.startswith(_OVERSIZE) and other_tool and classify(path) is None:
            return
        if problem is not None:
            found.skipped.append(Skipped(path, problem))
            return
        kind = classify(path)
        if kind is None and named and name.endswith(_CFN_SUFFIXES):
            kind = "cloudformation"  # named explicitly: parse it and report what it is not
        if kind is not None:
            found.add(kind, path)

    for root in paths:
        if not root.is_dir():
            consider(root, named=True)
            continue

        def walk_error(exc: OSError, top: Path = root) -> None:
            where = Path(exc.filename) if exc.filename else top
            found.skipped.append(Skipped(where, f"cannot read folder: {exc.strerror or exc}"))

        for dirpath, dirnames, filenames in os.walk(root, onerror=walk_error):
            base = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                if d in SKIP_DIRS or d.startswith("."):
                    continue
                sub = base / d
                if _skipped_by_glob(sub, root, skip):
                    continue
                if sub.is_symlink():
                    found.skipped.append(Skipped(sub, "symbolic link to a folder: not followed"))
                    continue
                keep.append(d)
            dirnames[:] = keep
            for filename in sorted(filenames):
                path = base / filename
                if _skipped_by_glob(path, root, skip):
                    continue
                consider(path, named=False)
    return found
