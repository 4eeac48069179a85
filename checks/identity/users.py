"""Long-lived human and key credentials."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import CheckContext, check
from auditor.resources import Provider, Role

_DEFAULT_MAX_AGE_DAYS = 90
# Who holds long-lived keys: IAM users on AWS; user-managed keys of service accounts on GCP.
_KEY_HOLDERS = {"aws": "user", "gcp": "service_account"}
# Passwords, MFA devices and access keys are created outside infrastructure code: live only.
_IAC = (Provider.TERRAFORM, Provider.CLOUDFORMATION)


@check(
    id="user_console_without_mfa",
    severity=Severity.HIGH,
    title="Console user without MFA",
    description="A human IAM user has a console password but no MFA device, so a phished or reused "
    "password is enough to sign in.",
    remediation="AWS: assign an MFA device (or passkey) to the user, enforce MFA with an IAM policy "
    "condition aws:MultiFactorAuthPresent, or move people to IAM Identity Center.",
    clouds=("aws",),
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html",),
)
def user_console_without_mfa(role: Role) -> Result | None:
    if role.principal_type != "user" or role.ref.provider in _IAC:
        return None
    if role.console_access is None:
        return unknown("whether the user has a console password could not be read")
    if not role.console_access:
        return passed("no console password")
    if role.mfa_enabled is None:
        return unknown("console user, but MFA devices could not be read")
    if not role.mfa_enabled:
        return fail("can sign in to the console with a password and no MFA device")
    return passed("console sign-in requires MFA")


@check(
    id="user_stale_access_key",
    severity=Severity.MEDIUM,
    title="Active access key older than the rotation period",
    description="An active long-lived access key (AWS IAM user key, GCP user-managed service account "
    "key) is older than the allowed age (option max_age_days, 90 by default). Old keys pile up in "
    "notebooks, CI variables and laptops. One result per key.",
    remediation="AWS: create a new access key, switch its users over, then deactivate and delete the old "
    "one (better: use roles and short-lived credentials). GCP: rotate or delete user-managed service "
    "account keys; prefer workload identity federation or attached service accounts.",
    clouds=("aws", "gcp"),
    options={"max_age_days": _DEFAULT_MAX_AGE_DAYS},
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console",
        "https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys",
    ),
)
def user_stale_access_key(role: Role, ctx: CheckContext) -> Iterator[Result]:
    if role.principal_type != _KEY_HOLDERS.get(str(role.ref.cloud)) or role.ref.provider in _IAC:
        return  # roles, bindings and GCP human users hold no long-lived keys
    if role.access_keys is None:
        yield unknown("access keys could not be listed")
        return
    if not role.access_keys:
        yield passed("no long-lived access keys")
        return
    max_age = int(ctx.option("user_stale_access_key", "max_age_days", _DEFAULT_MAX_AGE_DAYS))
    for key in role.access_keys:
        if not key.active:
            yield passed(f"access key {key.id} is inactive", key=key.id)
        elif key.created is None:
            yield unknown(f"creation date of active access key {key.id} is unknown", key=key.id)
        else:
            created = key.created if key.created.tzinfo else key.created.replace(tzinfo=UTC)
            age = (ctx.now - created).days
            evidence = {"created": created.isoformat(), "age_days": age, "max_age_days": max_age}
            if age > max_age:
                yield fail(f"active access key {key.id} is {age} days old (limit {max_age})", key=key.id, **evidence)
            else:
                yield passed(f"access key {key.id} is {age} days old", key=key.id, **evidence)
