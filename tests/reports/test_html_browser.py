"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright.

Playwright never downloads a browser here: it drives /usr/bin/chromium (installed by
scripts/setup.d/10-chromium.sh). In CI a missing browser fails these tests; elsewhere they skip
with the reason printed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import scan_builder

from auditor.reports import render
from auditor.result import ScanResult

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    print(f"SKIP browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; run scripts/setup.d/10-chromium.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory, result: ScanResult) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(result, "html"), encoding="utf-8")
    return path


class Page:
    """One page with every console message, page error and request recorded; only the report
    file itself may load."""

    def __init__(self, browser, url: str, *, javascript: bool = True) -> None:
        self.context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1300, "height": 900})
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

        def route(r) -> None:
            self.requests.append(r.request.url)
            if r.request.url == url:
                r.continue_()
            else:
                r.abort()

        self.context.route("**/*", route)
        self.page.goto(url)
        if javascript:
            self.page.wait_for_selector("html[data-ready='1']")

    def visible_rows(self, selector: str = "#findings-table tbody tr") -> list[dict[str, str]]:
        return self.page.eval_on_selector_all(
            selector, "rows => rows.filter(r => r.offsetParent !== null).map(r => ({...r.dataset, text: r.textContent}))"
        )

    def wait_rows(self, predicate, timeout_ms: int = 5000) -> list[dict[str, str]]:
        """Wait for the debounced search to settle (the report's CSP forbids string evaluation,
        so poll from here instead of with wait_for_function)."""
        waited = 0
        while True:
            rows = self.visible_rows()
            if predicate(rows) or waited >= timeout_ms:
                return rows
            self.page.wait_for_timeout(50)
            waited += 50

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser, report_file: Path) -> Iterator[Page]:
    p = Page(browser, report_file.as_uri())
    yield p
    p.close()


def test_loads_clean_and_fetches_nothing(page: Page, report_file: Path, result: ScanResult) -> None:
    assert page.console == []
    assert page.requests == [report_file.as_uri()]
    assert len(page.visible_rows()) == len(result.findings)
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_filters_change_what_is_shown(page: Page, result: ScanResult) -> None:
    total = len(result.findings)
    page.page.select_option("#f-sev", "critical")
    rows = page.visible_rows()
    assert 0 < len(rows) < total and {r["sev"] for r in rows} == {"critical"}
    page.page.select_option("#f-status", "fail")
    rows = page.visible_rows()
    expected = sum(1 for f in result.findings if f.severity.value == "critical" and f.active_failure)
    assert len(rows) == expected and {r["status"] for r in rows} == {"fail"}
    assert f"{expected} shown of {expected} matching" in page.page.inner_text("#findings-count")
    page.page.click("#f-reset")
    for select, value, key in (("#f-provider", "terraform", "provider"), ("#f-kind", "Service", "kind"),
                               ("#f-check", "bucket_versioning_off", "check")):
        page.page.select_option(select, value)
        rows = page.visible_rows()
        assert rows and {r[key] for r in rows} == {value}, select
        page.page.click("#f-reset")
    assert len(page.visible_rows()) == total


def test_search_and_control_filter(page: Page, result: ScanResult) -> None:
    page.page.fill("#f-search", "training-data-00004")
    rows = page.wait_rows(lambda rows: 0 < len(rows) < 10)
    assert rows and all("training-data-00004" in r["text"] for r in rows)
    assert len(rows) == sum(1 for f in result.findings if f.resource_name == "training-data-00004")
    page.page.click("#f-reset")
    # drill into a HIPAA control and narrow the explorer to it
    control = "hipaa:hipaa-164-312-a-2-iv"
    page.page.click(f"#fw-hipaa details:has(button[data-control='{control}']) > summary")
    page.page.click(f"button[data-control='{control}']")
    rows = page.visible_rows()
    mapped = [f for f in result.findings if "hipaa-164-312-a-2-iv" in f.controls.get("hipaa", [])]
    assert rows and len(rows) == len(mapped)
    assert all(control in r["controls"].split() for r in rows)


def test_sort_by_severity(page: Page) -> None:
    page.page.click("th button[data-key='rank']")
    first = [int(r["rank"]) for r in page.visible_rows()]
    page.page.click("th button[data-key='rank']")
    second = [int(r["rank"]) for r in page.visible_rows()]
    assert first == sorted(first, reverse=True) and first[0] > first[-1]  # first click: most severe first
    assert second == sorted(second)  # second click: reversed


