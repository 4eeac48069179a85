"""``auditor runs report``: the estate HTML page of a sharded run, built from a SQLite store.

Two runs of three IaC roots (``--shard 0/1``, no broker): between them one root gains failures,
another (named with markup) loses one, and a third never parses. The page's numbers are checked
against ``runs show --json``, which counts from the scan summaries, not from the page's SQL.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = ROOT / "tests" / "iac" / "projects"
SEVERITIES = ["critical", "high", "medium", "low", "info"]


def _auditor(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    if check:
        assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def _bucket(acl: str) -> str:
    return f'resource "aws_s3_bucket" "site" {{\n  bucket = "ml-site"\n  acl    = "{acl}"\n}}\n'


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("estate")
    grows, named, broken = folder / "grows", folder / "<script>alert(1)", folder / "broken"
    for root in (grows, named, broken):
        root.mkdir()
    (grows / "main.tf").write_text((PROJECTS / "public_grants" / "main.tf").read_text())
    (named / "main.tf").write_text(_bucket("public-read"))
    (broken / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "unterminated\n')
    config = folder / "auditor.yaml"
    config.write_text("name: estate-report\nsources:\n  iac:\n    paths: "
                      + json.dumps([str(grows), str(named), str(broken)]) + "\n")
    store = str(folder / "store.db")
    for run in ("night-1", "night-2"):
        if run == "night-2":  # one root gains failures, the other fixes its public bucket
            (grows / "users.tf").write_text((PROJECTS / "iam_users" / "main.tf").read_text())
            (named / "main.tf").write_text(_bucket("private"))
        scan = _auditor("scan", "--config", str(config), "--shard", "0/1", "--run", run, "--store", store,
                        "--fail-on", "none", "--quiet", check=False)
        assert scan.returncode == 3, scan.stderr[-2000:]  # the broken root failed
    return {"folder": folder, "store": store, "grows": f"iac:{grows}", "named": f"iac:{named}",
            "broken": f"iac:{broken}"}


def _rows(page: str) -> dict[str, str]:
    """target id -> its row in the targets table (the first table carrying data-target rows)."""
    table = page.split('<table class="targets">', 1)[1].split("</table>", 1)[0]
    return {unescape(m.group(1)): m.group(0) for m in re.finditer(r'<tr class="st-\w+" data-target="([^"]*)">.*?</tr>',
                                                                      table, re.S)}


def _cell(row: str, css: str) -> str:
    match = re.search(rf'<td class="{css}">([^<]*)</td>', row)
    assert match, (css, row)
    return match.group(1)


def test_page_lists_every_target_with_the_stored_counts(estate: dict[str, object]) -> None:
    out = Path(str(estate["folder"])) / "estate.html"
    _auditor("runs", "report", "latest", "--store", str(estate["store"]), "--output", str(out))
    page = out.read_text(encoding="utf-8")
    shown = json.loads(_auditor("runs", "show", "night-2", "--store", str(estate["store"]), "--json").stdout)
    rows = _rows(page)
    assert set(rows) == {t["target"] for t in shown["targets"]} == {estate["grows"], estate["named"], estate["broken"]}
    assert "<code>night-2</code>" in page
    assert "3: 2 done, 1 failed, 0 pending" in page
    for target in shown["targets"]:
        row = rows[target["target"]]
        if target["state"] != "done":
            continue
        expected = target["counts"]["failures_by_severity"]
        for sev in SEVERITIES:
            assert _cell(row, f"sev-{sev}") == str(expected.get(sev, 0)), (target["target"], sev)
    changes = shown["changes"]["targets"]
    grows, named = rows[str(estate["grows"])], rows[str(estate["named"])]
    assert int(_cell(grows, "new")) == changes[estate["grows"]]["new"] > 0
    assert _cell(grows, "resolved") == "0"
    assert int(_cell(named, "resolved")) == changes[estate["named"]]["resolved"] > 0
    assert _cell(named, "new") == "0"
    # estate totals: the sum over the targets, as runs show counts them
    totals = page.split('id="estate-totals"', 1)[1].split("</div>\n</section>", 1)[0]
    numbers = [int(n) for n in re.findall(r'<span class="n">(\d+)</span>', totals)]
    assert numbers[:5] == [shown["summary"]["failures_by_severity"].get(s, 0) for s in SEVERITIES]
    assert numbers[5:] == [shown["changes"]["new"], shown["changes"]["resolved"]]


def test_failed_target_shows_its_reason_and_no_scores(estate: dict[str, object]) -> None:
    out = Path(str(estate["folder"])) / "failed.html"
    _auditor("runs", "report", "night-2", "--store", str(estate["store"]), "-o", str(out))
    page = out.read_text(encoding="utf-8")
    shown = json.loads(_auditor("runs", "show", "night-2", "--store", str(estate["store"]), "--json").stdout)
    reason = next(t["error"] for t in shown["targets"] if t["target"] == estate["broken"])
    assert reason
    row = _rows(page)[str(estate["broken"])]
    assert ">failed</span>" in row
    assert unescape(re.search(r'<span class="reason">(.*?)</span>', row, re.S).group(1)) == reason  # type: ignore[union-attr]
    assert "1 target failed." in page
    # framework scores: the failed target has none, the finished ones and the estate have one per framework
    scores = page.split('<table class="scores">', 1)[1].split("</table>", 1)[0]
    score_rows = {unescape(m.group(1)): m.group(2) for m in re.finditer(r'<tr data-target="([^"]*)">(.*?)</tr>', scores, re.S)}
    frameworks = len(re.findall(r"<th>[A-Z0-9_-]+<br>", scores))
    assert frameworks > 0
    assert "%" not in score_rows[str(estate["broken"])]
    assert len(re.findall(r"(?:\d+%|n/a) / (?:\d+%|n/a)", score_rows[str(estate["grows"])])) == frameworks


def test_names_are_escaped_and_the_page_runs_no_script(estate: dict[str, object]) -> None:
    out = Path(str(estate["folder"])) / "escaped.html"
    _auditor("runs", "report", "night-1", "--store", str(estate["store"]), "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)" in page
    assert "<script" not in page.lower()
    assert "script-src 'none'" in page


def test_output_is_never_overwritten_without_force(estate: dict[str, object]) -> None:
    out = Path(str(estate["folder"])) / "kept.html"
    out.write_text("keep me")
    refused = _auditor("runs", "report", "night-2", "--store", str(estate["store"]), "-o", str(out), check=False)
    assert refused.returncode != 0
    assert "--force" in refused.stderr
    assert out.read_text() == "keep me"
    _auditor("runs", "report", "night-2", "--store", str(estate["store"]), "-o", str(out), "--force")
    assert "Estate report" in out.read_text()
    missing = _auditor("runs", "report", "no-such-run", "--store", str(estate["store"]), "-o",
                       str(out.with_name("none.html")), check=False)
    assert missing.returncode != 0 and "no-such-run" in missing.stderr
    assert not out.with_name("none.html").exists()


@pytest.mark.integration
def test_page_opens_in_headless_chromium_without_errors(estate: dict[str, object]) -> None:
    """Debian's Chromium (scripts/setup.d/10-chromium.sh) through Playwright; skipped where it is missing, outside CI."""
    import os

    chromium = Path("/usr/bin/chromium")
    reason = None
    if not chromium.exists():
        reason = f"{chromium} is missing; run scripts/setup.d/10-chromium.sh"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = reason or "playwright is not installed (pip install -e '.[test]')"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    out = Path(str(estate["folder"])) / "browser.html"
    _auditor("runs", "report", "night-2", "--store", str(estate["store"]), "-o", str(out))
    url = out.as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox", "--disable-gpu",
                                                                          "--no-first-run", "--disable-sync"])
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 900})
            page = context.new_page()
            console: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))

            def route(r) -> None:  # type: ignore[no-untyped-def]
                requests.append(r.request.url)
                r.continue_() if r.request.url == url else r.abort()

            context.route("**/*", route)
            page.goto(url)
            assert page.locator("table.targets tbody tr").count() == 3
            assert page.locator("table.targets").get_by_text(str(estate["named"]), exact=True).is_visible()
            assert page.locator("table.scores tr.estate").is_visible()
            assert page.evaluate("document.querySelectorAll('script').length") == 0
            assert console == [] and requests == [url]
        finally:
            browser.close()


