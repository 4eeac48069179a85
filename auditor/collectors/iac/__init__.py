"""Infrastructure-as-code collector: Terraform (HCL, plan JSON) and CloudFormation (YAML, JSON).

Files are detected one by one; each is parsed, resolved into resource instances (variables,
tfvars, locals, references, modules, count/for_each, intrinsics) and mapped into the same
resource kinds as live scans. A file that does not parse is a scan-incomplete collection error
naming the file and line; the rest of the files are still scanned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from auditor.collectors.base import CollectionError, CollectionSink
from auditor.collectors.iac.discovery import Discovered, FileKind, discover, display
from auditor.collectors.iac.limits import IacLimits
from auditor.collectors.iac.model import IacResource

ErrorSink = Callable[[str, str, int | None, bool], None]


class IacCollector:
    name: ClassVar[str] = "iac"

    def __init__(
        self,
        paths: list[str],
        *,
        root: str | None = None,
        var_files: Sequence[str] = (),
        own_accounts: Sequence[str] = (),
        skip_paths: Sequence[str] = (),
        limits: IacLimits | None = None,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        if root is not None:
            self.root = Path(root).resolve()
        elif len(self.paths) == 1:
            only = self.paths[0].resolve()
            self.root = only if only.is_dir() else only.parent
        else:
            self.root = Path.cwd().resolve()
        self.var_files = [Path(v) for v in var_files]
        self.own_accounts = [str(a) for a in own_accounts]
        self.skip_paths = [str(g) for g in skip_paths]
        self.limits = limits or IacLimits()

    def scope(self) -> str:
        name = self.root.name or "root"
        return "iac-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in name)

    def collect(self, sink: CollectionSink) -> None:
        from auditor.collectors.iac.mappers import map_resources

        def on_error(message: str, path: str, line: int | None, incomplete: bool) -> None:
            sink.error(
                CollectionError(source="iac", message=display(message), path=display(path), line=line, incomplete=incomplete)
            )

        for path in self.paths:
            if not path.exists() and not path.is_symlink():
                on_error(f"{path}: no such file or directory", str(path), None, True)
        found = discover([p for p in self.paths if p.exists() or p.is_symlink()], self.limits, self.skip_paths)
        for skipped in found.skipped:
            rel = self._rel(skipped.path)
            on_error(f"{rel}: {skipped.reason}", rel, None, True)
        iac_kinds: tuple[FileKind, ...] = (
            "terraform", "terraform_json", "plan", "cloudformation", "kubernetes", "helm_chart", "kustomize"
        )
        if not any(found.of(kind) for kind in iac_kinds) and not found.skipped:
            # Not incomplete (nothing failed to parse), but never a silent green run: a CI job
            # pointed at the wrong folder sees this in every report.
            names = ", ".join(str(p) for p in self.paths)
            on_error(f"no Terraform or CloudFormation files found under {names}", names, None, False)
        resources: list[IacResource] = []
        tf_files = found.of("terraform") + found.of("terraform_json")
        if tf_files:
            from auditor.collectors.iac.terraform.project import TerraformProject

            sink.progress(f"terraform: {len(tf_files)} files")
            reported = {s.path.absolute() for s in found.skipped}
            project = TerraformProject(self.root, on_error, self.limits, reported)
            with self._guard("Terraform files", self._rel(self.root), on_error):
                resources += project.resources(tf_files, self.var_files)
        for path in found.of("plan"):
            from auditor.collectors.iac.terraform.plan import load_plan

            rel = self._rel(path)
            with self._guard("plan", rel, on_error):
                resources += load_plan(path, rel, on_error, self.limits)
        for path in found.of("cloudformation"):
            from auditor.collectors.iac.cloudformation import load_template

            rel = self._rel(path)
            with self._guard("template", rel, on_error):
                resources += load_template(path, rel, on_error, self.limits)
        with self._guard("inline ignores", self._rel(self.root), on_error):
            from auditor.collectors.iac.ignores import warn_on_ignores

            warn_on_ignores(resources, on_error)
        sink.add_all(map_resources(resources, on_error, self.own_accounts))
        self._kubernetes(found, sink, on_error)

    def _kubernetes(self, found: Discovered, sink: CollectionSink, on_error: ErrorSink) -> None:
        """Manifests, Helm charts and Kustomize folders, judged like a live cluster's objects."""
        if not any(found.of(k) for k in ("kubernetes", "helm_chart", "kustomize")):
            return
        import shutil

        from auditor.collectors.k8s.manifests import kustomize_roots, load_manifest, render
        from auditor.collectors.k8s.normalize import normalize

        objects = []
        charts = [p.parent for p in found.of("helm_chart")]
        for chart in charts:
            rel = self._rel(chart)
            with self._guard("Helm chart", rel, on_error):
                objects += render(chart, rel, "helm", on_error)
        roots, kustomize_folders = kustomize_roots(found.of("kustomize"))
        for folder in roots:
            rel = self._rel(folder)
            with self._guard("Kustomize folder", rel, on_error):
                objects += render(folder, rel, "kustomize", on_error)
        # with kubectl, a Kustomize folder's files arrive through its root's rendering (a root that
        # fails is a named error); without it, its plain files are the best reading there is
        skipped = [*charts, *(kustomize_folders if shutil.which("kubectl") else [])]
        for path in found.of("kubernetes"):
            # chart templates are Go templates, not YAML
            if any(path.is_relative_to(folder) for folder in skipped):
                continue
            rel = self._rel(path)
            with self._guard("manifest", rel, on_error):
                objects += load_manifest(path, rel, on_error)
        sink.progress(f"kubernetes: {len(objects)} objects")
        with self._guard("Kubernetes objects", self._rel(self.root), on_error):
            sink.add_all(normalize(objects))

    @staticmethod
    @contextmanager
    def _guard(what: str, rel: str, on_error: ErrorSink) -> Iterator[None]:
        """One unit (a template, a plan, the Terraform project) that fails is a named error; the rest goes on."""
        try:
            yield
        except RecursionError:
            on_error(f"{rel}: {what} not scanned: nested too deeply", rel, None, True)
        except Exception as exc:
            from auditor.analysis.secrets import redact_text

            message = redact_text(str(exc))[:200]
            on_error(f"{rel}: {what} not scanned: {type(exc).__name__}: {message}", rel, None, True)

    def _rel(self, path: Path) -> str:
        try:
            rel = path.absolute().relative_to(self.root).as_posix()
        except ValueError:
            try:
                rel = path.resolve().relative_to(self.root).as_posix()
            except (ValueError, OSError):
                rel = path.as_posix()
        return display(rel)
