"""ML-BOM: models, datasets and dependencies of a folder as CycloneDX 1.6 JSON.

Models are ``machine-learning-model`` components with their SHA-256, format and scan verdict
(as ``auditor:*`` properties); data files listed in lineage manifests are ``data`` components
with their recorded SHA-256; dependencies from manifests and lock files are ``library``
components with a PyPI package URL. Built with cyclonedx-python-lib and validated against the
CycloneDX 1.6 JSON schema before it is returned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from auditor import __version__
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


def build_bom(paths: Sequence[str], *, hash_models: bool = True, root: str | None = None) -> str:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from packageurl import PackageURL

    from auditor.collectors.files import FilesCollector
    from auditor.lineage import is_manifest

    collector = FilesCollector(list(paths), root=root, hash_models=hash_models)
    sink = CollectionSink()
    collector.collect(sink)
    bom = Bom()
    bom.metadata.tools.components.add(Component(name="ml-posture-auditor", version=__version__, type=ComponentType.APPLICATION))
    seen: set[str] = set()

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
            manifest_path = collector.root / res.manifest
            try:
                data = json.loads(manifest_path.read_text())
            except (OSError, ValueError):
                continue
            if not is_manifest(data):
                continue
            root_dir = (data.get("data") or {}).get("root", ".")
            for item in (data.get("data") or {}).get("files") or []:
                name = f"{root_dir}/{item['path']}"
                add(Component(
                    type=ComponentType.DATA, name=name, bom_ref=f"data:{res.manifest}:{name}",
                    hashes=[HashType(alg=HashAlgorithm.SHA_256, content=str(item["sha256"]))],
                    properties=[
                        Property(name="auditor:lineage_manifest", value=res.manifest),
                        Property(name="auditor:signature_valid", value=str(res.signature_valid).lower()),
                    ],
                ))
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if errors is not None:
        raise BomError(f"generated BOM does not validate against CycloneDX 1.6: {errors}")
    return text


__all__ = ["BomError", "build_bom"]
