"""Lineage manifests: data hashes still match, and the manifest is signed."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Dataset


@check(
    id="dataset_hash_mismatch",
    severity=Severity.HIGH,
    title="Data no longer matches its lineage manifest",
    description="A data or model file listed in a lineage manifest has a different SHA-256 than recorded, or is "
    "missing: the model can no longer be traced to the data it was built from.",
    remediation="Find out who changed the data; re-train and record a new signed manifest "
    "(auditor lineage record) if the change is legitimate.",
)
def dataset_hash_mismatch(dataset: Dataset) -> Result | None:
    if dataset.manifest is None:
        return None
    if dataset.hash_mismatches is None or dataset.missing_files is None:
        return unknown(f"the manifest could not be checked: {dataset.signature_detail or 'unreadable'}")
    problems = [f"{p} changed" for p in dataset.hash_mismatches] + [f"{p} missing" for p in dataset.missing_files]
    if problems:
        return fail("; ".join(problems[:10]) + (f" and {len(problems) - 10} more" if len(problems) > 10 else ""),
                    changed=dataset.hash_mismatches, missing=dataset.missing_files)
    return passed("every file matches its recorded hash")


@check(
    id="lineage_manifest_unsigned",
    severity=Severity.MEDIUM,
    title="Lineage manifest missing or not verifiable",
    description="A model file has no lineage manifest (data to model) in the scanned tree, or its manifest "
    "is unsigned or its signature does not verify.",
    remediation="Record a signed manifest when the model is built: auditor lineage record --data DIR "
    "--model FILE --key KEY -o manifest.json.",
)
def lineage_manifest_unsigned(dataset: Dataset) -> Result:
    if dataset.manifest is None:
        return fail(dataset.signature_detail or "no lineage manifest covers this model")
    if dataset.signature_valid is None:
        return unknown(f"the signature could not be checked: {dataset.signature_detail or 'unknown reason'}")
    if not dataset.signature_valid:
        return fail(dataset.signature_detail or "the signature does not verify")
    return passed(dataset.signature_detail or "signature verifies")
