"""The HTML report of a large scan is bounded: per check, exact counts and at most a fixed number
of rows (failures and the most severe first); the static table, the inventory and the other lists
are capped too, and what is left out is counted and pointed to the JSON and CSV exports."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
import scan_builder

from auditor.reports import html_fold, render
from auditor.result import ScanResult

STATUS_ORDER = ["fail", "error", "unknown", "suppressed", "pass"]


@pytest.fixture(autouse=True)
def small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_fold, "ROWS_PER_CHECK", 40)
    monkeypatch.setattr(html_fold, "PRINT_FAILURES_LIMIT", 60)
    monkeypatch.setattr(html_fold, "NOSCRIPT_LIMIT", 30)
    monkeypatch.setattr(html_fold, "INVENTORY_SHOWN", 25)


def _island(html: str) -> dict:
    text = re.search(r'<script type="application/json" id="findings-data">(.*?)</script>', html, re.S)
    assert text is not None
    return json.loads(text.group(1))


def _status(f) -> str:
    return "suppressed" if f.status.value == "fail" and f.suppression is not None else f.status.value


def test_rows_per_check_are_capped_and_the_rest_counted_exactly() -> None:
    result = scan_builder.build(300, hostile=False)
    html = render(result, "html")
    data = _island(html)
    totals = Counter(f.check_id for f in result.findings)
    assert max(totals.values()) > 40  # the bound matters here
    rows_by_check = Counter(data["checks"][row[2]] for row in data["rows"])
    assert rows_by_check == {cid: min(n, 40) for cid, n in totals.items()}
    assert data["omitted"] == len(result.findings) - len(data["rows"]) > 0
    # each check keeps its failures first, then the most severe of the rest
    for cid in totals:
        kept = [STATUS_ORDER.index(data["statuses"][r[1]]) for r in data["rows"] if data["checks"][r[2]] == cid]
        every = sorted(STATUS_ORDER.index(_status(f)) for f in result.findings if f.check_id == cid)
        assert sorted(kept) == every[: len(kept)], cid
    # the by-check table holds the exact counts
    for cid, n in totals.items():
        counts = Counter(_status(f) for f in result.findings if f.check_id == cid)
        cells = "".join(f"<td>{counts[s]}</td>" for s in STATUS_ORDER)
        assert f"<code>{cid}</code></a></td>" in html
        assert cells + f"<td>{n}</td><td>{min(n, 40)}</td></tr>" in html, cid
    assert f"({len(data['rows'])} of {len(result.findings)}); the CSV and JSON exports hold every result" in html


def test_static_table_and_inventory_are_capped() -> None:
    result = scan_builder.build(300, hostile=False)
    html = render(result, "html")
    failing = sum(1 for f in result.findings if _status(f) == "fail")
    assert failing > 60
    ranks = [int(r) for r in re.findall(r'<tr data-rank="(\d)" data-sev="\w+" data-status="fail"', html)]
    assert len(ranks) == html.count('<tr data-rank="') == 60  # only failures, the most severe first
    assert ranks == sorted(ranks, reverse=True) and ranks[0] == 4
    assert f"(the first 60 of {failing}, most severe first; the CSV and JSON exports hold them all)" in html
    resources = result.summary()["resources"]
    assert f"Show the first 25 of {resources} resources (the result JSON file lists them all)" in html
    inventory = html.split('id="inventory-table"', 1)[1].split("</details>", 1)[0]
    assert inventory.count("<tr>") == 26  # the header and 25 resources


def test_report_size_does_not_grow_with_the_findings_once_capped() -> None:
    sizes = []
    for n in (200, 400):
        result: ScanResult = scan_builder.build(n, hostile=False)
        data = _island(render(result, "html"))
        sizes.append((len(data["rows"]), data["omitted"], len(result.findings)))
    (rows_a, omitted_a, total_a), (rows_b, omitted_b, total_b) = sizes
    assert rows_a == rows_b and total_b > total_a
    assert omitted_b - omitted_a == total_b - total_a
