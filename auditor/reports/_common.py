"""Small helpers the report formats share."""

from __future__ import annotations

import re

from auditor.findings import Finding, Severity, Status

SEVERITY_ORDER = [s.value for s in sorted(Severity, key=lambda s: -s.rank)]  # critical first

# XML 1.0 forbids most control characters; resource names and messages come from outside.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _XML_BAD.sub("\ufffd", text)


def failure_sort_key(finding: Finding) -> tuple[int, str, str]:
    return (-finding.severity.rank, finding.check_id, finding.resource_id)


def is_problem(finding: Finding) -> bool:
    return finding.status in (Status.UNKNOWN, Status.ERROR)


def location(finding: Finding) -> str:
    if finding.path:
        return f"{finding.path}:{finding.line}" if finding.line else finding.path
    return finding.resource_id