def test_framework_scores_per_target_equal_a_scan_of_that_target_alone(estate: dict[str, object]) -> None:
    """The page scores each target from stored counts; a plain ``auditor scan iac`` of the same root
    scores it from its findings: both go through auditor.compliance.evaluate, so they agree."""
    folder = Path(str(estate["folder"]))
    out = folder / "scores.html"
    _auditor("runs", "report", "night-2", "--store", str(estate["store"]), "-o", str(out))
    scores = out.read_text(encoding="utf-8").split('<table class="scores">', 1)[1].split("</table>", 1)[0]
    pages: dict[str, dict[str, tuple[str, str]]] = {}
    for key in ("named", "grows"):
        target = str(estate[key])
        row = next(m.group(1) for m in re.finditer(r'<tr data-target="([^"]*)">(.*?)</tr>', scores, re.S)
                   if unescape(m.group(1)) == target)
        cells = re.findall(r'<tr data-target="' + re.escape(row) + r'">(.*?)</tr>', scores, re.S)[0]
        shown = {fw: (score, graded) for fw, score, graded in
                 re.findall(r'data-fw="([^"]+)" data-score="([^"]*)" data-graded="([^"]*)"', cells)}
        result_file = folder / f"{key}.json"
        _auditor("scan", "iac", target.removeprefix("iac:"), "--output", str(result_file), "--no-store",
                 "--fail-on", "none", "--quiet")
        expected = {fw["id"]: (str(fw["score"]), str(fw["graded_score"]))
                    for fw in json.loads(result_file.read_text())["frameworks"]}
        assert shown == expected, key
        pages[key] = shown
    # strict scores between 0 and 1 somewhere: the comparison is not of zeros alone
    assert any(0 < float(score) < 1 for score, _ in pages["named"].values())


