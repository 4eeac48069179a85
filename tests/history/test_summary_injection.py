"""Hostile resource names in the chat summaries: the ``auditor diff`` / ``--notify`` Markdown is
rendered by a real CommonMark renderer and must show only text; the Slack payload a loopback
webhook receives must carry no Slack control syntax (``<!channel>``, ``<url|label>``) and no
mention."""

from __future__ import annotations

import json
import re
from pathlib import Path

from markdown_it import MarkdownIt
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from auditor.findings import Severity
from auditor.history import diff_results, to_markdown
from auditor.notify import notify
from auditor.reports import render
from auditor.reports.text_escape import markdown_text

from .factory import finding, scan

HOSTILE = [
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "<javascript:alert(2)>",
    "![pixel](https://tracker.example/p.png)",
    "@security-team approve this",
    "<!channel> <https://evil.example/login|Open the bank>",
    "pipe | and\nnewline\r# heading",
]


def _diff():
    old = scan([], day=0)
    new = scan(
        [
            finding("bucket_public_read", f"arn:aws:s3:::b{i}", severity=Severity.CRITICAL).model_copy(
                update={"resource_name": name}
            )
            for i, name in enumerate(HOSTILE)
        ],
        day=1,
        scope="aws-<b>@ops</b>",
    )
    return diff_results(old, new), new


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def _assert_inert(html: str) -> None:
    assert "<a " not in html  # no link of any kind, javascript: or disguised
    assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert "<h1" not in html  # "# heading" stayed inside its cell
    assert not re.search(r"@[A-Za-z0-9]", html), "a name became a mention"


def test_diff_markdown_renders_hostile_names_as_text(tmp_path: Path) -> None:
    d, _ = _diff()
    md = to_markdown(d)
    html = _html(md)
    _assert_inert(html)
    assert "click me" in html and "security-team" in html  # still readable
    # the --notify file is the same Markdown
    notify(d, str(tmp_path / "changes.md"))
    _assert_inert(_html((tmp_path / "changes.md").read_text(encoding="utf-8")))


def test_md_report_and_diff_share_one_escaping() -> None:
    d, result = _diff()
    report = render(result, "md")
    _assert_inert(_html(report))
    for name in HOSTILE:
        escaped = markdown_text(name)
        assert escaped in report and escaped in to_markdown(d)


def test_slack_payload_carries_no_control_syntax_or_mentions(httpserver: HTTPServer) -> None:
    d, _ = _diff()
    received: list[dict] = []

    def handler(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("ok")

    httpserver.expect_request("/hooks/T1/B1/token", method="POST").respond_with_handler(handler)
    notify(d, httpserver.url_for("/hooks/T1/B1/token"))
    payload = received[0]
    texts = [payload["text"], *(b["text"]["text"] for b in payload["blocks"])]
    for text in texts:
        assert "<" not in text and ">" not in text  # Slack links, mentions and <!channel> all start with "<"
        assert not re.search(r"@[A-Za-z0-9]", text)
    body = "\n".join(texts)
    assert "&lt;!channel&gt;" in body and "Open the bank" in body  # shown as text, not acted on
