"""The least-privilege read-only IAM policy, built from each service module's PERMISSIONS.

``python -m auditor.collectors.aws.permissions DOCS_DIR`` rewrites ``aws-readonly-policy.json``
and ``permissions.md``; a test keeps the shipped files in sync with the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from auditor.collectors.aws.collector import SERVICE_MODULES, STS_PERMISSIONS

POLICY_FILE = "aws-readonly-policy.json"
DOC_FILE = "permissions.md"


def permissions_by_module() -> dict[str, list[str]]:
    out = {"identity (sts)": sorted(STS_PERMISSIONS)}
    for module in SERVICE_MODULES:
        out[module.__name__.rsplit(".", 1)[-1]] = sorted(module.PERMISSIONS)
    return out


def policy_document() -> dict[str, Any]:
    actions = sorted({p for perms in permissions_by_module().values() for p in perms})
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "MlPostureAuditorReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


def policy_json() -> str:
    return json.dumps(policy_document(), indent=2) + "\n"


def permissions_markdown() -> str:
    lines = [
        "# AWS permissions",
        "",
        "`auditor scan aws` only reads. It needs the IAM actions below and nothing else; every",
        "client refuses any operation outside its read-only allow-list. Attach",
        f"[`{POLICY_FILE}`]({POLICY_FILE}) as a customer-managed policy to the role or user that",
        "runs the scan (AWS's `SecurityAudit` managed policy also covers it).",
        "",
        "This file and the JSON policy are generated from the collector's own declarations:",
        "`python -m auditor.collectors.aws.permissions docs`.",
        "",
        "| collector | IAM actions |",
        "|---|---|",
    ]
    for module, perms in permissions_by_module().items():
        lines.append(f"| {module} | {', '.join(f'`{p}`' for p in perms)} |")
    lines += [
        "",
        "Notes:",
        "- `iam:GenerateCredentialReport` starts building the account's credential report (console",
        "  access, MFA and access-key ages for every user); it changes no configuration.",
        "- `cloudwatch:ListMetrics` on the `AWS/Bedrock` namespace tells in which regions Bedrock is",
        "  used, so invocation logging is judged only there.",
        "- A denied action makes the fields it would fill unknown and is listed in the result's",
        "  collection errors; the scan goes on.",
        "",
    ]
    return "\n".join(lines)


def write(docs_dir: Path) -> list[Path]:
    docs_dir.mkdir(parents=True, exist_ok=True)
    policy = docs_dir / POLICY_FILE
    doc = docs_dir / DOC_FILE
    policy.write_text(policy_json(), encoding="utf-8")
    doc.write_text(permissions_markdown(), encoding="utf-8")
    return [policy, doc]


if __name__ == "__main__":
    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")):
        print(f"wrote {path}")
