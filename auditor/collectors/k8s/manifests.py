"""Kubernetes manifests in an IaC scan: plain YAML or JSON (multi-document, ``kind: List``),
Kustomize folders and Helm charts rendered by their own tools when those are on the path.

Nothing here applies anything: YAML is read with the safe loader (no tags that build Python
objects), aliases are capped against billion-laughs documents, and the renderers run with a
time-out on the user's own files (``kubectl kustomize`` and ``helm template`` render offline).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from auditor.collectors.k8s.normalize import Origin
from auditor.resources import Provider

ErrorSink = Callable[[str, str, int | None, bool], None]
MAX_ALIASES = 100
RENDER_TIMEOUT = 60.0


def looks_like_manifest(head: str) -> bool:
    """A Kubernetes object starts with top-level ``apiVersion:`` and ``kind:`` keys."""
    lines = [line for line in head.splitlines() if line and not line.startswith((" ", "\t", "#", "-"))]
    keys = {line.split(":", 1)[0].strip().strip('"') for line in lines if ":" in line}
    return "apiVersion" in keys and "kind" in keys and "AWSTemplateFormatVersion" not in keys


def _documents(text: str) -> Iterator[tuple[Any, int]]:
    """(object, 1-based line) for each YAML document, with aliases capped."""
    aliases = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ValueError(f"more than {MAX_ALIASES} YAML aliases: refused (alias expansion bomb?)")
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            yield loader.construct_document(node), node.start_mark.line + 1
    finally:
        loader.dispose()


def _objects(data: Any, line: int) -> Iterator[tuple[dict[str, Any], int]]:
    if not isinstance(data, dict):
        return
    if data.get("kind") == "List" or (data.get("kind", "").endswith("List") and isinstance(data.get("items"), list)):
        for item in data.get("items") or []:
            if isinstance(item, dict) and item.get("kind"):
                yield item, line
        return
    if data.get("apiVersion") and data.get("kind"):
        yield data, line


def parse_manifests(text: str, rel: str) -> list[tuple[dict[str, Any], Origin]]:
    """Every Kubernetes object in a YAML or JSON text, with its file and line."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        data = json.loads(text)
        return [(obj, Origin(Provider.MANIFEST, path=rel, line=line)) for obj, line in _objects(data, 1)]
    out = []
    for data, line in _documents(text):
        out += [(obj, Origin(Provider.MANIFEST, path=rel, line=ln)) for obj, ln in _objects(data, line)]
    return out


def load_manifest(path: Path, rel: str, on_error: ErrorSink) -> list[tuple[dict[str, Any], Origin]]:
    try:
        text = path.read_text(encoding="utf-8")
        return parse_manifests(text, rel)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        line = None
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            line = mark.line + 1
        if isinstance(exc, yaml.MarkedYAMLError):
            what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        else:
            what = _first_line(exc)
        on_error(f"{rel}: Kubernetes manifest not read: {type(exc).__name__}: {what}", rel, line, True)
        return []


def render(folder: Path, rel: str, tool: str, on_error: ErrorSink) -> list[tuple[dict[str, Any], Origin]]:
    """Objects a Helm chart (``tool="helm"``) or a Kustomize folder (``"kustomize"``) renders to."""
    if tool == "helm":
        binary, cmd, what = shutil.which("helm"), ["template", "auditor-scan", str(folder)], "Helm chart"
    else:
        binary, cmd, what = shutil.which("kubectl"), ["kustomize", str(folder)], "Kustomize folder"
    if binary is None:
        hint = "helm template" if tool == "helm" else "kubectl kustomize"
        on_error(
            f"{rel}: {what} not rendered: `{hint.split()[0]}` is not on the path; run `{hint} {rel}` and scan its output",
            rel,
            None,
            False,
        )
        return []
    try:
        done = subprocess.run([binary, *cmd], capture_output=True, text=True, timeout=RENDER_TIMEOUT, check=False,
                              stdin=subprocess.DEVNULL, env=_offline_env())
    except subprocess.TimeoutExpired:
        on_error(f"{rel}: {what} not rendered within {RENDER_TIMEOUT:.0f} s", rel, None, True)
        return []
    if done.returncode != 0:
        on_error(f"{rel}: {what} did not render: {_render_error(done.stderr) or done.returncode}", rel, None, True)
        return []
    try:
        objects = parse_manifests(done.stdout, rel)
    except (ValueError, yaml.YAMLError) as exc:
        on_error(f"{rel}: {what} rendered output not read: {_first_line(exc)}", rel, None, True)
        return []
    # rendered objects have no line in the user's files: point at the folder
    return [(obj, Origin(Provider.MANIFEST, path=rel, line=None)) for obj, _ in objects]


def _offline_env() -> dict[str, str]:
    """The renderers' environment with the network shut: Kustomize fetches remote bases (git or
    HTTP) and Helm remote charts by itself, and the auditor never reaches beyond this machine.
    HTTP goes to a proxy on a closed loopback port and git may use the file protocol only."""
    import os

    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "http_proxy", "https_proxy", "all_proxy")}
    closed = "http://127.0.0.1:9"
    env.update({"HTTP_PROXY": closed, "HTTPS_PROXY": closed, "ALL_PROXY": closed, "http_proxy": closed,
                "https_proxy": closed, "GIT_ALLOW_PROTOCOL": "file", "GIT_TERMINAL_PROMPT": "0",
                "HELM_OFFLINE": "1"})
    return env


_REMOTE = re.compile(r"(?:https?://|git@|github\.com/)[^\s'\"]+")
_KLOG = re.compile(r"^[EWI]\d{4} [\d:.]+\s+\d+ \S+\] ")


def _render_error(stderr: str) -> str:
    """What a renderer's stderr says failed: a remote resource it would have fetched, else the
    deepest cause (the end of Kustomize's chain of 'accumulating resources' messages)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    text = " ".join(_KLOG.sub("", line) for line in lines if "warning" not in line.lower()[:20])
    remote = _REMOTE.search(text)
    if remote:
        return f"it includes the remote resource {remote.group(0)}, which the auditor never fetches"
    text = re.sub(r"\s+", " ", text.replace('"command failed" err=<', "")).strip(" >")
    return _first_line(text if len(text) <= 200 else "…" + text[-199:])


def kustomize_roots(kustomizations: list[Path]) -> tuple[list[Path], list[Path]]:
    """(folders to render, every Kustomize folder). A folder that another kustomization of the
    scan includes (resources, bases, components) is rendered as part of it, not again on its own,
    and a ``kind: Component`` never renders alone."""
    folders = {k.parent.resolve(): k.parent for k in kustomizations}
    included: set[Path] = set()
    for resolved in folders:
        data = _kustomization(resolved)
        if data.get("kind") == "Component":
            included.add(resolved)
        for key in ("resources", "bases", "components"):
            for entry in data.get(key) or []:
                if isinstance(entry, str) and "://" not in entry and not entry.startswith(("github.com/", "git@")):
                    target = (resolved / entry).resolve()
                    if target in folders and target != resolved:
                        included.add(target)
    return [folder for resolved, folder in folders.items() if resolved not in included], list(folders.values())


def _kustomization(folder: Path) -> dict[str, Any]:
    for name in ("kustomization.yaml", "kustomization.yml"):
        path = folder / name
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def _first_line(value: object) -> str:
    from auditor.analysis.secrets import redact_text

    text = str(value).strip().splitlines()
    return redact_text(text[0] if text else str(value))[:200]
