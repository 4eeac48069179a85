"""Guardrails (content filters) on agents and deployments, and how strong they are."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import CheckContext, check
from auditor.resources import Guardrail, MLWorkload

from ._common import GUARDED_TYPES, label

STRENGTHS = ("none", "low", "medium", "high")
_DEFAULT_MIN = {"prompt_attack": "high"}


@check(
    id="ml_guardrail_missing",
    severity=Severity.HIGH,
    title="Agent or model deployment without a guardrail",
    description="A Bedrock agent or an Azure OpenAI deployment has no guardrail or content filter "
    "(RAI policy) attached, so prompt attacks, jailbreaks and sensitive data in prompts and answers pass "
    "unfiltered.",
    remediation="AWS: create a Bedrock guardrail and attach it to the agent (guardrailConfiguration). "
    "Azure: attach a content filter (raiPolicyName) to the deployment.",
    references=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/agents-guardrail.html",
        "https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/content-filters",
    ),
)
def ml_guardrail_missing(workload: MLWorkload) -> Result | None:
    if workload.workload_type not in GUARDED_TYPES:
        return None
    if workload.workload_type == "ai_deployment" and workload.ref.cloud not in (None, "azure", "aws"):
        return None  # Vertex AI endpoints have no attachable content filter
    what = label(workload)
    if workload.guardrail_attached is None:
        return unknown(f"whether {what} has a guardrail could not be read")
    if not workload.guardrail_attached:
        return fail(f"{what} has no guardrail or content filter attached")
    return passed(f"{what} is guarded by {workload.guardrail_id or 'a guardrail'}", guardrail=workload.guardrail_id)


@check(
    id="ml_guardrail_weak",
    severity=Severity.MEDIUM,
    title="Guardrail filters below the required strength",
    description="A Bedrock guardrail or Azure OpenAI content filter sets a filter below the strength the "
    "policy asks for (by default the prompt-attack / prompt-shield filter at high), or has no "
    "sensitive-information (PII) filter. Options: min_strength maps a filter name to the lowest "
    "acceptable strength (none, low, medium, high); require_sensitive_information (default true; "
    "Bedrock only, Azure content filters have no PII filter).",
    remediation="AWS: raise the guardrail's PROMPT_ATTACK content filter to HIGH and add a "
    "sensitive-information policy (PII entities to block or anonymize). Azure: turn on the Prompt Shields "
    "(jailbreak) filter in blocking mode and set the content filter's thresholds.",
    references=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-prompt-attack.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-sensitive-filters.html",
        "https://learn.microsoft.com/en-us/azure/ai-services/openai/concepts/content-filter",
    ),
    options={"min_strength": _DEFAULT_MIN, "require_sensitive_information": True},
)
def ml_guardrail_weak(guardrail: Guardrail, ctx: CheckContext) -> Result:
    minimum: dict[str, str] = dict(ctx.option("ml_guardrail_weak", "min_strength", _DEFAULT_MIN))
    # Azure content filters have no PII filter to require
    need_pii = bool(ctx.option("ml_guardrail_weak", "require_sensitive_information", True)) and (
        guardrail.service != "azure_rai_policy")
    if guardrail.filters is None:
        return unknown("guardrail filters could not be read")
    weak = [
        f"{name} {guardrail.filters.get(name, 'none')} (needs {level})"
        for name, level in sorted(minimum.items())
        if STRENGTHS.index(guardrail.filters.get(name, "none")) < STRENGTHS.index(level)
    ]
    if need_pii and guardrail.sensitive_information is False:
        weak.append("no sensitive-information filter")
    if weak:
        return fail("guardrail too weak: " + "; ".join(weak), filters=guardrail.filters)
    if need_pii and guardrail.sensitive_information is None:
        return unknown("guardrail sensitive-information filter could not be read", filters=guardrail.filters)
    return passed("guardrail filters meet the required strength", filters=guardrail.filters)
