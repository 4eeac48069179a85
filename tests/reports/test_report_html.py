"""The HTML report as a document: self-contained, escaped, locked down by its CSP."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import scan_builder

from auditor.reports import render
from auditor.result import ScanResult


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "xlink:href", "poster", "data") and value:
                self.urls.append(value)
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}={value}")
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def _parse(html: str) -> _Collector:
    parser = _Collector()
    parser.feed(html)
    return parser


def test_self_contained(result: ScanResult) -> None:
    html = render(result, "html")
    doc = _parse(html)
    assert all(u.startswith("#") for u in doc.urls), [u for u in doc.urls if not u.startswith("#")][:5]
    assert not re.search(r"url\(|@import", html)
    assert len(doc.scripts) == 2 and not doc.handlers  # the explorer's JSON island and the script


def test_csp_allows_only_the_report_script(result: ScanResult) -> None:
    html = render(result, "html")
    doc = _parse(html)
    digest = base64.b64encode(hashlib.sha256(doc.scripts[1].encode()).digest()).decode()
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and f"script-src 'sha256-{digest}'" in csp


def test_hostile_names_and_tags_are_text(result: ScanResult) -> None:
    html = render(result, "html")
    assert scan_builder.XSS_NAME not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned" in html
    text = "".join(_parse(html).text)
    assert scan_builder.XSS_NAME in text  # shown to the reader, as text
    assert "owner=" + scan_builder.XSS_TAG in text


def test_json_island_cannot_break_out(result: ScanResult) -> None:
    html = render(result, "html")
    island = re.search(r'<script type="application/json" id="findings-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in island and ">" not in island and "&" not in island
    data = json.loads(island)
    assert len(data["rows"]) == len(result.findings)
    assert any(row[5] == scan_builder.XSS_NAME for row in data["rows"])
    assert any(scan_builder.XSS_TAG in row[8] for row in data["rows"])


def test_plain_html_summary_and_controls(result: ScanResult) -> None:
    html = render(result, "html")
    for fw in result.frameworks:
        assert f'id="fw-{fw.id}"' in html
    assert "hipaa-164-312-a-2-iv" in html and "needs attestation" in html
    assert html.count('<tr data-rank="') == len(result.findings)  # the no-JavaScript table
    assert "<svg" in html and "Framework scores" in html and "Open failures over time" in html
    assert "archive bucket, immutable by policy" in html and "2099-12-31" in html  # suppressed, with expiry
    assert "project ml-other not listable" in html  # collection errors
    assert f"{len(result.changes.new)}</strong> new failures" in html


def test_integrity_block(result: ScanResult) -> None:
    html = render(result, "html")
    assert result.digest in html and "verified: matches the result content" in html
    assert result.scan.config_hash in html and result.scan.check_catalog_version in html
    for fid, version in result.scan.frameworks.items():
        assert f"{fid} {version}" in html
    tampered = result.model_copy(update={"collection_errors": []})
    assert "DOES NOT MATCH" in render(tampered, "html")