def test_hostile_markup_stays_text(page: Page) -> None:
    assert page.page.evaluate("window.__pwned") is None
    assert page.page.locator("script:not([type='application/json'])").count() == 1
    assert page.page.locator("#findings-table img").count() == 0
    page.page.fill("#f-search", "pwned")
    rows = page.wait_rows(lambda rows: 0 < len(rows) < 8)
    assert rows and all(scan_builder.XSS_NAME in r["text"] for r in rows)
    assert all(f"owner={scan_builder.XSS_TAG}" in r["text"] for r in rows)
    assert page.console == []


def test_readable_without_javascript(browser, report_file: Path, result: ScanResult) -> None:
    p = Page(browser, report_file.as_uri(), javascript=False)
    try:
        page = p.page
        assert page.locator("h1").inner_text() == "ML posture and compliance report"
        assert page.locator("#fw-hipaa table.controls").is_visible()
        assert page.locator("#fw-hipaa table.controls tbody tr").count() > 30
        assert page.locator("svg[aria-label='Framework scores']").is_visible()
        assert not page.locator(".filters").is_visible()  # the enhancement is hidden, not broken
        assert len(p.visible_rows("table.nojs-findings tbody tr")) == len(result.findings)
        assert p.visible_rows() == []  # the scripted explorer stays out of the way
        assert p.requests == [report_file.as_uri()]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-nojs.png"))
    finally:
        p.close()


def test_print_layout_hides_controls(browser, report_file: Path) -> None:
    p = Page(browser, report_file.as_uri())
    try:
        p.page.emulate_media(media="print")
        assert not p.page.locator(".filters").is_visible()
        assert not p.page.locator("nav.toc").is_visible()
        assert p.page.locator("#fw-gdpr table.controls").is_visible()
        pdf = p.page.pdf(format="A4")
        assert pdf[:4] == b"%PDF" and len(pdf) > 20_000
    finally:
        p.close()


# -- paper: what a compliance officer signs ------------------------------------------------------
def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        _unavailable("pdftotext is missing; run scripts/setup.d/15-poppler.sh")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _squash(text: str) -> str:
    """Text without white space: a long id may wrap anywhere inside a narrow print column."""
    return "".join(text.split())


@pytest.mark.parametrize(("paper", "javascript"), [("A4", True), ("Letter", False)])
def test_printed_report_holds_every_control_its_evidence_and_the_failures(
    browser, report_file: Path, result: ScanResult, tmp_path: Path, paper: str, javascript: bool
) -> None:
    p = Page(browser, report_file.as_uri(), javascript=javascript)
    try:
        text = _pdftotext(p.page.pdf(format=paper), tmp_path)
    finally:
        p.close()
    flat = _squash(text)
    shown = {fw.id for fw in result.frameworks}
    for control in (c for c in result.controls if c.framework in shown):
        assert _squash(control.control_id) in flat, control.control_id
        assert _squash(control.title) in flat, control.title
        if control.passing_share is not None:
            assert _squash(f"{control.passing_share * 100:.0f}% pass") in flat
    for fw in result.frameworks:
        assert _squash(f"graded score {fw.graded_score * 100:.0f}%") in flat
    # evidence and what to do, printed open whether or not the script ran
    messages = {e.message for c in result.controls for e in c.evidence[:EVIDENCE_SHOWN_ON_PAPER] if e.message}
    assert messages and all(_squash(m) in flat for m in messages)
    assert _squash("What to do") in flat
    # the failing findings as a table, never an empty heading or a pointer to the explorer
    failing = [f for f in result.findings if f.active_failure]
    assert _squash(f"Failing findings ({len(failing)})") in flat
    assert _squash(f"Findings ({len(result.findings)})") not in flat
    section = flat.split(_squash(f"Failing findings ({len(failing)})"), 1)[1].split("Checksandremediation", 1)[0]
    for f in failing:
        assert _squash(f.resource_name) in section and _squash(f.message) in section
    passing = [f for f in result.findings if f.status.value == "pass"]
    assert not any(_squash(f.message) in section for f in passing if f.message)
    assert "explorer" not in text.lower() and "Show these findings" not in text
    assert "Resource inventory" in text and "result JSON file" in text


EVIDENCE_SHOWN_ON_PAPER = 25


def test_integrity_note_recipe_reproduces_the_digest(browser, result: ScanResult, tmp_path: Path) -> None:
    """Follow the note as printed: write the result JSON, run its shell command, compare."""
    import subprocess

    html = tmp_path / "report.html"
    html.write_text(render(result, "html"), encoding="utf-8")
    p = Page(browser, html.as_uri())
    try:
        recipe = p.page.locator("#digest-recipe").text_content()
        shown = p.page.locator("#result-digest").text_content()
    finally:
        p.close()
    assert recipe == "sed '$d' RESULT.json | sha256sum"
    (tmp_path / "RESULT.json").write_text(render(result, "json"), encoding="utf-8")
    out = subprocess.run(["sh", "-c", recipe], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == shown == result.digest
