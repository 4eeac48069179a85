"""JUnit XML for CI dashboards: a testsuite per check, a testcase per resource (and result key).

fail -> <failure>; error -> <error>; suppressed failure -> <skipped> with the reason; unknown ->
<skipped> saying it could not be judged (it is neither a pass nor a failure).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from auditor.findings import Finding, Status
from auditor.reports._common import location, xml_text
from auditor.reports.text_escape import link_urls
from auditor.result import ScanResult
from auditor.result_stream import catalog_of

EXTENSION = ".junit.xml"


def _case(suite: ET.Element, finding: Finding, references: list[str]) -> str:
    name = finding.resource_name + (f" [{finding.key}]" if finding.key else "")
    case = ET.SubElement(suite, "testcase", name=xml_text(name), classname=xml_text(finding.check_id), time="0")
    message = xml_text(finding.message or finding.title)
    if finding.status == Status.FAIL and finding.suppression is not None:
        s = finding.suppression
        until = f" until {s.expires.isoformat()}" if s.expires else ""
        ET.SubElement(case, "skipped", message=xml_text(f"suppressed{until}: {s.reason}"))
        return "skipped"
    if finding.status == Status.FAIL:
        node = ET.SubElement(case, "failure", message=message, type=finding.severity.value)
        node.text = xml_text(
            f"{finding.title}\nresource: {finding.resource_id}\nlocation: {location(finding)}\n"
            f"severity: {finding.severity.value}\nremediation: {finding.remediation}"
            + (f"\nreferences: {' '.join(references)}" if references else "")
        )
        return "failures"
    if finding.status == Status.ERROR:
        node = ET.SubElement(case, "error", message=message, type="check_error")
        node.text = xml_text(finding.message)
        return "errors"
    if finding.status == Status.UNKNOWN:
        ET.SubElement(case, "skipped", message=xml_text(f"unknown: {finding.message}"))
        return "skipped"
    return "passed"


def render(result: ScanResult) -> str:
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_check[finding.check_id].append(finding)
    root = ET.Element("testsuites", name=xml_text(f"auditor {result.scan.scope}"))
    totals: dict[str, int] = defaultdict(int)
    catalog = catalog_of(result)
    for check_id in sorted(by_check):
        info = catalog.get(check_id)
        references = link_urls(info.references) if info else []
        findings = sorted(by_check[check_id], key=lambda f: (f.resource_id, f.key))
        suite = ET.SubElement(root, "testsuite", name=check_id, timestamp=result.scan.started.isoformat())
        counts: dict[str, int] = defaultdict(int)
        for finding in findings:
            counts[_case(suite, finding, references)] += 1
        for attr in ("failures", "errors", "skipped"):
            suite.set(attr, str(counts[attr]))
            totals[attr] += counts[attr]
        suite.set("tests", str(len(findings)))
        totals["tests"] += len(findings)
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(totals[attr]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
