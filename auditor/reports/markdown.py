"""A Markdown summary short enough for a pull-request comment: counts, framework scores, the
top failures and, with a baseline, the new ones. Long lists are cut with a note."""

from __future__ import annotations

from auditor.findings import Finding
from auditor.reports._common import SEVERITY_ORDER, failure_sort_key, location
from auditor.reports.text_escape import link_urls
from auditor.reports.text_escape import markdown_text as esc
from auditor.result import ScanResult
from auditor.result_stream import catalog_of

EXTENSION = ".md"
TOP_N = 10
MAX_CHARS = 60_000  # GitHub comments stop at 65,536 characters


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def _rows(findings: list[Finding]) -> list[str]:
    rows = ["| severity | check | resource | where |", "|---|---|---|---|"]
    for f in findings[:TOP_N]:
        rows.append(f"| {f.severity.value} | `{f.check_id}` | {esc(f.resource_name)} | {esc(location(f))} |")
    if len(findings) > TOP_N:
        rows.append(f"\n_…and {len(findings) - TOP_N} more; see the full report._")
    return rows


def _references(result: ScanResult, check_ids: list[str]) -> list[str]:
    """The reference URLs of the checks in the tables above, as Markdown autolinks."""
    catalog = catalog_of(result)
    rows = []
    for cid in check_ids:
        urls = link_urls(catalog[cid].references) if cid in catalog else []
        if urls:
            rows.append(f"- `{cid}`: " + ", ".join(f"<{u}>" for u in urls))
    return ["### References", "", *rows, ""] if rows else []


def render(result: ScanResult) -> str:
    summary = result.summary()
    scan = result.scan
    failing = sorted((f for f in result.findings if f.active_failure), key=failure_sort_key)
    lines = [
        f"## Auditor: {esc(scan.scope)}",
        "",
        f"Scan `{scan.id}` at {scan.started:%Y-%m-%d %H:%M} UTC, {summary['resources']} resources, "
        f"{summary['findings']} results.",
        "",
        "| " + " | ".join(SEVERITY_ORDER) + " | suppressed | unknown | error |",
        "|" + "---|" * (len(SEVERITY_ORDER) + 3),
        "| " + " | ".join(str(summary["failures_by_severity"][s]) for s in SEVERITY_ORDER)
        + f" | {summary['suppressed']} | {summary['by_status']['unknown']} | {summary['by_status']['error']} |",
        "",
    ]
    if result.frameworks:
        lines += [
            "| framework | score | graded | coverage | fail | incomplete | pass | scope |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for fw in result.frameworks:
            lines.append(
                f"| {esc(fw.name)} | {_pct(fw.score)} | {_pct(fw.graded_score)} | {_pct(fw.coverage)} | "
                f"{fw.counts.get('fail', 0)} | "
                f"{fw.counts.get('incomplete', 0)} | {fw.counts.get('pass', 0)} | {esc(fw.scope)} |"
            )
        lines.append("")
    shown: dict[str, None] = {}  # checks of the rows shown, in order: their references follow
    if result.changes is not None:
        new = set(result.changes.new)
        new_failing = [f for f in failing if f.fingerprint in new]
        lines += [
            f"### Since the baseline: {len(result.changes.new)} new, {len(result.changes.resolved)} resolved, "
            f"{result.changes.unchanged} unchanged",
            "",
        ]
        if new_failing:
            lines += [*_rows(new_failing), ""]
            shown.update(dict.fromkeys(f.check_id for f in new_failing[:TOP_N]))
    lines += [f"### Top failures ({len(failing)})", ""]
    lines += [*_rows(failing), ""] if failing else ["No unsuppressed failures.", ""]
    shown.update(dict.fromkeys(f.check_id for f in failing[:TOP_N]))
    lines += _references(result, list(shown))
    if summary["collection_errors"]:
        lines += [f"{summary['collection_errors']} collection error(s): some settings could not be read.", ""]
    if scan.incomplete:
        lines += ["**The scan was incomplete**: a whole source could not be read.", ""]
    lines.append(f"<sub>auditor {esc(result.tool.version)} · result digest `{result.digest[:16]}`</sub>")
    text = "\n".join(lines) + "\n"
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS - 80].rsplit("\n", 1)[0] + "\n\n_Summary truncated; see the full report._\n"
    return text