def test_a_missing_store_is_an_error_not_a_new_empty_one(tmp_path: Path) -> None:
    store = tmp_path / "nowhere.db"
    proc = _auditor("runs", "report", "latest", "--store", str(store), "-o", str(tmp_path / "e.html"), check=False)
    assert proc.returncode != 0 and "nowhere.db" in proc.stderr
    assert not store.exists() and not (tmp_path / "e.html").exists()


def test_postgresql_store_gives_the_same_page(estate: dict[str, object], postgres: tuple[str, object]) -> None:
    """The same rows in PostgreSQL (copied from the SQLite store) render the same page: the
    aggregates are portable SQL."""
    from auditor.reports.estate_html import render
    from auditor.runs import RunStore
    from auditor.store import normalise_url, open_store

    source = RunStore(open_store(normalise_url(str(estate["store"])), create=False))
    target = RunStore(open_store(normalise_url(postgres[0])))
    try:
        with source.store.engine.connect() as read, target.store.engine.begin() as write:
            for table in (source.runs, source.targets, source.findings):
                rows = [dict(r) for r in read.execute(table.select()).mappings()]
                write.execute(table.insert(), rows)  # run ids unique to this test: the other runs stay

        def page(runs: RunStore) -> str:
            return re.sub(r"<dt>Generated</dt><dd>[^<]*</dd>", "", render(runs, "night-2"))

        assert page(target) == page(source)
    finally:
        source.store.close()
        target.store.close()
