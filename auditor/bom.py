"""ML-BOM: models, datasets and dependencies of a folder as CycloneDX 1.6 JSON.

Models are ``machine-learning-model`` components with their SHA-256, format and scan verdict
(as ``auditor:*`` properties); data files listed in lineage manifests are ``data`` components
whose hash is the file's SHA-256 as it is now, beside the manifest's recorded SHA-256 and the
verdict (``auditor:recorded_sha256``, ``auditor:current_sha256``, ``auditor:hash_verification``);
each manifest's model depends on its data files (CycloneDX ``dependencies``); dependencies from
manifests and lock files are ``library`` components with a PyPI package URL. Built with cyclonedx-python-lib and validated against the
CycloneDX 1.6 JSON schema before it is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.bom_lineage import LineageFile, manifest_files
from auditor.collectors.base import CollectionSink
from auditor.resources import Dataset, Dependency, ModelArtifact


class BomError(Exception):
    pass


def _verdict(model: ModelArtifact) -> str:
    if model.code_execution:
        return "code-execution"
    if model.code_execution is None:
        return "not-scanned"
    return "clean"


def _tri(value: bool | None) -> str:
    return "unknown" if value is None else str(value).lower()


def _hashes(sha256: str | None) -> list[Any]:
    from cyclonedx.model import HashAlgorithm, HashType

    return [HashType(alg=HashAlgorithm.SHA_256, content=sha256)] if sha256 else []


def _file_properties(item: LineageFile) -> list[Any]:
    """Recorded and current hash side by side, with the verdict (match, mismatch, missing, unreadable)."""
    from cyclonedx.model import Property

    return [
        Property(name="auditor:recorded_sha256", value=item.recorded or "none"),
        Property(name="auditor:current_sha256", value=item.current or item.state),
        Property(name="auditor:hash_verification", value=item.state),
    ]


def build_bom(paths: Sequence[str], *, hash_models: bool = True, root: str | None = None) -> str:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from packageurl import PackageURL

    from auditor.collectors.files import FilesCollector

    collector = FilesCollector(list(paths), root=root, hash_models=hash_models)
    sink = CollectionSink()
    collector.collect(sink)
    bom = Bom()
    bom.metadata.tools.components.add(Component(name="ml-posture-auditor", version=__version__, type=ComponentType.APPLICATION))
    for error in sink.errors:  # what could not be read is said, not left out silently
        bom.metadata.properties.add(Property(name="auditor:collection_error", value=str(error.message)[:500]))
    seen: set[str] = set()
    lineage: list[Dataset] = []

    def add(component: Any) -> None:
        if str(component.bom_ref) in seen:
            return
        seen.add(str(component.bom_ref))
        bom.components.add(component)

    for res in sink.resources:
        if isinstance(res, ModelArtifact):
            props = [
                Property(name="auditor:format", value=res.format),
                Property(name="auditor:verdict", value=_verdict(res)),
                Property(name="auditor:pickle_based", value=str(res.pickle_based).lower()),
            ]
            props += [Property(name="auditor:finding", value=f"{f.severity}: {f.reference}") for f in res.findings[:50]]
            if res.scan_error:
                props.append(Property(name="auditor:scan_error", value=res.scan_error[:500]))
            add(Component(
                type=ComponentType.MACHINE_LEARNING_MODEL, name=res.ref.name, bom_ref=f"model:{res.ref.id}",
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=res.sha256)] if res.sha256 else [],
                properties=props, description=f"model file {res.ref.path}",
            ))
        elif isinstance(res, Dependency):
            purl = PackageURL(type="pypi", name=res.package.lower(), version=res.version)
            add(Component(
                type=ComponentType.LIBRARY, name=res.package, version=res.version,
                purl=purl, bom_ref=f"pkg:{res.package.lower()}@{res.version or ''}",
                properties=[Property(name="auditor:manifest", value=res.manifest)],
            ))
        elif isinstance(res, Dataset) and res.manifest:
            lineage.append(res)
    models = {str(c.bom_ref): c for c in bom.components if c.type == ComponentType.MACHINE_LEARNING_MODEL}
    for res in lineage:
        files = manifest_files(collector.root, res.manifest or "")
        if files.error:
            bom.metadata.properties.add(Property(name="auditor:collection_error", value=files.error[:500]))
            continue
        verified = bool(res.signature_valid) and all(f.state == "match" for f in files.data) and (
            files.model is None or files.model.state == "match"
        )
        common = [
            Property(name="auditor:lineage_manifest", value=files.manifest),
            Property(name="auditor:signature_valid", value=_tri(res.signature_valid)),
            Property(name="auditor:signature_detail", value=(res.signature_detail or "")[:500]),
            Property(name="auditor:lineage_verified", value=str(verified).lower()),
        ]
        data_components = []
        for item in files.data:
            component = Component(
                type=ComponentType.DATA, name=item.label, bom_ref=f"data:{files.manifest}:{item.label}",
                hashes=_hashes(item.current), properties=[*common, *_file_properties(item)],
                description=f"data file {item.rel_path}, listed in {files.manifest}",
            )
            add(component)
            data_components.append(component)
        if files.model is None:
            continue
        model = models.get(f"model:{files.model.rel_path}")
        if model is None:  # the manifest names a model file the scan did not see as a model
            model = Component(
                type=ComponentType.MACHINE_LEARNING_MODEL, name=Path(files.model.label).name,
                bom_ref=f"model:{files.model.rel_path}", hashes=_hashes(files.model.current),
                description=f"model file {files.model.rel_path}, named by {files.manifest}",
            )
            add(model)
            models[str(model.bom_ref)] = model
        for prop in (*common, *_file_properties(files.model)):
            model.properties.add(prop)
        bom.register_dependency(model, data_components)  # the model was built from these data files
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if errors is not None:
        raise BomError(f"generated BOM does not validate against CycloneDX 1.6: {errors}")
    return text


__all__ = ["BomError", "build_bom"]
