"""Model files that run code when loaded, and pickle-based formats."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import ModelArtifact

_TIERS = ("critical", "high")


@check(
    id="model_code_execution",
    severity=Severity.CRITICAL,
    title="Model file executes code when loaded",
    description="Loading the file runs code of the file's choosing: a pickle (raw, joblib, PyTorch, numpy "
    "object array) that imports a code-execution primitive or a callable outside the ML allow-list, a "
    "Keras Lambda layer or module reference, or an import whose target is computed at load time.",
    remediation="Do not load the file. Re-export the weights as safetensors (or ONNX) from a trusted source, "
    "and load PyTorch checkpoints with torch.load(weights_only=True).",
)
def model_code_execution(model: ModelArtifact) -> Result:
    dangerous = [f for f in model.findings if f.severity in _TIERS]
    if dangerous:
        first = dangerous[0]
        more = f" and {len(dangerous) - 1} more" if len(dangerous) > 1 else ""
        return fail(
            f"loading runs {first.reference} ({first.reason}){more}",
            references=[f.reference for f in dangerous][:20],
            locations=[f.location for f in dangerous][:20],
        )
    if model.code_execution is None or model.scan_error:
        return unknown(f"the file could not be fully scanned: {model.scan_error or 'unknown reason'}")
    other = [f.reference for f in model.findings if f.severity == "medium"]
    if other:
        return passed(f"no code-execution primitive; imports outside the allow-list to review: {', '.join(other[:5])}",
                      review=other[:20])
    return passed(f"{model.format}: only allow-listed constructors")


@check(
    id="model_unsafe_format",
    severity=Severity.LOW,
    title="Model stored in a pickle-based format",
    description="The model uses a format that can carry code (pickle, joblib, PyTorch checkpoints, numpy object "
    "arrays), even if nothing malicious was found in it.",
    remediation="Store weights as safetensors or ONNX, which hold data only.",
)
def model_unsafe_format(model: ModelArtifact) -> Result:
    if model.pickle_based is None:
        return unknown("the format could not be determined")
    if model.pickle_based:
        return fail(f"{model.format} is pickle-based: loading it can run code")
    return passed(f"{model.format} holds data only")
