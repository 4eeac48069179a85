"""Outside text (resource names, messages, scopes) made inert for the chat and spreadsheet
formats: Markdown (the ``-f md`` report, ``auditor diff`` and ``--notify`` summaries), Slack
mrkdwn and CSV cells. One home, so every output that shows a name escapes it the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Every character a reader may take as a line break: CSV readers, spreadsheets and Markdown
# renderers do not agree on which ones end a row or a paragraph.
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~!(){}])")
# A zero-width space after "@" keeps the text readable but is no longer a mention of a user or
# team (GitHub, GitLab, Slack all need the name right after the "@").
_MENTION_BREAK = "@\u200b"
# Spreadsheets run a cell as a formula when it starts with one of these (OWASP's list); a
# fullwidth or leading-space variant is stripped or folded by some of them, so look past both.
_FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def one_line(text: str) -> str:
    """Every kind of line break and run of white space folded into one space."""
    return " ".join(_LINE_BREAKS.sub(" ", text).split())


def markdown_text(text: object) -> str:
    """Text that renders literally in Markdown: no markup, no raw HTML, no links, no table
    breaks, no mentions."""
    value = one_line("" if text is None else str(text))
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MD_SPECIAL.sub(r"\\\1", value)
    return value.replace("@", _MENTION_BREAK)


def slack_text(text: object) -> str:
    """Text for Slack mrkdwn: ``&``, ``<`` and ``>`` are the control characters of Slack's link,
    mention and ``<!channel>`` syntax, so escaping them (Slack's own rule) leaves only text."""
    value = one_line("" if text is None else str(text))
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("@", _MENTION_BREAK)


def csv_cell(value: object) -> str:
    """A cell no spreadsheet runs as a formula: line breaks folded first (a CR inside a cell can
    start a new row in some readers, and the text after it would be a fresh cell), then a
    leading formula character disarmed with an apostrophe."""
    text = one_line("" if value is None else str(value))
    if text and text[0] in _FORMULA_START:
        return "'" + text
    return text


def link_url(url: str) -> str | None:
    """A reference URL that may become a link: http or https only, no white space, quotes or
    angle brackets (a third-party check could declare ``javascript:`` or a broken URL)."""
    value = url.strip()
    if not value.lower().startswith(("https://", "http://")) or len(value) > 2000:
        return None
    if any(c.isspace() or c in "<>\"'`\\" or ord(c) < 32 for c in value):
        return None
    return value


def link_urls(urls: Iterable[str]) -> list[str]:
    return [u for u in (link_url(x) for x in urls) if u]
