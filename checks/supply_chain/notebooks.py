"""Credentials and personal data saved in notebooks."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import NotebookFile


@check(
    id="notebook_secret",
    severity=Severity.HIGH,
    title="Credential in a notebook",
    description="A cloud key, token, private key or password (for example in a connection string) appears in a "
    "notebook's source cells or saved outputs. One result per distinct credential.",
    remediation="Revoke and rotate the credential, remove it from the notebook and its history, and read "
    "secrets from the environment or a secret manager.",
)
def notebook_secret(notebook: NotebookFile) -> list[Result]:
    if notebook.secrets is None:
        return [unknown(f"the notebook could not be read: {notebook.parse_error or 'unknown reason'}")]
    if not notebook.secrets:
        return [passed("no credentials found")]
    return [
        fail(f"{hit.kind} ({hit.redacted}) in {hit.location or 'the notebook'}", key=hit.sha256,
             kind=hit.kind, redacted=hit.redacted, sha256=hit.sha256, location=hit.location)
        for hit in notebook.secrets
    ]


@check(
    id="notebook_personal_data",
    severity=Severity.MEDIUM,
    title="Personal data in saved notebook outputs",
    description="Saved cell outputs contain e-mail addresses, phone numbers, national id numbers or "
    "Luhn-valid card numbers. One result per distinct value.",
    remediation="Clear the outputs before committing (nbstripout) and work on pseudonymised samples.",
)
def notebook_personal_data(notebook: NotebookFile) -> list[Result]:
    if notebook.personal_data is None:
        return [unknown(f"the notebook could not be read: {notebook.parse_error or 'unknown reason'}")]
    if not notebook.personal_data:
        return [passed("no personal data in saved outputs")]
    return [
        fail(f"{hit.kind} ({hit.redacted}) in {hit.location or 'an output'}", key=hit.sha256,
             kind=hit.kind, redacted=hit.redacted, sha256=hit.sha256, location=hit.location)
        for hit in notebook.personal_data
    ]
