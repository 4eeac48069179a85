"""Hand-off of a scan diff: a Markdown or JSON summary file, or a Slack-compatible webhook POST.

The webhook POST is the auditor's only outbound write, and it goes only to a URL the user gave
(``--notify URL`` or ``outputs.notify`` in the config). Webhook URLs are secrets (Slack's carry a
token in the path), so messages show only their scheme and host.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from auditor.history import ScanDiff, to_json, to_markdown, to_slack

TIMEOUT_SECONDS = 15


class NotifyError(Exception):
    """A summary could not be delivered."""


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def safe_target(target: str) -> str:
    """A webhook URL without its path and query (which hold the token)."""
    if not is_url(target):
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}/…"


def notify(diff: ScanDiff, target: str, fmt: str | None = None) -> str:
    """Deliver ``diff`` to a file (``.json`` → JSON, otherwise Markdown, unless ``fmt`` says) or a
    webhook URL. Returns a short description of where it went."""
    if is_url(target):
        post_webhook(target, to_slack(diff))
        return f"posted the summary to {safe_target(target)}"
    path = Path(target).expanduser()
    kind = (fmt or ("json" if path.suffix.lower() == ".json" else "md")).lower()
    if kind not in ("json", "md", "markdown"):
        raise NotifyError(f"--notify {target}: unknown summary format {kind!r} (json or md)")
    text = to_json(diff) if kind == "json" else to_markdown(diff)
    _write_atomic(path, text)
    return f"wrote the summary to {path}"


def _write_atomic(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".notify-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise NotifyError(f"--notify {path}: cannot write: {exc.strerror or exc}") from exc


def post_webhook(url: str, payload: dict[str, object]) -> None:
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "auditor"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise NotifyError(f"webhook {safe_target(url)} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NotifyError(f"webhook {safe_target(url)} could not be reached: {reason}") from exc
    if status >= 300:
        raise NotifyError(f"webhook {safe_target(url)} answered HTTP {status}")
