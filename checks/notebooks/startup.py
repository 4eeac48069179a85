"""Credentials written into notebook start-up scripts."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Notebook


@check(
    id="notebook_startup_secret",
    severity=Severity.HIGH,
    title="Credential in a notebook start-up script",
    description="A credential (cloud key, token, private key, password) is written into the notebook's "
    "start-up script: a SageMaker lifecycle configuration or a Workbench post-start script. Anyone who "
    "can describe the instance reads it. One result per credential; values are never shown.",
    remediation="Remove the credential from the script and rotate it. Give the instance an execution "
    "role / service account instead, or read the secret at start-up from AWS Secrets Manager or "
    "Google Secret Manager.",
    clouds=("aws", "gcp"),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-lifecycle-config.html",
        "https://cloud.google.com/vertex-ai/docs/workbench/instances/manage-metadata",
    ),
)
def notebook_startup_secret(notebook: Notebook) -> Iterator[Result]:
    if notebook.startup_secrets is None:
        yield unknown("start-up scripts could not be read")
        return
    if not notebook.startup_secrets:
        yield passed("no credentials found in start-up scripts")
        return
    for hit in notebook.startup_secrets:
        where = f" in {hit.location}" if hit.location else ""
        line = f" line {hit.line}" if hit.line else ""
        yield fail(
            f"{hit.kind} {hit.redacted}{where}{line}",
            key=f"{hit.kind}:{hit.sha256}" + (f"@{hit.location}" if hit.location else ""),
            secret_kind=hit.kind,
            redacted=hit.redacted,
            sha256=hit.sha256,
            location=hit.location,
            line=hit.line,
        )
