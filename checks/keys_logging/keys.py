"""Customer-managed encryption keys: who may use them, and whether they rotate."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Key


@check(
    id="key_policy_public",
    severity=Severity.CRITICAL,
    title="Key policy lets anyone use or manage the key",
    description="The KMS key policy lets any principal ('*') use or manage the key with no restricting "
    "condition, so anyone who can reach KMS can decrypt data protected by it or change the key.",
    remediation="AWS: replace Principal '*' in the key policy with the accounts and roles that need the "
    "key, or add a condition (kms:CallerAccount, aws:PrincipalOrgID, kms:ViaService) that restricts it.",
    clouds=("aws",),
    references=("https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html",),
)
def key_policy_public(key: Key) -> Result:
    if key.policy_public is None:
        return unknown("key policy could not be read")
    if key.policy_public:
        return fail(f"key policy allows any principal: {key.policy_public_via or 'Principal *'}",
                    via=key.policy_public_via)
    return passed("key policy names specific principals or restricts them by condition")


@check(
    id="key_rotation_off",
    severity=Severity.MEDIUM,
    title="Customer-managed key does not rotate automatically",
    description="Automatic rotation is off for an enabled customer-managed key (AWS KMS, Cloud KMS, Key "
    "Vault), so one key version protects data for ever. Provider-managed and disabled keys are not judged.",
    remediation="AWS: enable automatic key rotation (EnableKeyRotation). GCP: set a rotation period on the "
    "crypto key. Azure: add a rotation policy with an automatic rotate action to the Key Vault key.",
    references=(
        "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
        "https://cloud.google.com/kms/docs/key-rotation",
        "https://learn.microsoft.com/en-us/azure/key-vault/keys/how-to-configure-key-rotation",
    ),
)
def key_rotation_off(key: Key) -> Result | None:
    if key.customer_managed is False or key.enabled is False:
        return None  # the provider rotates its own keys; a disabled key protects nothing new
    if key.rotation_enabled is None:
        return unknown("rotation setting could not be read")
    if key.rotation_enabled:
        return passed("automatic rotation is on")
    if key.customer_managed is None:
        return unknown("rotation is off, but whether the key is customer-managed could not be read")
    return fail("automatic rotation is off")
