"""CSV: one row per finding and control (a finding mapped to no control gets one row).

Every cell goes through ``csv_cell``: line breaks folded to spaces, then a cell that a spreadsheet
would read as a formula (=, +, -, @) prefixed with an apostrophe. Resource names come from
outside and must neither run as formulas nor split a row.
"""

from __future__ import annotations

import csv
import io

from auditor.reports.text_escape import csv_cell, link_urls
from auditor.result import ScanResult
from auditor.result_stream import catalog_of

EXTENSION = ".csv"

COLUMNS = [
    "framework", "control", "check_id", "title", "severity", "status", "suppressed", "suppression_reason",
    "suppression_expires", "resource_id", "resource_name", "resource_kind", "provider", "cloud", "account",
    "region", "path", "line", "message", "remediation", "fingerprint", "references",
]


def render(result: ScanResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    catalog = catalog_of(result)
    for f in result.findings:
        s = f.suppression
        info = catalog.get(f.check_id)
        base = [
            f.check_id, f.title, f.severity.value, f.status.value, "yes" if s else "no", s.reason if s else "",
            s.expires.isoformat() if s and s.expires else "", f.resource_id, f.resource_name, f.resource_kind,
            f.provider, f.cloud, f.account, f.region, f.path, f.line, f.message, f.remediation, f.fingerprint,
            " ".join(link_urls(info.references)) if info else "",
        ]
        pairs = [(fw, c) for fw, ids in sorted(f.controls.items()) for c in ids] or [("", "")]
        for framework, control in pairs:
            writer.writerow([csv_cell(v) for v in (framework, control, *base)])
    return out.getvalue()
