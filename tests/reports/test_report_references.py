"""A check's reference URLs reach every format: links in HTML and Markdown, the JSON catalog,
SARIF's helpUri (tests/reports/test_sarif_run.py). Only http(s) URLs ever become links."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser

import scan_builder
from markdown_it import MarkdownIt

from auditor.findings import Result, fail, passed
from auditor.pipeline import ScanOptions, evaluate_resources
from auditor.registry import Registry, check
from auditor.reports import render
from auditor.resources import Bucket
from auditor.result import ScanResult

REFS = ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        "https://cloud.google.com/storage/docs/public-access-prevention"]
HOSTILE_REF = "javascript:alert(document.domain)"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v or "" for k, v in attrs if k == "href"]


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


@check(id="bucket_public_read", severity="critical", title="Bucket is readable by anyone", description="d",
       remediation="Turn on the public access block.", references=(*REFS, HOSTILE_REF))
def bucket_public_read(bucket: Bucket) -> Result:
    return fail("readable by anyone") if bucket.public_read else passed()


def _result() -> ScanResult:
    """A real scan whose check declares its references (one of them hostile)."""
    registry = Registry()
    registry.add(bucket_public_read, "tests.reports.test_report_references")
    return evaluate_resources(scan_builder.resources(8), [], {}, sources=["aws", "iac"], scope="refs",
                              options=ScanOptions(), started=datetime.now(UTC), registry=registry)


def test_html_links_every_reference() -> None:
    hrefs = _links(render(_result(), "html"))
    assert all(url in hrefs for url in REFS)
    assert not any(h.lower().startswith("javascript") for h in hrefs)


def test_markdown_links_the_references_of_the_failures_shown() -> None:
    text = render(_result(), "md")
    assert "### References" in text
    html = MarkdownIt("commonmark").enable("table").render(text)
    hrefs = _links(html)
    assert all(url in hrefs for url in REFS)
    assert not any(h.lower().startswith("javascript") for h in hrefs) and "javascript:" not in text


def test_json_carries_the_references() -> None:
    data = json.loads(render(_result(), "json"))
    assert data["checks"]["bucket_public_read"]["references"][:2] == REFS


def test_junit_and_csv_carry_the_references() -> None:
    import csv
    import io
    import xml.etree.ElementTree as ET

    result = _result()
    root = ET.fromstring(render(result, "junit"))
    failures = root.findall(".//testsuite[@name='bucket_public_read']/testcase/failure")
    assert failures and all(f"references: {' '.join(REFS)}" in (node.text or "") for node in failures)
    rows = list(csv.DictReader(io.StringIO(render(result, "csv"))))
    assert {r["references"] for r in rows if r["check_id"] == "bucket_public_read"} == {" ".join(REFS)}
