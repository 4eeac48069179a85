"""The HTML report: one self-contained file (inline CSS, JS and SVG; nothing is fetched) that a
compliance officer can open from an e-mail attachment.

Jinja2 with autoescape renders every name, tag and message as text. A Content-Security-Policy
allows only the report's own script (by hash), so even markup that slipped through could not
run. Summary, control tables and findings are plain HTML; the script only adds filters, search,
sorting and paging to the findings explorer.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from auditor.findings import Status
from auditor.reports import html_fold as bounds
from auditor.reports._common import SEVERITY_ORDER
from auditor.reports.html_fold import STATUSES, ReportFold, Row, fold_findings
from auditor.reports.text_escape import link_urls
from auditor.result import SCHEMA_VERSION, ControlResult, ScanResult
from auditor.result_stream import catalog_of

EXTENSION = ".html"
TAG_SEPARATOR = "\x1f"
STATUS_COLOURS = {
    "fail": "#b3261e", "incomplete": "#a15c00", "pass": "#1e7a34", "not_assessed": "#b8bcc2", "manual": "#2d5fa8",
}
SEVERITY_COLOURS = {"critical": "#7d1020", "high": "#d0453a", "medium": "#d99100", "low": "#50707f", "info": "#9aa0a6"}


def _asset(name: str) -> str:
    return files("auditor.report_templates").joinpath(name).read_text(encoding="utf-8")


def _utc(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["utc"] = _utc
    env.filters["pct"] = _pct
    return env


@lru_cache(maxsize=1)
def _assets() -> tuple[Any, str, str, str]:
    js = _asset("report.js")
    css = _asset("report.css")
    if "</script" in js.lower() or "</style" in css.lower():
        raise ValueError("report.js / report.css must not contain a closing script or style tag")
    script_hash = "sha256-" + base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode()
    template = _environment().from_string(_asset("report.html.j2"))
    return template, css, js, script_hash


def _score_chart(result: ScanResult) -> Markup:
    """One stacked bar per framework: its controls by status, with score and coverage."""
    width, bar_x, bar_w, row_h = 900, 230, 460, 34
    height = row_h * len(result.frameworks) + 34
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Framework scores" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}">']
    for i, fw in enumerate(result.frameworks):
        y = 8 + i * row_h
        total = sum(fw.counts.values()) or 1
        out.append(f'<text x="0" y="{y + 15}">{escape(fw.id.upper())}: {escape(_pct(fw.score))} score, '
                   f'{escape(_pct(fw.graded_score))} graded</text>')
        x = float(bar_x)
        for status in ("fail", "incomplete", "pass", "not_assessed", "manual"):
            n = fw.counts.get(status, 0)
            if not n:
                continue
            w = bar_w * n / total
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" fill="{STATUS_COLOURS[status]}">'
                       f'<title>{n} {status.replace("_", " ")}</title></rect>')
            x += w
        out.append(f'<text x="{bar_x + bar_w + 10}" y="{y + 15}">coverage {escape(_pct(fw.coverage))}, '
                   f'{total} controls</text>')
    legend_y = height - 10
    x = bar_x
    for status, colour in STATUS_COLOURS.items():
        out.append(f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{x + 14}" y="{legend_y}">{status.replace("_", " ")}</text>')
        x += 96
    out.append("</svg>")
    return Markup("".join(out))


def _trend_chart(result: ScanResult) -> Markup | None:
    """Open failures by severity over the stored scans, oldest first."""
    history = result.history
    if history is None or len(history.trend) < 2:
        return None
    points = history.trend
    width, height, left, top, bottom = 900, 220, 50, 12, 40
    plot_w, plot_h = width - left - 120, height - top - bottom
    peak = max((max(p.failing_by_severity.values(), default=0) for p in points), default=0) or 1
    step = plot_w / (len(points) - 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Open failures over time" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}">',
           f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
           f'<text x="{left - 8}" y="{top + 10}" text-anchor="end">{peak}</text>',
           f'<text x="{left - 8}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, p in enumerate(points):
        if i in (0, len(points) - 1) or len(points) <= 8:
            out.append(f'<text x="{left + i * step:.1f}" y="{height - bottom + 18}" text-anchor="middle">'
                       f'{p.started:%m-%d}</text>')
    for n, sev in enumerate(SEVERITY_ORDER):
        values = [p.failing_by_severity.get(sev, 0) for p in points]
        if not any(values):
            continue
        coords = " ".join(f"{left + i * step:.1f},{top + plot_h - plot_h * v / peak:.1f}" for i, v in enumerate(values))
        out.append(f'<polyline fill="none" stroke-width="2" stroke="{SEVERITY_COLOURS[sev]}" points="{coords}">'
                   f'<title>{sev}: {", ".join(str(v) for v in values)}</title></polyline>')
        out.append(f'<text x="{left + plot_w + 12}" y="{top + 14 + 16 * n}" fill="{SEVERITY_COLOURS[sev]}">'
                   f'{sev} ({values[-1]})</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _island(fold: ReportFold, rows: list[Row], check_ids: list[str], catalog: dict[str, Any]) -> str:
    """The explorer's data as compact JSON, safe inside <script type="application/json">: every
    <, > and & is a JSON escape, so no string can close the element or open markup."""
    controls: dict[str, int] = {}
    index = {c: i for i, c in enumerate(check_ids)}
    p_index = {p: i for i, p in enumerate(sorted(fold.providers))}
    k_index = {k: i for i, k in enumerate(sorted(fold.kinds))}
    s_index = {s: i for i, s in enumerate(STATUSES)}
    control_ids: dict[str, list[int]] = {}
    for cid in check_ids:
        info = catalog.get(cid)
        mapped = sorted(info.controls.items()) if info is not None else []
        control_ids[cid] = [controls.setdefault(f"{fw}:{c}", len(controls)) for fw, cids in mapped for c in cids]
    out = [
        [
            r.rank, s_index[r.status], index[r.check_id], p_index[r.provider], k_index[r.kind], r.name, r.where,
            r.message, TAG_SEPARATOR.join(fold.tags.get(r.resource_id, [])), control_ids[r.check_id],
        ]
        for r in rows
    ]
    data = {
        "statuses": STATUSES, "checks": check_ids, "providers": sorted(fold.providers), "kinds": sorted(fold.kinds),
        "controls": list(controls), "rows": out, "omitted": fold.total - len(out),
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _failing_checks(controls: Iterable[ControlResult]) -> dict[str, list[str]]:
    """Per control, the checks with an unsuppressed failure: the "what to do" list."""
    out: dict[str, list[str]] = {}
    for c in controls:
        ids = dict.fromkeys(e.check_id for e in c.evidence if e.status == Status.FAIL and not e.suppressed)
        out[f"{c.framework}:{c.control_id}"] = list(ids)
    return out


def _controls_by_section(controls: Iterable[ControlResult]) -> list[tuple[str, list[ControlResult]]]:
    sections: dict[str, list[ControlResult]] = {}
    for c in controls:
        sections.setdefault(c.section, []).append(c)
    return list(sections.items())


def context(result: ScanResult) -> dict[str, Any]:
    fold = fold_findings(result)  # one bounded pass: counts exact, rows capped (see html_fold)
    catalog = catalog_of(result)
    checks: dict[str, dict[str, Any]] = {}
    by_check = []
    for cid in sorted(fold.groups):
        info = catalog[cid]
        checks[cid] = {
            "title": info.title, "severity": info.severity.value, "remediation": info.remediation,
            "references": link_urls(info.references),
        }
        group = fold.groups[cid]
        by_check.append({
            "id": cid, "severity": info.severity.value, "counts": group.counts, "total": group.total,
            "listed": min(group.total, bounds.ROWS_PER_CHECK),
        })
    rows = fold.rows()
    findings_json = _island(fold, rows, sorted(checks), catalog)
    # The static table serves readers without JavaScript and paper: every failure (failures sort
    # first), up to a bound, then the other results up to NOSCRIPT_LIMIT.
    failing_total = fold.failing
    static_n = max(bounds.NOSCRIPT_LIMIT, min(failing_total, bounds.PRINT_FAILURES_LIMIT))
    nojs = [
        {
            "rank": r.rank, "sev": r.severity, "status": r.status, "check": r.check_id, "provider": r.provider,
            "kind": r.kind, "name": r.name, "where": r.where, "message": r.message,
            "tags": fold.tags.get(r.resource_id, []),
        }
        for r in fold.static.items()[:static_n]
    ]
    shown_frameworks = {fw.id for fw in result.frameworks}
    control_options = [
        (f"{c.framework}:{c.control_id}", f"{c.framework.upper()} {c.control_id}: {c.title}")
        for c in result.controls
        if c.counts and c.framework in shown_frameworks
    ]
    new_findings = fold.new.items()
    first_seen = fold.first_seen.items()
    first_seen_more = fold.first_seen.omitted
    if not result.digest:
        digest_state = "(no digest recorded)"
    elif result.verify_digest():
        digest_state = "(verified: matches the result content)"
    else:
        digest_state = "(DOES NOT MATCH the result content: the result was changed after it was written)"
    return {
        "scan": result.scan, "tool": result.tool, "summary": result.summary(), "severities": SEVERITY_ORDER,
        "statuses": STATUSES, "frameworks": result.frameworks,
        "controls_by_fw": {
            fw.id: _controls_by_section(c for c in result.controls if c.framework == fw.id) for fw in result.frameworks
        },
        "names": fold.names, "checks": checks, "findings_json": findings_json, "findings_total": fold.total,
        "findings_listed": len(rows), "by_check": by_check, "rows_per_check": bounds.ROWS_PER_CHECK,
        "nojs_findings": nojs, "failing_total": failing_total,
        "failing_printed": min(failing_total, static_n), "check_ids": sorted(checks),
        "providers": sorted(fold.providers), "kinds": sorted(fold.kinds),
        "evidence_shown": bounds.EVIDENCE_SHOWN, "failing_checks_of": _failing_checks(result.controls),
        "control_options": control_options, "changes": result.changes, "new_findings": new_findings,
        "history": result.history, "first_seen": first_seen, "first_seen_more": first_seen_more,
        "suppressed": fold.suppressed.items(), "suppressed_total": fold.suppressed.seen,
        "errors": result.collection_errors, "inventory": fold.inventory_rows, "inventory_total": fold.inventory_total,
        "digest": result.digest,
        "digest_state": digest_state, "schema_version": result.schema_version or SCHEMA_VERSION,
        "score_chart": _score_chart(result) if result.frameworks else Markup(""),
        "trend_chart": _trend_chart(result),
    }


def render(result: ScanResult) -> str:
    template, css, js, script_hash = _assets()
    return str(template.render(css=css, js=js, script_hash=script_hash, **context(result)))
